/**
 * The short "familiar" form Docker shows: docker.io/library/ubuntu:22.04 is "ubuntu:22.04" and
 * docker.io/dmcgowan/app is "dmcgowan/app" (Go's FamiliarName, FamiliarString, FamiliarMatch).
 */
import { DEFAULT_DOMAIN, OFFICIAL_REPO_PREFIX } from "./normalize.js";
import {
  type AnyReference,
  type ImageReference,
  isNamed,
  makeReference,
  referenceName,
  referenceString,
} from "./parse.js";
import { pathMatch } from "./path-match.js";

/** Drops the docker.io domain, and "library/" when an official image name follows it directly. */
export function familiarize(ref: ImageReference): ImageReference {
  if (ref.domain !== DEFAULT_DOMAIN) return ref;
  let path = ref.path;
  if (path.startsWith(OFFICIAL_REPO_PREFIX)) {
    const rest = path.slice(OFFICIAL_REPO_PREFIX.length);
    // Only a single-component official name is shortened: "library/a/b" stays as it is.
    if (!rest.includes("/")) path = rest;
  }
  return makeReference("", path, ref.tag, ref.digest);
}

/** The familiar repository name, without tag or digest: "ubuntu", "dmcgowan/app", "quay.io/x/y". */
export function familiarName(ref: ImageReference): string {
  return referenceName(familiarize(ref));
}

/** The familiar form of the whole reference: "ubuntu:22.04", "ubuntu@sha256:…", or a bare digest. */
export function familiarString(ref: AnyReference): string {
  return isNamed(ref) ? referenceString(familiarize(ref)) : referenceString(ref);
}

/**
 * Go's FamiliarMatch: whether path.Match(pattern) accepts the familiar string, or failing that the
 * familiar name. Throws an ImageReferenceError (path.ErrBadPattern) for a malformed pattern.
 */
export function familiarMatch(pattern: string, ref: AnyReference): boolean {
  if (pathMatch(pattern, familiarString(ref))) return true;
  return isNamed(ref) && pathMatch(pattern, familiarName(ref));
}
