/**
 * Acceptance for Ubuntu, end to end (catalog → SQLite store built by the importer → matchPackages).
 * No real Ubuntu image is among the fixtures, so this one is SYNTHETIC: a root filesystem made here
 * (`dir:` reference) from a real Ubuntu 18.04 dpkg status database (Trivy's dpkg test data, 90
 * packages) and an os-release written for 18.04 (bionic).
 *
 * Data: the real Canonical documents of vunnel's fixture (OSV + USN + VEX; CVE-2016-20013 reaches
 * this image through glibc, fixed only in Ubuntu Pro for 18.04), plus OSV/USN/VEX documents written
 * here in Canonical's shapes for source packages the image installs, one per situation. Each case
 * states what Ubuntu's semantics imply; the expected findings are derived from that statement and
 * dpkg comparison of the image's SOURCE versions, not from the importer.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalogImageResult } from "../../src/api.js";
import type { Package } from "../../src/catalog/package.js";
import { matchPackages } from "../../src/match/match.js";
import { compareVersions } from "../../src/versions/index.js";
import { ubuntuImporter } from "../../src/vulndb/feeds/ubuntu.js";
import type { AffectedStatus, Severity } from "../../src/vulndb/records.js";
import { dataPath, fixturePath } from "../helpers/shared.js";
import { type BuiltStore, buildStore } from "../vulndb/feeds/build-store.js";

type Entry = { ecosystem: string; fixed?: string };
interface Case {
  id: string;
  source: string;
  priority: string;
  entries: Entry[];
  /** VEX action/justification for bionic, when Canonical states one. */
  vex?: { status: string; justification?: string; action?: string };
  /** What it means for an installed package of that source on 18.04 (null: never reported). */
  expect: { status: AffectedStatus; severity: Severity; fixed?: string; below?: string } | null;
}

const WONT_FIX =
  "This package (for the given release) is vulnerable to the CVE, the problem is understood, but the Ubuntu Security Team decided to not fix it.";
const UNSUPPORTED =
  "This package (for the given release) is no longer supported. Please upgrade your system.";

const CASES: Case[] = [
  {
    id: "CVE-2099-1001",
    source: "zlib",
    priority: "high",
    entries: [{ ecosystem: "Ubuntu:18.04:LTS", fixed: "1:1.2.11.dfsg-0ubuntu2.1" }],
    expect: { status: "fixed", severity: "high", fixed: "1:1.2.11.dfsg-0ubuntu2.1" },
  },
  {
    id: "CVE-2099-1002",
    source: "zlib",
    priority: "medium",
    entries: [{ ecosystem: "Ubuntu:18.04:LTS", fixed: "1:1.2.11.dfsg-0ubuntu1" }],
    expect: { status: "fixed", severity: "medium", fixed: "1:1.2.11.dfsg-0ubuntu1" },
  },
  {
    id: "CVE-2099-1003",
    source: "tar",
    priority: "low",
    entries: [{ ecosystem: "Ubuntu:18.04:LTS" }],
    vex: { status: "affected", action: WONT_FIX },
    expect: { status: "will-not-fix", severity: "low" },
  },
  {
    id: "CVE-2099-1004",
    source: "bash",
    priority: "medium",
    entries: [{ ecosystem: "Ubuntu:18.04:LTS" }],
    vex: { status: "not_affected", justification: "vulnerable_code_not_present" },
    expect: null,
  },
  {
    id: "CVE-2099-1005",
    source: "systemd",
    priority: "low",
    entries: [{ ecosystem: "Ubuntu:18.04:LTS" }],
    expect: { status: "affected", severity: "low" },
  },
  {
    id: "CVE-2099-1006",
    source: "perl",
    priority: "medium",
    entries: [{ ecosystem: "Ubuntu:Pro:18.04:LTS", fixed: "5.26.1-6ubuntu0.2+esm1" }],
    expect: { status: "will-not-fix", severity: "medium", below: "5.26.1-6ubuntu0.2+esm1" },
  },
  {
    id: "CVE-2099-1007",
    source: "libgcrypt20",
    priority: "medium",
    entries: [{ ecosystem: "Ubuntu:Pro:18.04:LTS", fixed: "1.8.1-4ubuntu1.1" }],
    expect: { status: "will-not-fix", severity: "medium", below: "1.8.1-4ubuntu1.1" },
  },
  {
    id: "CVE-2099-1008",
    source: "shadow",
    priority: "high",
    entries: [{ ecosystem: "Ubuntu:20.04:LTS", fixed: "1:4.8.1-1ubuntu5.20.04.1" }],
    expect: null,
  },
  {
    id: "CVE-2099-1009",
    source: "gnupg2",
    priority: "negligible",
    entries: [{ ecosystem: "Ubuntu:18.04:LTS" }],
    vex: { status: "affected", action: UNSUPPORTED },
    expect: { status: "end-of-life", severity: "negligible" },
  },
];

