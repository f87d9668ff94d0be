/**
 * Every hygiene rule on the real fixture images, with expectations taken from the fixtures' own
 * descriptions (fixtures/README.md "A scanner should find", build/debian12-app/Containerfile,
 * expected/*.image.json written by an independent reader and checked with umoci) and, for the busybox
 * images from other projects, from GNU tar's listing of their layers. Positive and negative cases
 * side by side: the careless debian12-app against its own minimal base, a distroless-like image,
 * Alpine and busybox images whose tools are busybox applets, and rpm/apk databases without files.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HygieneFinding } from "../../src/checks/rule.js";
import { type CheckResult, checkImage } from "../../src/checks/run.js";
import {
  BIN_DIRECTORIES,
  NETWORK_CLIENTS,
  PACKAGE_MANAGERS,
  SHELLS,
  type ToolSpec,
} from "../../src/checks/tool-table.js";
import { LayerCache } from "../../src/image/layer-cache.js";
import { fixturePath } from "../helpers/shared.js";
import { dockerArchiveEntries, dockerArchiveFile, type TarEntry } from "./tar-listing.js";

const NOW = new Date("2026-11-29T00:00:00Z");

const image = (name: string) => `oci-archive:${fixturePath("images", `${name}.oci.tar`)}`;
const ALPINE_39 = fixturePath(
  "real-images",
  "aquasecurity+trivy/_history/6013ed9fd7f0/integration/testdata/fixtures/alpine-39.tar.gz",
);
const DOCKLE_SYMBOLIC = fixturePath(
  "real-images",
  "goodwithtech+dockle/pkg/deckoder/extractor/docker/testdata/symbolic.tar",
);
const DIVE = fixturePath("real-images", "wagoodman+dive/.data/test-docker-image.tar");
const BUSYBOX_SKOPEO = fixturePath(
  "real-images",
  "snyk+snyk-docker-plugin/test/fixtures/docker-archives/skopeo-copy/busybox.tar",
);

interface ExpectedImage {
  squashed: { setuid: string[]; setgid: string[]; worldWritableFiles: string[] };
  history: { created_by?: string }[];
}
const expectedImage = (name: string) =>
  JSON.parse(readFileSync(fixturePath("expected", `${name}.image.json`), "utf8")) as ExpectedImage;

function of(result: CheckResult, rule: string): HygieneFinding[] {
  return result.findings.filter((f) => f.rule === rule);
}
const tools = (result: CheckResult, rule: string) =>
  of(result, rule)
    .map((f) => f.tool)
    .sort();
const paths = (result: CheckResult, rule: string) =>
  of(result, rule)
    .map((f) => f.path)
    .sort();
const rules = (result: CheckResult) => [...new Set(result.findings.map((f) => f.rule))].sort();

/** Tools whose names GNU tar lists in a bin directory of the image (all layers: these add no deletions). */
function toolsByTar(layers: TarEntry[][], specs: readonly ToolSpec[]): string[] {
  const present = new Set(layers.flat().map((e) => e.path));
  return specs
    .filter((s) =>
      s.names.some((n) => typeof n === "string" && BIN_DIRECTORIES.some((d) => present.has(`${d}/${n}`))),
    )
    .map((s) => s.tool)
    .sort();
}

