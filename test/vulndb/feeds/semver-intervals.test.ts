/**
 * Interval arithmetic over semver, against node-semver itself: for random npm ranges and versions,
 * membership in the intervals (read back through OSV-style ranges and the matcher's inRange) equals
 * semver's comparator test; complement and intersection equal "not" and "and" of those tests.
 */
import fc from "fast-check";
import semver from "semver";
import { describe, expect, it } from "vitest";
import { comparatorFor, inRange } from "../../../src/match/ranges.js";
import {
  complement,
  intersect,
  npmRangeIntervals,
  successor,
  toVersionRanges,
} from "../../../src/vulndb/feeds/semver-intervals.js";

const VERSIONS = [
  "0.0.0",
  "0.1.0",
  "0.1.1-0",
  "0.1.1",
  "1.0.0-alpha",
  "1.0.0-alpha.0",
  "1.0.0",
  "1.2.3",
  "1.2.4-0",
];
VERSIONS.push("1.2.4", "1.3.0", "2.0.0-0", "2.0.0", "2.5.1", "3.0.0");

const version = fc.constantFrom(...VERSIONS);
const comparator = fc
  .tuple(fc.constantFrom("<", "<=", ">", ">=", "=", "^", "~", ""), version)
  .map(([op, v]) => `${op}${v}`);
const npmRange = fc
  .array(fc.array(comparator, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 })
  .map((sets) => sets.map((s) => s.join(" ")).join(" || "));

/** semver's own reading: any set whose comparators all pass, by precedence. */
const semverSays = (v: string, range: string) =>
  new semver.Range(range).set.some((cs) => cs.every((c) => c.test(v)));

const cmp = comparatorFor("semver");
const member = (v: string, intervals: ReturnType<typeof npmRangeIntervals>) =>
  toVersionRanges(intervals).some((r) => inRange(v, r, cmp));

describe("semver intervals", () => {
  it("membership, complement and intersection agree with node-semver", () => {
    fc.assert(
      fc.property(npmRange, npmRange, version, (a, b, v) => {
        const ia = npmRangeIntervals(a, "a");
        const ib = npmRangeIntervals(b, "b");
        expect(member(v, ia)).toBe(semverSays(v, a));
        expect(member(v, complement(ia))).toBe(!semverSays(v, a));
        expect(member(v, intersect(ia, complement(ib)))).toBe(semverSays(v, a) && !semverSays(v, b));
      }),
      { numRuns: 500 },
    );
  });

  it("the successor is the next version in semver order", () => {
    expect(successor("1.2.3")).toBe("1.2.4-0");
    expect(successor("1.2.3-alpha")).toBe("1.2.3-alpha.0");
    for (const v of VERSIONS) {
      const next = successor(v);
      expect(semver.compare(next, v)).toBe(1);
      // Nothing in the pool lies strictly between a version and its successor.
      expect(VERSIONS.filter((x) => semver.compare(x, v) > 0 && semver.compare(x, next) < 0)).toEqual([]);
    }
  });

  it("refuses a range node-semver cannot read, naming where it came from", () => {
    expect(() => npmRangeIntervals(">=1.0.0 <", "advisory 7")).toThrow(
      /advisory 7: not a valid version range/,
    );
    expect(() => npmRangeIntervals("not a range at all", "advisory 7")).toThrow(
      /advisory 7: not a valid version range/,
    );
  });
});