function osvDocument(c: Case): object {
  return {
    schema_version: "1.7.0",
    id: `UBUNTU-${c.id}`,
    details: `test case ${c.id}`,
    aliases: [],
    upstream: [c.id],
    related: [],
    severity: [{ type: "Ubuntu", score: c.priority }],
    published: "2099-01-01T00:00:00Z",
    modified: "2099-01-02T00:00:00Z",
    affected: c.entries.map((e) => ({
      package: { ecosystem: e.ecosystem, name: c.source },
      ranges: [
        { type: "ECOSYSTEM", events: [{ introduced: "0" }, ...(e.fixed ? [{ fixed: e.fixed }] : [])] },
      ],
    })),
  };
}

const USN = {
  schema_version: "1.7.0",
  id: "USN-9999-1",
  summary: "zlib vulnerability",
  published: "2099-02-03T10:00:00Z",
  upstream: ["UBUNTU-CVE-2099-1001"],
  affected: [
    {
      package: { ecosystem: "Ubuntu:18.04:LTS", name: "zlib" },
      ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "1:1.2.11.dfsg-0ubuntu2.1" }] }],
    },
  ],
};

function vexDocument(): object {
  return {
    "@context": "https://openvex.dev/ns/v0.2.0",
    "@id": "test",
    author: "test",
    timestamp: "2099-01-02T00:00:00Z",
    version: 1,
    statements: CASES.filter((c) => c.vex).map((c) => ({
      vulnerability: { name: c.id },
      status: c.vex!.status,
      ...(c.vex!.justification ? { justification: c.vex!.justification } : {}),
      ...(c.vex!.action ? { action_statement: c.vex!.action } : {}),
      products: [
        { "@id": `pkg:deb/ubuntu/${c.source}@1?arch=source&distro=bionic` },
        { "@id": `pkg:deb/ubuntu/${c.source}-doc@1?arch=amd64&distro=bionic` },
      ],
    })),
  };
}

const OS_RELEASE = `NAME="Ubuntu"
VERSION="18.04.1 LTS (Bionic Beaver)"
ID=ubuntu
ID_LIKE=debian
PRETTY_NAME="Ubuntu 18.04.1 LTS"
VERSION_ID="18.04"
VERSION_CODENAME=bionic
UBUNTU_CODENAME=bionic
`;

