/**
 * RubyGems: all 26 Gem::Version vectors (including the "not equal" ones), validity, and
 * Gem::Requirement's operators.
 */
import { describe, expect, it } from "vitest";
import { compareGem, gemRequirementSatisfied, isValidGem, parseGem } from "../../src/versions/gem.js";
import { collectFailures, loadVectors } from "./vectors.js";

const data = loadVectors("rubygems");

describe("rubygems vectors", () => {
  it("has the 26 vectors the README lists (2 of them only 'not equal'); none excluded", () => {
    expect(data.vectors).toHaveLength(26);
    expect(data.vectors.filter((t) => t.cmp === "ne")).toHaveLength(2);
  });

  it("orders every vector as Gem::Version#<=>", () => {
    const failures = collectFailures(data.vectors, (t) => {
      const got = compareGem(t.a, t.b);
      if (t.cmp === "ne") return got !== 0 ? null : "compared equal";
      return got === t.cmp ? null : `got ${got}`;
    });
    expect(failures).toEqual([]);
  });
});

describe("validity", () => {
  it("accepts what Gem::Version.correct? accepts and names what it refuses", () => {
    for (const ok of ["1", " 1.2.3 ", "1.0.0-rc.1", "1.a.b", "", "  ", "1.0-x-y.z"])
      expect(isValidGem(ok)).toBe(true);
    for (const bad of ["a", "1..2", "1.", "1.0-", "1.0-a.", "1 2", "1.0+build", "-1"])
      expect(isValidGem(bad)).toBe(false);
    expect(() => compareGem("1.0", "1..2")).toThrow(
      'invalid gem version "1..2": malformed version number string',
    );
  });

  it("keeps the version as Gem::Version does: stripped, '-' as '.pre.', blank as 0", () => {
    expect(parseGem(" 1.0-rc1 ").version).toBe("1.0.pre.rc1");
    expect(parseGem("  ").version).toBe("0");
  });
});

describe("Gem::Requirement operators", () => {
  it("implements ~> as 'at least, and below the next bump'", () => {
    expect(gemRequirementSatisfied("2.2.9", "~>", "2.2")).toBe(true);
    expect(gemRequirementSatisfied("3.0", "~>", "2.2")).toBe(false);
    expect(gemRequirementSatisfied("2.2.9", "~>", "2.2.0")).toBe(true);
    expect(gemRequirementSatisfied("2.3.0", "~>", "2.2.0")).toBe(false);
    expect(gemRequirementSatisfied("3.0.0.rc1", "~>", "2.2")).toBe(false);
    expect(gemRequirementSatisfied("1.0", "!=", "1.0.0")).toBe(false);
  });
});
