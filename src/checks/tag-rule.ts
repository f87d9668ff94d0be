/**
 * `latest` or no tag (Dockle's DKL-DI-0006): such an image cannot be told from the next build, so
 * deployments are not reproducible and rollbacks pick whatever `latest` is that day.
 *
 * What the image is called: a registry reference as given (`repo` alone means `repo:latest`, a
 * reference pinned by digest needs no tag); archives and layouts by the names they carry (OCI
 * `ref.name` annotations such as `latest` or `3.4`, docker-archive RepoTags such as
 * `docker.io/library/app:latest`). The image passes when one of its names has a tag other than
 * `latest`. An archive with no name at all, a `dir:` root filesystem and an SBOM have no tag to
 * judge: nothing is reported (Dockle does not evaluate tarballs either).
 */
import type { ImageSourceFacts } from "../image/inspect.js";
import { isTag, tryParseNormalizedNamed } from "../image/reference.js";
import type { ImageRule } from "./rule.js";

interface NameTag {
  name: string;
  tag: string | null;
  digest: boolean;
}

/** A reference's tag ("repo[:tag][@digest]"; a bare "alpine" is a repository, so :latest). */
export function referenceTag(name: string): NameTag | null {
  const parsed = tryParseNormalizedNamed(name.replace(/^docker:\/\//, ""));
  if (!("path" in parsed)) return null;
  return { name, tag: parsed.tag ?? null, digest: parsed.digest !== undefined };
}

/** An archive's name: a bare `ref.name` like "3.4" is a tag; "repo[:tag][@digest]" is parsed. */
export function nameTag(name: string): NameTag | null {
  if (!name.includes("/") && !name.includes(":") && !name.includes("@")) {
    // An OCI ref.name is usually just the tag; a bare word could also be a repository, which
    // (without a tag) would mean latest — the tag reading is the common one for layouts.
    return isTag(name) ? { name, tag: name, digest: false } : null;
  }
  return referenceTag(name);
}

export function imageNames(source: ImageSourceFacts): NameTag[] {
  if (source.transport === "dir" || source.transport === "sbom") return [];
  if (source.transport === "registry") {
    const ref = referenceTag(source.reference);
    return ref ? [ref] : [];
  }
  return source.names.map(nameTag).filter((n): n is NameTag => n !== null);
}

export const latestTagRule: ImageRule = {
  id: "SS1021",
  scope: "image",
  severity: "low",
  dockle: "DKL-DI-0006",
  title: "Image tagged latest or not tagged",
  remediation:
    "Tag every build with an immutable version (1.4.2, a date or the commit) and deploy by that tag or, better, by digest.",
  test({ source }) {
    const names = imageNames(source);
    if (names.length === 0) return [];
    if (names.some((n) => n.digest || (n.tag !== null && n.tag !== "latest"))) return [];
    const latest = names.find((n) => n.tag === "latest");
    if (latest) return [{ title: `The image is tagged latest (${latest.name})` }];
    return [{ title: `The image has no tag (${names[0]!.name} means :latest)` }];
  },
};
