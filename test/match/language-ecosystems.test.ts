/**
 * Acceptance: debian12-app's language packages against the real language feeds, end to end
 * (catalog → SQLite store built by the importers → matchPackages).
 *
 * - `/usr/local/bin/gohello` (no OS package owns it; go1.19.8; uuid v1.3.0, errors v0.9.1, yaml.v3
 *   v3.0.1) against the whole Go vulndb must report exactly what the vulndb implies. The expected set
 *   is computed here by a small reader of the OSV JSON that follows the OSV specification's own
 *   evaluation loop (sorted events, a status flag flipped by each event at or below the version) with
 *   the go comparator — not the importer's interval pairing.
 * - The Python/npm/Java/Go packages dpkg installed are folded into their deb by default and so are
 *   not matched against PyPI/npm/Go data; with comprehensive detection (catalog `includeOsOwned` and
 *   match everything) they are, and again exactly as the feeds imply: PyPA's YAML read with the
 *   specification's loop and PEP 440, the Node.js WG's npm advisories with `semver.satisfies`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import semver from "semver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { catalogImageResult } from "../../src/api.js";
import type { Package } from "../../src/catalog/package.js";
import { matchPackages } from "../../src/match/match.js";
import { compareVersions, type VersionScheme } from "../../src/versions/index.js";
import { GO_VULNDB } from "../../src/vulndb/feeds/go-vulndb.js";
import { NODEJS_SECURITY_WG } from "../../src/vulndb/feeds/nodejs-security-wg.js";
import { PYPA } from "../../src/vulndb/feeds/pypa.js";
import { RUSTSEC } from "../../src/vulndb/feeds/rustsec.js";
import { dataPath, fixturePath } from "../helpers/shared.js";
import { type BuiltStore, buildStore, testContext } from "../vulndb/feeds/build-store.js";

const NOW = testContext().now;
const GOHELLO = "/usr/local/bin/gohello";

// ---- An independent reader of OSV, as the specification evaluates it -------------------------------

interface Event {
  introduced?: string;
  fixed?: string;
  last_affected?: string;
  limit?: string;
}
interface Affected {
  package?: { ecosystem: string; name: string };
  ranges?: { type: string; events: Event[] }[];
  versions?: string[];
}
interface Osv {
  id: string;
  withdrawn?: string;
  affected?: Affected[];
}

function eventVersion(e: Event): string {
  return e.introduced ?? e.fixed ?? e.last_affected ?? e.limit ?? "0";
}

function specAffects(version: string, affected: Affected, scheme: VersionScheme): boolean {
  const cmp = (a: string, b: string) => compareVersions(scheme, a, b);
  for (const listed of affected.versions ?? []) {
    try {
      if (cmp(version, listed) === 0) return true;
    } catch {
      // a listed version the scheme cannot parse equals no installed version
    }
  }
  for (const range of affected.ranges ?? []) {
    if (range.type !== "SEMVER" && range.type !== "ECOSYSTEM") continue;
    const events = [...range.events].sort((a, b) => {
      const x = eventVersion(a);
      const y = eventVersion(b);
      if (x === "0" || y === "0") return x === y ? 0 : x === "0" ? -1 : 1;
      return cmp(x, y);
    });
    let status = false;
    for (const e of events) {
      if (e.introduced !== undefined && (e.introduced === "0" || cmp(version, e.introduced) >= 0))
        status = true;
      else if (e.fixed !== undefined && cmp(version, e.fixed) >= 0) status = false;
      else if (e.last_affected !== undefined && cmp(version, e.last_affected) > 0) status = false;
    }
    const limits = range.events.map((e) => e.limit).filter((l): l is string => l !== undefined && l !== "*");
    if (status && limits.every((l) => cmp(version, l) < 0)) return true;
  }
  return false;
}

function live(doc: Osv): boolean {
  return !doc.withdrawn || Date.parse(doc.withdrawn) > NOW.getTime();
}

function readGoVulndb(): Osv[] {
  const dir = dataPath("vuln", "feeds", "golang-vulndb", "data", "osv");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as Osv);
}

function readPypa(): Osv[] {
  const root = dataPath("vuln", "feeds", "pypa-advisory-db", "vulns");
  const out: Osv[] = [];
  for (const project of readdirSync(root, { withFileTypes: true })) {
    if (!project.isDirectory()) continue;
    for (const f of readdirSync(join(root, project.name))) {
      if (!f.endsWith(".yaml")) continue;
      // failsafe: versions stay strings ("1.10" is not the number 1.1)
      out.push(parseYaml(readFileSync(join(root, project.name, f), "utf8"), { schema: "failsafe" }) as Osv);
    }
  }
  return out;
}

const pep503 = (name: string) => name.toLowerCase().replace(/[-_.]+/g, "-");

/** `id pkg version path` for every package the OSV documents say is affected. */
function expectedFromOsv(
  docs: Osv[],
  packages: Package[],
  ecosystem: string,
  scheme: VersionScheme,
  normalise: (name: string) => string = (n) => n,
): string[] {
  const out = new Set<string>();
  for (const doc of docs.filter(live)) {
    for (const a of doc.affected ?? []) {
      if (a.package?.ecosystem !== ecosystem) continue;
      for (const p of packages) {
        if (normalise(p.name) !== normalise(a.package.name)) continue;
        if (specAffects(p.version, a, scheme))
          out.add(`${doc.id} ${p.name} ${p.version} ${p.locations[0]?.path}`);
      }
    }
  }
  return [...out].sort();
}

