/**
 * Debian versions: every dpkg vector, dpkg's own parse errors and warnings (t-version.c style cases,
 * each checked against the real `dpkg --compare-versions` on this machine), and a differential run
 * against dpkg over generated versions.
 */
import { execFileSync, spawnSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isShipshapeError } from "../../src/errors.js";
import { compareDeb, formatDeb, isValidDeb, parseDeb, parseDebVersion } from "../../src/versions/deb.js";
import { collectFailures, fuzzRuns, loadVectors } from "./vectors.js";

const data = loadVectors("dpkg");

describe("dpkg vectors", () => {
  it("has the 55 vectors the README lists, none excluded", () => {
    expect(data.vectors).toHaveLength(55);
  });

  it("orders every vector as dpkg --compare-versions does", () => {
    const failures = collectFailures(data.vectors, (t) => {
      const got = compareDeb(t.a, t.b);
      return got === t.cmp ? null : `got ${got}`;
    });
    expect(failures).toEqual([]);
  });
});

/** What `dpkg --compare-versions V eq V` says about V: null when silent, else its message. */
function dpkgSays(version: string): { level: "error" | "warning"; reason: string } | null {
  const r = spawnSync("dpkg", ["--compare-versions", "--", version, "eq", version], { encoding: "utf8" });
  const m = /dpkg: (error|warning): version '.*' has bad syntax: (.*)/s.exec(r.stderr);
  if (m === null) return null;
  return { level: m[1] as "error" | "warning", reason: m[2]!.split("\n")[0]!.trim() };
}

/** dpkg's own answer for a < b, = or > (exit status of lt / eq), for versions it accepts. */
function dpkgCompare(a: string, b: string): number {
  const lt = spawnSync("dpkg", ["--compare-versions", "--", a, "lt", b]).status === 0;
  if (lt) return -1;
  const eq = spawnSync("dpkg", ["--compare-versions", "--", a, "eq", b]).status === 0;
  return eq ? 0 : 1;
}

describe("dpkg parse errors and warnings", () => {
  it("has dpkg on this machine to compare with", () => {
    expect(execFileSync("dpkg", ["--version"], { encoding: "utf8" })).toMatch(/Debian 'dpkg'/);
  });

  // Inputs in the style of dpkg's t-version.c; the expected outcome is whatever the real dpkg says.
  const cases = [
    " ",
    "\t",
    "1 0",
    "0:1 2",
    ":1.0",
    "a:1.0",
    "-1:1.0",
    "-0:1.0",
    "+1:2",
    "\n1:2",
    "0x1:2",
    "9999999999:1.0",
    "2147483648:1",
    "2147483647:1",
    "-99999999999999999999:2",
    "2:",
    "1.0-",
    "-1",
    "2:-1",
    "-0.6.5",
    "a",
    "a1.0",
    "1_0",
    "1.0-1_0",
    "1.0-1:2",
    "1:2:3",
    "1-2-3",
    "00:1",
    " 1.0 ",
    "1.0\n",
    "1é",
    "1.0-a~b+c.d",
  ];

  it.each(cases)("%j is accepted or refused with dpkg's words", (input) => {
    const said = dpkgSays(input);
    const ours = parseDebVersion(input);
    if (said?.level === "error") {
      expect(ours).toEqual({ ok: false, error: said.reason });
      expect(() => parseDeb(input)).toThrow(said.reason);
    } else {
      expect(ours.ok).toBe(true);
      expect(ours.ok && ours.warnings).toEqual(said === null ? [] : [said.reason]);
    }
  });

  it("names the scheme and the version in the thrown error", () => {
    let caught: unknown;
    try {
      compareDeb("1.0", "2:");
    } catch (err) {
      caught = err;
    }
    expect(isShipshapeError(caught) && caught.kind).toBe("usage");
    expect((caught as Error).message).toBe('invalid deb version "2:": nothing after colon in version number');
  });

  it("formats versions the way they parse", () => {
    expect(formatDeb(parseDeb("0:1.0-1"))).toBe("1.0-1");
    expect(formatDeb(parseDeb("2:1.0"))).toBe("2:1.0");
    expect(isValidDeb("1.0-")).toBe(false);
  });
});

describe("differential against dpkg", () => {
  // Characters that exercise every branch of verrevcmp: ~, letters, digits with leading zeros,
  // punctuation, a non-ASCII letter (dpkg weighs its bytes between letters and punctuation).
  const part = fc
    .array(fc.constantFrom("0", "1", "2", "9", "00", "10", "a", "b", "Z", "~", "+", ".", "é"), {
      minLength: 1,
      maxLength: 6,
    })
    .map((xs) => xs.join(""));
  const version = fc
    .tuple(
      fc.option(fc.constantFrom("0", "1", "2", "10"), { nil: undefined }),
      part,
      fc.option(part, { nil: undefined }),
    )
    .map(
      ([e, u, r]) =>
        `${e === undefined ? "" : `${e}:`}${/^[0-9]/.test(u) ? u : `1${u}`}${r === undefined ? "" : `-${r}`}`,
    );

  it("orders generated versions exactly as dpkg --compare-versions", () => {
    fc.assert(
      fc.property(version, version, (a, b) => {
        expect(compareDeb(a, b)).toBe(dpkgCompare(a, b));
      }),
      fuzzRuns(150),
    );
  });

  it("agrees with dpkg about which generated strings are errors or warnings, and why", () => {
    const unit = fc.constantFrom("1", "0", ":", "-", " ", "\t", "a", "~", "+", ".", "_", "é");
    fc.assert(
      fc.property(fc.string({ unit, minLength: 1, maxLength: 8 }), (s) => {
        const said = dpkgSays(s);
        const ours = parseDebVersion(s);
        const mine = ours.ok ? (ours.warnings[0] ?? null) : ours.error;
        expect(mine).toBe(said?.reason ?? null);
        expect(ours.ok).toBe(said?.level !== "error");
      }),
      fuzzRuns(150),
    );
  });
});
