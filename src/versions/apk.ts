/**
 * Alpine (apk-tools) versions, `digit{.digit}…{letter}{_suffix{number}}…{~hash}{-rN}`, with the
 * semantics of apk-tools' src/version.c (the 2024 tokenizer, as at commit 90b974fd of the test data),
 * written from its behaviour:
 *
 * - Tokens in a fixed order: initial number, `.number`…, one lowercase letter, `_suffix[number]`…,
 *   `~hexhash`, `-rN`. A token that breaks the order (or an unknown suffix) makes the version invalid.
 * - Suffixes rank alpha < beta < pre < rc < (none) < cvs < svn < git < hg < p.
 * - Numbers compare numerically (as unsigned 64-bit, like apk), except that a `.number` with a
 *   leading zero on either side compares as a string (Gentoo's rule: 1.01 < 1.1 < 1.10), and commit
 *   hashes compare as strings.
 * - When one version runs out: a pre-release suffix (alpha…rc) on the longer one makes it older;
 *   otherwise the longer one is newer (1.0_rc1 < 1.0 < 1.0-r0, 1.0 < 1.0_p1 < 1.0a).
 * - Invalid versions still compare (apk does not refuse them); `compareVersions("apk", …)` does.
 * - Fuzzy matching (`~`): `a ~ b` holds when b's tokens are a prefix of a's ("3.6.1 ~ 3.6").
 *
 * apk works on bytes: the input is UTF-8 encoded, and like apk's character-class spans, a non-ASCII
 * byte counts as a member of a suffix or hash span (so it can only make the suffix unknown).
 */
import { invalidVersion } from "./invalid-version.js";
import type { Ordering } from "./ordering.js";

/** Token kinds in the order they may appear (apk compares these numbers too). */
const Tok = {
  InitialDigit: 0,
  Digit: 1,
  Letter: 2,
  Suffix: 3,
  SuffixNo: 4,
  CommitHash: 5,
  RevisionNo: 6,
  End: 7,
  Invalid: 8,
} as const;
type Tok = (typeof Tok)[keyof typeof Tok];

const SUFFIX_NONE = 5;
/** Suffix ranks as apk numbers them (0 is "invalid"). */
const SUFFIXES: ReadonlyMap<string, number> = new Map([
  ["alpha", 1],
  ["beta", 2],
  ["pre", 3],
  ["rc", 4],
  ["cvs", 6],
  ["svn", 7],
  ["git", 8],
  ["hg", 9],
  ["p", 10],
]);

const TWO_POW_64 = 1n << 64n;

interface TokenState {
  token: Tok;
  suffix: number;
  number: number | bigint;
  /** The token's bytes: [start, end) of the input. */
  start: number;
  end: number;
}

class Cursor {
  pos = 0;
  constructor(readonly bytes: Uint8Array) {}
  get left(): number {
    return this.bytes.length - this.pos;
  }
  peek(): number | undefined {
    return this.bytes[this.pos];
  }
}

function isDigit(c: number | undefined): c is number {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}
function isLower(c: number): boolean {
  return c >= 0x61 && c <= 0x7a;
}
function isHex(c: number): boolean {
  return isDigit(c) || (c >= 0x61 && c <= 0x66);
}

/**
 * apk_blob_pull_uint(…, 10) into `t`: the digits' value modulo 2^64 (plain numbers while they are
 * exact). False when there is no digit.
 */
function parseDigits(t: TokenState, c: Cursor): boolean {
  const start = c.pos;
  while (isDigit(c.peek())) c.pos++;
  t.start = start;
  t.end = c.pos;
  const len = c.pos - start;
  if (len === 0) return false;
  if (len <= 15) {
    let n = 0;
    for (let i = start; i < c.pos; i++) n = n * 10 + (c.bytes[i]! - 0x30);
    t.number = n;
  } else {
    let n = 0n;
    for (let i = start; i < c.pos; i++) n = (n * 10n + BigInt(c.bytes[i]! - 0x30)) % TWO_POW_64;
    t.number = n;
  }
  return true;
}

/** apk_blob_spn: bytes in the class, and (as apk's table only covers ASCII) every non-ASCII byte. */
function span(c: Cursor, inClass: (b: number) => boolean): void {
  while (c.pos < c.bytes.length) {
    const b = c.bytes[c.pos]!;
    if (b < 0x80 && !inClass(b)) break;
    c.pos++;
  }
}

