/**
 * RPM versions with rpm 4.18's semantics, written from the behaviour of rpmio/rpmvercmp.c and
 * rpmio/rpmver.c:
 *
 * - `rpmvercmp(a, b)` compares one field (version, release or epoch): runs of ASCII letters or digits
 *   separated by anything else (separators themselves never count); `~` sorts before everything, even
 *   the end of the string (1.0~rc1 < 1.0); `^` sorts after the end but before any other segment
 *   (1.0 < 1.0^git1 < 1.0.1); digits beat letters; digit runs compare as numbers of any length.
 * - `compareRpmEvr` compares `[epoch:]version[-release]` like rpm's `rpmverCmp` (what Lua's `rpm.ver`
 *   comparisons use): a missing epoch is 0; the epoch is the leading digits before a `:`; the release
 *   is what follows the last `-`. A MISSING RELEASE SORTS BELOW ANY RELEASE ("1.0" < "1.0-1").
 *   That is the plain ordering, and the one `compareVersions("rpm", …)` uses: feeds give full EVRs
 *   (fixed-in "0:1.2-3.el9"), so a fixed version without a release is data we should not widen.
 * - `rpmRangesOverlap` is rpm's dependency matching (`rpmverOverlap`), where a side without a release
 *   matches every release when its operator includes `=` ("foo >= 1.0" is met by 1.0-1). Use it for
 *   `Requires`-style constraints, not for sorting.
 *
 * rpm accepts every non-empty string as a version; only "" is invalid (rpm.ver("") is nil).
 */
import { invalidVersion } from "./invalid-version.js";
import { compareDigitRuns, compareStrings, type Ordering } from "./ordering.js";

function isDigit(c: string): boolean {
  return c >= "0" && c <= "9";
}
function isAlpha(c: string): boolean {
  return (c >= "a" && c <= "z") || (c >= "A" && c <= "Z");
}
function isAlnum(c: string): boolean {
  return isDigit(c) || isAlpha(c);
}

/**
 * rpm's segment comparison of one field. Works on UTF-16 code units: every non-ASCII unit is a
 * separator, exactly as every non-ASCII byte is for rpm. (A NUL ends a C string; here it is just
 * another separator — rpm never sees one inside a header string.)
 */
export function rpmvercmp(a: string, b: string): Ordering {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while (i < a.length && !isAlnum(a[i]!) && a[i] !== "~" && a[i] !== "^") i++;
    while (j < b.length && !isAlnum(b[j]!) && b[j] !== "~" && b[j] !== "^") j++;
    const ca = a[i];
    const cb = b[j];

    if (ca === "~" || cb === "~") {
      if (ca !== "~") return 1;
      if (cb !== "~") return -1;
      i++;
      j++;
      continue;
    }
    if (ca === "^" || cb === "^") {
      if (ca === undefined) return -1;
      if (cb === undefined) return 1;
      if (ca !== "^") return 1;
      if (cb !== "^") return -1;
      i++;
      j++;
      continue;
    }
    if (ca === undefined || cb === undefined) break;

    const numeric = isDigit(ca);
    const inRun = numeric ? isDigit : isAlpha;
    let ei = i;
    while (ei < a.length && inRun(a[ei]!)) ei++;
    let ej = j;
    while (ej < b.length && inRun(b[ej]!)) ej++;
    // ei > i always: a's segment starts with an alphanumeric of the kind chosen.
    // Different kinds: the numeric one is newer.
    if (ej === j) return numeric ? 1 : -1;
    const segA = a.slice(i, ei);
    const segB = b.slice(j, ej);
    const rc = numeric ? compareDigitRuns(segA, segB) : compareStrings(segA, segB);
    if (rc !== 0) return rc;
    i = ei;
    j = ej;
  }
  // All segments equal: whichever still has characters (only separators can be left) is newer.
  const restA = i < a.length;
  const restB = j < b.length;
  if (!restA && !restB) return 0;
  return restA ? 1 : -1;
}

export interface RpmEvr {
  /** null when the string had no epoch (compares as "0"). */
  epoch: string | null;
  version: string;
  /** null when the string had no release. */
  release: string | null;
}

