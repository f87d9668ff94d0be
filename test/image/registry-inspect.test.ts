/**
 * inspect from a registry: a real Debian docker-registry on 127.0.0.1, filled by skopeo from the
 * shared fixtures, read by `inspectImage` and by the CLI. The squashed facts and the config must be
 * the fixtures' expected/NAME.image.json (written by ocitool.py, checked with umoci). The layer cache
 * is proven across two images that share a base layer: a pass-through proxy in front of the registry
 * counts the blob GETs, and the shared blob must be fetched once.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type InspectOptions, inspectImage } from "../../src/api.js";
import type { InspectReport } from "../../src/image/inspect.js";
import { startRegistry, type TestRegistry } from "../helpers/registry.js";
import { type FaultProxy, startFaultProxy } from "../helpers/registry-fault-proxy.js";
import { fixturePath, repoPath } from "../helpers/shared.js";

interface ExpectedImage {
  manifest: { digest: string };
  config: { digest: string };
  platform: { os: string; architecture: string; variant?: string };
  nestedIndexDigests?: string[];
  layers: { digest: string; diffID: string }[];
  configFields: {
    created: string;
    user: string;
    env: string[];
    cmd: string[] | null;
    entrypoint: string[] | null;
    workingDir: string;
    labels: Record<string, string> | null;
    exposedPorts: string[] | null;
  };
  squashed: Record<string, unknown>;
  whiteouts: { deletedPaths: string[]; details: unknown[]; opaqueDirs: unknown[] };
}

function expected(name: string, platform?: string): ExpectedImage {
  const doc = JSON.parse(
    readFileSync(fixturePath("expected", `${name}.image.json`), "utf8"),
  ) as ExpectedImage & {
    platforms?: Record<string, ExpectedImage>;
  };
  if (platform === undefined) return doc;
  const chosen = doc.platforms?.[platform];
  if (!chosen) throw new Error(`expected/${name}.image.json has no platform ${platform}`);
  return chosen;
}

// Tags as the fixtures' index.json names them.
const PUSHED = {
  "debian12-app": "debian12-app:latest",
  "distroless-like": "distroless-like:nonroot",
  "debian12-minbase": "debian12-minbase:12-minbase",
  multiarch: "multiarch:12-multiarch",
} as const;

let registry: TestRegistry;
let proxy: FaultProxy;
let home: string;

beforeAll(async () => {
  registry = await startRegistry();
  await Promise.all([
    registry.push("debian12-app", PUSHED["debian12-app"]),
    registry.push("distroless-like", PUSHED["distroless-like"]),
    registry.push("debian12-minbase", PUSHED["debian12-minbase"]),
    registry.push("multiarch", PUSHED.multiarch, { all: true }),
  ]);
  // Pass-through: no fault rules, no redirects; it only records what the client asked for.
  proxy = await startFaultProxy(registry);
  // The CLI reads no auth files of the machine: HOME and the credential paths point at an empty dir.
  home = mkdtempSync(join(tmpdir(), "shipshape-registry-inspect-"));
});

afterAll(async () => {
  await proxy?.stop();
  await registry?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

const apiOptions = (extra: InspectOptions = {}): InspectOptions => ({
  cache: null,
  registry: { insecure: true, authFiles: [] },
  ...extra,
});

/**
 * Run the built CLI asynchronously (helpers/cli.ts's runCli blocks this process, and with it the
 * proxy that runs in this process). Its environment names an empty HOME and credential paths.
 */
