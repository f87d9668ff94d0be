/**
 * npm semver: all 68 comparison/equality vectors and all 224 range vectors from node-semver's own
 * fixtures, through our wrapper, plus the wrapper's errors.
 */
import { describe, expect, it } from "vitest";
import {
  compareSemver,
  isValidSemver,
  parseSemverRange,
  type SemverOptions,
  satisfiesSemver,
} from "../../src/versions/semver.js";
import { collectFailures, loadVectors } from "./vectors.js";

const data = loadVectors("semver-npm");

/** The fixtures' options as npm reads them: `true` means loose, objects by truthiness. */
function options(raw: unknown): SemverOptions {
  if (!raw) return {};
  if (typeof raw !== "object") return { loose: true };
  const o = raw as { loose?: unknown; includePrerelease?: unknown };
  return { loose: Boolean(o.loose), includePrerelease: Boolean(o.includePrerelease) };
}

describe("semver vectors", () => {
  it("has the README's counts: 68 comparisons, 224 ranges; none excluded", () => {
    expect(data.vectors).toHaveLength(68);
    expect(data.ranges).toHaveLength(224);
  });

  it("orders every comparison vector as npm's semver.compare", () => {
    const failures = collectFailures(data.vectors, (t) => {
      const got = compareSemver(t.a, t.b, options(t.options));
      return got === t.cmp ? null : `got ${got}`;
    });
    expect(failures).toEqual([]);
  });

  it("decides every range vector as npm's semver.satisfies", () => {
    const failures = collectFailures(data.ranges, (t) => {
      // One fixture passes `false` as the version: npm says "not included", and so must we.
      const got = satisfiesSemver(t.version as string, t.range, options(t.options));
      return got === t.included ? null : `got ${got}`;
    });
    expect(failures).toEqual([]);
  });

  it("leaves exactly the three range vectors with unparseable versions to the false answer", () => {
    const unparseable = data.ranges.filter(
      (t) => typeof t.version !== "string" || !isValidSemver(t.version, options(t.options)),
    );
    expect(unparseable.map((t) => t.version)).toEqual(["not a version", "glorp", false]);
    expect(unparseable.every((t) => !t.included)).toBe(true);
  });
});

describe("errors", () => {
  it("names the invalid version instead of throwing semver's TypeError", () => {
    expect(() => compareSemver("1.2.3", "1.2")).toThrow(
      'invalid semver version "1.2": not a SemVer 2.0.0 version',
    );
    expect(parseSemverRange("^1.2.3").test("1.9.0")).toBe(true);
    expect(() => parseSemverRange("not a range ((")).toThrow('invalid semver range "not a range (("');
  });

  it("refuses over-long versions quickly (semver's 256-character limit)", () => {
    const long = `1.2.3-${"a".repeat(10_000)}`;
    const started = performance.now();
    expect(isValidSemver(long)).toBe(false);
    expect(performance.now() - started).toBeLessThan(50);
  });
});
