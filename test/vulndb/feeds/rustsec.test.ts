/**
 * RustSec on the whole real advisory database: every advisory parses; informational and withdrawn
 * ones are left out; for every imported advisory and a spread of versions, "affected" equals "matches
 * no patched and no unaffected requirement" as node-semver reads the requirements (with Cargo's bare
 * version = caret, comparators tested by precedence), which checks the interval arithmetic (union,
 * complement, exclusive bounds) against plain requirement matching.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import semver from "semver";
import { describe, expect, it } from "vitest";
import { ShipshapeError } from "../../../src/errors.js";
import { comparatorFor, isAffected } from "../../../src/match/ranges.js";
import { parseRustsecAdvisory, RUSTSEC, rustsecRecords } from "../../../src/vulndb/feeds/rustsec.js";
import { dataPath } from "../../helpers/shared.js";
import { MemorySession, testContext } from "./build-store.js";

const root = dataPath("vuln", "feeds", "rustsec");

function advisoryFiles(): string[] {
  const out: string[] = [];
  for (const crate of readdirSync(join(root, "crates"))) {
    for (const f of readdirSync(join(root, "crates", crate)))
      if (f.endsWith(".md")) out.push(join(root, "crates", crate, f));
  }
  return out.sort();
}

/**
 * A Cargo requirement read by node-semver (commas are spaces, a bare version is a caret requirement),
 * each desugared comparator tested by semver precedence alone (a prerelease is below its release).
 */
function satisfiesCargo(version: string, requirement: string): boolean {
  const npm = requirement
    .split(",")
    .map((p) => p.trim().replace(/^([<>=~^]+)\s+/, "$1"))
    .filter((p) => p !== "")
    .map((p) => (/^\d/.test(p) ? `^${p}` : p))
    .join(" ");
  return new semver.Range(npm).set.some((comparators) => comparators.every((c) => c.test(version)));
}

describe("RustSec", () => {
  it("imports the real database: every advisory parses, informational and withdrawn ones are left out", async () => {
    const session = new MemorySession();
    const warnings: string[] = [];
    const started = performance.now();
    await RUSTSEC.import([root], session, testContext(warnings));
    expect(performance.now() - started).toBeLessThan(10_000);
    const files = advisoryFiles();
    expect(files.length).toBe(1205);
    const texts = files.map((f) => readFileSync(f, "utf8"));
    const informational = texts.filter((t) => /^informational\s*=/m.test(t)).length;
    const withdrawn = texts.filter((t) => /^withdrawn\s*=/m.test(t) && !/^informational\s*=/m.test(t)).length;
    expect(session.vulnerabilities.length).toBe(files.length - informational - withdrawn);
    expect(session.affected.every((a) => a.namespace === "crates.io" && a.scheme === "semver")).toBe(true);
    expect(warnings).toEqual([]);
    // The toolchain advisories under rust/ are not crate advisories.
    expect(session.affected.some((a) => a.packageName === "std")).toBe(false);
  });

  it("affected ⇔ outside every patched and unaffected requirement (all advisories, many versions)", () => {
    const probes = [
      "0.0.0",
      "0.0.1",
      "0.1.0",
      "0.1.2",
      "0.1.3",
      "0.2.0",
      "0.3.5",
      "0.6.3",
      "0.9.9",
      "1.0.0-rc.1",
    ];
    probes.push(
      "1.0.0",
      "1.2.3",
      "1.3.0",
      "1.5.0",
      "2.0.0",
      "2.0.2",
      "3.1.4",
      "10.0.0",
      "111.25.0",
      "300.0.12",
    );
    const cmp = comparatorFor("semver");
    let checked = 0;
    for (const file of advisoryFiles()) {
      const advisory = parseRustsecAdvisory(readFileSync(file), file);
      const records = rustsecRecords(advisory, testContext().now, file);
      if (!records) continue;
      const requirementVersions = [...advisory.patched, ...advisory.unaffected].flatMap(
        (r) => r.match(/\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?/g) ?? [],
      );
      for (const version of [...probes, ...requirementVersions]) {
        const safe = [...advisory.patched, ...advisory.unaffected].some((r) => satisfiesCargo(version, r));
        expect([file, version, isAffected(version, records.affected, cmp)]).toEqual([file, version, !safe]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(10_000);
  });

  it("reads the title, aliases, CVSS and fix from the front matter and Markdown", () => {
    const text = [
      "```toml",
      "[advisory]",
      'id = "RUSTSEC-2099-0001"',
      'package = "demo-crate"',
      "date = 2099-01-31",
      'url = "https://example.com/a"',
      'aliases = ["CVE-2099-1", "GHSA-aaaa-bbbb-cccc"]',
      'cvss = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"',
      "",
      "[versions]",
      'patched = [">= 1.2.3, < 1.3.0", ">= 1.3.4"]',
      'unaffected = ["<= 0.1.2"]',
      "```",
      "",
      "# Demo title",
      "",
      "Body text.",
    ].join("\n");
    const adv = parseRustsecAdvisory(text, "demo.md");
    expect(adv).toMatchObject({
      id: "RUSTSEC-2099-0001",
      date: "2099-01-31",
      title: "Demo title",
      description: "Body text.",
    });
    const r = rustsecRecords(adv, testContext().now, "demo.md")!;
    expect(r.affected.ranges).toEqual([
      { introduced: "0.1.3-0", fixed: "1.2.3" },
      { introduced: "1.3.0", fixed: "1.3.4" },
    ]);
    expect(r.affected.fixedVersion).toBe("1.2.3");
    expect(r.vulnerability.aliases).toEqual(["CVE-2099-1", "GHSA-aaaa-bbbb-cccc"]);
    expect(r.vulnerability.cvss.map((c) => [c.score, c.source])).toEqual([[9.8, "rustsec"]]);
  });

  it("fuzz: the parser returns an advisory or throws a ShipshapeError", () => {
    const seed = readFileSync(advisoryFiles()[0]!, "utf8");
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string().map((s) => `\`\`\`toml\n${s}\n\`\`\`\n# t`),
          fc.nat({ max: seed.length }).map((cut) => seed.slice(0, cut)),
          fc
            .tuple(fc.nat({ max: seed.length - 1 }), fc.string({ minLength: 1, maxLength: 4 }))
            .map(([at, s]) => seed.slice(0, at) + s + seed.slice(at + 1)),
        ),
        (text) => {
          try {
            const adv = parseRustsecAdvisory(text, "fuzz.md");
            rustsecRecords(adv, new Date(), "fuzz.md");
          } catch (err) {
            expect(err).toBeInstanceOf(ShipshapeError);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
