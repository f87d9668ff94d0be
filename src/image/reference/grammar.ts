/**
 * The reference grammar of github.com/distribution/reference, checked by hand-written scanners.
 *
 *   reference        := name [ ":" tag ] [ "@" digest ]
 *   name             := [ domain "/" ] remote-name
 *   domain           := host [ ":" port-number ]
 *   host             := domain-name | "[" IPv6-chars "]"
 *   domain-name      := domain-component [ "." domain-component ]*
 *   domain-component := /[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]/
 *   port-number      := /[0-9]+/
 *   remote-name      := path-component [ "/" path-component ]*
 *   path-component   := /[a-z0-9]+/ [ separator /[a-z0-9]+/ ]*
 *   separator        := /[_.]|__|[-]+/
 *   tag              := /[\w][\w.-]{0,127}/
 *   digest           := /[A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}/
 *   identifier       := /[a-f0-9]{64}/
 *
 * Why scanners and not the regular expressions (./regexps.ts has those): a backtracking engine runs
 * the nested repetitions on a deep stack and throws RangeError on inputs of a few megabytes. Every
 * part of the grammar is delimited by a character the part before it cannot contain ("/" ends a
 * domain, ":" or "@" ends a remote name, "@" ends a tag, the first ":" ends a digest algorithm), so
 * the leftmost-first match Go's regexp picks is found in one left-to-right pass without backtracking.
 * Every class is ASCII, so comparing UTF-16 code units gives the same answer as Go's bytes.
 */

const SLASH = 0x2f;
const COLON = 0x3a;
const AT = 0x40;
const DOT = 0x2e;
const UNDERSCORE = 0x5f;
const DASH = 0x2d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const PLUS = 0x2b;

/** Longest tag the grammar allows. */
export const TAG_MAX_LENGTH = 128;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
function isLower(c: number): boolean {
  return c >= 0x61 && c <= 0x7a;
}
function isLetter(c: number): boolean {
  return isLower(c) || (c >= 0x41 && c <= 0x5a);
}
function isLowerAlphanumeric(c: number): boolean {
  return isLower(c) || isDigit(c);
}
function isAlphanumeric(c: number): boolean {
  return isLetter(c) || isDigit(c);
}
function isWord(c: number): boolean {
  return isAlphanumeric(c) || c === UNDERSCORE;
}
export function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

/** Index of the first of `a` or `b` in text[from, end), or `end`. */
function indexOfEither(text: string, a: number, b: number, from: number, end: number): number {
  for (let i = from; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === a || c === b) return i;
  }
  return end;
}

function indexOfCode(text: string, code: number, from: number, end: number): number {
  return indexOfEither(text, code, code, from, end);
}

function allOf(text: string, start: number, end: number, test: (c: number) => boolean): boolean {
  for (let i = start; i < end; i++) {
    if (!test(text.charCodeAt(i))) return false;
  }
  return true;
}

/** path-component over text[start, end): lower-case alphanumeric runs joined by ".", "_", "__" or dashes. */
function isPathComponent(text: string, start: number, end: number): boolean {
  let i = start;
  for (;;) {
    const run = i;
    while (i < end && isLowerAlphanumeric(text.charCodeAt(i))) i++;
    if (i === run) return false; // a component, and every separator, must be followed by a run
    if (i === end) return true;
    const c = text.charCodeAt(i);
    if (c === DOT) {
      i++;
    } else if (c === UNDERSCORE) {
      i++;
      if (i < end && text.charCodeAt(i) === UNDERSCORE) i++;
    } else if (c === DASH) {
      while (i < end && text.charCodeAt(i) === DASH) i++;
    } else {
      return false;
    }
  }
}

/** remote-name over text[start, end): path components separated by single slashes. */
export function isRemoteName(text: string, start = 0, end = text.length): boolean {
  let componentStart = start;
  for (;;) {
    const slash = indexOfCode(text, SLASH, componentStart, end);
    if (!isPathComponent(text, componentStart, slash)) return false;
    if (slash === end) return true;
    componentStart = slash + 1;
  }
}

function isDomainComponent(text: string, start: number, end: number): boolean {
  return (
    end > start &&
    isAlphanumeric(text.charCodeAt(start)) &&
    isAlphanumeric(text.charCodeAt(end - 1)) &&
    allOf(text, start, end, (c) => isAlphanumeric(c) || c === DASH)
  );
}

function isDomainName(text: string, start: number, end: number): boolean {
  let componentStart = start;
  for (;;) {
    const dot = indexOfCode(text, DOT, componentStart, end);
    if (!isDomainComponent(text, componentStart, dot)) return false;
    if (dot === end) return true;
    componentStart = dot + 1;
  }
}

