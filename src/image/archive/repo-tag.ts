/**
 * Matching a user's `repo:tag` against the names an archive stores (RepoTags, containerd image
 * names), with Docker's defaults (`busybox` = `busybox:latest` = `docker.io/library/busybox:latest`),
 * normalised by the shared distribution/reference implementation.
 */
import { parseDockerRef, referenceString } from "../reference.js";

/** The fully qualified form of a Docker image name, or undefined when it is not a valid name. */
export function qualifyImageName(name: string): string | undefined {
  try {
    return referenceString(parseDockerRef(name));
  } catch {
    return undefined;
  }
}

export function sameImageName(a: string, b: string): boolean {
  if (a === b) return true;
  const qa = qualifyImageName(a);
  return qa !== undefined && qa === qualifyImageName(b);
}
