/**
 * RubyGems versions with the semantics of Gem::Version (RubyGems 3.3), written from its behaviour:
 *
 * - Valid: optional surrounding whitespace around `N(.X)*(-Y(.Y)*)?` where N is digits, X runs of
 *   ASCII letters/digits and Y runs of letters/digits/hyphens; all-blank is "0".
 * - Every "-" becomes ".pre." ("1.0.0-rc1" is "1.0.0.pre.rc1", a pre-release), then the version is
 *   the list of its digit runs (as integers) and letter runs, wherever they stand ("1.2b3" is 1,2,"b",3).
 * - Canonical segments: trailing zeros are dropped from the numeric part before the first letter run
 *   and from the rest, so 1.0 == 1 and 1.0.a == 1.a.
 * - `<=>` walks the segments, a missing one being 0: equal segments go on, a letter run is below a
 *   number (1.0.a < 1.0 < 1.0.0.1), numbers compare numerically and letter runs by bytes.
 *
 * `gemRequirementSatisfied` implements Gem::Requirement's operators, `~>` included.
 */
import { invalidVersion } from "./invalid-version.js";
import { compareDigitRuns, compareStrings, type Ordering } from "./ordering.js";

export type GemSegment = { kind: "number"; digits: string } | { kind: "letters"; text: string };

export interface GemVersion {
  /** The version string as Gem::Version keeps it: stripped, "-" replaced by ".pre.", "" → "0". */
  version: string;
  segments: GemSegment[];
}

/** Ruby's `\s`: space, \t, \n, \v, \f, \r. */
function isRubySpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}
function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}
function isAlnum(c: number): boolean {
  return isDigit(c) || isLetter(c);
}

/** Gem::Version.correct? on the stripped text, as a scan (Ruby's pattern, without backtracking). */
function matchesPattern(text: string): boolean {
  if (text === "") return true;
  let i = 0;
  if (!isDigit(text.charCodeAt(0))) return false;
  while (i < text.length && isDigit(text.charCodeAt(i))) i++;
  // (?>\.[0-9a-zA-Z]+)*
  while (text[i] === "." && i + 1 < text.length && isAlnum(text.charCodeAt(i + 1))) {
    i++;
    while (i < text.length && isAlnum(text.charCodeAt(i))) i++;
  }
  if (i === text.length) return true;
  // (-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?
  if (text[i] !== "-") return false;
  const isPart = (c: number): boolean => isAlnum(c) || c === 0x2d;
  for (;;) {
    i++; // the "-" or "."
    const start = i;
    while (i < text.length && isPart(text.charCodeAt(i))) i++;
    if (i === start) return false;
    if (i === text.length) return true;
    if (text[i] !== ".") return false;
  }
}

