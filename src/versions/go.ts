/**
 * Go module versions with the semantics of golang.org/x/mod/semver, written from its behaviour:
 * semantic versions with a mandatory `v` prefix, where `vMAJOR` and `vMAJOR.MINOR` are shorthands for
 * `vMAJOR.0.0` and `vMAJOR.MINOR.0` (but take no pre-release or build suffix), numbers without
 * leading zeros, SemVer 2.0.0 pre-release precedence, and build metadata ignored.
 *
 * `compareGo` is x/mod's Compare: an invalid version is below every valid one and equal to every
 * other invalid one (that is how the go command sorts). `compareVersions("go", …)` refuses invalid
 * versions instead, and accepts OSV's spelling without the `v` ("1.22.0-0").
 *
 * Pseudo-versions (v0.0.0-20191109021931-daa7c04131f5) are ordinary pre-releases under these rules;
 * `isPseudoVersion` recognises them like x/mod/module does. `goToolchainVersion` turns the go
 * command's release tags ("go1.21rc2") into the semver the Go vulnerability database uses.
 */
import { invalidVersion } from "./invalid-version.js";
import { compareDigitRuns, compareStrings, type Ordering } from "./ordering.js";

export interface GoSemver {
  major: string;
  minor: string;
  patch: string;
  /** What the shorthand left out: ".0.0", ".0" or "". */
  short: string;
  /** Including the leading "-", or "". */
  prerelease: string;
  /** Including the leading "+", or "". */
  build: string;
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= "0" && c <= "9";
}
function isIdentChar(c: string): boolean {
  return (c >= "A" && c <= "Z") || (c >= "a" && c <= "z") || isDigit(c) || c === "-";
}
function isNumeric(s: string): boolean {
  for (const c of s) if (!isDigit(c)) return false;
  return true;
}
/** A numeric identifier with a leading zero (SemVer forbids these in pre-releases). */
function isBadNum(s: string): boolean {
  return s.length > 1 && s[0] === "0" && isNumeric(s);
}

/** A number without leading zeros at `text[at]`; returns its end or -1. */
function scanInt(text: string, at: number): number {
  if (!isDigit(text[at])) return -1;
  let i = at + 1;
  while (isDigit(text[i])) i++;
  if (text[at] === "0" && i !== at + 1) return -1;
  return i;
}

/** Dot-separated identifiers after the "-" or "+" at `text[at]` (a pre-release stops at "+"); returns the end or -1. */
function scanIdentifiers(text: string, at: number, prerelease: boolean): number {
  let i = at + 1;
  let start = i;
  while (i < text.length && !(prerelease && text[i] === "+")) {
    const c = text[i]!;
    if (c === ".") {
      if (start === i || (prerelease && isBadNum(text.slice(start, i)))) return -1;
      start = i + 1;
    } else if (!isIdentChar(c)) {
      return -1;
    }
    i++;
  }
  if (start === i || (prerelease && isBadNum(text.slice(start, i)))) return -1;
  return i;
}

/** x/mod/semver's parse: the parts of a valid version, or null. */
export function parseGo(version: string): GoSemver | null {
  if (typeof version !== "string" || version[0] !== "v") return null;
  const p: GoSemver = { major: "", minor: "", patch: "", short: "", prerelease: "", build: "" };
  let i = scanInt(version, 1);
  if (i < 0) return null;
  p.major = version.slice(1, i);
  if (i === version.length) return { ...p, minor: "0", patch: "0", short: ".0.0" };
  if (version[i] !== ".") return null;
  let j = scanInt(version, i + 1);
  if (j < 0) return null;
  p.minor = version.slice(i + 1, j);
  if (j === version.length) return { ...p, patch: "0", short: ".0" };
  if (version[j] !== ".") return null;
  i = scanInt(version, j + 1);
  if (i < 0) return null;
  p.patch = version.slice(j + 1, i);
  if (version[i] === "-") {
    j = scanIdentifiers(version, i, true);
    if (j < 0) return null;
    p.prerelease = version.slice(i, j);
    i = j;
  }
  if (version[i] === "+") {
    j = scanIdentifiers(version, i, false);
    if (j < 0) return null;
    p.build = version.slice(i, j);
    i = j;
  }
  return i === version.length ? p : null;
}

export function isValidGo(version: string): boolean {
  return parseGo(version) !== null;
}

/** x/mod's Canonical: "v1.2" → "v1.2.0", build metadata dropped, "" for an invalid version. */
export function canonicalGo(version: string): string {
  const p = parseGo(version);
  if (p === null) return "";
  if (p.build !== "") return version.slice(0, version.length - p.build.length);
  return version + p.short;
}