describe("debian12-app: the careless image has every problem it was built with", () => {
  let r: CheckResult;
  const expected = expectedImage("debian12-app");
  beforeAll(async () => {
    r = await checkImage(image("debian12-app"), { now: NOW });
  });

  it("reports exactly the rules its Containerfile and README call for", () => {
    expect(rules(r)).toEqual(
      [
        "SS1001", // apt, dpkg
        "SS1002", // bash, dash, sh, rbash
        "SS1003", // curl, nc, openssl
        "SS1004", // strace
        "SS1005", // python3.11, perl
        "SS1006", // the base's setuid programs
        "SS1007", // the base's setgid programs
        "SS1010", // id_rsa, .env, .env.backup
        "SS1011", // the same files by name
        "SS1020", // no USER
        "SS1021", // tag latest
        "SS1026", // no HEALTHCHECK
        "SS1028", // ENV DB_PASSWORD=hunter2
        "SS1029", // … and in the history
      ].sort(),
    );
    expect(r.warnings).toEqual([]);
  });

  it("package managers dpkg and apt by file and database; no pip", () => {
    expect(tools(r, "SS1001")).toEqual(["apt", "dpkg"]);
    for (const f of of(r, "SS1001")) {
      expect(f.severity).toBe("medium");
      expect(f.title).toMatch(/\(package (apt|dpkg) \S+\)/);
    }
    expect(of(r, "SS1001").find((f) => f.tool === "apt")?.title).toContain("/usr/bin/apt-get");
  });

  it("shells, network clients (nc through its alternatives chain; wget deleted), strace, interpreters", () => {
    expect(tools(r, "SS1002")).toEqual(["bash", "dash", "rbash", "sh"]);
    expect(tools(r, "SS1003")).toEqual(["curl", "nc", "openssl"]);
    const nc = of(r, "SS1003").find((f) => f.tool === "nc")!;
    expect(nc.path).toBe("/usr/bin/nc");
    expect(nc.title).toContain("nc.openbsd");
    expect(r.findings.some((f) => f.tool === "wget")).toBe(false);
    expect(of(r, "SS1004").map((f) => [f.tool, f.path, f.severity])).toEqual([
      ["strace", "/usr/bin/strace", "high"],
    ]);
    expect(of(r, "SS1005").map((f) => [f.tool, f.path])).toEqual([
      ["perl", "/usr/bin/perl"],
      ["python", "/usr/bin/python3.11"],
    ]);
  });

  it("setuid/setgid programs are the ones the independent reader found; nothing world-writable", () => {
    expect(paths(r, "SS1006")).toEqual([...expected.squashed.setuid].sort());
    expect(paths(r, "SS1007")).toEqual([...expected.squashed.setgid].sort());
    expect(expected.squashed.worldWritableFiles).toEqual([]);
    expect(of(r, "SS1008")).toEqual([]);
  });

  it("secrets in layers, with the layer named, including the file deleted in layer 11", () => {
    const secrets = of(r, "SS1010").map((f) => [f.path, f.layer, f.severity]);
    expect(secrets).toEqual([
      ["/root/.ssh/id_rsa", 8, "critical"],
      ["/app/.env", 7, "info"],
      ["/root/.env.backup", 9, "info"],
    ]);
    const key = of(r, "SS1010").find((f) => f.path === "/root/.ssh/id_rsa")!;
    expect(key.title).toContain("RSA private key");
    const backup = of(r, "SS1010").find((f) => f.path === "/root/.env.backup")!;
    expect(backup.title).toContain("deleted in layer 11, still in the image");
    // AWS's documentation values: found, named as such, never printed.
    expect(backup.title).toMatch(/AWS access key ID \(a documentation EXAMPLE value\)/);
    expect(backup.title).toMatch(/AWS secret access key \(a documentation EXAMPLE value\)/);
    for (const f of r.findings) {
      expect(f.title).not.toContain("AKIAIOSFODNN7EXAMPLE");
      expect(f.title).not.toContain("wJalrXUtnFEMI");
      expect(f.title).not.toContain("hunter2");
    }
  });

  it("credential files by name, in every layer", () => {
    expect(of(r, "SS1011").map((f) => [f.path, f.layer])).toEqual([
      ["/app/.env", 7],
      ["/root/.env.backup", 9],
      ["/root/.ssh/id_rsa", 8],
    ]);
  });

  it("config: root, latest, no health check, DB_PASSWORD in Env and history", () => {
    expect(of(r, "SS1020")[0]!.title).toContain("User is unset");
    expect(of(r, "SS1021")[0]!.title).toContain("latest");
    expect(of(r, "SS1028").map((f) => f.title)).toEqual([
      "Environment variable DB_PASSWORD holds a literal value under a secret's name",
    ]);
    const historyIndex = expected.history.findIndex((h) => h.created_by?.includes("DB_PASSWORD"));
    expect(historyIndex).toBeGreaterThan(0);
    expect(of(r, "SS1029").map((f) => f.title)).toEqual([`History entry ${historyIndex} sets DB_PASSWORD`]);
  });

  it("no build-practice findings: every RUN cleans apt's lists and nothing uses ADD, sudo or dist-upgrade", () => {
    for (const id of ["SS1030", "SS1031", "SS1032", "SS1033", "SS1034", "SS1035"])
      expect(of(r, id)).toEqual([]);
  });

  it("exposes 8080, not SSH; built 9 days before NOW", () => {
    expect(of(r, "SS1025")).toEqual([]);
    expect(of(r, "SS1022")).toEqual([]);
    expect(of(r, "SS1023")).toEqual([]);
  });
});