function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  if (!existsSync(repoPath("dist", "cli", "main.js")))
    throw new Error("dist/ is missing: run `npm run build` first");
  const env = {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_RUNTIME_DIR: join(home, "run"),
    DOCKER_CONFIG: join(home, ".docker"),
    REGISTRY_AUTH_FILE: join(home, "auth.json"),
    SHIPSHAPE_CACHE_DIR: join(home, "default-cache-unused"),
  };
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [repoPath("bin", "shipshape.js"), ...args],
      { env, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The squashed filesystem, whiteouts and config facts inspect reports, against the expected file. */
function assertExpectedFacts(report: InspectReport, want: ExpectedImage): void {
  expect(report.transport).toBe("registry");
  expect(report.manifest.digest).toBe(want.manifest.digest);
  expect(report.config.digest).toBe(want.config.digest);
  expect(report.platform).toEqual(want.platform);
  expect(report.layers.map((l) => [l.digest, l.diffID])).toEqual(
    want.layers.map((l) => [l.digest, l.diffID]),
  );
  const { whiteouts, ...squashed } = report.filesystem;
  // Every expected key (regularFiles, hardlinks, symlinks, directories, regularBytes, setuid, setgid…).
  const keys = Object.keys(want.squashed);
  expect(keys).toEqual(
    expect.arrayContaining([
      "regularFiles",
      "hardlinks",
      "symlinks",
      "directories",
      "regularBytes",
      "setuid",
      "setgid",
    ]),
  );
  expect(Object.fromEntries(keys.map((k) => [k, (squashed as Record<string, unknown>)[k]]))).toEqual(
    want.squashed,
  );
  expect(whiteouts.deletedPaths).toEqual(want.whiteouts.deletedPaths);
  expect(whiteouts.details).toEqual(want.whiteouts.details);
  expect(whiteouts.opaqueDirs).toEqual(want.whiteouts.opaqueDirs);
  const c = want.configFields;
  expect({
    created: report.config.created,
    user: report.config.user,
    env: report.config.env,
    cmd: report.config.cmd,
    entrypoint: report.config.entrypoint,
    workingDir: report.config.workingDir,
    labels: report.config.labels,
    exposedPorts: report.config.exposedPorts,
  }).toEqual({
    ...c,
    // The report says "none" as an empty map/list where the config has no field.
    labels: c.labels ?? {},
    exposedPorts: c.exposedPorts ?? [],
  });
}

describe("inspectImage from a registry", () => {
  it.each(["debian12-app", "distroless-like"] as const)(
    "%s: squashed filesystem, whiteouts and config as expected",
    async (name) => {
      const report = await inspectImage(`${registry.host}/${PUSHED[name]}`, apiOptions());
      assertExpectedFacts(report, expected(name));
      expect(report.names).toEqual([`${registry.host}/${PUSHED[name]}`]);
      expect(report.indexDigests).toEqual([]);
      expect(report.layers.every((l) => !l.fromCache)).toBe(true);
    },
  );

  it("multiarch linux/amd64: the nested index is walked and the amd64 image is the expected one", async () => {
    const report = await inspectImage(
      `${registry.host}/${PUSHED.multiarch}`,
      apiOptions({ platform: { os: "linux", architecture: "amd64" } }),
    );
    const want = expected("multiarch", "linux/amd64");
    assertExpectedFacts(report, want);
    expect(report.indexDigests).toEqual(want.nestedIndexDigests);
  });

  it("multiarch linux/arm64/v8: the placeholder image with 3 regular files", async () => {
    const report = await inspectImage(
      `${registry.host}/${PUSHED.multiarch}`,
      apiOptions({ platform: { os: "linux", architecture: "arm64", variant: "v8" } }),
    );
    const want = expected("multiarch", "linux/arm64/v8");
    assertExpectedFacts(report, want);
    expect(report.filesystem.regularFiles).toBe(3);
  });
});

describe("shipshape inspect (CLI) from a registry", () => {
  it("--insecure --no-cache --format json: exit 0 and the expected file counts", async () => {
    const r = await cli([
      "inspect",
      "--insecure",
      "--no-cache",
      "--format",
      "json",
      `${registry.host}/${PUSHED["debian12-app"]}`,
    ]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    const report = JSON.parse(r.stdout) as InspectReport;
    const want = expected("debian12-app");
    expect(report.filesystem.regularFiles).toBe(want.squashed.regularFiles);
    expect(report.filesystem.symlinks).toBe(want.squashed.symlinks);
    expect(report.manifest.digest).toBe(want.manifest.digest);
  });

  it("a tag the registry does not have: exit 2 and one line on stderr naming it", async () => {
    const reference = `${registry.host}/debian12-app:no-such-tag`;
    const r = await cli(["inspect", "--insecure", "--no-cache", "--format", "json", reference]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    const lines = r.stderr.split("\n").filter((l) => l !== "");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(reference);
  });
});

describe("the layer cache across images that share a base layer", () => {
  it("debian12-app after debian12-minbase reads its base layer from the cache; the registry serves that blob once", async () => {
    const cacheDir = join(home, "layer-cache");
    const base = expected("debian12-minbase").layers[0]!;
    const app = expected("debian12-app");
    // The fixtures share the base layer blob (same digest): that is what makes the cache matter here.
    expect(app.layers[0]!.digest).toBe(base.digest);
    const blobGets = (digest: string) =>
      proxy.seen.filter((s) => s.method === "GET" && s.path.endsWith(`/blobs/${digest}`)).length;
    expect(blobGets(base.digest)).toBe(0);

    const inspect = async (repoTag: string) => {
      const r = await cli([
        "inspect",
        "--insecure",
        "--cache-dir",
        cacheDir,
        "--format",
        "json",
        `${proxy.host}/${repoTag}`,
      ]);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
      return JSON.parse(r.stdout) as InspectReport;
    };
    const first = await inspect(PUSHED["debian12-minbase"]);
    expect(first.layers.map((l) => l.fromCache)).toEqual([false]);
    expect(blobGets(base.digest)).toBe(1);

    const second = await inspect(PUSHED["debian12-app"]);
    expect(second.layers.map((l) => l.fromCache)).toEqual(app.layers.map((_, i) => i === 0));
    // The cached layer still counts: the app's filesystem is complete.
    expect(second.filesystem.regularFiles).toBe(app.squashed.regularFiles);
    expect(second.layers[0]!.diffID).toBe(base.diffID);
    // The base blob was fetched for debian12-minbase only; every other app layer exactly once.
    expect(blobGets(base.digest)).toBe(1);
    expect(
      proxy.seen.filter((s) => s.method === "GET" && s.path === `/v2/debian12-app/blobs/${base.digest}`),
    ).toEqual([]);
    expect(app.layers.slice(1).map((l) => blobGets(l.digest))).toEqual(app.layers.slice(1).map(() => 1));
  });
});