function stripRuby(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isRubySpace(text.charCodeAt(start))) start++;
  while (end > start && isRubySpace(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}

export function isValidGem(version: string): boolean {
  return typeof version === "string" && matchesPattern(stripRuby(version));
}

/** Gem::Version.new; throws a usage ShipshapeError for a malformed version, as Ruby raises ArgumentError. */
export function parseGem(text: string): GemVersion {
  if (!isValidGem(text)) throw invalidVersion("gem", text, "malformed version number string");
  const stripped = stripRuby(text);
  const version = stripped === "" ? "0" : stripped.replaceAll("-", ".pre.");
  const segments: GemSegment[] = [];
  let i = 0;
  while (i < version.length) {
    const c = version.charCodeAt(i);
    const start = i;
    if (isDigit(c)) {
      while (i < version.length && isDigit(version.charCodeAt(i))) i++;
      const digits = version.slice(start, i).replace(/^0+(?=.)/, "");
      segments.push({ kind: "number", digits });
    } else if (isLetter(c)) {
      while (i < version.length && isLetter(version.charCodeAt(i))) i++;
      segments.push({ kind: "letters", text: version.slice(start, i) });
    } else {
      i++;
    }
  }
  return { version, segments };
}

function isZero(s: GemSegment): boolean {
  return s.kind === "number" && s.digits === "0";
}

/** Gem::Version#canonical_segments: trailing zeros dropped before the first letter run and at the end. */
export function canonicalGemSegments(v: GemVersion): GemSegment[] {
  const firstLetters = v.segments.findIndex((s) => s.kind === "letters");
  const numeric = firstLetters < 0 ? v.segments : v.segments.slice(0, firstLetters);
  const rest = firstLetters < 0 ? [] : v.segments.slice(firstLetters);
  const trim = (list: GemSegment[]): GemSegment[] => {
    let end = list.length;
    while (end > 0 && isZero(list[end - 1]!)) end--;
    return list.slice(0, end);
  };
  return [...trim(numeric), ...trim(rest)];
}

const ZERO: GemSegment = { kind: "number", digits: "0" };

export function compareGemVersions(a: GemVersion, b: GemVersion): Ordering {
  if (a.version === b.version) return 0;
  const l = canonicalGemSegments(a);
  const r = canonicalGemSegments(b);
  const n = Math.max(l.length, r.length);
  for (let i = 0; i < n; i++) {
    const x = l[i] ?? ZERO;
    const y = r[i] ?? ZERO;
    let c: Ordering;
    if (x.kind === "number") c = y.kind === "number" ? compareDigitRuns(x.digits, y.digits) : 1;
    else c = y.kind === "letters" ? compareStrings(x.text, y.text) : -1;
    if (c !== 0) return c;
  }
  return 0;
}

/** Gem::Version#<=> on two strings; throws a usage ShipshapeError for a malformed version. */
export function compareGem(a: string, b: string): Ordering {
  return compareGemVersions(parseGem(a), parseGem(b));
}

/** Gem::Version#prerelease?: any letter in the version. */
export function isGemPrerelease(v: GemVersion): boolean {
  return /[a-zA-Z]/.test(v.version);
}

/** Gem::Version#release: the version without its letter segments and what follows them. */
export function gemRelease(v: GemVersion): GemVersion {
  if (!isGemPrerelease(v)) return v;
  const firstLetters = v.segments.findIndex((s) => s.kind === "letters");
  return parseGem(segmentsText(v.segments.slice(0, firstLetters)));
}

/** Gem::Version#bump: drop letter segments, then the last segment, and increment the new last one. */
export function gemBump(v: GemVersion): GemVersion {
  const firstLetters = v.segments.findIndex((s) => s.kind === "letters");
  const segments = firstLetters < 0 ? [...v.segments] : v.segments.slice(0, firstLetters);
  if (segments.length > 1) segments.pop();
  const last = segments[segments.length - 1];
  if (last?.kind === "number")
    segments[segments.length - 1] = { kind: "number", digits: increment(last.digits) };
  return parseGem(segmentsText(segments));
}

function increment(digits: string): string {
  return (BigInt(digits) + 1n).toString();
}

function segmentsText(segments: GemSegment[]): string {
  return segments.map((s) => (s.kind === "number" ? s.digits : s.text)).join(".");
}

export type GemOperator = "=" | "!=" | ">" | "<" | ">=" | "<=" | "~>";

/** Gem::Requirement's operators: does `version op reference` hold? */
export function gemRequirementSatisfied(version: string, op: GemOperator, reference: string): boolean {
  const v = parseGem(version);
  const r = parseGem(reference);
  const c = compareGemVersions(v, r);
  switch (op) {
    case "=":
      return c === 0;
    case "!=":
      return c !== 0;
    case ">":
      return c > 0;
    case "<":
      return c < 0;
    case ">=":
      return c >= 0;
    case "<=":
      return c <= 0;
    case "~>":
      return c >= 0 && compareGemVersions(gemRelease(v), gemBump(r)) < 0;
    default:
      throw invalidVersion("gem", String(op), "not a Gem::Requirement operator (=, !=, >, <, >=, <=, ~>)");
  }
}
