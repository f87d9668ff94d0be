/**
 * From a top-level document (an index or a manifest) to the one image manifest to read:
 * walks nested indexes, picks the requested platform, and never loops (visited set + depth cap).
 * Shared by every source that has OCI/Docker manifests: archives, layouts and registries.
 */

import { compareText } from "../compare-text.js";
import { ShipshapeError } from "../errors.js";
import { MAX_MANIFEST_BYTES, type ManifestDocument, parseManifestDocument } from "./manifest.js";
import { isIndexMediaType } from "./media-types.js";
import type { Descriptor, ImageIndex, ImageManifest, Platform } from "./oci.js";
import { formatPlatform, hostPlatform, platformEquals, platformMatches } from "./platform.js";

export interface FetchedDocument {
  bytes: Uint8Array;
  /** The media type the transport reported (registry Content-Type), if any. */
  mediaType?: string;
}

/** Reads a manifest or index by descriptor; implementations verify digest and size. */
export type DocumentFetcher = (
  descriptor: Descriptor,
  what: string,
  maxBytes: number,
) => Promise<FetchedDocument>;

export interface ResolvedManifest {
  indexDigests: string[];
  manifest: ImageManifest;
  manifestDigest: string | null;
  manifestMediaType: string | null;
  /** The platform the index declared for the chosen manifest, if any. */
  indexPlatform: Platform | undefined;
}

const MAX_INDEX_DEPTH = 8;

/** Manifests that are not runnable images: BuildKit attestations, signatures, SBOM artifacts. */
function isNonImageEntry(d: Descriptor): boolean {
  if (d.annotations?.["vnd.docker.reference.type"] === "attestation-manifest") return true;
  if (d.platform && d.platform.os === "unknown" && d.platform.architecture === "unknown") return true;
  if (d.artifactType !== undefined) return true;
  return false;
}

interface Candidate {
  descriptor: Descriptor;
  indexDigests: string[];
}

export async function resolveManifest(
  fetch: DocumentFetcher,
  top: { document: ManifestDocument; digest: string | null; mediaType: string | null },
  options: { platform?: Platform; what: string },
): Promise<ResolvedManifest> {
  if (top.document.kind === "manifest") {
    return {
      indexDigests: [],
      manifest: top.document.manifest,
      manifestDigest: top.digest,
      manifestMediaType: top.document.manifest.mediaType ?? top.mediaType,
      indexPlatform: undefined,
    };
  }
  const visited = new Set<string>();
  if (top.digest) visited.add(top.digest);
  const candidates: Candidate[] = [];
  await collectCandidates(
    fetch,
    top.document.index,
    top.digest ? [top.digest] : [],
    visited,
    0,
    candidates,
    options,
  );
  const chosen = choose(candidates, options.platform, options.what);
  const what = `manifest ${chosen.descriptor.digest} of ${options.what}`;
  const fetched = await fetch(chosen.descriptor, what, MAX_MANIFEST_BYTES);
  const doc = parseManifestDocument(fetched.bytes, what, fetched.mediaType ?? chosen.descriptor.mediaType);
  if (doc.kind !== "manifest") {
    throw new ShipshapeError(
      "input",
      `${what} is an index where the parent index declared an image manifest`,
    );
  }
  return {
    indexDigests: chosen.indexDigests,
    manifest: doc.manifest,
    manifestDigest: chosen.descriptor.digest,
    manifestMediaType: doc.manifest.mediaType ?? fetched.mediaType ?? chosen.descriptor.mediaType,
    indexPlatform: chosen.descriptor.platform,
  };
}

async function collectCandidates(
  fetch: DocumentFetcher,
  index: ImageIndex,
  path: string[],
  visited: Set<string>,
  depth: number,
  out: Candidate[],
  options: { platform?: Platform; what: string },
): Promise<void> {
  if (depth >= MAX_INDEX_DEPTH) {
    throw new ShipshapeError(
      "input",
      `${options.what}: image indexes nested more than ${MAX_INDEX_DEPTH} deep`,
    );
  }
  for (const d of index.manifests) {
    if (isNonImageEntry(d)) continue;
    if (isIndexMediaType(d.mediaType)) {
      if (visited.has(d.digest)) continue; // an index that refers back to itself or an ancestor
      if (d.platform && options.platform && !platformMatches(options.platform, d.platform)) continue;
      visited.add(d.digest);
      const what = `index ${d.digest} of ${options.what}`;
      const fetched = await fetch(d, what, MAX_MANIFEST_BYTES);
      const doc = parseManifestDocument(fetched.bytes, what, fetched.mediaType ?? d.mediaType);
      if (doc.kind === "index") {
        await collectCandidates(fetch, doc.index, [...path, d.digest], visited, depth + 1, out, options);
      } else {
        out.push({
          descriptor: { ...d, mediaType: doc.manifest.mediaType ?? d.mediaType },
          indexDigests: path,
        });
      }
      continue;
    }
    out.push({ descriptor: d, indexDigests: path });
  }
}

function choose(candidates: Candidate[], requested: Platform | undefined, what: string): Candidate {
  if (candidates.length === 0) {
    throw new ShipshapeError("not-found", `${what} contains no image manifest`);
  }
  const available = () =>
    [
      ...new Set(
        candidates.map((c) => (c.descriptor.platform ? formatPlatform(c.descriptor.platform) : "unknown")),
      ),
    ].join(", ");
  const want = requested ?? hostPlatform();
  const withPlatform = candidates.filter((c) => c.descriptor.platform);
  // Prefer an exact (normalised) match, then any variant of the architecture.
  const exact = withPlatform.find((c) => platformEquals(want, c.descriptor.platform!));
  if (exact) return exact;
  const loose = withPlatform.filter((c) =>
    platformMatches({ os: want.os, architecture: want.architecture }, c.descriptor.platform!),
  );
  if (loose.length > 0 && (requested === undefined || requested.variant === undefined)) {
    // Highest variant first (v8 > v7 > v6), as containerd's matcher orders them.
    loose.sort((a, b) =>
      compareText(b.descriptor.platform?.variant ?? "", a.descriptor.platform?.variant ?? ""),
    );
    return loose[0]!;
  }
  if (candidates.length === 1 && (requested === undefined || !candidates[0]!.descriptor.platform)) {
    // A single image is what the user meant, whatever its platform; the config check follows.
    return candidates[0]!;
  }
  const withoutPlatform = candidates.filter((c) => !c.descriptor.platform);
  if (withPlatform.length === 0 && withoutPlatform.length > 0 && requested === undefined) {
    throw new ShipshapeError(
      "input",
      `${what} lists ${withoutPlatform.length} image manifests without platforms; name one by tag or digest`,
    );
  }
  throw new ShipshapeError(
    "not-found",
    `${what} has no image for platform ${formatPlatform(want)} (available: ${available()}); choose one with --platform`,
  );
}
