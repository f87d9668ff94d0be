/**
 * The names an image is known by, as the policy's registry, tag and digest rules judge them:
 * - a registry image: the reference it was pulled by (normalised: `alpine` → docker.io/library/alpine);
 *   without a tag or digest, Docker pulls `latest`, so its tag is `latest`;
 * - a docker-archive: its RepoTags (`docker.io/library/debian12-app:latest`);
 * - an OCI layout or archive: its `org.opencontainers.image.ref.name` annotations — by convention just
 *   the tag (`latest`), which names no registry — and containerd's full `io.containerd.image.name`;
 * - `dir:` and SBOM inputs: none.
 * A reference in a Dockerfile's FROM (for `lint`) or a Pod (for the admission webhook) is one name.
 */

import { type ImageReference, isTag, ReferenceFailure, tryParseNormalizedNamed } from "../image/reference.js";
import type { Transport } from "../image/source.js";

export interface ImageName {
  /** As the image or the user gave it. */
  text: string;
  /** The normalised reference; null when the name is only a tag (OCI ref.name) or does not parse. */
  ref: ImageReference | null;
  /** The tag that applies (Docker's implicit `latest` for a name with neither tag nor digest); null: none. */
  tag: string | null;
  /** The digest the name pins, if any. */
  digest: string | null;
}

/** One name from a full reference text (a registry reference, a RepoTag, a FROM image). */
export function imageNameOf(text: string): ImageName {
  const parsed = tryParseNormalizedNamed(text.trim());
  if (parsed instanceof ReferenceFailure || parsed.domain === "")
    return { text, ref: null, tag: null, digest: null };
  const digest = parsed.digest ?? null;
  const tag = parsed.tag ?? (digest === null ? "latest" : null);
  return { text, ref: parsed, tag, digest };
}

/** The names of a scanned image, by how it was read. */
export function imageNamesOf(source: {
  transport: Transport;
  names: readonly string[];
  reference: string;
}): ImageName[] {
  switch (source.transport) {
    case "registry": {
      const text = source.names[0] ?? source.reference.replace(/^docker:\/\//, "");
      return [imageNameOf(text)];
    }
    case "docker-archive":
      return source.names.map(imageNameOf);
    case "oci":
    case "oci-archive":
      return source.names.map((n) =>
        isTag(n) ? { text: n, ref: null, tag: n, digest: null } : imageNameOf(n),
      );
    default:
      return [];
  }
}
