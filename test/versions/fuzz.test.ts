/**
 * Properties of every comparator through compareVersions, over generated versions: reflexivity,
 * antisymmetry, a consistent total order (sorting a batch and checking every later element is not
 * smaller, which transitivity implies), no throw on valid versions, nothing but a usage
 * ShipshapeError on arbitrary strings, and hostile 10,000-character inputs answered at once.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isShipshapeError } from "../../src/errors.js";
import {
  compareVersions,
  isValidVersion,
  VERSION_SCHEMES,
  type VersionScheme,
} from "../../src/versions/index.js";
import { fuzzRuns } from "./vectors.js";

const join = (parts: string[], sep = ""): string => parts.join(sep);
const digits = fc.constantFrom("0", "1", "2", "9", "10", "00", "01", "123", "20240101");
const nonZeroLead = fc.constantFrom("0", "1", "2", "9", "10", "123");

/** Valid versions of each scheme, built from the pieces that exercise its ordering rules. */
const VALID: Record<VersionScheme, fc.Arbitrary<string>> = {
  deb: fc
    .tuple(
      fc.option(fc.constantFrom("0", "1", "2"), { nil: undefined }),
      nonZeroLead,
      fc.array(fc.constantFrom("0", "1", "a", "Z", ".", "+", "~", "~~", "10", ":", "-"), { maxLength: 5 }),
      fc.option(
        fc.array(fc.constantFrom("1", "0", "a", ".", "+", "~", "deb12u1"), { minLength: 1, maxLength: 4 }),
        {
          nil: undefined,
        },
      ),
    )
    .map(([e, head, rest, rev]) => {
      const upstream = head + join(rest);
      const colonFree = e === undefined ? upstream.replaceAll(":", ".") : upstream;
      const revision = rev === undefined ? "" : `-${join(rev)}`;
      // A trailing "-" would end in an empty revision; an upstream "-" needs a revision after it.
      const body = `${colonFree}${revision}`.replace(/-$/, "-0");
      return `${e === undefined ? "" : `${e}:`}${rev === undefined ? body.replaceAll("-", ".") : body}`;
    }),
  rpm: fc
    .array(
      fc.constantFrom("0", "1", "2", "10", "007", "a", "b", "Z", "~", "^", ".", "_", "-", ":", "el9", "git"),
      {
        minLength: 1,
        maxLength: 7,
      },
    )
    .map((xs) => join(xs)),
  apk: fc
    .tuple(
      fc.array(digits, { minLength: 1, maxLength: 4 }),
      fc.option(fc.constantFrom("a", "b", "z"), { nil: "" }),
      fc.array(
        fc.tuple(
          fc.constantFrom("alpha", "beta", "pre", "rc", "cvs", "svn", "git", "hg", "p"),
          fc.option(digits, { nil: "" }),
        ),
        { maxLength: 3 },
      ),
      fc.option(fc.constantFrom("abc", "0123", "f00d"), { nil: undefined }),
      fc.option(nonZeroLead, { nil: undefined }),
    )
    .map(
      ([nums, letter, suffixes, hash, rev]) =>
        `${nonLeadingZero(nums).join(".")}${letter}${suffixes.map(([s, n]) => `_${s}${n}`).join("")}${hash === undefined ? "" : `~${hash}`}${rev === undefined ? "" : `-r${rev}`}`,
    ),
  semver: fc
    .tuple(
      nonZeroLead,
      nonZeroLead,
      nonZeroLead,
      fc.array(fc.constantFrom("alpha", "beta", "rc", "0", "1", "10", "x-y"), { maxLength: 3 }),
      fc.array(fc.constantFrom("build", "001", "sha"), { maxLength: 2 }),
    )
    .map(
      ([a, b, c, pre, build]) =>
        `${a}.${b}.${c}${pre.length ? `-${pre.join(".")}` : ""}${build.length ? `+${build.join(".")}` : ""}`,
    ),
  pep440: fc
    .tuple(
      fc.constantFrom("", "1!"),
      fc.array(digits, { minLength: 1, maxLength: 3 }),
      fc.constantFrom("", "a1", "b2", "rc1", "c1", ".alpha"),
      fc.constantFrom("", ".post1", "-2", "post"),
      fc.constantFrom("", ".dev0", "dev3"),
      fc.constantFrom("", "+local", "+abc.5", "+1"),
    )
    .map(([e, rel, pre, post, dev, local]) => `${e}${rel.join(".")}${pre}${post}${dev}${local}`),
  // Maven accepts any string, but its order is not transitive across all of them (maven.test.ts
  // shows two cycles Maven itself has). It is for the shape real artifacts use: dotted numbers, then
  // "-" segments of a qualifier and/or a number, or a qualifier glued to a number ("1.0-rc1").
  maven: fc
    .tuple(
      fc.array(nonZeroLead, { minLength: 1, maxLength: 3 }),
      fc.array(
        fc.tuple(
          fc.constantFrom(
            "alpha",
            "beta",
            "milestone",
            "rc",
            "cr",
            "snapshot",
            "SNAPSHOT",
            "ga",
            "final",
            "sp",
            "a",
            "b",
            "m",
            "",
            "jre",
          ),
          fc.constantFrom("", "1", "2", "10", ".1"),
        ),
        { maxLength: 2 },
      ),
    )
    .map(([nums, quals]) => nums.join(".") + quals.map(([q, n]) => `-${q}${n}`).join("")),
  go: fc
    .tuple(
      fc.constantFrom("v", ""),
      nonZeroLead,
      nonZeroLead,
      nonZeroLead,
      fc.array(fc.constantFrom("0", "1", "pre", "rc", "20191109021931-daa7c04131f5"), { maxLength: 3 }),
    )
    .map(([v, a, b, c, pre]) => `${v}${a}.${b}.${c}${pre.length ? `-${pre.join(".")}` : ""}`),
  gem: fc
    .tuple(
      nonZeroLead,
      fc.array(fc.constantFrom("0", "1", "10", "a", "b", "rc1", "pre", "x"), { maxLength: 4 }),
      fc.option(fc.array(fc.constantFrom("1", "alpha", "beta", "rc"), { minLength: 1, maxLength: 2 }), {
        nil: undefined,
      }),
    )
    .map(
      ([head, rest, pre]) => `${[head, ...rest].join(".")}${pre === undefined ? "" : `-${pre.join(".")}`}`,
    ),
};