/** domain (host with optional port) over text[start, end), as Go's `^domainAndPort$`. */
export function isDomainAndPort(text: string, start = 0, end = text.length): boolean {
  if (start >= end) return false;
  let hostEnd: number;
  if (text.charCodeAt(start) === OPEN_BRACKET) {
    // IPv6 literal: hex digits and colons only, so no zone ("%eth0") and no dotted IPv4 tail.
    const close = indexOfCode(text, CLOSE_BRACKET, start + 1, end);
    if (close === end || close === start + 1) return false;
    if (!allOf(text, start + 1, close, (c) => isHexDigit(c) || c === COLON)) return false;
    hostEnd = close + 1;
  } else {
    hostEnd = indexOfCode(text, COLON, start, end);
    if (!isDomainName(text, start, hostEnd)) return false;
  }
  if (hostEnd === end) return true;
  return text.charCodeAt(hostEnd) === COLON && hostEnd + 1 < end && allOf(text, hostEnd + 1, end, isDigit);
}

/** tag over text[start, end). */
export function isTag(text: string, start = 0, end = text.length): boolean {
  const length = end - start;
  return (
    length >= 1 &&
    length <= TAG_MAX_LENGTH &&
    isWord(text.charCodeAt(start)) &&
    allOf(text, start + 1, end, (c) => isWord(c) || c === DOT || c === DASH)
  );
}

/** The digest syntax of the reference grammar (not go-digest's stricter validation) over text[start, end). */
export function isDigestSyntax(text: string, start = 0, end = text.length): boolean {
  const colon = indexOfCode(text, COLON, start, end);
  if (colon === end || end - (colon + 1) < 32 || !allOf(text, colon + 1, end, isHexDigit)) return false;
  // algorithm: letter-led alphanumeric components joined by single "-", "_", "+" or ".".
  let i = start;
  for (;;) {
    if (i >= colon || !isLetter(text.charCodeAt(i))) return false;
    i++;
    while (i < colon && isAlphanumeric(text.charCodeAt(i))) i++;
    if (i === colon) return true;
    const c = text.charCodeAt(i);
    if (c !== DASH && c !== UNDERSCORE && c !== PLUS && c !== DOT) return false;
    i++;
  }
}

/** A 64-character lower-case hex identifier (a sha256 image ID without its algorithm). */
export function isIdentifier(text: string): boolean {
  return text.length === 64 && allOf(text, 0, 64, (c) => isDigit(c) || (c >= 0x61 && c <= 0x66));
}

export interface NameMatch {
  /** "" when the name has no domain part. */
  readonly domain: string;
  readonly path: string;
}

/** Go's anchoredNameRegexp: `^(?:(domain)/)?(remote-name)$`, the domain preferred when it fits. */
export function matchName(text: string): NameMatch | null {
  const slash = indexOfCode(text, SLASH, 0, text.length);
  if (slash < text.length && isDomainAndPort(text, 0, slash) && isRemoteName(text, slash + 1, text.length)) {
    return { domain: text.slice(0, slash), path: text.slice(slash + 1) };
  }
  return isRemoteName(text, 0, text.length) ? { domain: "", path: text } : null;
}

export interface ReferenceMatch {
  readonly name: string;
  /** "" when absent. */
  readonly tag: string;
  /** "" when absent. */
  readonly digest: string;
}

/** Go's referenceRegexp: `^(name)(?::(tag))?(?:@(digest))?$` with its leftmost-first captures. */
export function matchReference(text: string): ReferenceMatch | null {
  const slash = indexOfCode(text, SLASH, 0, text.length);
  if (slash < text.length && isDomainAndPort(text, 0, slash)) {
    const withDomain = matchFrom(text, slash + 1);
    if (withDomain !== null) return withDomain;
  }
  return matchFrom(text, 0);
}

/** The rest of a reference whose remote name starts at `remoteStart`. */
function matchFrom(text: string, remoteStart: number): ReferenceMatch | null {
  const end = text.length;
  // A remote name holds neither ":" nor "@", so it runs exactly to the first of them.
  const nameEnd = indexOfEither(text, COLON, AT, remoteStart, end);
  if (!isRemoteName(text, remoteStart, nameEnd)) return null;
  let position = nameEnd;
  let tag = "";
  if (position < end && text.charCodeAt(position) === COLON) {
    const tagEnd = indexOfCode(text, AT, position + 1, end);
    if (!isTag(text, position + 1, tagEnd)) return null;
    tag = text.slice(position + 1, tagEnd);
    position = tagEnd;
  }
  let digest = "";
  if (position < end) {
    if (text.charCodeAt(position) !== AT || !isDigestSyntax(text, position + 1, end)) return null;
    digest = text.slice(position + 1);
  }
  return { name: text.slice(0, nameEnd), tag, digest };
}
