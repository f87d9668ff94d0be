/**
 * PEP 440: all 4,208 pypa/packaging vectors (every ordered pair of its VERSIONS list plus the
 * normalisation equalities) and its 16 invalid versions, through our wrapper.
 */
import { describe, expect, it } from "vitest";
import { comparePep440, isValidPep440, parsePep440, satisfiesPep440 } from "../../src/versions/pep440.js";
import { collectFailures, loadVectors } from "./vectors.js";

const data = loadVectors("pep440");

describe("pep440 vectors", () => {
  it("has the README's counts: 4,208 vectors and 16 invalid versions; none excluded", () => {
    expect(data.vectors).toHaveLength(4208);
    expect(data.invalid).toHaveLength(16);
  });

  it("orders every vector as packaging.version.Version", () => {
    const failures = collectFailures(data.vectors, (t) => {
      const got = comparePep440(t.a, t.b);
      return got === t.cmp ? null : `got ${got}`;
    });
    expect(failures).toEqual([]);
  });

  it("refuses every invalid version, naming it", () => {
    const failures = collectFailures(data.invalid, (v) => {
      if (isValidPep440(v)) return "accepted";
      try {
        comparePep440(v, "1.0");
        return "compared";
      } catch (err) {
        return (err as Error).message.startsWith(`invalid pep440 version ${JSON.stringify(v)}`)
          ? null
          : `wrong message: ${(err as Error).message}`;
      }
    });
    expect(failures).toEqual([]);
  });
});

describe("what the wrapper adds", () => {
  it("strips surrounding whitespace as packaging does (its normalisation tests include it)", () => {
    expect(comparePep440("  v1.0\t\n", "1.0")).toBe(0);
    expect(parsePep440(" 1.0.post1 ").post).toEqual(["post", 1]);
    expect(isValidPep440("1 .0")).toBe(false);
  });

  it("evaluates specifiers and refuses invalid ones", () => {
    expect(satisfiesPep440("1.4.5", "~=1.4.2")).toBe(true);
    expect(satisfiesPep440("1.5.0", "~=1.4.2")).toBe(false);
    expect(() => satisfiesPep440("1.0", ">>1")).toThrow('invalid PEP 440 specifier ">>1"');
  });
});