/** The suffix's rank, 0 when unknown. One character per byte: a non-ASCII byte never spells a suffix. */
function suffixRank(bytes: Uint8Array, start: number, end: number): number {
  if (end - start > 5) return 0;
  let text = "";
  for (let i = start; i < end; i++) text += String.fromCharCode(bytes[i]!);
  return SUFFIXES.get(text) ?? 0;
}

function first(c: Cursor): TokenState {
  const t: TokenState = { token: Tok.InitialDigit, suffix: 0, number: 0, start: 0, end: 0 };
  if (!parseDigits(t, c)) t.token = Tok.Invalid;
  return t;
}

/** Reads the token after `t` into `t` (apk's token_next). */
function next(t: TokenState, c: Cursor): void {
  t.token = readNext(t, c);
}

/** The kind of the next token, with its bytes and value stored in `t`; Invalid when out of order. */
function readNext(t: TokenState, c: Cursor): Tok {
  const ch = c.peek();
  if (ch === undefined) return Tok.End;
  if (isLower(ch)) {
    if (t.token > Tok.Digit) return Tok.Invalid;
    t.start = c.pos;
    t.end = c.pos + 1;
    c.pos++;
    return Tok.Letter;
  }
  if (ch === 0x2e /* . */ || isDigit(ch)) {
    if (ch === 0x2e) {
      if (t.token > Tok.Digit) return Tok.Invalid;
      c.pos++;
    }
    let kind: Tok;
    if (t.token === Tok.InitialDigit || t.token === Tok.Digit) kind = Tok.Digit;
    else if (t.token === Tok.Suffix) kind = Tok.SuffixNo;
    else return Tok.Invalid;
    return parseDigits(t, c) ? kind : Tok.Invalid;
  }
  if (ch === 0x5f /* _ */) {
    if (t.token > Tok.SuffixNo) return Tok.Invalid;
    c.pos++;
    t.start = c.pos;
    span(c, isLower);
    t.end = c.pos;
    t.suffix = suffixRank(c.bytes, t.start, t.end);
    return t.suffix === 0 ? Tok.Invalid : Tok.Suffix;
  }
  if (ch === 0x7e /* ~ */) {
    if (t.token >= Tok.CommitHash) return Tok.Invalid;
    c.pos++;
    t.start = c.pos;
    span(c, isHex);
    t.end = c.pos;
    return t.end === t.start ? Tok.Invalid : Tok.CommitHash;
  }
  if (ch === 0x2d /* - */) {
    if (t.token >= Tok.RevisionNo) return Tok.Invalid;
    if (c.bytes[c.pos + 1] !== 0x72 /* r */) return Tok.Invalid;
    c.pos += 2;
    return parseDigits(t, c) ? Tok.RevisionNo : Tok.Invalid;
  }
  return Tok.Invalid;
}

