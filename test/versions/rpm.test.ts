/**
 * RPM versions: every rpm vector (rpmvercmp and EVR kinds), a differential run against the real rpm
 * 4.18 on this machine (Lua's rpm.vercmp, which compares parsed EVRs with rpmverCmp), and rpm's
 * dependency-range rules.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  compareRpmEvr,
  formatRpmEvr,
  parseRpmEvr,
  parseRpmSense,
  rpmRangesOverlap,
  rpmvercmp,
} from "../../src/versions/rpm.js";
import { collectFailures, fuzzRuns, loadVectors } from "./vectors.js";

const data = loadVectors("rpm");

describe("rpm vectors", () => {
  it("has the 102 vectors the README lists (91 rpmvercmp, 11 evr), none excluded", () => {
    expect(data.vectors).toHaveLength(102);
    expect(data.vectors.filter((t) => t.kind === "rpmvercmp")).toHaveLength(91);
    expect(data.vectors.filter((t) => t.kind === "evr")).toHaveLength(11);
  });

  it("orders every rpmvercmp vector with rpmvercmp and every vector with the EVR comparison", () => {
    const failures = collectFailures(data.vectors, (t) => {
      if (t.kind === "rpmvercmp" && rpmvercmp(t.a, t.b) !== t.cmp)
        return `rpmvercmp gave ${rpmvercmp(t.a, t.b)}`;
      const evr = compareRpmEvr(t.a, t.b);
      return evr === t.cmp ? null : `compareRpmEvr gave ${evr}`;
    });
    expect(failures).toEqual([]);
  });
});

describe("differential against rpm 4.18", () => {
  const scratch = mkdtempSync(join(tmpdir(), "shipshape-rpm-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  /** rpm.vercmp for many pairs in one rpm process (a Lua script writing one result per line). */
  function rpmVercmp(pairs: [string, string][]): number[] {
    const script = join(scratch, "cmp.lua");
    const out = join(scratch, "out.txt");
    const lines = pairs.map(
      ([a, b]) => `f:write(rpm.vercmp(${JSON.stringify(a)}, ${JSON.stringify(b)}), "\\n")`,
    );
    writeFileSync(
      script,
      [`local f = io.open(${JSON.stringify(out)}, "w")`, ...lines, "f:close()"].join("\n"),
    );
    execFileSync("rpm", ["--eval", `%{lua: dofile(${JSON.stringify(script)})}`]);
    return readFileSync(out, "utf8").trim().split("\n").map(Number);
  }

  it("orders generated EVRs exactly as rpm does, and plain strings exactly as rpmvercmp", () => {
    // Separators, ~ and ^, leading zeros, letters of both cases, epochs and releases, a non-ASCII letter.
    const unit = fc.constantFrom(
      "0",
      "1",
      "2",
      "9",
      "00",
      "10",
      "a",
      "b",
      "Z",
      "~",
      "^",
      ".",
      "_",
      "+",
      "-",
      ":",
      "é",
    );
    const text = fc.array(unit, { minLength: 1, maxLength: 8 }).map((xs) => xs.join(""));
    const pairs = fc.sample(fc.tuple(text, text), fuzzRuns(3000).numRuns);
    const answers = rpmVercmp(pairs);
    const cases = pairs.map(([a, b], i) => ({ a, b, rpm: Math.sign(answers[i]!) }));
    const failures = collectFailures(cases, ({ a, b, rpm }) => {
      if (compareRpmEvr(a, b) !== rpm) return `compareRpmEvr gave ${compareRpmEvr(a, b)}`;
      // Without "-" or ":" the EVR is the version alone, so rpm's answer is rpmvercmp's.
      if (!/[-:]/.test(a + b) && rpmvercmp(a, b) !== rpm) return `rpmvercmp gave ${rpmvercmp(a, b)}`;
      return null;
    });
    expect(failures).toEqual([]);
  });
});

describe("EVR parsing", () => {
  it("splits as rpm's parseEVR: epoch only from leading digits before ':', release after the last '-'", () => {
    expect(parseRpmEvr("1:2.0-3.el9")).toEqual({ epoch: "1", version: "2.0", release: "3.el9" });
    expect(parseRpmEvr(":1.0")).toEqual({ epoch: "0", version: "1.0", release: null });
    expect(parseRpmEvr("a:1.0-2")).toEqual({ epoch: null, version: "a:1.0", release: "2" });
    expect(parseRpmEvr("1:")).toEqual({ epoch: "1", version: "", release: null });
    expect(formatRpmEvr(parseRpmEvr("0:1.2-3"))).toBe("0:1.2-3");
  });

  it("refuses the empty version (rpm.ver returns nil for it)", () => {
    expect(() => compareRpmEvr("", "1")).toThrow('invalid rpm version "": the version is empty');
  });
});

describe("dependency ranges (rpmverOverlap)", () => {
  const satisfies = (installed: string, op: string, wanted: string): boolean =>
    rpmRangesOverlap(installed, parseRpmSense("="), wanted, parseRpmSense(op));

  it("lets a release-less requirement match every release when its operator includes =", () => {
    // rpm's documented rule: "Requires: foo >= 1.0" is met by foo-1.0-1; plain ordering says 1.0 < 1.0-1.
    expect(compareRpmEvr("1.0", "1.0-1")).toBe(-1);
    expect(satisfies("1.0-1", ">=", "1.0")).toBe(true);
    expect(satisfies("1.0-1", "=", "1.0")).toBe(true);
    expect(satisfies("1.0-1", "<=", "1.0")).toBe(true);
    expect(satisfies("1.0-1", ">", "1.0")).toBe(false);
    expect(satisfies("1.0-1", "<", "1.0")).toBe(false);
  });

  it("orders by epoch, version and release otherwise", () => {
    expect(satisfies("1:1.0-1", ">", "2.0")).toBe(true);
    expect(satisfies("1.0-2", "<", "1.0-10")).toBe(true);
    expect(satisfies("1.0-2", ">=", "1.0-10")).toBe(false);
    expect(satisfies("2.0-1", "", "9.0")).toBe(true);
  });

  it("refuses an unknown operator", () => {
    expect(() => parseRpmSense("~>")).toThrow(/not an rpm comparison operator/);
  });
});
