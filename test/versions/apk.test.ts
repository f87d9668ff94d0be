/**
 * Alpine versions: all 738 apk-tools vectors (version.data), the 16 fuzzy-operator cases and the 31
 * validity cases, plus the behaviour compareVersions adds (refusing invalid versions by name).
 */
import { describe, expect, it } from "vitest";
import { apkVersionMatch, compareApk, compareApkRaw, isValidApk } from "../../src/versions/apk.js";
import { collectFailures, loadVectors } from "./vectors.js";

const data = loadVectors("apk");

describe("apk vectors", () => {
  it("has the README's counts: 738 vectors, 16 fuzzy, 31 validity; none excluded", () => {
    expect(data.vectors).toHaveLength(738);
    expect(data.fuzzy).toHaveLength(16);
    expect(data.validity).toHaveLength(31);
  });

  it("orders every vector as apk_version_compare does (invalid ones included)", () => {
    const failures = collectFailures(data.vectors, (t) => {
      const got = compareApkRaw(t.a, t.b);
      return got === t.cmp ? null : `got ${got}`;
    });
    expect(failures).toEqual([]);
  });

  it("judges validity as apk_version_validate does", () => {
    const failures = collectFailures(data.validity, (t) =>
      isValidApk(t.version) === t.valid ? null : `isValidApk gave ${!t.valid}`,
    );
    expect(failures).toEqual([]);
  });

  it("matches the fuzzy operators ~, <~, >~ and !~ as apk_version_match does", () => {
    const failures = collectFailures(data.fuzzy, (t) =>
      apkVersionMatch(t.a, t.op, t.b) === t.expect ? null : `apkVersionMatch gave ${!t.expect}`,
    );
    expect(failures).toEqual([]);
  });

  it("gives the strict comparator the same answers wherever both versions are valid", () => {
    const valid = data.vectors.filter((t) => isValidApk(t.a) && isValidApk(t.b));
    const invalid = data.vectors.filter((t) => !(isValidApk(t.a) && isValidApk(t.b)));
    const failures = collectFailures(valid, (t) => (compareApk(t.a, t.b) === t.cmp ? null : "differs"));
    expect(failures).toEqual([]);
    // Two vectors have an invalid side ("23_foo": unknown suffix; "1.0bc": two letters, flagged
    // upstream); the strict comparator refuses them by name instead of ordering them.
    expect(invalid.map((t) => [t.a, t.b])).toEqual([
      ["23_foo", "4_beta"],
      ["1.0", "1.0bc"],
    ]);
    for (const t of invalid) {
      const bad = isValidApk(t.a) ? t.b : t.a;
      expect(() => compareApk(t.a, t.b)).toThrow(`invalid apk version ${JSON.stringify(bad)}`);
    }
  });
});

describe("apk operators", () => {
  it("reads the plain operators and negation like apk's dependency masks", () => {
    expect(apkVersionMatch("1.2-r1", ">=", "1.2")).toBe(true);
    expect(apkVersionMatch("1.2-r1", "<", "1.2")).toBe(false);
    expect(apkVersionMatch("1.2-r1", "!<", "1.2")).toBe(true);
    expect(apkVersionMatch("1.2-r1", "", "9")).toBe(true);
    expect(() => apkVersionMatch("1", "=>x", "1")).toThrow(/not an apk version operator/);
  });

  it("compares numbers beyond 2^53 exactly where apk's 64-bit integers would", () => {
    expect(compareApk("1.18446744073709551614", "1.18446744073709551615")).toBe(-1);
    expect(compareApk("9007199254740993", "9007199254740992")).toBe(1);
  });
});