/** The Node.js WG's npm advisories, read with node-semver's own range matching. */
function expectedFromNodeWg(packages: Package[]): string[] {
  const dir = dataPath("vuln", "feeds", "nodejs-security-wg", "vuln", "npm");
  const out: string[] = [];
  for (const f of readdirSync(dir).filter((x) => /^\d+\.json$/.test(x))) {
    const a = JSON.parse(readFileSync(join(dir, f), "utf8")) as {
      id: number;
      module_name: string;
      vulnerable_versions: string;
      patched_versions: string | null;
    };
    for (const p of packages) {
      if (p.name !== a.module_name) continue;
      const opts = { includePrerelease: true };
      const vulnerable = semver.satisfies(p.version, a.vulnerable_versions, opts);
      const patched = !!a.patched_versions && semver.satisfies(p.version, a.patched_versions, opts);
      if (vulnerable && !patched) out.push(`NSWG-ECO-${a.id} ${p.name} ${p.version} ${p.locations[0]?.path}`);
    }
  }
  return out.sort();
}

/**
 * The feeds' own record ids behind each finding: the matcher merges records that alias each other and
 * names the finding by its CVE, keeping the GO-/PYSEC-/NSWG- ids as aliases.
 */
const recordIds = (f: { id: string; aliases: string[] }) =>
  [f.id, ...f.aliases].filter((x) => /^(GO-|PYSEC-|NSWG-)/.test(x));
const found = (
  findings: { id: string; aliases: string[]; pkgName: string; installedVersion: string; pkgPath?: string }[],
) =>
  findings
    .flatMap((f) => recordIds(f).map((id) => `${id} ${f.pkgName} ${f.installedVersion} ${f.pkgPath}`))
    .sort();

// ---- The tests -------------------------------------------------------------------------------------

