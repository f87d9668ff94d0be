/**
 * The Node.js security WG importer on the whole real feed (vuln/core + vuln/npm) and trivy-db's node
 * fixtures. For every advisory and a spread of versions, "affected" must equal node-semver's own
 * reading of the advisory (in vulnerable and not in patched, comparators tested by precedence), which
 * checks the interval arithmetic. trivy-db's fixtures: CVSS scores as numbers, "6.5 (High)" strings
 * or null all import; the core advisory keeps its CVE and vendor severity; invalid JSON fails by name.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import semver from "semver";
import { describe, expect, it } from "vitest";
import { ShipshapeError } from "../../../src/errors.js";
import { comparatorFor, isAffected } from "../../../src/match/ranges.js";
import {
  NODEJS_SECURITY_WG,
  nodeAdvisoryRecords,
  parseNodeAdvisory,
} from "../../../src/vulndb/feeds/nodejs-security-wg.js";
import { dataPath } from "../../helpers/shared.js";
import { MemorySession, testContext } from "./build-store.js";

const root = dataPath("vuln", "feeds", "nodejs-security-wg");
const trivyNode = (...p: string[]) =>
  dataPath("vuln", "fixtures", "trivy-db-testdata", "node", "testdata", ...p);

function inRangeByPrecedence(version: string, range: string | null | undefined): boolean {
  if (!range) return false;
  return new semver.Range(range).set.some((cs) => cs.every((c) => c.test(version)));
}

describe("Node.js security WG", () => {
  it("imports every core and npm advisory of the real feed", async () => {
    const session = new MemorySession();
    const warnings: string[] = [];
    await NODEJS_SECURITY_WG.import([root], session, testContext(warnings));
    const count = (dir: string) =>
      readdirSync(join(root, "vuln", dir)).filter((f) => /^\d+\.json$/.test(f)).length;
    const core = session.affected.filter((a) => a.namespace === "node");
    const npm = session.affected.filter((a) => a.namespace === "npm");
    expect(core.length).toBe(count("core"));
    expect(npm.length).toBe(count("npm"));
    expect(core.every((a) => a.packageName === "node" && a.vulnerabilityId.startsWith("NSWG-COR-"))).toBe(
      true,
    );
    expect(npm.every((a) => a.vulnerabilityId.startsWith("NSWG-ECO-"))).toBe(true);
    expect(warnings).toEqual([]);
  });

  it("affected ⇔ vulnerable and not patched, for every advisory and many versions", () => {
    const probes = [
      "0.0.1",
      "0.5.0",
      "1.0.0",
      "1.5.1",
      "1.5.2",
      "2.0.0",
      "4.5.0",
      "4.6.0",
      "6.0.0-pre",
      "6.7.0",
    ];
    probes.push(
      "8.1.3",
      "8.1.4",
      "10.0.0",
      "14.20.0",
      "14.20.1",
      "16.17.1",
      "18.9.0",
      "20.5.0",
      "99.999.99999",
    );
    const cmp = comparatorFor("semver");
    let checked = 0;
    for (const dir of ["core", "npm"]) {
      for (const f of readdirSync(join(root, "vuln", dir)).filter((x) => /^\d+\.json$/.test(x))) {
        const path = join(root, "vuln", dir, f);
        const advisory = parseNodeAdvisory(readFileSync(path), path);
        const { affected } = nodeAdvisoryRecords(advisory, f.replace(".json", ""), path);
        const vulnerable = advisory.vulnerable_versions ?? advisory.vulnerable;
        const patched = advisory.patched_versions ?? advisory.patched;
        const own = `${vulnerable} ${patched}`.match(/\d+\.\d+\.\d+/g) ?? [];
        for (const v of [...probes, ...own]) {
          const expected = inRangeByPrecedence(v, vulnerable) && !inRangeByPrecedence(v, patched);
          expect([path, v, isAffected(v, affected, cmp)]).toEqual([path, v, expected]);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(10_000);
  });

  it("trivy-db's fixtures: CVSS as number, string or null; core advisories; invalid JSON", async () => {
    const session = new MemorySession();
    await NODEJS_SECURITY_WG.import(
      [
        join(
          trivyNode("happy", "node_cvssnumberonly", "nodejs-security-wg", "vuln"),
          "npm_cvssnumberonly.json",
        ),
        join(trivyNode("happy", "npm_nullcvssscore", "nodejs-security-wg", "vuln"), "npm_nullcvssscore.json"),
        join(trivyNode("happy", "core", "nodejs-security-wg", "vuln"), "18.json"),
      ],
      session,
      testContext(),
    );
    const byId = new Map(session.vulnerabilities.map((v) => [v.record.id, v.record]));
    const bassmaster = byId.get("NSWG-ECO-1")!;
    expect(bassmaster.aliases).toEqual(["CVE-2014-7205"]);
    expect(bassmaster.cvss.map((c) => [c.version, c.score, c.source])).toEqual([
      ["3.0", 6.5, "nodejs-security-wg"],
    ]);
    const bassAffected = session.affected.find((a) => a.vulnerabilityId === "NSWG-ECO-1")!;
    expect(bassAffected).toMatchObject({
      namespace: "npm",
      packageName: "bassmaster",
      fixedVersion: "1.5.2",
    });
    // "<=1.5.1" vulnerable: the last affected version; the fix shown is the first patched one, 1.5.2.
    expect(bassAffected.ranges).toEqual([{ introduced: "0", lastAffected: "1.5.1" }]);
    // No fix ("<0.0.0" patched), no CVSS: affected, unfixed.
    const hubl = session.affected.find((a) => a.vulnerabilityId === "NSWG-ECO-334")!;
    expect(hubl).toMatchObject({ packageName: "hubl-server", status: "affected", fixedVersion: null });
    expect(byId.get("NSWG-ECO-334")!.cvss).toEqual([]);
    // Core: "cvss": "3.0/AV:N/…" without its prefix is still scored; the node namespace.
    const core = byId.get("NSWG-COR-18")!;
    expect(core.aliases).toEqual(["CVE-2016-5325"]);
    expect(core.cvss.map((c) => c.score)).toEqual([4.8]);
    const coreAffected = session.affected.find((a) => a.vulnerabilityId === "NSWG-COR-18")!;
    expect(coreAffected).toMatchObject({ namespace: "node", packageName: "node", fixedVersion: "4.6.0" });
    // 4.x fixed in 4.6.0; 5.x never patched (its end is a limit, not a fix); 6.x fixed in 6.7.0.
    expect(coreAffected.ranges).toEqual([
      { introduced: "4.0.0", fixed: "4.6.0" },
      { introduced: "5.0.0", limit: "6.0.0-0" },
      { introduced: "6.0.0", fixed: "6.7.0" },
    ]);

    await expect(
      NODEJS_SECURITY_WG.import(
        [join(trivyNode("sad", "nodejs-security-wg", "vuln"), "invalidvuln.json")],
        new MemorySession(),
        testContext(),
      ),
    ).rejects.toThrow(/invalidvuln\.json: not valid JSON/);
  });

  it("fuzz: the parser and mapping return records or throw a ShipshapeError", () => {
    const seed = readFileSync(join(root, "vuln", "npm", "1.json"), "utf8");
    const range = fc.oneof(
      fc.constantFrom(
        "<=1.5.1",
        ">=1.5.2",
        "*",
        "",
        "<0.0.0",
        "14.x || 16.x",
        "^1.2.3 || >=3",
        ">1.0.0 <2.0.0",
      ),
      fc.string({ maxLength: 12 }),
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc
            .record({
              id: fc.nat(),
              module_name: fc.string(),
              vulnerable_versions: range,
              patched_versions: range,
            })
            .map((o) => JSON.stringify(o)),
          fc
            .record({ cve: fc.array(fc.string()), vulnerable: range, patched: range, cvss: fc.string() })
            .map((o) => JSON.stringify(o)),
          fc.string(),
          fc
            .tuple(fc.nat({ max: seed.length - 1 }), fc.string({ minLength: 1, maxLength: 3 }))
            .map(([at, s]) => seed.slice(0, at) + s + seed.slice(at + 1)),
        ),
        (text) => {
          try {
            nodeAdvisoryRecords(parseNodeAdvisory(text, "fuzz.json"), "1", "fuzz.json");
          } catch (err) {
            expect(err).toBeInstanceOf(ShipshapeError);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