function comparePrerelease(x: string, y: string): Ordering {
  if (x === y) return 0;
  if (x === "") return 1;
  if (y === "") return -1;
  const xs = x.slice(1).split(".");
  const ys = y.slice(1).split(".");
  const n = Math.min(xs.length, ys.length);
  for (let k = 0; k < n; k++) {
    const dx = xs[k]!;
    const dy = ys[k]!;
    if (dx === dy) continue;
    const nx = isNumeric(dx);
    const ny = isNumeric(dy);
    if (nx !== ny) return nx ? -1 : 1;
    return nx ? compareDigitRuns(dx, dy) : compareStrings(dx, dy);
  }
  return xs.length < ys.length ? -1 : xs.length > ys.length ? 1 : 0;
}

/** Orders two parsed versions by SemVer precedence. */
export function compareGoParsed(a: GoSemver, b: GoSemver): Ordering {
  return (
    compareDigitRuns(a.major, b.major) ||
    compareDigitRuns(a.minor, b.minor) ||
    compareDigitRuns(a.patch, b.patch) ||
    comparePrerelease(a.prerelease, b.prerelease)
  );
}

/** x/mod's Compare: invalid versions sort below valid ones and equal to each other. */
export function compareGo(a: string, b: string): Ordering {
  const pa = parseGo(a);
  const pb = parseGo(b);
  if (pa === null && pb === null) return 0;
  if (pa === null) return -1;
  if (pb === null) return 1;
  return compareGoParsed(pa, pb);
}

/** Adds the `v` OSV leaves off ("1.22.0-0" → "v1.22.0-0"); other strings are returned unchanged. */
export function withGoPrefix(version: string): string {
  return isDigit(version[0]) ? `v${version}` : version;
}

/** Strict ordering: both must be valid (with or without OSV's missing `v`); throws a usage ShipshapeError otherwise. */
export function compareGoStrict(a: string, b: string): Ordering {
  const pa = parseGo(withGoPrefix(a));
  if (pa === null)
    throw invalidVersion("go", a, "not a Go module version (vMAJOR[.MINOR[.PATCH[-pre][+build]]])");
  const pb = parseGo(withGoPrefix(b));
  if (pb === null)
    throw invalidVersion("go", b, "not a Go module version (vMAJOR[.MINOR[.PATCH[-pre][+build]]])");
  return compareGoParsed(pa, pb);
}

/** x/mod's Major ("v2") and MajorMinor ("v2.1"); "" for an invalid version. */
export function goMajor(version: string): string {
  const p = parseGo(version);
  return p === null ? "" : `v${p.major}`;
}
export function goMajorMinor(version: string): string {
  const p = parseGo(version);
  return p === null ? "" : `v${p.major}.${p.minor}`;
}

/**
 * x/mod/module's IsPseudoVersion: vX.0.0-yyyymmddhhmmss-abcdef123456, vX.Y.Z-pre.0.yyyymmddhhmmss-…,
 * or vX.Y.(Z+1)-0.yyyymmddhhmmss-… (build metadata allowed).
 */
export function isPseudoVersion(version: string): boolean {
  const p = parseGo(version);
  if (p === null || p.prerelease === "") return false;
  // The prerelease's last two dot-separated parts are "<14-digit time>-<revision>", preceded by
  // "0" (directly after the patch for vX.0.0 it is just the time).
  const pre = p.prerelease.slice(1);
  const dash = pre.lastIndexOf("-");
  if (dash < 0) return false;
  const revision = pre.slice(dash + 1);
  if (revision === "" || !/^[A-Za-z0-9]+$/.test(revision)) return false;
  const head = pre.slice(0, dash);
  const time = head.slice(-14);
  if (time.length !== 14 || !isNumeric(time)) return false;
  const before = head.slice(0, -14);
  if (before === "")
    return p.minor === "0" && p.patch === "0" && p.short === "" && version.startsWith(`v${p.major}.0.0-`);
  return before === "0." || before.endsWith(".0.");
}

/**
 * The go command's release tag as semver, the way the Go vulnerability database writes the
 * standard library's versions: "go1.19.8" → "v1.19.8", "go1.21" → "v1.21.0", "go1.21rc2" →
 * "v1.21.0-rc.2", "go1.19beta1" → "v1.19.0-beta.1", "go1" → "v1.0.0". Null when it is not a tag.
 * (A trailing " X:…" experiment list, as `go version` may print, is ignored.)
 */
export function goToolchainVersion(tag: string): string | null {
  const word = tag.trim().split(/\s+/, 1)[0] ?? "";
  if (word === "go1") return "v1.0.0";
  const m = /^go(\d+\.\d+)(\.\d+)?(?:(beta|rc)(\d+))?$/.exec(word);
  if (m === null) return null;
  let version = `v${m[1]}${m[2] ?? ".0"}`;
  if (m[3] !== undefined) version += `-${m[3]}.${m[4]}`;
  return isValidGo(version) ? version : null;
}