describe("image age from `created` (debian12-app, built 2026-11-20T12:00Z)", () => {
  let cacheDir: string;
  beforeAll(() => {
    cacheDir = mkdtempSync(join(tmpdir(), "shipshape-check-age-"));
  });
  afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

  it("is reported past the limit, worse past a year, and the limit is an option", async () => {
    // One read; the other days come from the cache (image rules always run on the day given).
    const cache = new LayerCache(cacheDir);
    const ref = image("debian12-app");
    const later = await checkImage(ref, { cache, now: new Date("2027-06-01T00:00:00Z") });
    expect(of(later, "SS1022").map((f) => [f.severity, f.title])).toEqual([
      ["low", "The image was built 192 days ago (2026-11-20), more than 90"],
    ]);
    const muchLater = await checkImage(ref, { cache, now: new Date("2028-01-01T00:00:00Z") });
    expect(muchLater.cached).toBe(true);
    expect(of(muchLater, "SS1022")[0]!.severity).toBe("medium");
    const strict = await checkImage(ref, { cache, now: NOW, checks: { maxAgeDays: 7 } });
    expect(of(strict, "SS1022")[0]!.title).toContain("built 8 days ago");
  });
});

describe("debian12-minbase: the base has the OS's tools but none of the app's problems", () => {
  let r: CheckResult;
  const expected = expectedImage("debian12-minbase");
  beforeAll(async () => {
    r = await checkImage(image("debian12-minbase"), { now: NOW });
  });

  it("reports the base's package managers, shells, perl, setuid/setgid, root and no health check only", () => {
    expect(rules(r)).toEqual(["SS1001", "SS1002", "SS1005", "SS1006", "SS1007", "SS1020", "SS1026"]);
    expect(tools(r, "SS1001")).toEqual(["apt", "dpkg"]);
    expect(tools(r, "SS1002")).toEqual(["bash", "dash", "rbash", "sh"]);
    expect(tools(r, "SS1005")).toEqual(["perl"]);
    expect(paths(r, "SS1006")).toEqual([...expected.squashed.setuid].sort());
    expect(paths(r, "SS1007")).toEqual([...expected.squashed.setgid].sort());
  });

  it("no secrets (root's shadow entry is *), no network or debug tools, tag 12-minbase, Debian 12 supported", () => {
    for (const id of ["SS1003", "SS1004", "SS1010", "SS1011", "SS1012", "SS1013", "SS1021", "SS1024"]) {
      expect(of(r, id)).toEqual([]);
    }
  });
});

describe("distroless-like: no shell, no package manager, non-root, placeholder date", () => {
  let r: CheckResult;
  beforeAll(async () => {
    r = await checkImage(image("distroless-like"), { now: NOW });
  });

  it("reports only openssl, the unknown age and the missing health check", () => {
    expect(rules(r)).toEqual(["SS1003", "SS1023", "SS1026"]);
    expect(tools(r, "SS1003")).toEqual(["openssl"]);
  });

  it("says the epoch is a placeholder instead of calling the image 56 years old", () => {
    expect(of(r, "SS1022")).toEqual([]);
    expect(of(r, "SS1023")[0]!.title).toContain("1970-01-01T00:00:00Z is a placeholder date");
    expect(of(r, "SS1023")[0]!.severity).toBe("info");
  });
});

describe("alpine-apk: busybox applet symlinks, apk-tools in the database without a binary, EOL 3.4", () => {
  let r: CheckResult;
  beforeAll(async () => {
    r = await checkImage(image("alpine-apk"), { now: NOW });
  });

  it("finds the applets as shells and network clients, under their own names", () => {
    expect(rules(r)).toEqual(["SS1001", "SS1002", "SS1003", "SS1020", "SS1024", "SS1026"]);
    expect(of(r, "SS1002").map((f) => [f.tool, f.path])).toEqual([
      ["ash", "/bin/ash"],
      ["sh", "/bin/sh"],
    ]);
    expect(of(r, "SS1003").map((f) => [f.tool, f.path])).toEqual([
      ["nc", "/usr/bin/nc"],
      ["wget", "/usr/bin/wget"],
    ]);
    for (const f of [...of(r, "SS1002"), ...of(r, "SS1003")]) expect(f.title).toContain("→ /bin/busybox");
  });

  it("reports apk from the package database alone, at low severity", () => {
    const [apk] = of(r, "SS1001");
    expect(of(r, "SS1001")).toHaveLength(1);
    expect(apk).toMatchObject({ tool: "apk", severity: "low", path: "/lib/apk/db/installed" });
    expect(apk!.title).toContain("apk-tools");
  });

  it("Alpine 3.4 is past its end of life", () => {
    expect(of(r, "SS1024")[0]!.title).toMatch(
      /Alpine Linux v3\.4 reached its end of life on \d{4}-\d{2}-\d{2}/,
    );
  });
});

