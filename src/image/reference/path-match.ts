/**
 * Go's path.Match, which FamiliarMatch uses to match references against patterns like
 * "docker.io/library/*" or "gcr.io/?roject/ba[rz]":
 *
 *   '*'            any run of characters other than '/'
 *   '?'            one character other than '/'
 *   '[' ['^'] ranges ']'   one character (including '/') in (or not in) the ranges; ranges are c or
 *                  lo-hi, where '-' and ']' must be escaped and the class must not be empty
 *   '\' c          the character c
 *
 * Go matches greedily: the pattern is cut at its stars into chunks, and each chunk is placed at the
 * first position its star can reach, without revisiting earlier chunks ("*[^a]*b" does not match
 * "c/b" in Go). That strategy is kept so answers agree with Go. A malformed pattern is always an
 * error (Go reports it on every path since 1.16), so it is rejected before matching.
 * Characters are code points; for the ASCII names references are made of this is Go's byte answer.
 */
import { fail, orThrow, type ReferenceFailure } from "./errors.js";

const STAR = 0x2a;
const QUESTION = 0x3f;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const CARET = 0x5e;
const BACKSLASH = 0x5c;
const DASH = 0x2d;
const SLASH = 0x2f;

type Token =
  | { readonly kind: "literal"; readonly char: number }
  | { readonly kind: "any" }
  | {
      readonly kind: "class";
      readonly negated: boolean;
      readonly ranges: readonly (readonly [number, number])[];
    };

interface Chunk {
  /** Whether one or more '*' precede the tokens. */
  readonly star: boolean;
  readonly tokens: readonly Token[];
}

function codePoints(text: string): number[] {
  return Array.from(text, (c) => c.codePointAt(0) ?? 0);
}

/** The pattern cut into chunks, or the failure for a malformed pattern. */
function compile(pattern: string): Chunk[] | ReferenceFailure {
  const chars = codePoints(pattern);
  const bad = fail("path.ErrBadPattern");
  const chunks: Chunk[] = [];
  let star = false;
  let tokens: Token[] = [];
  let i = 0;
  // One class-range endpoint: any character but an unescaped '-' or ']', and never the pattern's end.
  const endpoint = (): number | undefined => {
    let c = chars[i];
    if (c === undefined || c === DASH || c === CLOSE_BRACKET) return undefined;
    if (c === BACKSLASH) {
      i++;
      c = chars[i];
      if (c === undefined) return undefined;
    }
    i++;
    return i < chars.length ? c : undefined;
  };
  while (i < chars.length) {
    const c = chars[i] as number;
    if (c === STAR) {
      if (tokens.length > 0) {
        chunks.push({ star, tokens });
        tokens = [];
      }
      star = true;
      i++;
    } else if (c === QUESTION) {
      tokens.push({ kind: "any" });
      i++;
    } else if (c === BACKSLASH) {
      const escaped = chars[i + 1];
      if (escaped === undefined) return bad;
      tokens.push({ kind: "literal", char: escaped });
      i += 2;
    } else if (c === OPEN_BRACKET) {
      i++;
      const negated = chars[i] === CARET;
      if (negated) i++;
      const ranges: [number, number][] = [];
      while (!(chars[i] === CLOSE_BRACKET && ranges.length > 0)) {
        const lo = endpoint();
        if (lo === undefined) return bad;
        let hi = lo;
        if (chars[i] === DASH) {
          i++;
          const end = endpoint();
          if (end === undefined) return bad;
          hi = end;
        }
        ranges.push([lo, hi]);
      }
      i++;
      tokens.push({ kind: "class", negated, ranges });
    } else {
      tokens.push({ kind: "literal", char: c });
      i++;
    }
  }
  if (star || tokens.length > 0) chunks.push({ star, tokens });
  return chunks;
}

/** Where the chunk's tokens end when laid at `start`, or -1 when they do not fit. */
function matchChunkAt(tokens: readonly Token[], name: readonly number[], start: number): number {
  let position = start;
  for (const token of tokens) {
    const c = name[position];
    if (c === undefined) return -1;
    const fits =
      token.kind === "literal"
        ? c === token.char
        : token.kind === "any"
          ? c !== SLASH
          : token.ranges.some(([lo, hi]) => lo <= c && c <= hi) !== token.negated;
    if (!fits) return -1;
    position++;
  }
  return position;
}

function matchChunks(chunks: readonly Chunk[], name: readonly number[]): boolean {
  let position = 0;
  for (let index = 0; index < chunks.length; index++) {
    const chunk = chunks[index] as Chunk;
    const last = index === chunks.length - 1;
    if (chunk.star && chunk.tokens.length === 0) {
      // A trailing star takes the rest of the name unless that crosses a '/'.
      return !name.slice(position).includes(SLASH);
    }
    const here = matchChunkAt(chunk.tokens, name, position);
    if (here >= 0 && (here === name.length || !last)) {
      position = here;
      continue;
    }
    if (!chunk.star) return false;
    let placed = -1;
    // The star swallows name[position..skip], never a '/'.
    for (let skip = position; skip < name.length && name[skip] !== SLASH; skip++) {
      const end = matchChunkAt(chunk.tokens, name, skip + 1);
      if (end >= 0 && !(last && end < name.length)) {
        placed = end;
        break;
      }
    }
    if (placed < 0) return false;
    position = placed;
  }
  return position === name.length;
}

/** Go's path.Match; a malformed pattern fails with path.ErrBadPattern. */
export function tryPathMatch(pattern: string, name: string): boolean | ReferenceFailure {
  const chunks = compile(pattern);
  return Array.isArray(chunks) ? matchChunks(chunks, codePoints(name)) : chunks;
}

/** Go's path.Match; throws an ImageReferenceError (code path.ErrBadPattern) for a malformed pattern. */
export function pathMatch(pattern: string, name: string): boolean {
  return orThrow(tryPathMatch(pattern, name), "pattern", pattern);
}
