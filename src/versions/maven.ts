/**
 * Maven versions with the semantics of maven-artifact 3.8.7's ComparableVersion (the version Debian 12
 * ships; 3.9 changed some qualifier edge cases), written from its behaviour:
 *
 * - The lower-cased string splits into items at `.` and `-` and at every digit/non-digit transition.
 *   A `-` and a transition between letters and digits open a nested list; `.` does not. (In 3.8.7 a
 *   qualifier that follows a digit run opens a nested list too: "1.a" == "1-a".) An empty item is 0.
 * - Numbers compare numerically at any length. Qualifiers rank
 *   alpha < beta < milestone < rc < snapshot < "" < sp < any other (lexically among themselves);
 *   aliases: a/b/m directly followed by a digit are alpha/beta/milestone; ga, final and release are "";
 *   cr is rc.
 * - Each list then drops its trailing "null" items (0, "", empty lists), so 1 == 1.0 == 1-0 == 1.ga.
 * - Comparing: lists item by item, a missing item counting as "null"; a number beats a list beats a
 *   qualifier (1.1 > 1-1 > 1-sp), and against null a qualifier ranks as "" (1-rc < 1 < 1-sp).
 *
 * Maven accepts every string, so nothing here is invalid. Digits are Java's Character.isDigit, so
 * non-ASCII decimal digits (e.g. "١") are numbers as in Java. Lower-casing is JavaScript's, which
 * agrees with Java's toLowerCase(Locale.ENGLISH) except for where a Greek capital sigma becomes
 * final "ς" (Java decides by word boundaries). Nested lists form a chain (each list's
 * sub-list is its last item), so parsing, normalising and comparing are loops, not recursion: a
 * 10,000-character version cannot overflow the stack.
 */
import { compareDigitRuns, compareStrings, type Ordering, sign } from "./ordering.js";

export type MavenItem =
  | { kind: "number"; digits: string } // ASCII digits, no leading zeros ("0" for zero)
  | { kind: "qualifier"; value: string }
  | { kind: "list"; items: MavenItem[] };

export type MavenVersion = Extract<MavenItem, { kind: "list" }>;

const QUALIFIERS = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
const RELEASE_INDEX = String(QUALIFIERS.indexOf(""));
const ALIASES: ReadonlyMap<string, string> = new Map([
  ["ga", ""],
  ["final", ""],
  ["release", ""],
  ["cr", "rc"],
]);

const ND = /\p{Nd}/u;

/** Java's Character.isDigit for one UTF-16 code unit, with Character.digit's value; -1 when not a digit. */
function digitValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code < 0x80 || !ND.test(String.fromCharCode(code))) return -1;
  // Every decimal-digit run in the BMP is exactly one block 0..9 (checked by the tests).
  let start = code;
  while (start > 0 && ND.test(String.fromCharCode(start - 1))) start--;
  return (code - start) % 10;
}

/** comparableQualifier: known qualifiers by rank, others after them in lexical order. */
function comparable(q: string): string {
  const i = QUALIFIERS.indexOf(q);
  return i === -1 ? `${QUALIFIERS.length}-${q}` : String(i);
}

function numberItem(text: string): MavenItem {
  let digits = "";
  for (let i = 0; i < text.length; i++) digits += String(digitValue(text.charCodeAt(i)));
  let z = 0;
  while (z < digits.length - 1 && digits[z] === "0") z++;
  return { kind: "number", digits: digits.slice(z) };
}

function qualifierItem(text: string, followedByDigit: boolean): MavenItem {
  let value = text;
  if (followedByDigit && value.length === 1) {
    if (value === "a") value = "alpha";
    else if (value === "b") value = "beta";
    else if (value === "m") value = "milestone";
  }
  return { kind: "qualifier", value: ALIASES.get(value) ?? value };
}

function parseItem(isDigit: boolean, text: string): MavenItem {
  return isDigit ? numberItem(text) : qualifierItem(text, false);
}

const ZERO: MavenItem = { kind: "number", digits: "0" };

function isNull(item: MavenItem): boolean {
  switch (item.kind) {
    case "number":
      return item.digits === "0";
    case "qualifier":
      return comparable(item.value) === RELEASE_INDEX;
    case "list":
      return item.items.length === 0;
  }
}

/** ListItem.normalize: drop trailing null items, looking past (non-empty) sub-lists. */
function normalize(list: MavenVersion): void {
  for (let i = list.items.length - 1; i >= 0; i--) {
    const item = list.items[i]!;
    if (isNull(item)) list.items.splice(i, 1);
    else if (item.kind !== "list") break;
  }
}

