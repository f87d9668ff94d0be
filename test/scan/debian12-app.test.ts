/**
 * Detection priority on the debian12-app fixture image against a store the real importers build
 * from ../shared (the Go vulndb and PyPA's advisory database; no Debian data, so debian:12 is a
 * reported coverage gap, never a clean result):
 * - precise (default, Trivy's rule): the Go binary /usr/local/bin/gohello (built with go1.19.8, owned
 *   by no OS package) is matched against the Go vulndb; the Python/Go packages Debian installed
 *   (python3-urllib3, fzf, gosu…) are matched only through their Debian packages, so they give no
 *   PyPI or Go findings;
 * - comprehensive: those OS-owned language packages are matched against their ecosystems too.
 * Expected findings are computed here from the feeds' own files, independently of the importers:
 * Go OSV ranges compared with the semver package, PyPA's explicit `versions` lists.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import semver from "semver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { Finding } from "../../src/match/finding.js";
import { type ScanResult, scanImage } from "../../src/scan/pipeline.js";
import { GO_VULNDB } from "../../src/vulndb/feeds/go-vulndb.js";
import { PYPA } from "../../src/vulndb/feeds/pypa.js";
import { importPaths } from "../../src/vulndb/import.js";
import { SqliteStore } from "../../src/vulndb/sqlite-store.js";
import { dataPath } from "../helpers/shared.js";
import { fixtureReference } from "../report/fixture-images.js";

const GO = () => dataPath("vuln", "feeds", "golang-vulndb");
const PYPA_DIR = () => dataPath("vuln", "feeds", "pypa-advisory-db");

interface OsvEntry {
  id: string;
  withdrawn?: string;
  affected?: {
    package?: { ecosystem?: string; name?: string };
    ranges?: { type: string; events: Record<string, string>[] }[];
    versions?: string[];
  }[];
}

/** Is `version` inside an OSV SEMVER range (events in order; introduced inclusive, fixed exclusive)? */
function inSemverRange(version: string, events: Record<string, string>[]): boolean {
  let affected = false;
  for (const e of events) {
    if (e.introduced !== undefined) {
      if (e.introduced === "0" || semver.gte(version, e.introduced)) affected = true;
    } else if (e.fixed !== undefined) {
      if (semver.gte(version, e.fixed)) affected = false;
    } else if (e.last_affected !== undefined) {
      if (semver.gt(version, e.last_affected)) affected = false;
    }
  }
  return affected;
}

/** GO-… ids of the Go vulndb entries that affect a module at a version ("v1.19.8" or "1.19.8"). */
function expectedGo(modules: { name: string; version: string }[]): Set<string> {
  const dir = join(GO(), "data", "osv");
  const out = new Set<string>();
  for (const name of readdirSync(dir).filter((f) => f.endsWith(".json"))) {
    const entry = JSON.parse(readFileSync(join(dir, name), "utf8")) as OsvEntry;
    if (entry.withdrawn) continue;
    for (const m of modules) {
      const version = semver.valid(m.version.replace(/^v/, ""));
      if (!version) continue;
      for (const a of entry.affected ?? []) {
        if (a.package?.ecosystem !== "Go" || a.package.name !== m.name) continue;
        if ((a.ranges ?? []).some((r) => r.type === "SEMVER" && inSemverRange(version, r.events)))
          out.add(entry.id);
      }
    }
  }
  return out;
}

/** PYSEC ids whose explicit affected-version list names the installed version. */
function expectedPypi(packages: { name: string; version: string }[]): Set<string> {
  const out = new Set<string>();
  for (const p of packages) {
    const dir = join(PYPA_DIR(), "vulns", p.name.toLowerCase());
    let files: string[];
    try {
      files = readdirSync(dir);
    } catch {
      continue;
    }
    for (const f of files.filter((x) => x.endsWith(".yaml"))) {
      const entry = parse(readFileSync(join(dir, f), "utf8")) as OsvEntry;
      if (entry.withdrawn) continue;
      if ((entry.affected ?? []).some((a) => a.versions?.includes(p.version))) out.add(entry.id);
    }
  }
  return out;
}

