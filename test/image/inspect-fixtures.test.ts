/**
 * `inspect` against the fixtures' expected facts (written by ocitool.py and checked with umoci):
 * every image in ../shared/fixtures/images, as oci-archive, as an OCI layout directory and as a
 * docker-archive (both derived here with tar and skopeo, as the fixtures README shows).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inspectImage } from "../../src/api.js";
import type { InspectReport } from "../../src/image/inspect.js";
import { fixturePath } from "../helpers/shared.js";

interface ExpectedImage {
  indexDigest: string;
  refName: string;
  nestedIndexDigests?: string[];
  manifest: { digest: string; size: number; mediaType: string };
  config: { digest: string; size: number };
  platform: { os: string; architecture: string; variant?: string };
  layers: {
    index: number;
    mediaType: string;
    digest: string;
    size: number;
    diffID: string;
    tarEntries: number;
    whiteouts: number;
    createdBy: string | null;
  }[];
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
  history: unknown[];
  squashed: Record<string, unknown>;
  whiteouts: { deletedPaths: string[]; details: unknown[]; opaqueDirs: string[] };
}

const imagesDir = fixturePath("images");
const names = readdirSync(imagesDir)
  .filter((f) => f.endsWith(".oci.tar"))
  .map((f) => f.replace(/\.oci\.tar$/, ""));

function expectedFor(name: string): ExpectedImage {
  const raw = JSON.parse(
    readFileSync(fixturePath("expected", `${name}.image.json`), "utf8"),
  ) as ExpectedImage & {
    platforms?: Record<string, ExpectedImage>;
  };
  return raw.platforms ? raw.platforms["linux/amd64"]! : raw;
}

/** The facts every form of the image shares (the filesystem and the config). */
function assertImageFacts(report: InspectReport, expected: ExpectedImage): void {
  expect(report.config.digest).toBe(expected.config.digest);
  expect(report.platform.os).toBe(expected.platform.os);
  expect(report.platform.architecture).toBe(expected.platform.architecture);
  expect(report.layers.map((l) => l.diffID)).toEqual(expected.layers.map((l) => l.diffID));
  expect(report.layers.map((l) => l.entries)).toEqual(expected.layers.map((l) => l.tarEntries));
  expect(report.layers.map((l) => l.whiteouts)).toEqual(expected.layers.map((l) => l.whiteouts));
  expect(report.layers.map((l) => l.createdBy)).toEqual(expected.layers.map((l) => l.createdBy));
  const c = expected.configFields;
  expect(report.config.created).toBe(c.created);
  expect(report.config.user).toBe(c.user);
  expect(report.config.env).toEqual(c.env);
  expect(report.config.cmd).toEqual(c.cmd);
  expect(report.config.entrypoint).toEqual(c.entrypoint);
  expect(report.config.workingDir).toBe(c.workingDir);
  expect(report.config.labels).toEqual(c.labels ?? {});
  expect(report.config.exposedPorts).toEqual(c.exposedPorts ?? []);
  expect(report.history).toEqual(expected.history);
  const { whiteouts, ...squashed } = report.filesystem;
  for (const [key, value] of Object.entries(expected.squashed)) {
    expect({ key, value: (squashed as Record<string, unknown>)[key] }).toEqual({ key, value });
  }
  expect(whiteouts.deletedPaths).toEqual(expected.whiteouts.deletedPaths);
  expect(whiteouts.details).toEqual(expected.whiteouts.details);
  expect(whiteouts.opaqueDirs).toEqual(expected.whiteouts.opaqueDirs);
}

describe.each(names)("inspect %s", (name) => {
  const expected = expectedFor(name);
  const archive = join(imagesDir, `${name}.oci.tar`);

  it("as oci-archive: manifest, config, layers and filesystem match the expected facts", async () => {
    const report = await inspectImage(`oci-archive:${archive}`, { cache: null });
    expect(report.manifest).toEqual(expected.manifest);
    expect(report.config.size).toBe(expected.config.size);
    expect(report.indexDigests).toEqual([expected.indexDigest, ...(expected.nestedIndexDigests ?? [])]);
    expect(report.names).toContain(expected.refName);
    expect(report.layers.map((l) => [l.digest, l.size, l.mediaType])).toEqual(
      expected.layers.map((l) => [l.digest, l.size, l.mediaType]),
    );
    assertImageFacts(report, expected);
  });
});

describe("derived forms: OCI layout directory and docker-archive", () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "shipshape-forms-"));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it.each(names)("%s read as oci:DIR and docker-archive: gives the same image", async (name) => {
    const expected = expectedFor(name);
    const layout = join(work, `${name}.oci`);
    execFileSync("mkdir", ["-p", layout]);
    execFileSync("tar", ["-xf", join(imagesDir, `${name}.oci.tar`), "-C", layout]);
    const fromLayout = await inspectImage(`oci:${layout}:${expected.refName}`, { cache: null });
    expect(fromLayout.manifest.digest).toBe(expected.manifest.digest);
    assertImageFacts(fromLayout, expected);

    const dockerArchive = join(work, `${name}.docker.tar`);
    execFileSync(
      "skopeo",
      [
        "copy",
        "--quiet",
        `oci:${layout}:${expected.refName}`,
        `docker-archive:${dockerArchive}:${name}:${expected.refName}`,
      ],
      { stdio: "pipe" },
    );
    const fromDocker = await inspectImage(`docker-archive:${dockerArchive}`, { cache: null });
    expect(fromDocker.names).toContain(`docker.io/library/${name}:${expected.refName}`);
    // docker-archive layers are the uncompressed tars: their digests are the diffIDs.
    assertImageFacts(fromDocker, expected);
  });
});