/** Parses like ComparableVersion.parseVersion; every string is a version. */
export function parseMaven(version: string): MavenVersion {
  const text = version.toLowerCase();
  const root: MavenVersion = { kind: "list", items: [] };
  let list = root;
  const stack: MavenVersion[] = [root];
  const openList = (): void => {
    const child: MavenVersion = { kind: "list", items: [] };
    list.items.push(child);
    list = child;
    stack.push(child);
  };
  let isDigit = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "." || c === "-") {
      list.items.push(i === start ? ZERO : parseItem(isDigit, text.slice(start, i)));
      start = i + 1;
      if (c === "-") openList();
    } else if (digitValue(text.charCodeAt(i)) >= 0) {
      if (!isDigit && i > start) {
        if (list.items.length > 0) openList();
        list.items.push(qualifierItem(text.slice(start, i), true));
        start = i;
        openList();
      }
      isDigit = true;
    } else {
      if (isDigit && i > start) {
        list.items.push(parseItem(true, text.slice(start, i)));
        start = i;
        openList();
      }
      isDigit = false;
    }
  }
  if (text.length > start) {
    if (!isDigit && list.items.length > 0) openList();
    list.items.push(parseItem(isDigit, text.slice(start)));
  }
  // Deepest list first, as Maven pops its stack: an emptied sub-list is then null for its parent.
  for (let i = stack.length - 1; i >= 0; i--) normalize(stack[i]!);
  return root;
}

/** item.compareTo(null): how an item compares with a missing one. */
function compareWithNothing(item: MavenItem): Ordering {
  let current = item;
  for (;;) {
    switch (current.kind) {
      case "number":
        return current.digits === "0" ? 0 : 1;
      case "qualifier":
        return compareStrings(comparable(current.value), RELEASE_INDEX);
      case "list": {
        // Each item against null; a sub-list is always the last item, so descend into it.
        let next: MavenItem | undefined;
        for (const it of current.items) {
          if (it.kind === "list") {
            next = it;
            break;
          }
          const r = compareWithNothing(it);
          if (r !== 0) return r;
        }
        if (next === undefined) return 0;
        current = next;
      }
    }
  }
}

const KIND_RANK = { qualifier: 0, list: 1, number: 2 } as const;

/** Two items that are not both lists: qualifier < list < number across kinds. */
function compareLeaves(a: MavenItem, b: MavenItem): Ordering {
  if (a.kind !== b.kind) return sign(KIND_RANK[a.kind] - KIND_RANK[b.kind]);
  if (a.kind === "number" && b.kind === "number") return compareDigitRuns(a.digits, b.digits);
  if (a.kind === "qualifier" && b.kind === "qualifier") {
    return compareStrings(comparable(a.value), comparable(b.value));
  }
  return 0;
}

/** ComparableVersion.compareTo on parsed versions. */
export function compareMavenVersions(a: MavenVersion, b: MavenVersion): Ordering {
  let x = a;
  let y = b;
  outer: for (;;) {
    const n = Math.max(x.items.length, y.items.length);
    for (let i = 0; i < n; i++) {
      const l = x.items[i];
      const r = y.items[i];
      let result: Ordering;
      if (l === undefined) result = r === undefined ? 0 : (-compareWithNothing(r) as Ordering);
      else if (r === undefined) result = compareWithNothing(l);
      else if (l.kind === "list" && r.kind === "list") {
        // Both are the last items of their lists: the answer is theirs.
        x = l;
        y = r;
        continue outer;
      } else result = compareLeaves(l, r);
      if (result !== 0) return result;
    }
    return 0;
  }
}

/** Orders two Maven version strings as Maven 3.8.7 does. Never throws: Maven has no invalid versions. */
export function compareMaven(a: string, b: string): Ordering {
  return compareMavenVersions(parseMaven(a), parseMaven(b));
}

/** ComparableVersion.getCanonical(): items joined by "." and a sub-list by "-" (none before a first item). */
export function mavenCanonical(version: string | MavenVersion): string {
  const chain: MavenVersion[] = [];
  let list: MavenVersion | undefined = typeof version === "string" ? parseMaven(version) : version;
  while (list !== undefined) {
    chain.push(list);
    const last: MavenItem | undefined = list.items[list.items.length - 1];
    list = last?.kind === "list" ? last : undefined;
  }
  let text = "";
  for (let k = chain.length - 1; k >= 0; k--) {
    let buffer = "";
    for (const item of chain[k]!.items) {
      if (buffer.length > 0) buffer += item.kind === "list" ? "-" : ".";
      buffer += item.kind === "list" ? text : item.kind === "number" ? item.digits : item.value;
    }
    text = buffer;
  }
  return text;
}
