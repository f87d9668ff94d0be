/**
 * Go module versions: all 496 golang.org/x/mod/semver vectors (invalid ones included, with
 * TestCompare's rule), its 32 Canonical() expectations, and the helpers for OSV and the toolchain.
 */
import { describe, expect, it } from "vitest";
import {
  canonicalGo,
  compareGo,
  compareGoStrict,
  goMajor,
  goMajorMinor,
  goToolchainVersion,
  isPseudoVersion,
  isValidGo,
} from "../../src/versions/go.js";
import { collectFailures, loadVectors } from "./vectors.js";

const data = loadVectors("golang");

describe("golang vectors", () => {
  it("has the README's counts: 496 vectors, 32 canonical pairs; none excluded", () => {
    expect(data.vectors).toHaveLength(496);
    expect(data.canonical).toHaveLength(32);
  });

  it("orders every vector as x/mod/semver.Compare (invalid below valid, invalids equal)", () => {
    const failures = collectFailures(data.vectors, (t) => {
      const got = compareGo(t.a, t.b);
      return got === t.cmp ? null : `got ${got}`;
    });
    expect(failures).toEqual([]);
  });

  it("flags exactly the vectors with an invalid side, and the strict comparator refuses them", () => {
    const failures = collectFailures(data.vectors, (t) => {
      const invalid = !isValidGo(t.a) || !isValidGo(t.b);
      if (invalid !== (t.invalid === true)) return `isValidGo disagrees with the invalid flag`;
      if (!invalid) return compareGoStrict(t.a, t.b) === t.cmp ? null : "strict comparator differs";
      try {
        compareGoStrict(t.a, t.b);
        return "strict comparator accepted an invalid version";
      } catch (err) {
        return /^invalid go version /.test((err as Error).message) ? null : (err as Error).message;
      }
    });
    expect(failures).toEqual([]);
  });

  it("canonicalises every Canonical() case", () => {
    const failures = collectFailures(data.canonical, (t) => {
      const got = canonicalGo(t.in);
      return got === t.out ? null : `got ${JSON.stringify(got)}`;
    });
    expect(failures).toEqual([]);
  });
});

describe("helpers", () => {
  it("accepts OSV's Go versions without the v in the strict comparator", () => {
    expect(compareGoStrict("1.22.0-0", "v1.22.0")).toBe(-1);
    expect(compareGoStrict("1.21.5", "v1.21.5")).toBe(0);
    expect(() => compareGoStrict("1.2.3", "latest")).toThrow('invalid go version "latest"');
  });

  it("reads major and major.minor like x/mod", () => {
    expect(goMajor("v2.3.4-pre+meta")).toBe("v2");
    expect(goMajorMinor("v2")).toBe("v2.0");
    expect(goMajor("2.3.4")).toBe("");
  });

  it("recognises the three pseudo-version forms and nothing else", () => {
    expect(isPseudoVersion("v0.0.0-20191109021931-daa7c04131f5")).toBe(true);
    expect(isPseudoVersion("v1.2.4-0.20191109021931-daa7c04131f5")).toBe(true);
    expect(isPseudoVersion("v1.2.3-pre.0.20191109021931-daa7c04131f5+incompatible")).toBe(true);
    expect(isPseudoVersion("v1.2.3-20191109021931-daa7c04131f5")).toBe(false);
    expect(isPseudoVersion("v1.2.4-0.2019110902193-daa7c04131f5")).toBe(false);
    expect(isPseudoVersion("v1.2.3")).toBe(false);
  });

  it("turns go command release tags into the vulndb's semver", () => {
    expect(goToolchainVersion("go1.19.8")).toBe("v1.19.8");
    expect(goToolchainVersion("go1.21")).toBe("v1.21.0");
    expect(goToolchainVersion("go1.21rc2")).toBe("v1.21.0-rc.2");
    expect(goToolchainVersion("go1.19beta1 X:boringcrypto")).toBe("v1.19.0-beta.1");
    expect(goToolchainVersion("go1")).toBe("v1.0.0");
    expect(goToolchainVersion("devel +abc")).toBeNull();
  });
});
