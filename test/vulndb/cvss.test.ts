/**
 * Every vector of RedHatProductSecurity/cvss's test files (v2, v3.0, v3.1, v4.0: 7,667 lines) scores
 * as the reference implementation says; bad vectors fail with one clear error.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isShipshapeError } from "../../src/errors.js";
import { cvssVersionOf, ratingOf, scoreVector } from "../../src/vulndb/cvss.js";
import { dataPath } from "../helpers/shared.js";

interface Vector {
  file: string;
  line: number;
  vector: string;
  /** v2/v3: the base score (first of "(base, temporal, environmental)"); v4: the one score. */
  expected: number;
}

function loadVectors(): Vector[] {
  const dir = dataPath("vuln", "cvss-vectors");
  const out: Vector[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".txt"))) {
    const lines = readFileSync(join(dir, file), "utf8").split("\n");
    lines.forEach((text, i) => {
      if (text.trim() === "") return;
      // "VECTOR - (base, temporal, environmental)", "VECTOR - (score,)" or "VECTOR - score"
      const m = /^(\S+) - \(?([^,)]+)/.exec(text.trim());
      if (!m) throw new Error(`${file}:${i + 1}: unreadable line ${text}`);
      out.push({ file, line: i + 1, vector: m[1]!, expected: Math.abs(Number(m[2])) });
    });
  }
  return out;
}

const vectors = loadVectors();

describe("scoreVector over the official vectors", () => {
  it("reads every vector file (7,667 lines, all four versions)", () => {
    expect(vectors.length).toBe(7667);
    const versions = new Set(vectors.map((v) => cvssVersionOf(v.vector)));
    expect([...versions].sort()).toEqual(["2.0", "3.0", "3.1", "4.0"]);
  });

  it("scores each as the reference does", () => {
    const wrong: string[] = [];
    for (const v of vectors) {
      const got = scoreVector(v.vector);
      if (got.score !== v.expected || got.version !== cvssVersionOf(v.vector)) {
        wrong.push(
          `${v.file}:${v.line} ${v.vector} expected ${v.expected}, got ${got.score} (${got.version})`,
        );
      }
      if (got.severity !== ratingOf(got.version, v.expected)) wrong.push(`${v.file}:${v.line} rating`);
    }
    expect(wrong).toEqual([]);
  });
});

describe("ratings", () => {
  it("follow the specification's bands", () => {
    expect(scoreVector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N")).toEqual({
      version: "3.1",
      score: 0,
      severity: "none",
    });
    expect(scoreVector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").severity).toBe("critical");
    expect(scoreVector("CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:N/A:N")).toEqual({
      version: "3.1",
      score: 4.7,
      severity: "medium",
    });
    // NVD rates v2 scores low/medium/high only: 10.0 is "high".
    expect(scoreVector("AV:N/AC:L/Au:N/C:C/I:C/A:C")).toEqual({
      version: "2.0",
      score: 10,
      severity: "high",
    });
    expect(scoreVector("(AV:N/AC:L/Au:N/C:C/I:C/A:C)").score).toBe(10);
  });

  it("accepts NVD's v4.0 vectors that spell out every metric as X", () => {
    const nvd =
      "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N/E:X/CR:X/IR:X/AR:X/MAV:X/MAC:X/MAT:X/MPR:X/MUI:X/MVC:X/MVI:X/MVA:X/MSC:X/MSI:X/MSA:X/S:X/AU:X/R:X/V:X/RE:X/U:X";
    // NVD's own record for CVE-2024-5732 gives 6.9 MEDIUM.
    expect(scoreVector(nvd)).toEqual({ version: "4.0", score: 6.9, severity: "medium" });
  });
});

describe("bad vectors", () => {
  const cases: [string, RegExp][] = [
    ["", /malformed metric/],
    ["garbage", /malformed metric/],
    ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", /lacks base metric A\b/],
    ["CVSS:3.1/AV:N", /lacks base metrics AC, PR, UI, S, C, I, A/],
    ["CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", /invalid value Q for metric AV/],
    ["CVSS:3.1/AV:N/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", /repeats metric AV/],
    ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:1", /malformed metric/],
    ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:N", /unknown metric ZZ for CVSS 3.1/],
    ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:X", /lacks base metric A\b/],
    ["CVSS:5.0/AV:N", /unknown CVSS version/],
    ["CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N", /lacks base metric SA/],
    ["AV:N/AC:L/Au:N/C:C/I:C", /lacks base metric A\b/],
    ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/", /malformed metric ""/],
    [`CVSS:3.1/${"AV:N/".repeat(200)}`, /longer than 512/],
  ];
  for (const [vector, problem] of cases) {
    it(`refuses ${JSON.stringify(vector.slice(0, 60))}`, () => {
      let error: unknown;
      try {
        scoreVector(vector);
      } catch (err) {
        error = err;
      }
      expect(isShipshapeError(error)).toBe(true);
      const message = (error as Error).message;
      expect(message).toMatch(problem);
      expect(message).toMatch(/^CVSS vector "/);
      expect(message).not.toContain("\n");
    });
  }
});

describe("fuzz", () => {
  it("either scores or throws a ShipshapeError, never anything else", () => {
    const metric = fc.tuple(
      fc.constantFrom("AV", "AC", "PR", "UI", "S", "C", "I", "A", "Au", "E", "VC", "SC", "MAV", "U", "X"),
      fc.constantFrom("N", "L", "H", "A", "P", "R", "U", "C", "X", "ND", "Clear", "Q"),
    );
    const vector = fc
      .tuple(
        fc.constantFrom("", "CVSS:2.0/", "CVSS:3.0/", "CVSS:3.1/", "CVSS:4.0/", "CVSS:9/"),
        fc.array(metric, { maxLength: 14 }),
      )
      .map(([prefix, parts]) => prefix + parts.map(([k, v]) => `${k}:${v}`).join("/"));
    fc.assert(
      fc.property(fc.oneof(vector, fc.string({ maxLength: 80 })), (v) => {
        try {
          const r = scoreVector(v);
          expect(r.score).toBeGreaterThanOrEqual(0);
          expect(r.score).toBeLessThanOrEqual(10);
        } catch (err) {
          if (!isShipshapeError(err)) throw err;
        }
      }),
      { numRuns: 400 },
    );
  });

  it("keeps scoring real vectors after random valid re-orderings of their metrics", () => {
    const v31 = vectors.filter((v) => v.vector.startsWith("CVSS:3.1/")).slice(0, 300);
    fc.assert(
      fc.property(fc.constantFrom(...v31), fc.nat(), (v, seed) => {
        const parts = v.vector.slice("CVSS:3.1/".length).split("/");
        const shuffled = [...parts].sort(
          (a, b) => ((a.charCodeAt(0) * 31 + seed) % 7) - ((b.charCodeAt(0) * 31 + seed) % 7),
        );
        expect(scoreVector(`CVSS:3.1/${shuffled.join("/")}`).score).toBe(v.expected);
      }),
      { numRuns: 200 },
    );
  });
});