function compareBytes(
  a: Uint8Array,
  as: number,
  ae: number,
  b: Uint8Array,
  bs: number,
  be: number,
): Ordering {
  const n = Math.min(ae - as, be - bs);
  for (let i = 0; i < n; i++) {
    const d = a[as + i]! - b[bs + i]!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  const la = ae - as;
  const lb = be - bs;
  return la < lb ? -1 : la > lb ? 1 : 0;
}

function compareNumbers(a: number | bigint, b: number | bigint): Ordering {
  if (typeof a === typeof b) return a < b ? -1 : a > b ? 1 : 0;
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function tokenCompare(ta: TokenState, a: Cursor, tb: TokenState, b: Cursor): Ordering {
  switch (ta.token) {
    case Tok.Digit:
      if (a.bytes[ta.start] === 0x30 || b.bytes[tb.start] === 0x30) {
        return compareBytes(a.bytes, ta.start, ta.end, b.bytes, tb.start, tb.end);
      }
      return compareNumbers(ta.number, tb.number);
    case Tok.InitialDigit:
    case Tok.SuffixNo:
    case Tok.RevisionNo:
      return compareNumbers(ta.number, tb.number);
    case Tok.Letter:
      return compareNumbers(a.bytes[ta.start]!, b.bytes[tb.start]!);
    case Tok.Suffix:
      return compareNumbers(ta.suffix, tb.suffix);
    default:
      return compareBytes(a.bytes, ta.start, ta.end, b.bytes, tb.start, tb.end);
  }
}

const utf8 = new TextEncoder();

function compareFuzzy(a: string, b: string, fuzzy: boolean): Ordering {
  const ca = new Cursor(utf8.encode(a));
  const cb = new Cursor(utf8.encode(b));
  const ta = first(ca);
  const tb = first(cb);
  while (ta.token === tb.token && ta.token < Tok.End) {
    const r = tokenCompare(ta, ca, tb, cb);
    if (r !== 0) return r;
    next(ta, ca);
    next(tb, cb);
  }
  // Both ended (or both broke at an invalid token), or fuzzy matching found b to be a prefix.
  if (ta.token === tb.token) return 0;
  if (tb.token === Tok.End && fuzzy) return 0;
  // Equal so far: the longer one is newer, unless what it continues with is a pre-release suffix.
  if (ta.token === Tok.Suffix && ta.suffix < SUFFIX_NONE) return -1;
  if (tb.token === Tok.Suffix && tb.suffix < SUFFIX_NONE) return 1;
  if (ta.token > tb.token) return -1;
  if (tb.token > ta.token) return 1;
  return 0;
}

/** apk_version_compare: orders any two strings, valid or not, exactly as apk does. */
export function compareApkRaw(a: string, b: string): Ordering {
  return compareFuzzy(a, b, false);
}

/** apk_version_validate. */
export function isValidApk(version: string): boolean {
  const c = new Cursor(utf8.encode(version));
  const t = first(c);
  while (t.token < Tok.End) next(t, c);
  return t.token === Tok.End;
}

/** Orders two valid apk versions; throws a usage ShipshapeError naming an invalid one. */
export function compareApk(a: string, b: string): Ordering {
  for (const v of [a, b]) {
    if (!isValidApk(v)) {
      throw invalidVersion(
        "apk",
        v,
        "not digit{.digit}…{letter}{_suffix{N}}…{~hash}{-rN} (apk-tools' grammar)",
      );
    }
  }
  return compareFuzzy(a, b, false);
}

/**
 * Constraint operators apk writes in dependencies (`pkg>=1.2`, `pkg~3.6`): "<", "<=", "=", ">=", ">",
 * "~", "<~", ">~", "" (any version), each optionally negated with a leading "!" (a conflict).
 */
export type ApkOperator = string;

const LESS = 2;
const EQUAL = 1;
const GREATER = 4;
const FUZZY = 8;
const ANY = LESS | EQUAL | GREATER;

/** apk_version_result_mask_blob, with a leading `!` meaning "conflicts with" (negation). */
function operatorMask(op: string): { mask: number; negate: boolean } {
  let negate = false;
  let text = op;
  if (text.startsWith("!")) {
    negate = true;
    text = text.slice(1);
  }
  let mask = text === "" ? ANY : 0;
  for (const ch of text) {
    if (ch === "<") mask |= LESS;
    else if (ch === ">") mask |= GREATER;
    else if (ch === "=") mask |= EQUAL;
    else if (ch === "~") mask |= FUZZY | EQUAL;
    else
      throw invalidVersion(
        "apk",
        op,
        "not an apk version operator (<, <=, =, >=, >, ~, <~, >~, optionally after !)",
      );
  }
  return { mask, negate };
}

/**
 * apk_version_match: does `version` satisfy `op reference`? `~` (fuzzy) accepts any version whose
 * leading tokens equal all of the reference's ("3.6.9_p1 ~ 3.6"); `<~`/`>~` are `<=`/`>=` with that
 * fuzzy equality; `!op` negates.
 */
export function apkVersionMatch(version: string, op: ApkOperator, reference: string): boolean {
  const { mask, negate } = operatorMask(op);
  let ok = (mask & ANY) === ANY;
  if (!ok) {
    const r = compareFuzzy(version, reference, (mask & FUZZY) !== 0);
    const bit = r < 0 ? LESS : r > 0 ? GREATER : EQUAL;
    ok = (bit & mask) !== 0;
  }
  return negate ? !ok : ok;
}
