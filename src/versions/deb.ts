/**
 * Debian package versions, `[epoch:]upstream[-revision]`, with dpkg's semantics (lib/dpkg/parsehelp.c
 * parseversion and lib/dpkg/version.c verrevcmp, dpkg 1.21), written from their behaviour:
 *
 * - parsing: blanks (space, tab) around the version are ignored, blanks inside are an error; the epoch
 *   is what precedes the FIRST colon and must be a number in 0..INT_MAX (read like C's strtol, so
 *   "+1" and "-0" pass); the revision follows the LAST hyphen. Errors make dpkg refuse the version;
 *   warnings ("does not start with digit", "invalid character …") are printed but the version is
 *   still compared, and so it is here. Messages are dpkg's own words.
 * - ordering: epochs numerically, then upstream and revision with verrevcmp: alternating non-digit
 *   and digit runs; in non-digit runs `~` sorts before everything (even the end of the string), then
 *   the end, then letters, then everything else; digit runs compare as numbers.
 *
 * Comparison works on UTF-8 bytes as dpkg does on `char`: a non-ASCII byte (negative as a signed
 * char) sorts after the letters and before the ASCII punctuation, as `dpkg --compare-versions` does.
 */
import { invalidVersion } from "./invalid-version.js";
import { compareDigitRuns, type Ordering, sign } from "./ordering.js";

export interface DebVersion {
  epoch: number;
  upstream: string;
  /** "" when the version has no revision. */
  revision: string;
}

export type DebParseResult =
  | { ok: true; version: DebVersion; warnings: string[] }
  | { ok: false; error: string };

const INT_MAX = 2147483647;

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09;
}
function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
function isAlpha(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}
/** C's isspace in the C locale: what strtol skips before the number. */
function isCSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/**
 * dpkg's epoch rules for the text before the first colon, in strtol's terms. Returns the epoch or
 * dpkg's error message.
 */
function parseEpoch(text: string): number | string {
  let i = 0;
  while (i < text.length && isCSpace(text.charCodeAt(i))) i++;
  let negative = false;
  if (i < text.length && (text[i] === "+" || text[i] === "-")) {
    negative = text[i] === "-";
    i++;
  }
  const digitsStart = i;
  while (i < text.length && isDigit(text.charCodeAt(i))) i++;
  if (i === digitsStart) return "epoch in version is empty";
  if (i !== text.length) return "epoch in version is not number";
  const digits = text.slice(digitsStart).replace(/^0+/, "");
  if (negative && digits !== "") return "epoch in version is negative";
  if (compareDigitRuns(digits === "" ? "0" : digits, String(INT_MAX)) > 0)
    return "epoch in version is too big";
  return digits === "" ? 0 : Number(digits);
}

/** Parses like dpkg: `ok: false` carries dpkg's error; warnings are what dpkg prints but accepts. */
export function parseDebVersion(text: string): DebParseResult {
  let start = 0;
  while (start < text.length && isBlank(text.charCodeAt(start))) start++;
  if (start === text.length) return { ok: false, error: "version string is empty" };
  let end = start;
  while (end < text.length && !isBlank(text.charCodeAt(end))) end++;
  for (let i = end; i < text.length; i++) {
    if (!isBlank(text.charCodeAt(i))) return { ok: false, error: "version string has embedded spaces" };
  }
  let rest = text.slice(start, end);

  let epoch = 0;
  const colon = rest.indexOf(":");
  if (colon >= 0) {
    const parsed = parseEpoch(rest.slice(0, colon));
    if (typeof parsed === "string") return { ok: false, error: parsed };
    // dpkg looks for "nothing after the colon" before dropping trailing blanks: "1: " gets past
    // this check and fails as an empty version below.
    if (start + colon + 1 === text.length)
      return { ok: false, error: "nothing after colon in version number" };
    epoch = parsed;
    rest = rest.slice(colon + 1);
  }

  let upstream = rest;
  let revision = "";
  const hyphen = rest.lastIndexOf("-");
  if (hyphen >= 0) {
    upstream = rest.slice(0, hyphen);
    revision = rest.slice(hyphen + 1);
    if (revision === "") return { ok: false, error: "revision number is empty" };
  }
  if (upstream === "") return { ok: false, error: "version number is empty" };

  const warnings: string[] = [];
  if (!isDigit(upstream.charCodeAt(0))) {
    // dpkg stops at the first warning.
    warnings.push("version number does not start with digit");
  } else if (!/^[0-9A-Za-z.+~:-]*$/.test(upstream)) {
    warnings.push("invalid character in version number");
  } else if (!/^[0-9A-Za-z.+~]*$/.test(revision)) {
    warnings.push("invalid character in revision number");
  }
  return { ok: true, version: { epoch, upstream, revision }, warnings };
}

/** Parses or throws a usage ShipshapeError with dpkg's reason. Warnings are accepted, as dpkg does. */
export function parseDeb(text: string): DebVersion {
  const result = parseDebVersion(text);
  if (!result.ok) throw invalidVersion("deb", text, result.error);
  return result.version;
}

/** True when dpkg accepts the version (possibly with a warning). */
export function isValidDeb(text: string): boolean {
  return parseDebVersion(text).ok;
}

const utf8 = new TextEncoder();

/** dpkg's weight of a byte inside a non-digit run. */
function order(c: number | undefined): number {
  if (c === undefined) return 0; // end of string
  if (isDigit(c)) return 0;
  if (isAlpha(c)) return c;
  if (c === 0x7e) return -1; // '~'
  // Other bytes: as signed char + 256, so bytes >= 0x80 land between letters and ASCII punctuation.
  return c >= 0x80 ? c : c + 256;
}

/** dpkg's verrevcmp on one part (upstream or revision). */
export function verrevcmp(a: string, b: string): Ordering {
  if (a === b) return 0;
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    while ((i < x.length && !isDigit(x[i]!)) || (j < y.length && !isDigit(y[j]!))) {
      const ac = order(x[i]);
      const bc = order(y[j]);
      if (ac !== bc) return sign(ac - bc);
      i++;
      j++;
    }
    while (x[i] === 0x30) i++;
    while (y[j] === 0x30) j++;
    let firstDiff = 0;
    while (i < x.length && j < y.length && isDigit(x[i]!) && isDigit(y[j]!)) {
      if (firstDiff === 0) firstDiff = x[i]! - y[j]!;
      i++;
      j++;
    }
    if (i < x.length && isDigit(x[i]!)) return 1;
    if (j < y.length && isDigit(y[j]!)) return -1;
    if (firstDiff !== 0) return sign(firstDiff);
  }
  return 0;
}

export function compareDebVersions(a: DebVersion, b: DebVersion): Ordering {
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1;
  return verrevcmp(a.upstream, b.upstream) || verrevcmp(a.revision, b.revision);
}

/** Orders two Debian version strings; throws a usage ShipshapeError for a version dpkg rejects. */
export function compareDeb(a: string, b: string): Ordering {
  return compareDebVersions(parseDeb(a), parseDeb(b));
}

/** The version as dpkg prints it: the epoch only when non-zero, the revision only when present. */
export function formatDeb(v: DebVersion): string {
  return `${v.epoch !== 0 ? `${v.epoch}:` : ""}${v.upstream}${v.revision !== "" ? `-${v.revision}` : ""}`;
}