/** The id of the given kind a finding carries (its own id or an alias). */
const idOf = (f: Finding, prefix: string) => [f.id, ...f.aliases].find((x) => x.startsWith(prefix));

let dir: string;
let store: SqliteStore;
let precise: ScanResult;
let comprehensive: ScanResult;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "shipshape-debian12-app-"));
  const path = join(dir, "db.sqlite");
  await importPaths({ store: SqliteStore.open(path), feeds: [GO_VULNDB, PYPA], paths: [GO(), PYPA_DIR()] });
  store = SqliteStore.open(path);
  const image = fixtureReference("debian12-app");
  precise = await scanImage(image, { store, cache: null, ignoreFile: null });
  comprehensive = await scanImage(image, {
    store,
    cache: null,
    ignoreFile: null,
    detectionPriority: "comprehensive",
  });
});
afterAll(async () => {
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("debian12-app, precise (default)", () => {
  it("matches the Go binary no OS package owns against the Go vulndb, exactly as its OSV ranges say", () => {
    const gohello = precise.catalog.packages.filter((p) => p.locations[0]?.path === "/usr/local/bin/gohello");
    expect(gohello.find((p) => p.name === "stdlib")?.version).toBe("v1.19.8");
    const expected = expectedGo(gohello.map((p) => ({ name: p.name, version: p.version })));
    expect(expected.size).toBeGreaterThan(10);
    const golang = precise.findings.filter((f) => f.pkgType === "golang");
    expect(new Set(golang.map((f) => idOf(f, "GO-")))).toEqual(expected);
    expect(new Set(golang.map((f) => f.pkgPath))).toEqual(new Set(["/usr/local/bin/gohello"]));
  });

  it("matches OS-owned language packages only through their Debian packages", () => {
    expect(precise.findings.filter((f) => f.pkgType === "pypi")).toEqual([]);
    expect(precise.catalog.packages.some((p) => p.type === "pypi")).toBe(false);
    expect(precise.findings.some((f) => f.pkgPath === "/usr/bin/fzf" || f.pkgPath === "/usr/sbin/gosu")).toBe(
      false,
    );
  });

  it("reports the missing Debian data as a coverage gap", () => {
    expect(precise.database.missingNamespaces).toEqual(["debian:12"]);
    expect(precise.coverageGaps.join("\n")).toMatch(/no data for debian:12/);
  });
});

describe("debian12-app, comprehensive", () => {
  it("also matches the Python packages Debian installed against PyPA's advisories", () => {
    const pypi = comprehensive.catalog.packages.filter((p) => p.type === "pypi");
    expect(pypi.map((p) => p.name)).toContain("urllib3");
    const expected = expectedPypi(pypi.map((p) => ({ name: p.name, version: p.version })));
    expect(expected).toContain("PYSEC-2023-192"); // urllib3 1.26.12, CVE-2023-43804
    const found = comprehensive.findings.filter((f) => f.pkgType === "pypi");
    expect(new Set(found.map((f) => idOf(f, "PYSEC-")))).toEqual(expected);
    for (const f of found) expect(f.pkgPath).toMatch(/^\/usr\/lib\/python3\/dist-packages\//);
  });

  it("also matches the Go binaries Debian installed, and says which ecosystems it had no data for", () => {
    const paths = new Set(comprehensive.findings.filter((f) => f.pkgType === "golang").map((f) => f.pkgPath));
    expect(paths).toEqual(new Set(["/usr/local/bin/gohello", "/usr/bin/fzf", "/usr/sbin/gosu"]));
    expect(comprehensive.database.missingNamespaces.sort()).toEqual(["debian:12", "maven", "npm"]);
  });
});
