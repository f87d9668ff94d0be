/**
 * Maven: all 571 ComparableVersionTest vectors (the ordered VERSIONS_QUALIFIER and VERSIONS_NUMBER
 * arrays and the literal equal/order checks) with maven-artifact 3.8.7 semantics.
 */
import { describe, expect, it } from "vitest";
import { compareMaven, mavenCanonical } from "../../src/versions/maven.js";
import { collectFailures, loadVectors } from "./vectors.js";

const data = loadVectors("maven");

describe("maven vectors", () => {
  it("has the 571 vectors the README lists; none excluded", () => {
    expect(data.vectors).toHaveLength(571);
  });

  it("orders every vector as ComparableVersion 3.8.7", () => {
    const failures = collectFailures(data.vectors, (t) => {
      const got = compareMaven(t.a, t.b);
      return got === t.cmp ? null : `got ${got}`;
    });
    expect(failures).toEqual([]);
  });

  it("gives equal versions the same canonical form (ComparableVersion.equals compares canonicals)", () => {
    const equal = data.vectors.filter((t) => t.cmp === 0);
    expect(equal.length).toBeGreaterThan(0);
    const failures = collectFailures(equal, (t) =>
      mavenCanonical(t.a) === mavenCanonical(t.b) ? null : `${mavenCanonical(t.a)} vs ${mavenCanonical(t.b)}`,
    );
    expect(failures).toEqual([]);
  });
});

describe("Maven's own inconsistencies, reproduced", () => {
  it("has the cycles maven-artifact 3.8.7 has (checked with its ComparableVersion): not a total order", () => {
    // sp < .b1 < "" < sp: a qualifier is below a list, the list starts below "", "sp" is above "".
    expect([compareMaven("sp", ".b1"), compareMaven(".b1", ""), compareMaven("", "sp")]).toEqual([
      -1, -1, -1,
    ]);
    // 1.finalfinal < 1rc < 1 < 1.finalfinal: an unknown qualifier after "." vs one after a digit.
    expect([
      compareMaven("1.finalfinal-", "1rc"),
      compareMaven("1rc", "1"),
      compareMaven("1", "1.finalfinal-"),
    ]).toEqual([-1, -1, -1]);
  });
});

describe("Java's Character.isDigit", () => {
  it("finds every decimal-digit run in the BMP to be one 0..9 block (what digit values rely on)", () => {
    const nd = /\p{Nd}/u;
    const runs: number[] = [];
    let start = -1;
    for (let c = 0; c <= 0x10000; c++) {
      const isDigit = c < 0x10000 && (c < 0xd800 || c > 0xdfff) && nd.test(String.fromCharCode(c));
      if (isDigit && start < 0) start = c;
      if (!isDigit && start >= 0) {
        runs.push(c - start);
        start = -1;
      }
    }
    expect(runs.length).toBeGreaterThan(30);
    expect(runs.every((n) => n === 10)).toBe(true);
  });

  it("reads non-ASCII decimal digits as numbers, as Java does", () => {
    // U+0661..U+0663 are ARABIC-INDIC DIGIT ONE..THREE; U+FF12 is FULLWIDTH DIGIT TWO.
    expect(compareMaven("\u0661.\u0662", "1.2")).toBe(0);
    expect(compareMaven("1.\uff12", "1.10")).toBe(-1);
  });
});
