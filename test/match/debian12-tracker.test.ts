/**
 * Acceptance: the debian12 fixture images against Debian security tracker data, end to end
 * (catalog → SQLite store built by the importer → matchPackages).
 *
 * The real tracker fixture (vunnel's trimmed `data/json` + DSA list) names no source package these
 * images install (prototypejs, txt2man, backupninja, chromium, sope), so it proves only that other
 * packages' data stays out. The cases below are written here in the tracker's real JSON shape for
 * source packages the images do install, one per tracker situation; each case states what Debian's
 * semantics imply, and the expected findings are derived from that statement and dpkg version
 * comparison of the image's SOURCE versions — not from the importer.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalogImageResult } from "../../src/api.js";
import type { Package } from "../../src/catalog/package.js";
import { matchPackages } from "../../src/match/match.js";
import { compareVersions } from "../../src/versions/index.js";
import { debianTrackerImporter } from "../../src/vulndb/feeds/debian-tracker.js";
import type { AffectedStatus, Severity } from "../../src/vulndb/records.js";
import { dataPath, fixturePath } from "../helpers/shared.js";
import { type BuiltStore, buildStore } from "../vulndb/feeds/build-store.js";

interface Case {
  source: string;
  id: string;
  /** The bookworm entry, as the tracker JSON writes it. */
  bookworm: Record<string, unknown>;
  /** What it means for an installed package of that source (null: never reported). */
  expect: { status: AffectedStatus; severity: Severity; fixed?: string } | null;
}

const CASES: Case[] = [
  // A fix above the installed glibc 2.36-9+deb12u14: every binary of glibc (libc6, libc-bin) is affected.
  {
    source: "glibc",
    id: "CVE-2099-0001",
    bookworm: { status: "resolved", fixed_version: "2.36-9+deb12u99", urgency: "high**" },
    expect: { status: "fixed", severity: "high", fixed: "2.36-9+deb12u99" },
  },
  // Fixed long ago, below the installed version: nothing to report.
  {
    source: "glibc",
    id: "CVE-2099-0002",
    bookworm: { status: "resolved", fixed_version: "2.36-9+deb12u1", urgency: "medium" },
    expect: { status: "fixed", severity: "medium", fixed: "2.36-9+deb12u1" },
  },
  // "0": bookworm was never affected.
  {
    source: "util-linux",
    id: "CVE-2099-0003",
    bookworm: { status: "resolved", fixed_version: "0", urgency: "unimportant" },
    expect: null,
  },
  // Open, no fix yet: affected, unfixed.
  {
    source: "systemd",
    id: "CVE-2099-0004",
    bookworm: { status: "open", urgency: "unimportant" },
    expect: { status: "affected", severity: "negligible" },
  },
  // Undetermined: treated as affected without a fix.
  {
    source: "zlib",
    id: "CVE-2099-0005",
    bookworm: { status: "undetermined", urgency: "not yet assigned" },
    expect: { status: "affected", severity: "unknown" },
  },
  // no-dsa, ignored: Debian will not fix it in bookworm.
  {
    source: "tar",
    id: "CVE-2099-0006",
    bookworm: { status: "open", urgency: "low", nodsa: "Minor issue", nodsa_reason: "ignored" },
    expect: { status: "will-not-fix", severity: "low" },
  },
  // no-dsa, postponed: deferred to a later point release.
  {
    source: "perl",
    id: "CVE-2099-0007",
    bookworm: { status: "open", urgency: "medium*", nodsa: "Minor issue", nodsa_reason: "postponed" },
    expect: { status: "deferred", severity: "medium" },
  },
  // The package is no longer supported in this release.
  {
    source: "gnupg2",
    id: "CVE-2099-0008",
    bookworm: { status: "open", urgency: "end-of-life" },
    expect: { status: "end-of-life", severity: "unknown" },
  },
  // An epoch in the source version: zlib 1:1.2.13.dfsg-1 is below 1:1.2.13.dfsg-1+deb12u1.
  {
    source: "zlib",
    id: "CVE-2099-0009",
    bookworm: { status: "resolved", fixed_version: "1:1.2.13.dfsg-1+deb12u1", urgency: "low" },
    expect: { status: "fixed", severity: "low", fixed: "1:1.2.13.dfsg-1+deb12u1" },
  },
  // A TEMP id (no CVE yet) is tracked like a CVE.
  {
    source: "bash",
    id: "TEMP-0000000-2099AB",
    bookworm: { status: "open", urgency: "unimportant" },
    expect: { status: "affected", severity: "negligible" },
  },
];

/** The tracker JSON for the cases, plus entries that must never reach a bookworm image. */
function trackerDocument(): Record<string, Record<string, unknown>> {
  const doc: Record<string, Record<string, unknown>> = {};
  for (const c of CASES) {
    doc[c.source] ??= {};
    doc[c.source]![c.id] = {
      description: `test case ${c.id}`,
      releases: { bookworm: { ...c.bookworm, repositories: { bookworm: "x" } } },
    };
  }
  // Affects bullseye and sid only: a debian 12 image must not see it.
  doc.glibc!["CVE-2099-0010"] = {
    releases: {
      bullseye: { status: "open", urgency: "high" },
      sid: { status: "resolved", fixed_version: "2.99-1", urgency: "high" },
    },
  };
  // Keyed by a BINARY name (libc6): the tracker keys by source, so this must never match.
  doc.libc6 = { "CVE-2099-0011": { releases: { bookworm: { status: "open", urgency: "high" } } } };
  return doc;
}

