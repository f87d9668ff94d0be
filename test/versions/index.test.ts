/**
 * compareVersions, the public API: every one of the 6,264 vectors through it. Where a vector has a
 * side the scheme calls invalid, compareVersions must refuse it by name instead of ordering it; those
 * refusals are counted per file so that the number cannot grow silently.
 */
import { describe, expect, it } from "vitest";
import { isShipshapeError } from "../../src/errors.js";
import { compareVersions, isValidVersion, type VersionScheme } from "../../src/versions/index.js";
import { collectFailures, loadVectors, type VectorFile } from "./vectors.js";

interface Pair {
  a: string;
  b: string;
  cmp: -1 | 0 | 1 | "ne";
}

const FILES: [VectorFile, VersionScheme, number, number][] = [
  // file, scheme, vectors, how many have a side compareVersions refuses
  ["dpkg", "deb", 55, 0],
  ["rpm", "rpm", 102, 0],
  ["apk", "apk", 738, 2], // "23_foo" (unknown suffix) and "1.0bc" (two letters)
  ["semver-npm", "semver", 68, 26], // loose-only spellings ("=1.2.3", "v 1.2.3") that strict npm parsing rejects
  ["pep440", "pep440", 4208, 0],
  ["maven", "maven", 571, 0],
  ["golang", "go", 496, 220], // exactly the vectors flagged invalid: x/mod orders them, compareVersions refuses them
  ["rubygems", "gem", 26, 0],
];

describe("compareVersions over every vector", () => {
  it("covers the README's 6,264 vectors", () => {
    const total = FILES.reduce((n, [file]) => n + (loadVectors(file).vectors as Pair[]).length, 0);
    expect(total).toBe(6264);
  });

  it.each(FILES)("%s vectors through compareVersions(%j)", (file, scheme, count, refusedCount) => {
    const vectors = loadVectors(file).vectors as Pair[];
    expect(vectors).toHaveLength(count);
    let refused = 0;
    const failures = collectFailures(vectors, (t) => {
      const invalid = [t.a, t.b].find((v) => !isValidVersion(scheme, v));
      if (invalid === undefined) {
        const got = compareVersions(scheme, t.a, t.b);
        if (t.cmp === "ne") return got !== 0 ? null : "compared equal";
        return got === t.cmp ? null : `got ${got}`;
      }
      refused++;
      try {
        compareVersions(scheme, t.a, t.b);
        return `accepted the invalid ${JSON.stringify(invalid)}`;
      } catch (err) {
        if (!isShipshapeError(err) || err.kind !== "usage") return `threw ${String(err)}`;
        return err.message.startsWith(`invalid ${scheme} version ${JSON.stringify(invalid)}`)
          ? null
          : `message ${err.message}`;
      }
    });
    expect(failures).toEqual([]);
    expect(refused).toBe(refusedCount);
  });
});