describe("rpm-mixed: the rpm database lists rpm and tdnf but their files are absent", () => {
  it("finds the package managers by database only and no shell", async () => {
    const r = await checkImage(image("rpm-mixed"), { now: NOW });
    expect(of(r, "SS1001").map((f) => [f.tool, f.severity])).toEqual([
      ["rpm", "low"],
      ["tdnf", "low"],
    ]);
    expect(of(r, "SS1002")).toEqual([]);
    expect(of(r, "SS1003")).toEqual([]);
  });
});

describe("real alpine:3.9 (Trivy's fixture, 2019): EOL, old, busybox applets, apk binary", () => {
  let r: CheckResult;
  let layers: TarEntry[][];
  beforeAll(async () => {
    r = await checkImage(`docker-archive:${ALPINE_39}`, { now: NOW });
    layers = dockerArchiveEntries(ALPINE_39);
  });

  it("shells, network clients and package managers are the ones tar lists in the bin directories", () => {
    expect(tools(r, "SS1002")).toEqual(toolsByTar(layers, SHELLS));
    expect(tools(r, "SS1003")).toEqual(toolsByTar(layers, NETWORK_CLIENTS));
    expect(tools(r, "SS1001")).toEqual(toolsByTar(layers, PACKAGE_MANAGERS));
    expect(tools(r, "SS1001")).toEqual(["apk"]);
    expect(of(r, "SS1001")[0]).toMatchObject({ path: "/sbin/apk", severity: "medium" });
    expect(of(r, "SS1001")[0]!.title).toContain("package apk-tools");
  });

  it("Alpine 3.9 is EOL (2020-11-01) and the image was built in 2019", () => {
    expect(of(r, "SS1024")[0]!.title).toBe("Alpine Linux v3.9 reached its end of life on 2020-11-01");
    expect(of(r, "SS1022")[0]).toMatchObject({ severity: "medium" });
    expect(of(r, "SS1022")[0]!.title).toContain("(2019-05-11)");
  });

  it("is tagged alpine:3.9 in RepoTags, so not latest", () => {
    expect(r.source.names).toEqual(["alpine:3.9"]);
    expect(of(r, "SS1021")).toEqual([]);
  });

  it("on a day before Alpine 3.9's end of life, the EOL rule is silent and the OS is not EOL", async () => {
    const then = await checkImage(`docker-archive:${ALPINE_39}`, { now: new Date("2020-06-01T00:00:00Z") });
    expect(of(then, "SS1024")).toEqual([]);
    expect(then.os).toMatchObject({ eol: false, eolDate: "2020-11-01" });
    expect(r.os).toMatchObject({ eol: true, eolDate: "2020-11-01" });
  });
});

describe("busybox images: hard-linked applets count as shells, network clients and package managers", () => {
  for (const [name, archive] of [
    ["snyk busybox (skopeo copy)", BUSYBOX_SKOPEO],
    ["dockle-test:v3", DOCKLE_SYMBOLIC],
  ] as const) {
    it(`${name}: the tools are the ones GNU tar lists`, async () => {
      const r = await checkImage(`docker-archive:${archive}`, { now: NOW });
      const layers = dockerArchiveEntries(archive);
      expect(toolsByTar(layers, SHELLS).length).toBeGreaterThan(0);
      expect(tools(r, "SS1002")).toEqual(toolsByTar(layers, SHELLS));
      expect(tools(r, "SS1003")).toEqual(toolsByTar(layers, NETWORK_CLIENTS));
      expect(tools(r, "SS1001")).toEqual(toolsByTar(layers, PACKAGE_MANAGERS));
    });
  }

  it("busybox saved by skopeo with empty RepoTags has no name to judge: no tag finding", async () => {
    const r = await checkImage(`docker-archive:${BUSYBOX_SKOPEO}`, { now: NOW });
    expect(r.source.names).toEqual([]);
    expect(of(r, "SS1021")).toEqual([]);
  });
});