describe("debian12-app language packages against the real language feeds", () => {
  let built: BuiltStore;
  let goDocs: Osv[];
  const image = `oci-archive:${fixturePath("images", "debian12-app.oci.tar")}`;

  beforeAll(async () => {
    built = await buildStore([
      { importer: GO_VULNDB, inputs: [dataPath("vuln", "feeds", "golang-vulndb")] },
      { importer: PYPA, inputs: [dataPath("vuln", "feeds", "pypa-advisory-db")] },
      { importer: NODEJS_SECURITY_WG, inputs: [dataPath("vuln", "feeds", "nodejs-security-wg")] },
      { importer: RUSTSEC, inputs: [dataPath("vuln", "feeds", "rustsec")] },
    ]);
    goDocs = readGoVulndb();
  }, 120_000);
  afterAll(async () => {
    await built?.dispose();
  });

  it("gohello: exactly the Go vulndb's vulnerabilities, and nothing for OS-owned packages by default", async () => {
    const { result } = await catalogImageResult(image, { cache: null });
    const gohello = result.packages.filter((p) => p.locations[0]?.path === GOHELLO);
    // The fixture's facts (README): the toolchain and the three dependencies.
    expect(gohello.map((p) => `${p.name} ${p.version}`).sort()).toEqual([
      "example.com/shipshape/gohello (devel)",
      "github.com/google/uuid v1.3.0",
      "github.com/pkg/errors v0.9.1",
      "gopkg.in/yaml.v3 v3.0.1",
      "stdlib v1.19.8",
    ]);
    const expected = expectedFromOsv(goDocs, gohello, "Go", "go");
    // go1.19.8 is old: the standard library alone has dozens of fixed vulnerabilities above it.
    expect(expected.filter((e) => e.includes(" stdlib ")).length).toBeGreaterThan(40);

    const match = await matchPackages(result.packages, result.os, built.store);
    expect(match.warnings).toEqual([]);
    const language = match.findings.filter((f) => f.pkgType !== "deb");
    expect(found(language)).toEqual(expected);
    // Default detection: only gohello's packages; dpkg's Python/npm/Java/Go packages are folded away.
    expect(new Set(language.map((f) => f.pkgPath))).toEqual(new Set([GOHELLO]));
    // The Debian namespace is simply absent from this store (no Debian feed imported).
    expect(match.missingNamespaces).toContain("debian:12");
    // Every finding names its fix, as the vulndb does for every one of these.
    const stdlib = language.filter((f) => f.pkgName === "stdlib");
    expect(
      stdlib.every((f) => f.fixedVersion !== null && compareVersions("go", f.fixedVersion, "v1.19.8") > 0),
    ).toBe(true);
    expect(stdlib.every((f) => f.source === "go-vulndb" && f.namespace === "go")).toBe(true);
  });

  it("comprehensive detection also matches the packages dpkg installed, exactly as the feeds imply", async () => {
    const { result } = await catalogImageResult(image, { cache: null, includeOsOwned: true });
    const osOwned = result.packages.filter((p) => p.ownedBy !== undefined);
    expect(osOwned.length).toBeGreaterThan(30); // 10 pypi + 23 npm + 6 maven + fzf/gosu Go packages

    const golang = result.packages.filter((p) => p.type === "golang");
    const pypi = result.packages.filter((p) => p.type === "pypi");
    const npm = result.packages.filter((p) => p.type === "npm");
    const expected = [
      ...expectedFromOsv(goDocs, golang, "Go", "go"),
      ...expectedFromOsv(readPypa(), pypi, "PyPI", "pep440", pep503),
      ...expectedFromNodeWg(npm),
    ].sort();

    const match = await matchPackages(result.packages, result.os, built.store);
    const language = match.findings.filter((f) => f.pkgType !== "deb");
    expect(found(language)).toEqual(expected);

    // The OS-owned Go binaries' toolchain is go1.19.8 too: the same stdlib findings for each.
    const stdlibPaths = (path: string) =>
      language
        .filter((f) => f.pkgName === "stdlib" && f.pkgPath === path)
        .flatMap(recordIds)
        .sort();
    expect(stdlibPaths("/usr/bin/fzf")).toEqual(stdlibPaths(GOHELLO));
    expect(stdlibPaths("/usr/sbin/gosu")).toEqual(stdlibPaths(GOHELLO));
    expect(stdlibPaths(GOHELLO).length).toBeGreaterThan(40);

    // A PyPI match on real data: Debian's python3-urllib3 ships urllib3 1.26.12, which PyPA's advisories
    // (fixed in 1.26.17 / 1.26.18) cover.
    const urllib3 = language.filter((f) => f.pkgName === "urllib3");
    expect(urllib3.length).toBeGreaterThan(0);
    expect(
      urllib3.every((f) => f.source === "pypa" && f.namespace === "pypi" && f.fixedVersion !== null),
    ).toBe(true);
    expect(urllib3.flatMap((f) => [f.id, ...f.aliases])).toContain("CVE-2023-45803");
  });
});
