/**
 * What shipshape knows about common base images, as data (docs/lint.md lists it):
 *  - which repositories are full distributions or language images built on one (a shell, a package
 *    manager, coreutils, often compilers) — a final stage should not be based on these unless the tag
 *    names a minimal variant (`-slim`, `-alpine`, `-minimal`, `-micro`, `distroless`);
 *  - which repositories are minimal by design (scratch, distroless, Chainguard, UBI micro, busybox,
 *    alpine);
 *  - the package manager a base image ships (for "package manager left in the final stage"), and
 *    whether its default user is non-root.
 *
 * Repositories are matched on the normalised name without registry for Docker Hub (`library/debian`
 * → `debian`) and with it elsewhere (`registry.access.redhat.com/ubi9/ubi-minimal`). An image shipshape
 * does not know is never judged (no finding), so the table errs on the side of silence.
 */
import { ReferenceFailure, tryParseNormalizedNamed } from "../../image/reference.js";
import type { PackageManager } from "./package-commands.js";

export interface BaseImageFacts {
  /** A full distribution (or language image on one) unless the tag names a minimal variant. */
  readonly full: boolean;
  /** The package manager the image ships (null: none). For a tag variant, see `variantManager`. */
  readonly manager: PackageManager | null;
}

interface Family {
  /** Repository names (Docker Hub short names, or registry/path) or RegExps over them. */
  readonly names: readonly (string | RegExp)[];
  readonly facts: BaseImageFacts;
}

const DEBIAN_BASED: BaseImageFacts = { full: true, manager: "apt" };
const RHEL_BASED: BaseImageFacts = { full: true, manager: "dnf" };

/** Matched in order: the first family whose name matches decides. */
export const BASE_IMAGE_FAMILIES: readonly Family[] = [
  // Minimal by design.
  { names: ["scratch"], facts: { full: false, manager: null } },
  { names: [/^gcr\.io\/distroless\//, /^.*\/distroless\//], facts: { full: false, manager: null } },
  { names: [/^cgr\.dev\//], facts: { full: false, manager: null } },
  { names: ["busybox"], facts: { full: false, manager: null } },
  { names: ["alpine"], facts: { full: false, manager: "apk" } },
  { names: [/\/ubi\d*-micro$/, /\/ubi\d+\/ubi-micro$/], facts: { full: false, manager: null } },
  { names: [/\/ubi\d*-minimal$/, /\/ubi\d+\/ubi-minimal$/], facts: { full: false, manager: "microdnf" } },
  // Full distributions.
  { names: ["debian", "ubuntu", "kalilinux/kali-rolling"], facts: DEBIAN_BASED },
  { names: ["fedora", "centos", "rockylinux", "almalinux", "oraclelinux"], facts: RHEL_BASED },
  { names: ["amazonlinux"], facts: { full: true, manager: "yum" } },
  { names: [/\/ubi\d*$/, /\/ubi\d+\/ubi$/, /\/ubi\d+\/ubi-init$/], facts: RHEL_BASED },
  { names: ["opensuse/leap", "opensuse/tumbleweed"], facts: { full: true, manager: "zypper" } },
  { names: ["archlinux"], facts: { full: true, manager: null } },
  { names: ["photon"], facts: { full: true, manager: "tdnf" } },
  // Language and tool images: Debian underneath unless the tag says otherwise.
  {
    names: [
      "buildpack-deps",
      "node",
      "python",
      "ruby",
      "golang",
      "rust",
      "openjdk",
      "eclipse-temurin",
      "amazoncorretto",
      "php",
      "perl",
      "gcc",
      "maven",
      "gradle",
      "elixir",
      "erlang",
      "haskell",
      "julia",
      "r-base",
      "swift",
      "mono",
      "mcr.microsoft.com/dotnet/sdk",
    ],
    facts: DEBIAN_BASED,
  },
];

/** Tag words that name a minimal variant (`3.12-slim`, `20-alpine3.19`, `bookworm-slim`). */
const MINIMAL_TAG =
  /(?:^|[-_.])(?:slim|alpine|minimal|micro|distroless|nonroot|static|chiseled)(?:[-_.\d]|$)/i;
const ALPINE_TAG = /(?:^|[-_.])alpine/i;
const DISTROLESS_TAG = /(?:^|[-_.])(?:distroless|static|chiseled|micro)(?:[-_.\d]|$)/i;

export interface JudgedBase {
  /** The repository as matched (`debian`, `gcr.io/distroless/static`). */
  readonly repository: string;
  readonly tag: string | null;
  /** Known family facts with the tag taken into account, or null when shipshape does not know it. */
  readonly facts: BaseImageFacts | null;
}

/** The repository name as the table spells it, or null for text that is no image reference. */
function repositoryOf(text: string): { repository: string; tag: string | null } | null {
  if (text === "scratch") return { repository: "scratch", tag: null };
  const ref = tryParseNormalizedNamed(text.trim());
  if (ref instanceof ReferenceFailure || ref.domain === "") return null;
  const repository =
    ref.domain === "docker.io"
      ? ref.path.startsWith("library/")
        ? ref.path.slice("library/".length)
        : ref.path
      : `${ref.domain}/${ref.path}`;
  return { repository, tag: ref.tag ?? null };
}

/** What the table says about a FROM image (text with variables already substituted). */
export function judgeBaseImage(text: string): JudgedBase | null {
  const named = repositoryOf(text);
  if (named === null) return null;
  const family = BASE_IMAGE_FAMILIES.find((f) =>
    f.names.some((n) => (typeof n === "string" ? n === named.repository : n.test(named.repository))),
  );
  if (family === undefined) return { ...named, facts: null };
  const tag = named.tag ?? "";
  if (family.facts.full && MINIMAL_TAG.test(tag)) {
    // A minimal variant of a full image: no longer "full"; alpine brings apk, distroless none.
    const manager = ALPINE_TAG.test(tag) ? "apk" : DISTROLESS_TAG.test(tag) ? null : family.facts.manager;
    return { ...named, facts: { full: false, manager } };
  }
  return { ...named, facts: family.facts };
}

/** The image's default user is non-root by its tag (`:nonroot`, `-nonroot`), as distroless names it. */
export function defaultsToNonRoot(base: JudgedBase): boolean {
  return /(?:^|[-_.])nonroot(?:$|[-_.])/i.test(base.tag ?? "");
}
