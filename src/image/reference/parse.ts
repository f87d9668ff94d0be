/**
 * References without normalisation: Go's Parse, WithName, WithTag, WithDigest and TrimNamed, and the
 * reference value they produce. "ubuntu" stays "ubuntu" here; ./normalize.ts adds docker.io/library.
 */
import { fail, orThrow, type ReferenceFailure } from "./errors.js";
import { type ParseOptions, validateDigest } from "./go-digest.js";
import { goToLower } from "./go-lower.js";
import { isDigestSyntax, isTag, matchName, matchReference } from "./grammar.js";

/** Longest repository path (the name without its domain) distribution accepts. */
export const REPOSITORY_PATH_MAX_LENGTH = 255;

/**
 * A named reference: `[domain/]path[:tag][@digest]`. `domain` is "" only for names parsed without
 * normalisation that have no domain part; `tag` and `digest` are absent (never "") when not given.
 */
export interface ImageReference {
  readonly domain: string;
  readonly path: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** A bare digest with no name, which only parseAnyReference produces ("sha256:…" or a 64-hex ID). */
export interface DigestReference {
  readonly digest: string;
}

export type AnyReference = ImageReference | DigestReference;

export function isNamed(ref: AnyReference): ref is ImageReference {
  return "path" in ref;
}

export function makeReference(domain: string, path: string, tag?: string, digest?: string): ImageReference {
  return {
    domain,
    path,
    ...(tag !== undefined && tag !== "" ? { tag } : {}),
    ...(digest !== undefined && digest !== "" ? { digest } : {}),
  };
}

/** Go's Name(): `domain/path`, or just `path` without a domain. */
export function referenceName(ref: ImageReference): string {
  return ref.domain === "" ? ref.path : `${ref.domain}/${ref.path}`;
}

/** Go's String(): the full reference as written, `name[:tag][@digest]`, or the bare digest. */
export function referenceString(ref: AnyReference): string {
  if (!isNamed(ref)) return ref.digest;
  const tag = ref.tag ? `:${ref.tag}` : "";
  const digest = ref.digest ? `@${ref.digest}` : "";
  return `${referenceName(ref)}${tag}${digest}`;
}

/** Go's IsNameOnly: neither tag nor digest. */
export function isNameOnly(ref: ImageReference): boolean {
  return !ref.tag && !ref.digest;
}

/** Go's Parse, returning the failure instead of throwing it. */
export function tryParse(text: string, options?: ParseOptions): ImageReference | ReferenceFailure {
  if (text === "") return fail("ErrNameEmpty");
  const match = matchReference(text);
  if (match === null) {
    // Valid once lower-cased: the name has upper-case letters, which gets its own error.
    const lower = goToLower(text);
    return lower !== text && matchReference(lower) !== null
      ? fail("ErrNameContainsUppercase")
      : fail("ErrReferenceInvalidFormat");
  }
  const name = matchName(match.name) ?? { domain: "", path: match.name };
  if (name.path.length > REPOSITORY_PATH_MAX_LENGTH) return fail("ErrNameTooLong");
  if (match.digest !== "") {
    const invalid = validateDigest(match.digest, options);
    if (invalid) return invalid;
  }
  return makeReference(name.domain, name.path, match.tag, match.digest);
}

/** Go's Parse: a syntactically valid reference, exactly as written (no docker.io defaults). */
export function parse(text: string, options?: ParseOptions): ImageReference {
  return orThrow(tryParse(text, options), "image reference", text);
}

/** Go's WithName, returning the failure instead of throwing it. */
export function tryWithName(name: string): ImageReference | ReferenceFailure {
  const match = matchName(name);
  if (match === null) return fail("ErrReferenceInvalidFormat");
  if (match.path.length > REPOSITORY_PATH_MAX_LENGTH) return fail("ErrNameTooLong");
  return makeReference(match.domain, match.path);
}

/** Go's WithName: a name alone (no tag, no digest allowed in the text). */
export function withName(name: string): ImageReference {
  return orThrow(tryWithName(name), "repository name", name);
}

/** Go's WithTag: sets the tag, keeping the digest if there is one. */
export function withTag(ref: ImageReference, tag: string): ImageReference {
  if (!isTag(tag)) orThrow(fail("ErrTagInvalidFormat"), "tag", tag);
  return makeReference(ref.domain, ref.path, tag, ref.digest);
}

/**
 * Go's WithDigest: sets the digest, keeping the tag if there is one. Like Go it checks only the
 * grammar's digest syntax, not the algorithm's length (Parse does that).
 */
export function withDigest(ref: ImageReference, digest: string): ImageReference {
  if (!isDigestSyntax(digest)) orThrow(fail("ErrDigestInvalidFormat"), "digest", digest);
  return makeReference(ref.domain, ref.path, ref.tag, digest);
}

/** Go's TrimNamed: the name without tag or digest. */
export function trimNamed(ref: ImageReference): ImageReference {
  return makeReference(ref.domain, ref.path);
}
