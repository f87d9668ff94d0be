/**
 * Docker's "familiar" names made canonical, as distribution/reference's normalize.go does it:
 * "ubuntu" → docker.io/library/ubuntu, "index.docker.io/x/y" → docker.io/x/y, and ParseNamed,
 * ParseDockerRef, TagNameOnly and ParseAnyReference on top.
 */
import { fail, orThrow, ReferenceFailure } from "./errors.js";
import { type ParseOptions, validateDigest } from "./go-digest.js";
import { goToLower } from "./go-lower.js";
import { isIdentifier } from "./grammar.js";
import {
  type AnyReference,
  type ImageReference,
  isNameOnly,
  makeReference,
  referenceName,
  referenceString,
  tryParse,
  tryWithName,
} from "./parse.js";

/** Docker Hub's canonical domain in references (the registry itself answers at registry-1.docker.io). */
export const DEFAULT_DOMAIN = "docker.io";
/** The "Docker Index" domain, accepted and rewritten to docker.io. */
export const LEGACY_DEFAULT_DOMAIN = "index.docker.io";
/** Namespace of Docker Hub's official images. */
export const OFFICIAL_REPO_PREFIX = "library/";
export const DEFAULT_TAG = "latest";
const LOCALHOST = "localhost";

/**
 * Go's splitDockerDomain: the first path element is a domain when it is "localhost", holds a "." or
 * ":", or has upper-case letters (namespaces cannot); otherwise the name is on Docker Hub. A name
 * with no "/" at all is always a Docker Hub official image, even "localhost" or "example.com".
 */
export function splitDockerDomain(name: string): { domain: string; remainder: string } {
  const slash = name.indexOf("/");
  if (slash < 0) return { domain: DEFAULT_DOMAIN, remainder: OFFICIAL_REPO_PREFIX + name };
  const first = name.slice(0, slash);
  const rest = name.slice(slash + 1);
  let domain: string;
  let remainder: string;
  if (first === LOCALHOST) {
    [domain, remainder] = [first, rest];
  } else if (first === LEGACY_DEFAULT_DOMAIN) {
    [domain, remainder] = [DEFAULT_DOMAIN, rest];
  } else if (first.includes(".") || first.includes(":") || goToLower(first) !== first) {
    [domain, remainder] = [first, rest];
  } else {
    [domain, remainder] = [DEFAULT_DOMAIN, name];
  }
  if (domain === DEFAULT_DOMAIN && !remainder.includes("/")) remainder = OFFICIAL_REPO_PREFIX + remainder;
  return { domain, remainder };
}

/** Go's ParseNormalizedNamed, returning the failure instead of throwing it. */
export function tryParseNormalizedNamed(
  text: string,
  options?: ParseOptions,
): ImageReference | ReferenceFailure {
  if (isIdentifier(text)) {
    return new ReferenceFailure(
      "ErrNameIsIdentifier",
      `invalid repository name (${text}), cannot specify 64-byte hexadecimal strings`,
    );
  }
  const { domain, remainder } = splitDockerDomain(text);
  const colon = remainder.indexOf(":");
  const remote = colon < 0 ? remainder : remainder.slice(0, colon);
  if (goToLower(remote) !== remote) {
    return new ReferenceFailure(
      "ErrNameNotLowercase",
      `invalid reference format: repository name (${remote}) must be lowercase`,
    );
  }
  return tryParse(`${domain}/${remainder}`, options);
}

/** Go's ParseNormalizedNamed: a familiar or full name made fully qualified; the tag is kept as written. */
export function parseNormalizedNamed(text: string, options?: ParseOptions): ImageReference {
  return orThrow(tryParseNormalizedNamed(text, options), "image reference", text);
}

/** Go's ParseNamed: accepts only a reference already in canonical form ("docker.io/library/foo"). */
export function parseNamed(text: string, options?: ParseOptions): ImageReference {
  const named = parseNormalizedNamed(text, options);
  if (referenceString(named) !== text) orThrow(fail("ErrNameNotCanonical"), "image reference", text);
  return named;
}

/** Go's TagNameOnly: adds the "latest" tag to a reference that has neither tag nor digest. */
export function tagNameOnly(ref: ImageReference): ImageReference {
  return isNameOnly(ref) ? makeReference(ref.domain, ref.path, DEFAULT_TAG) : ref;
}

/**
 * The reference a pull resolves, as ParseDockerRef makes it from a parsed name: with both tag and
 * digest the digest wins and the tag is dropped; with neither, the tag is "latest".
 */
export function withDefaultTag(ref: ImageReference): ImageReference {
  if (ref.tag && ref.digest) {
    // Go rebuilds the name with WithName; kept so a name that could not be rebuilt fails the same way.
    const name = orThrow(tryWithName(referenceName(ref)), "repository name", referenceName(ref));
    return makeReference(name.domain, name.path, undefined, ref.digest);
  }
  return tagNameOnly(ref);
}

/** Go's ParseDockerRef: normalised, then {@link withDefaultTag}. */
export function parseDockerRef(text: string, options?: ParseOptions): ImageReference {
  return withDefaultTag(parseNormalizedNamed(text, options));
}

/**
 * Go's ParseAnyReference: a 64-hex image ID or a valid "algorithm:hex" digest becomes a bare digest
 * reference; anything else is parsed as a normalised name.
 */
export function parseAnyReference(text: string, options?: ParseOptions): AnyReference {
  if (isIdentifier(text)) return { digest: `sha256:${text}` };
  if (validateDigest(text, options) === undefined) return { digest: text };
  return parseNormalizedNamed(text, options);
}