/** Splits `[epoch:]version[-release]` exactly as rpm's parseEVR does. Throws for "". */
export function parseRpmEvr(text: string): RpmEvr {
  if (text === "") throw invalidVersion("rpm", text, "the version is empty");
  let s = 0;
  while (s < text.length && isDigit(text[s]!)) s++;
  // The release separator is searched from the end of the leading digits, as rpm does.
  const dash = text.lastIndexOf("-");
  const se = dash >= s ? dash : -1;
  let epoch: string | null = null;
  let versionStart = 0;
  if (text[s] === ":") {
    epoch = s === 0 ? "0" : text.slice(0, s);
    versionStart = s + 1;
  }
  if (se >= 0) {
    return { epoch, version: text.slice(versionStart, se), release: text.slice(se + 1) };
  }
  return { epoch, version: text.slice(versionStart), release: null };
}

export function isValidRpm(text: string): boolean {
  return text !== "";
}

function compareValues(a: string | null, b: string | null): Ordering {
  if (a === null && b === null) return 0;
  if (b === null) return 1;
  if (a === null) return -1;
  return rpmvercmp(a, b);
}

/** rpmverCmp: epoch (missing = "0"), then version, then release (missing < present). */
export function compareRpmEvrParts(a: RpmEvr, b: RpmEvr): Ordering {
  return (
    compareValues(a.epoch ?? "0", b.epoch ?? "0") ||
    compareValues(a.version, b.version) ||
    compareValues(a.release, b.release)
  );
}

/** Orders two `[epoch:]version[-release]` strings; throws a usage ShipshapeError for "". */
export function compareRpmEvr(a: string, b: string): Ordering {
  return compareRpmEvrParts(parseRpmEvr(a), parseRpmEvr(b));
}

/** Formats an EVR the way rpm prints it (`rpmverEVR`): epoch and release only when present. */
export function formatRpmEvr(v: RpmEvr): string {
  return `${v.epoch !== null ? `${v.epoch}:` : ""}${v.version}${v.release !== null ? `-${v.release}` : ""}`;
}

/** rpm dependency senses: any combination of <, = and >. */
export interface RpmSense {
  less?: boolean;
  equal?: boolean;
  greater?: boolean;
}

/** Reads "<", "<=", "=", "==", ">=", ">" (and "" for any version) into a sense. */
export function parseRpmSense(op: string): RpmSense {
  switch (op) {
    case "<":
      return { less: true };
    case "<=":
    case "=<":
      return { less: true, equal: true };
    case "=":
    case "==":
      return { equal: true };
    case ">=":
    case "=>":
      return { greater: true, equal: true };
    case ">":
      return { greater: true };
    case "":
      return { less: true, equal: true, greater: true };
    default:
      throw invalidVersion("rpm", op, "not an rpm comparison operator (<, <=, =, >=, >)");
  }
}

function atolPositive(epoch: string | null): boolean {
  if (epoch === null || epoch === "") return false;
  return /[1-9]/.test(epoch); // parseEVR's epoch is all digits: atol > 0 iff a digit is not 0
}

/**
 * rpmverOverlap: do the ranges `a sa` and `b sb` share a version? With `a` an installed EVR and
 * sense "=", this answers "does the installed package satisfy `b sb`" with rpm's dependency rules,
 * including "a side without a release matches any release when its sense includes =".
 */
export function rpmRangesOverlap(a: string, sa: RpmSense, b: string, sb: RpmSense): boolean {
  const v1 = parseRpmEvr(a);
  const v2 = parseRpmEvr(b);
  let sense = 0;
  if (v1.epoch && v2.epoch) sense = rpmvercmp(v1.epoch, v2.epoch);
  else if (atolPositive(v1.epoch)) sense = 1;
  else if (atolPositive(v2.epoch)) sense = -1;
  if (sense === 0) {
    sense = rpmvercmp(v1.version, v2.version);
    if (sense === 0) {
      if (v1.release && v2.release) {
        sense = rpmvercmp(v1.release, v2.release);
      } else if ((v1.release && sb.equal) || (v2.release && sa.equal)) {
        return true;
      }
    }
  }
  if (sense < 0) return Boolean(sa.greater || sb.less);
  if (sense > 0) return Boolean(sa.less || sb.greater);
  return Boolean((sa.equal && sb.equal) || (sa.less && sb.less) || (sa.greater && sb.greater));
}