describe("dockle-test:v3 (Dockle's own test image)", () => {
  let r: CheckResult;
  let layers: TarEntry[][];
  beforeAll(async () => {
    r = await checkImage(`docker-archive:${DOCKLE_SYMBOLIC}`, { now: NOW });
    layers = dockerArchiveEntries(DOCKLE_SYMBOLIC);
  });

  it("setuid/setgid come from the final modes: once-suid.txt lost its bit in the last layer", () => {
    const last = (path: string) =>
      layers
        .flat()
        .filter((e) => e.path === path)
        .at(-1)!;
    expect(last("/app/suid.txt").perms[2]).toBe("S");
    expect(last("/app/gid.txt").perms[5]).toBe("S");
    expect(last("/app/once-suid.txt").perms[2]).toBe("-");
    expect(paths(r, "SS1006")).toEqual(["/app/suid.txt"]);
    expect(paths(r, "SS1007")).toEqual(["/app/gid.txt"]);
    for (const f of [...of(r, "SS1006"), ...of(r, "SS1007")]) expect(f.dockle).toBe("CIS-DI-0008");
  });

  it("credentials.json (added under an opaque /app) is a credentials file in layer 1", () => {
    expect(of(r, "SS1011").map((f) => [f.path, f.layer, f.dockle])).toEqual([
      ["/app/credentials.json", 1, "CIS-DI-0010"],
    ]);
  });

  it("the second ADD is reported (CIS-DI-0009), the base's rootfs ADD is not", () => {
    expect(of(r, "SS1031").map((f) => f.title)).toEqual(["History entry 2 uses ADD"]);
  });

  it("is tagged v3, not latest", () => {
    expect(r.source.names).toEqual(["goodwithtech/dockle-test:v3"]);
    expect(of(r, "SS1021")).toEqual([]);
  });
});

describe("a real distroless root filesystem (static-debian11, honeyssh's root_fs.tar.gz) as dir:", () => {
  let root: string;
  let r: CheckResult;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "shipshape-distroless-root-"));
    execFileSync(
      "tar",
      [
        "-xzf",
        fixturePath("real-images", "josephlewis42+honeyssh/core/config/default/root_fs.tar.gz"),
        "-C",
        root,
      ],
      {
        stdio: "pipe",
      },
    );
    r = await checkImage(`dir:${root}`, { now: NOW });
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("no shell, package manager, network client or setuid file; no config, so no config findings", () => {
    expect(r.os).toMatchObject({ id: "debian", versionId: "11" });
    expect(rules(r)).toEqual(["SS1024"]);
  });

  it("Debian 11's LTS ended on 2026-08-31: EOL on NOW, not on 2026-06-01", async () => {
    expect(of(r, "SS1024")[0]!.title).toBe("Distroless reached its end of life on 2026-08-31");
    const before = await checkImage(`dir:${root}`, { now: new Date("2026-06-01T00:00:00Z") });
    expect(before.findings).toEqual([]);
  });
});

describe("dive-test:latest (dive's test image: busybox 1.29 + 13 layers)", () => {
  let r: CheckResult;
  beforeAll(async () => {
    r = await checkImage(`docker-archive:${DIVE}`, { now: NOW });
  });

  it("busybox's root account has an empty password (Dockle's DKL-LI-0001), as /etc/shadow says", () => {
    const shadow = dockerArchiveFile(DIVE, "/etc/shadow")!;
    const empty = shadow
      .split("\n")
      .map((l) => l.split(":"))
      .filter((f) => f.length > 1 && f[1] === "")
      .map((f) => f[0]);
    expect(empty).toEqual(["root"]);
    expect(of(r, "SS1012").map((f) => [f.title, f.severity, f.dockle])).toEqual([
      ["Account root has an empty password in /etc/shadow", "high", "DKL-LI-0001"],
    ]);
  });

  it("tagged latest in RepoTags", () => {
    expect(r.source.names).toEqual(["dive-test:latest"]);
    expect(of(r, "SS1021").map((f) => f.title)).toEqual(["The image is tagged latest (dive-test:latest)"]);
  });

  it("its whiteouts hide files but none of them holds a secret", () => {
    expect(of(r, "SS1010")).toEqual([]);
  });
});

describe("debian12-app as skopeo's docker-archive (RepoTags docker.io/library/debian12-app:latest)", () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "shipshape-check-docker-archive-"));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("gives the OCI archive's findings, layers included; the tag comes from RepoTags", async () => {
    const archive = join(work, "debian12-app.docker.tar");
    execFileSync(
      "skopeo",
      ["copy", "-q", image("debian12-app"), `docker-archive:${archive}:debian12-app:latest`],
      { stdio: "pipe" },
    );
    const [fromOci, fromDocker] = await Promise.all([
      checkImage(image("debian12-app"), { now: NOW }),
      checkImage(`docker-archive:${archive}`, { now: NOW }),
    ]);
    expect(fromDocker.source.names).toEqual(["docker.io/library/debian12-app:latest"]);
    const notTag = (r: CheckResult) => r.findings.filter((f) => f.rule !== "SS1021");
    expect(notTag(fromDocker)).toEqual(notTag(fromOci));
    expect(of(fromDocker, "SS1021").map((f) => f.title)).toEqual([
      "The image is tagged latest (docker.io/library/debian12-app:latest)",
    ]);
  });
});
