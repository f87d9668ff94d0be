/**
 * Container image references (`[REGISTRY/]REPO[:TAG][@DIGEST]`), parsed and normalised exactly as
 * Go's github.com/distribution/reference does, which is what docker, containerd and skopeo accept.
 * The grammar and each Go function live in ./reference/; this module is shipshape's entry point.
 */
import { ImageReferenceError, ReferenceFailure } from "./reference/errors.js";
import type { ParseOptions } from "./reference/go-digest.js";
import { DEFAULT_DOMAIN, parseNormalizedNamed } from "./reference/normalize.js";
import { type ImageReference, referenceName } from "./reference/parse.js";

export {
  GO_ERROR_TEXT,
  ImageReferenceError,
  isImageReferenceError,
  type ReferenceErrorCode,
  ReferenceFailure,
  type ReferenceSubject,
} from "./reference/errors.js";
export { familiarize, familiarMatch, familiarName, familiarString } from "./reference/familiar.js";
export {
  DEFAULT_DIGEST_ALGORITHMS,
  type DigestAlgorithmName,
  isValidDigest,
  type ParseOptions,
  validateDigest,
} from "./reference/go-digest.js";
export {
  isDigestSyntax,
  isDomainAndPort,
  isIdentifier,
  isRemoteName,
  isTag,
  matchName,
  matchReference,
  type NameMatch,
  type ReferenceMatch,
  TAG_MAX_LENGTH,
} from "./reference/grammar.js";
export {
  DEFAULT_DOMAIN,
  DEFAULT_TAG,
  LEGACY_DEFAULT_DOMAIN,
  OFFICIAL_REPO_PREFIX,
  parseAnyReference,
  parseDockerRef,
  parseNamed,
  parseNormalizedNamed,
  splitDockerDomain,
  tagNameOnly,
  tryParseNormalizedNamed,
  withDefaultTag,
} from "./reference/normalize.js";
export {
  type AnyReference,
  type DigestReference,
  type ImageReference,
  isNamed,
  isNameOnly,
  parse,
  REPOSITORY_PATH_MAX_LENGTH,
  referenceName,
  referenceString,
  trimNamed,
  tryParse,
  tryWithName,
  withDigest,
  withName,
  withTag,
} from "./reference/parse.js";
export { pathMatch, tryPathMatch } from "./reference/path-match.js";
export {
  anchoredDigestRegexp,
  anchoredDomainRegexp,
  anchoredIdentifierRegexp,
  anchoredNameRegexp,
  anchoredTagRegexp,
  findStringSubmatch,
  REFERENCE_PATTERN_SOURCES,
  referenceRegexp,
} from "./reference/regexps.js";

/** Where Docker Hub's registry API answers; "docker.io" itself serves no registry. */
const DOCKER_HUB_REGISTRY_HOST = "registry-1.docker.io";

/**
 * The DESIGN.md contract: a reference normalised like Go's ParseNormalizedNamed ("ubuntu:22.04" →
 * docker.io/library/ubuntu, tag 22.04). The tag is kept as written, never defaulted (see
 * {@link withDefaultTag}). Throws an ImageReferenceError (a ShipshapeError of kind "usage") whose
 * message names the input and Go's error text.
 *
 * One rule beyond Go: a name whose first element looks like a host but is not a valid one
 * ("foo_bar.com/app") is a domain-less path in Go, with no registry to contact; it is rejected here.
 */
export function parseReference(text: string, options?: ParseOptions): ImageReference {
  const ref = parseNormalizedNamed(text, options);
  if (ref.domain === "") {
    const first = ref.path.slice(0, Math.max(0, ref.path.indexOf("/")));
    const failure = new ReferenceFailure(
      "ErrNameNoDomain",
      `"${first}" is not a valid registry host name, so the name has no registry (host names take letters, digits, dashes and dots)`,
    );
    throw new ImageReferenceError(failure, "image reference", text);
  }
  return ref;
}

/** The repository, `domain/path`, e.g. "docker.io/library/ubuntu". */
export function repositoryName(ref: ImageReference): string {
  return referenceName(ref);
}

/** The host to contact for a reference's domain: Docker Hub's API host for docker.io, else the domain itself. */
export function registryHostFor(domain: string): string {
  return domain === DEFAULT_DOMAIN ? DOCKER_HUB_REGISTRY_HOST : domain;
}
