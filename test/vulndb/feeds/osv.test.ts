/**
 * The generic OSV importer on the upstream projects' real fixtures:
 * - trivy-db `pkg/vulnsrc/osv/testdata` (PyPI): trivy-db's test expects qutebrowser "<1.4.1" patched
 *   in 1.4.1, aiohttp "<=3.8.4" and "=4.0.1", the GHSA/PYSEC vendor ids, and the withdrawn record
 *   left out; compared here: ranges, fixed version, aliases, presence. The withdrawn-in-3001 record is
 *   kept (not yet withdrawn); the record with an out-of-order CVSS v4 vector keeps only its v3 score.
 * - trivy-db `pkg/vulnsrc/ghsa/testdata` (GitHub's advisory-database OSV): severity with source
 *   "ghsa", CVSS, CWEs, `last_known_affected_version_range` bounding open ranges.
 * - grype's OSV transformer inputs (AlmaLinux/Rocky errata): namespace, epoch-bearing fixes, module
 *   streams, the vendor severity in the summary.
 * Plus the ecosystem table, hostile input and a fuzz of the parser and the mapping.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ShipshapeError } from "../../../src/errors.js";
import { GHSA } from "../../../src/vulndb/feeds/ghsa.js";
import {
  ecosystemTarget,
  mapOsvDocument,
  OSV_PYPI,
  OSV_ROCKY,
  parseOsvDocument,
} from "../../../src/vulndb/feeds/osv.js";
import type { AffectedRecord, VulnerabilityRecord } from "../../../src/vulndb/records.js";
import { dataPath } from "../../helpers/shared.js";
import { MemorySession, testContext } from "./build-store.js";

async function importInto(
  importer: typeof OSV_PYPI,
  inputs: string[],
  now?: Date,
): Promise<{ vulns: Map<string, VulnerabilityRecord>; affected: AffectedRecord[]; warnings: string[] }> {
  const session = new MemorySession();
  const warnings: string[] = [];
  await importer.import(inputs, session, testContext(warnings, now));
  return {
    vulns: new Map(session.vulnerabilities.map((v) => [v.record.id, v.record])),
    affected: session.affected,
    warnings,
  };
}

const trivy = (...parts: string[]) => dataPath("vuln", "fixtures", "trivy-db-testdata", ...parts);
const grypeOsv = (name: string) =>
  dataPath(
    "vuln",
    "fixtures",
    "grype-fixtures",
    "grype",
    "db",
    "v6",
    "build",
    "transformers",
    "osv",
    "testdata",
    name,
  );

describe("OSV: trivy-db's PyPI fixtures", () => {
  const dir = trivy("osv", "testdata", "happy");

  it("ranges, fixes, aliases and withdrawn records as trivy-db expects", async () => {
    const { vulns, affected } = await importInto(OSV_PYPI, [dir]);
    const qute = affected.find((a) => a.vulnerabilityId === "PYSEC-2018-27")!;
    expect(qute).toMatchObject({
      namespace: "pypi",
      packageName: "qutebrowser",
      scheme: "pep440",
      status: "fixed",
    });
    expect(qute.ranges).toEqual([{ introduced: "0", fixed: "1.4.1" }]); // "<1.4.1"; the GIT range is left out
    expect(qute.fixedVersion).toBe("1.4.1");
    expect(vulns.get("PYSEC-2018-27")!.aliases).toEqual(["GHSA-wgmx-52ph-qqcw"]);

    const aiohttp = affected.find((a) => a.vulnerabilityId === "PYSEC-2023-120")!;
    expect(aiohttp.ranges).toEqual([
      { introduced: "0", lastAffected: "3.8.4" },
      { introduced: "4.0.1", lastAffected: "4.0.1" },
    ]);
    expect(aiohttp.fixedVersion).toBeNull();
    expect(aiohttp.status).toBe("affected");
    expect(vulns.get("PYSEC-2023-120")!.aliases.sort()).toEqual(["CVE-2023-37276", "GHSA-45c4-8wx5-qw6w"]);

    // Withdrawn in 2023: gone. Withdrawal dated 3001: still live today.
    expect(vulns.has("PYSEC-2023-73")).toBe(false);
    expect(vulns.has("PYSEC-2019-156")).toBe(true);
    // And live again if "now" is past 3001.
    const later = await importInto(OSV_PYPI, [dir], new Date("3002-01-01T00:00:00Z"));
    expect(later.vulns.has("PYSEC-2019-156")).toBe(false);
  });

  it("scores well-formed CVSS vectors and refuses an out-of-order v4 vector", async () => {
    const { vulns } = await importInto(OSV_PYPI, [dir]);
    const werkzeug = vulns.get("PYSEC-2026-1")!;
    expect(werkzeug.cvss.map((c) => [c.version, c.score, c.source])).toEqual([
      ["3.1", 5.3, "osv-pypi"],
      ["4.0", 6.3, "osv-pypi"],
    ]);
    const bad = vulns.get("PYSEC-2026-2")!;
    expect(bad.cvss.map((c) => [c.version, c.score])).toEqual([["3.1", 9.8]]);
  });

  it("a file that is not JSON fails the import with its name", async () => {
    await expect(importInto(OSV_PYPI, [trivy("osv", "testdata", "sad")])).rejects.toThrow(
      /PYSEC-2005-1\.json: not valid JSON/,
    );
  });
});

describe("OSV: GitHub's advisory database (trivy-db's GHSA fixtures)", () => {
  it("GHSA severity and CVSS land with source ghsa; CWEs; last known affected versions bound open ranges", async () => {
    const { vulns, affected, warnings } = await importInto(GHSA, [
      trivy("ghsa", "testdata", "happy", "ghsa"),
    ]);
    const mybatis = vulns.get("GHSA-32qq-m9fh-f74w")!;
    expect(mybatis.severities).toEqual([{ source: "ghsa", severity: "critical" }]);
    expect(mybatis.cvss).toEqual([
      { version: "3.1", vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", score: 9.8, source: "ghsa" },
    ]);
    expect(mybatis.cwes).toEqual(["CWE-89"]);
    const byPackage = (name: string) => affected.filter((a) => a.packageName === name);
    // No fix, last known affected "< 3.5.3.1": affected below it, not "every version".
    expect(byPackage("com.baomidou:mybatis-plus")[0]!.ranges).toEqual([
      { introduced: "0", limit: "3.5.3.1" },
    ]);
    expect(byPackage("com.baomidou:mybatis-plus-copy")[0]!.ranges).toEqual([
      { introduced: "0", fixed: "3.5.0" },
    ]);
    // "<= 2.1.2"-style bounds become last_affected; a range with its own fix keeps it.
    const formidable = byPackage("formidable").flatMap((a) => a.ranges);
    expect(formidable).toContainEqual({ introduced: "2.1.0", limit: "2.1.3" });
    expect(vulns.get("GHSA-75v8-2h7p-7m2m")!.severities).toEqual([{ source: "ghsa", severity: "low" }]);
    // MODERATE is medium; a vector with a trailing "/" is still scored.
    expect(vulns.get("GHSA-f5pg-7wfw-84q9")!.severities).toEqual([{ source: "ghsa", severity: "medium" }]);
    expect(vulns.get("GHSA-f5pg-7wfw-84q9")!.cvss[0]?.score).toBe(9.8);
    // Packagist names are lower-cased; NuGet too.
    expect(byPackage("contao/core-bundle").map((a) => a.namespace)).toEqual(["packagist", "packagist"]);
    expect(byPackage("microsoft.netcore.app.runtime.linux-arm")[0]!.ranges).toEqual([
      { introduced: "9.0.0", fixed: "9.0.6" },
    ]);
    // SwiftURL is no ecosystem we match: skipped with a warning that names it.
    expect(vulns.has("GHSA-7fj7-39wj-c64f")).toBe(false);
    expect(warnings.join("\n")).toMatch(/SwiftURL \(1\)/);
  });
});

describe("OSV: AlmaLinux and Rocky Linux errata (grype's and vunnel's fixtures)", () => {
  it("ALSA: namespace, module stream, vendor severity from the summary, related CVEs as aliases", () => {
    const mapped = (name: string) => {
      const doc = parseOsvDocument(readFileSync(grypeOsv(name), "utf8"), "json", name);
      return mapOsvDocument(doc, { feedId: "osv-almalinux", now: new Date("2026-01-01T00:00:00Z") });
    };
    const go = mapped("ALSA-2021-4156.json");
    expect(go.affected[0]).toMatchObject({
      namespace: "almalinux:8",
      packageName: "delve",
      scheme: "rpm",
      moduleStream: "go-toolset:rhel8",
      severity: "medium",
      advisory: "ALSA-2021:4156",
      fixedVersion: "1.6.0-1.module_el8.5.0+2604+960c7771",
    });
    expect(go.vulnerability!.aliases).toEqual([
      "CVE-2021-33195",
      "CVE-2021-33197",
      "CVE-2021-33198",
      "CVE-2021-36221",
    ]);
    const skopeo = mapped("ALSA-2025-7467.json");
    expect(skopeo.affected.map((a) => [a.namespace, a.packageName, a.fixedVersion, a.moduleStream])).toEqual([
      ["almalinux:10", "skopeo", "2:1.18.1-1.el10_0", null],
      ["almalinux:10", "skopeo-tests", "2:1.18.1-1.el10_0", null],
    ]);
  });

  it("RLSA: Rocky Linux namespace, Important is high", async () => {
    const { affected, vulns } = await importInto(OSV_ROCKY, [
      dataPath("vuln", "fixtures", "vunnel-fixtures", "rocky", "test-fixtures", "osv"),
    ]);
    const jdk = affected.find((a) => a.vulnerabilityId === "RLSA-2021:3891")!;
    expect(jdk).toMatchObject({ namespace: "rocky:8", packageName: "java-11-openjdk", severity: "high" });
    expect(jdk.fixedVersion).toBe("1:11.0.13.0.8-1.el8_4");
    expect(vulns.get("RLSA-2021:3891")!.severities).toEqual([{ source: "osv-rocky", severity: "high" }]);
  });
});

describe("OSV ecosystems", () => {
  it("maps the ecosystems we match and refuses the rest", () => {
    const table: [string, string | null, string | null][] = [
      ["Go", "go", "go"],
      ["PyPI", "pypi", "pep440"],
      ["npm", "npm", "semver"],
      ["crates.io", "crates.io", "semver"],
      ["Maven", "maven", "maven"],
      ["Maven:https://repo.maven.apache.org/maven2/", "maven", "maven"],
      ["RubyGems", "rubygems", "gem"],
      ["Packagist", "packagist", "semver"],
      ["NuGet", "nuget", "semver"],
      ["AlmaLinux:8", "almalinux:8", "rpm"],
      ["Rocky Linux:9", "rocky:9", "rpm"],
      ["Debian:12", "debian:12", "deb"],
      ["Alpine:v3.16", "alpine:3.16", "apk"],
      ["Ubuntu:22.04:LTS", "ubuntu:22.04", "deb"],
      ["Ubuntu:Pro:18.04:LTS", null, null],
      ["Hex", null, null],
      ["SwiftURL", null, null],
      ["constructor", null, null],
      ["__proto__", null, null],
    ];
    for (const [eco, ns, scheme] of table) {
      const t = ecosystemTarget(eco);
      expect([eco, t?.namespace ?? null, t?.scheme ?? null]).toEqual([eco, ns, scheme]);
    }
  });
});

describe("OSV parsing of hostile input", () => {
  it("names the file and the problem", () => {
    expect(() => parseOsvDocument("{", "json", "x.json")).toThrow(/x\.json: not valid JSON/);
    expect(() => parseOsvDocument("[]", "json", "x.json")).toThrow(/x\.json: not an OSV record/);
    expect(() => parseOsvDocument('{"id": 5}', "json", "x.json")).toThrow(/not an OSV record \(id:/);
    expect(() => parseOsvDocument("a: [1, 2", "yaml", "x.yaml")).toThrow(/x\.yaml: not valid YAML/);
    // A billion-laughs document stops at the alias cap instead of expanding.
    const laughs = ["a: &a [x, x, x, x, x, x, x, x, x]"];
    for (let i = 0; i < 12; i++)
      laughs.push(
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`,
      );
    expect(() => parseOsvDocument(laughs.join("\n"), "yaml", "laughs.yaml")).toThrow(ShipshapeError);
  });

  it("YAML versions stay strings (1.10 is not 1.1)", () => {
    const doc = parseOsvDocument(
      "id: PYSEC-0\naffected:\n- package: {ecosystem: PyPI, name: X}\n  ranges:\n  - type: ECOSYSTEM\n    events:\n    - introduced: 0\n    - fixed: 1.10\n",
      "yaml",
      "x.yaml",
    );
    const m = mapOsvDocument(doc, { feedId: "t", now: new Date() });
    expect(m.affected[0]!.ranges).toEqual([{ introduced: "0", fixed: "1.10" }]);
    expect(m.affected[0]!.packageName).toBe("x");
  });

  it("fuzz: the parser returns a document or throws a ShipshapeError; the mapping never throws", () => {
    const seed = readFileSync(
      join(trivy("osv", "testdata", "happy", "vuln-list", "osv", "python"), "PYSEC-2023-120.json"),
      "utf8",
    );
    const version = fc.oneof(
      fc.constantFrom("0", "1.0.0", "1.2", "v2", "1.0.0-rc.1", "2:1.0-1", "*"),
      fc.string({ maxLength: 8 }),
    );
    const event = fc.record(
      { introduced: version, fixed: version, last_affected: version, limit: version },
      { requiredKeys: [] },
    );
    const affected = fc.record({
      package: fc.record({
        ecosystem: fc.constantFrom("PyPI", "Go", "npm", "Maven", "AlmaLinux:8", "Nope"),
        name: fc.string(),
      }),
      ranges: fc.array(
        fc.record({
          type: fc.constantFrom("SEMVER", "ECOSYSTEM", "GIT", "X"),
          events: fc.array(event, { maxLength: 5 }),
        }),
        { maxLength: 3 },
      ),
      versions: fc.array(version, { maxLength: 5 }),
    });
    const doc = fc.record({
      id: fc.string({ minLength: 1, maxLength: 20 }),
      withdrawn: fc.option(fc.constantFrom("2001-01-01T00:00:00Z", "3001-01-01T00:00:00Z", "garbage"), {
        nil: undefined,
      }),
      affected: fc.array(affected, { maxLength: 3 }),
      severity: fc.array(
        fc.record({ type: fc.constantFrom("CVSS_V3", "CVSS_V4", "CVSS_V2", "Ubuntu"), score: fc.string() }),
        { maxLength: 2 },
      ),
      database_specific: fc.record(
        { severity: fc.constantFrom("HIGH", "nope"), last_known_affected_version_range: fc.string() },
        { requiredKeys: [] },
      ),
    });
    fc.assert(
      fc.property(
        fc.oneof(
          doc.map((d) => JSON.stringify(d)),
          fc.string(),
          fc.json(),
          fc.nat({ max: seed.length }).chain((cut) => fc.constant(seed.slice(0, cut))),
          fc
            .tuple(fc.nat({ max: seed.length - 1 }), fc.string({ minLength: 1, maxLength: 3 }))
            .map(([at, s]) => seed.slice(0, at) + s + seed.slice(at + 1)),
        ),
        fc.boolean(),
        (text, asYaml) => {
          let parsed: ReturnType<typeof parseOsvDocument>;
          try {
            parsed = parseOsvDocument(text, asYaml ? "yaml" : "json", "fuzz");
          } catch (err) {
            expect(err).toBeInstanceOf(ShipshapeError);
            return;
          }
          const m = mapOsvDocument(parsed, { feedId: "fuzz", now: new Date("2026-01-01T00:00:00Z") });
          for (const a of m.affected) expect(a.ranges.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("OSV import inputs", () => {
  it("refuses an input with no OSV documents, and names it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "shipshape-osv-empty-"));
    try {
      writeFileSync(join(dir, "README.md"), "nothing here");
      await expect(importInto(OSV_PYPI, [dir])).rejects.toThrow(/no OSV documents found/);
      await expect(importInto(OSV_PYPI, [join(dir, "missing")])).rejects.toThrow(/cannot be read/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