const DSA_LIST =
  "[10 Jan 2099] DSA-9999-1 glibc - security update\n\t{CVE-2099-0001}\n\t[bookworm] - glibc 2.36-9+deb12u99\n";

let dir: string;
let built: BuiltStore;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "debian12-tracker-"));
  writeFileSync(join(dir, "tracker.json"), JSON.stringify(trackerDocument(), null, 1));
  writeFileSync(join(dir, "DSA-list"), DSA_LIST);
  const vunnel = dataPath("vuln", "fixtures", "vunnel-fixtures", "debian", "test-fixtures", "input");
  built = await buildStore([
    {
      importer: debianTrackerImporter,
      inputs: [
        join(dir, "tracker.json"),
        join(dir, "DSA-list"),
        join(vunnel, "debian.json"),
        join(vunnel, "DSA"),
      ],
    },
  ]);
});
afterAll(async () => {
  await built?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function expectedFindings(
  packages: Package[],
): Map<string, { status: AffectedStatus; severity: Severity; fixed: string | null }> {
  const out = new Map<string, { status: AffectedStatus; severity: Severity; fixed: string | null }>();
  for (const p of packages.filter((x) => x.type === "deb")) {
    const source = p.sourceName ?? p.name;
    const sourceVersion = p.sourceVersion ?? p.version;
    for (const c of CASES.filter((x) => x.source === source && x.expect !== null)) {
      const e = c.expect!;
      if (e.fixed !== undefined && compareVersions("deb", sourceVersion, e.fixed) >= 0) continue;
      out.set(`${c.id} ${p.name}`, { status: e.status, severity: e.severity, fixed: e.fixed ?? null });
    }
  }
  return out;
}

describe.each(["debian12-minbase", "debian12-app"])("%s against Debian tracker data", (image) => {
  let packages: Package[];
  let result: Awaited<ReturnType<typeof matchPackages>>;
  beforeAll(async () => {
    const { result: cataloged } = await catalogImageResult(
      `oci-archive:${fixturePath("images", `${image}.oci.tar`)}`,
      {
        cache: null,
      },
    );
    packages = cataloged.packages;
    result = await matchPackages(cataloged.packages, cataloged.os, built.store);
  });

  it("reports exactly what each tracker situation implies, per binary, keyed by source", () => {
    const expected = expectedFindings(packages);
    const osFindings = result.findings.filter((f) => f.pkgType === "deb");
    expect(
      new Map(
        osFindings.map((f) => [
          `${f.id} ${f.pkgName}`,
          { status: f.status, severity: f.severity, fixed: f.fixedVersion },
        ]),
      ),
    ).toEqual(expected);
    // glibc's CVE reaches libc6 and libc-bin (binary names of source glibc).
    expect(expected.has("CVE-2099-0001 libc6")).toBe(true);
    expect(expected.has("CVE-2099-0001 libc-bin")).toBe(true);
    expect(result.warnings).toEqual([]);
    // The database has Debian's data; only language ecosystems (debian12-app's Go binary) lack theirs.
    expect(result.missingNamespaces).not.toContain("debian:12");
    expect(result.missingNamespaces.every((ns) => !ns.startsWith("debian"))).toBe(true);
  });

  it("never reports the never-affected, other releases' or binary-keyed entries", () => {
    const ids = new Set(result.findings.map((f) => f.id));
    for (const id of ["CVE-2099-0003", "CVE-2099-0010", "CVE-2099-0011", "CVE-2099-0002"])
      expect(ids.has(id)).toBe(false);
    // The real fixture's packages (chromium, sope…) are not installed: none of their CVEs either.
    expect([...ids].every((id) => id.includes("2099"))).toBe(true);
  });

  it("carries the vendor's severity, the fix's advisory and date, and marks unfixed ones not fixable", () => {
    const libc6 = result.findings.find((f) => f.id === "CVE-2099-0001" && f.pkgName === "libc6")!;
    expect(libc6).toMatchObject({
      severity: "high",
      severitySource: "debian",
      source: "debian",
      namespace: "debian:12",
      fixable: true,
      advisory: "DSA-9999-1",
      fixPublished: "2099-01-10",
      installedVersion: packages.find((p) => p.name === "libc6")!.version,
    });
    for (const f of result.findings.filter((x) => x.fixedVersion === null)) {
      expect(f.fixable).toBe(false);
      expect(f.advisory).toBeNull();
    }
    const tar = result.findings.find((f) => f.id === "CVE-2099-0006")!;
    expect(tar).toMatchObject({ status: "will-not-fix", severity: "low", severitySource: "debian" });
  });
});