let dir: string;
let built: BuiltStore;
let packages: Package[];
let result: Awaited<ReturnType<typeof matchPackages>>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ubuntu-synthetic-"));
  // The image: a real dpkg status (from the txtar's `-- var/lib/dpkg/status --` section) + os-release.
  const txtar = readFileSync(
    fixturePath(
      "pkgdb",
      "aquasecurity",
      "trivy",
      "pkg",
      "fanal",
      "analyzer",
      "pkg",
      "dpkg",
      "testdata",
      "valid.txtar",
    ),
    "utf8",
  );
  const status = txtar.split(/^-- var\/lib\/dpkg\/status --\n/m)[1]!.split(/^-- /m)[0]!;
  const root = join(dir, "rootfs");
  mkdirSync(join(root, "etc"), { recursive: true });
  mkdirSync(join(root, "var", "lib", "dpkg"), { recursive: true });
  writeFileSync(join(root, "etc", "os-release"), OS_RELEASE);
  writeFileSync(join(root, "var", "lib", "dpkg", "status"), status);
  // The data written here in Canonical's shapes.
  const data = join(dir, "data");
  mkdirSync(join(data, "osv", "cve", "2099"), { recursive: true });
  mkdirSync(join(data, "osv", "usn"), { recursive: true });
  mkdirSync(join(data, "vex", "cve", "2099"), { recursive: true });
  for (const c of CASES)
    writeFileSync(join(data, "osv", "cve", "2099", `UBUNTU-${c.id}.json`), JSON.stringify(osvDocument(c)));
  writeFileSync(join(data, "osv", "usn", "USN-9999-1.json"), JSON.stringify(USN));
  writeFileSync(join(data, "vex", "cve", "2099", "CVE-2099-all.json"), JSON.stringify(vexDocument()));
  const real = dataPath("vuln", "fixtures", "vunnel-fixtures", "ubuntu", "test-fixtures");
  built = await buildStore([
    { importer: ubuntuImporter, inputs: [data, join(real, "osv"), join(real, "vex")] },
  ]);

  const { result: cataloged } = await catalogImageResult(`dir:${root}`, { cache: null });
  packages = cataloged.packages;
  result = await matchPackages(cataloged.packages, cataloged.os, built.store);
});
afterAll(async () => {
  await built?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe("a synthetic Ubuntu 18.04 image (real dpkg database) against Ubuntu data", () => {
  it("is cataloged as Ubuntu 18.04 with the database's 90 packages", () => {
    expect(packages.filter((p) => p.type === "deb")).toHaveLength(90);
    expect(result.missingNamespaces).toEqual([]);
    expect(result.warnings).toEqual([]);
  });

  it("reports exactly what each situation implies, per binary, keyed by source", () => {
    const expected = new Map<string, { status: AffectedStatus; severity: Severity; fixed: string | null }>();
    for (const p of packages.filter((x) => x.type === "deb")) {
      const source = p.sourceName ?? p.name;
      const version = p.sourceVersion ?? p.version;
      for (const c of CASES.filter((x) => x.source === source && x.expect)) {
        const e = c.expect!;
        if (e.fixed && compareVersions("deb", version, e.fixed) >= 0) continue;
        if (e.below && compareVersions("deb", version, e.below) >= 0) continue;
        expected.set(`${c.id} ${p.name}`, { status: e.status, severity: e.severity, fixed: e.fixed ?? null });
      }
      // Real data: CVE-2016-20013 is fixed for glibc only in Ubuntu Pro 18.04 (vunnel's 18.04 snapshot
      // says wont-fix for glibc); Canonical's priority is negligible.
      if (source === "glibc")
        expected.set(`CVE-2016-20013 ${p.name}`, {
          status: "will-not-fix",
          severity: "negligible",
          fixed: null,
        });
    }
    expect(expected.has("CVE-2099-1001 zlib1g")).toBe(true);
    expect(expected.has("CVE-2016-20013 libc6")).toBe(true);
    const actual = new Map(
      result.findings.map((f) => [
        `${f.id} ${f.pkgName}`,
        { status: f.status, severity: f.severity, fixed: f.fixedVersion },
      ]),
    );
    expect(actual).toEqual(expected);
  });

  it("names the USN and its date for a fix, and the vendor as severity source", () => {
    const zlib = result.findings.find((f) => f.id === "CVE-2099-1001")!;
    expect(zlib).toMatchObject({
      pkgName: "zlib1g",
      namespace: "ubuntu:18.04",
      source: "ubuntu",
      severitySource: "ubuntu",
      fixable: true,
      advisory: "USN-9999-1",
      fixPublished: "2099-02-03",
      aliases: ["UBUNTU-CVE-2099-1001"],
    });
    const perl = result.findings.find((f) => f.id === "CVE-2099-1006")!;
    expect(perl).toMatchObject({ status: "will-not-fix", fixable: false, fixedVersion: null });
  });
});