/** apk reads a leading zero in a ".N" component as a string; keep the initial number plain. */
function nonLeadingZero(nums: string[]): string[] {
  return nums.map((n, i) => (i === 0 ? n.replace(/^0+(?=\d)/, "") : n));
}

const RUNS = fuzzRuns(200);

describe.each(VERSION_SCHEMES)("%s", (scheme) => {
  const valid = VALID[scheme];
  const cmp = (a: string, b: string): number => compareVersions(scheme, a, b);

  it("generates only versions the scheme accepts", () => {
    fc.assert(
      fc.property(valid, (v) => {
        expect(isValidVersion(scheme, v)).toBe(true);
      }),
      RUNS,
    );
  });

  it("is reflexive and antisymmetric, and never throws on valid versions", () => {
    fc.assert(
      fc.property(valid, valid, (a, b) => {
        expect(cmp(a, a)).toBe(0);
        expect(cmp(a, b)).toBe(-cmp(b, a) || 0);
      }),
      RUNS,
    );
  });

  it("is a consistent total order: after sorting, no later version is smaller (transitivity)", () => {
    fc.assert(
      fc.property(fc.array(valid, { minLength: 3, maxLength: 8 }), (batch) => {
        const sorted = [...batch].sort(cmp);
        for (let i = 0; i < sorted.length; i++) {
          for (let j = i + 1; j < sorted.length; j++)
            expect(cmp(sorted[i]!, sorted[j]!)).toBeLessThanOrEqual(0);
        }
      }),
      RUNS,
    );
  });

  it("answers arbitrary strings with an ordering or a usage ShipshapeError naming the scheme", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 20 }), fc.string({ unit: "binary", maxLength: 20 })),
        valid,
        (junk, good) => {
          for (const [a, b] of [
            [junk, good],
            [good, junk],
          ] as const) {
            try {
              expect([-1, 0, 1]).toContain(cmp(a, b));
              expect(isValidVersion(scheme, junk)).toBe(true);
            } catch (err) {
              if (!isShipshapeError(err)) throw err;
              expect(err.kind).toBe("usage");
              expect(err.message.startsWith(`invalid ${scheme} version `)).toBe(true);
              expect(err.message).not.toContain("\n");
              expect(isValidVersion(scheme, junk)).toBe(false);
            }
          }
        },
      ),
      RUNS,
    );
  });

  it("answers hostile 10,000-character inputs at once (no catastrophic backtracking)", () => {
    const n = 10_000;
    const hostile = [
      "1".repeat(n),
      "0".repeat(n),
      `1.${"0.".repeat(n / 2)}`,
      `1${".1".repeat(n / 2)}!`,
      `1${"-1".repeat(n / 2)}`,
      `1${"a1".repeat(n / 2)}`,
      `1.0-${"a-".repeat(n / 2)}`,
      `1.0+${"a.".repeat(n / 2)}`,
      `1${" ".repeat(n)}x`,
      `${" ".repeat(n)}1`,
      `1${"~".repeat(n)}`,
      `1${"^".repeat(n)}`,
      `1${"_".repeat(n)}`,
      `v1.2.3-${"0.".repeat(n / 2)}`,
      `1.0_${"p".repeat(n)}`,
      `1${"_pre1".repeat(n / 5)}`,
      `1.0${"-r1".repeat(n / 3)}`,
      "é".repeat(n),
    ];
    for (const text of hostile) {
      const started = performance.now();
      try {
        cmp(text, text);
        cmp(text, "1.0");
      } catch (err) {
        if (!isShipshapeError(err)) throw err;
        expect(err.message.length).toBeLessThan(300);
      }
      expect(performance.now() - started, JSON.stringify(text.slice(0, 20))).toBeLessThan(250);
    }
  });
});

describe("compareVersions", () => {
  it("refuses an unknown scheme and a non-string version by name", () => {
    expect(() => compareVersions("cargo" as VersionScheme, "1", "2")).toThrow(
      'unknown version scheme "cargo": use one of deb, rpm, apk, semver, pep440, maven, go, gem',
    );
    expect(() => compareVersions("deb", 1 as unknown as string, "2")).toThrow(
      "invalid deb version: expected a string, got number",
    );
  });
});
