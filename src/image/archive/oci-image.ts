/**
 * Reading one image out of an OCI image layout (a directory, or a tar of one): pick the image in
 * index.json by its ref name (or the only one), walk nested indexes to the platform's manifest with
 * resolve.ts, verify every small document against its digest, and describe the layer blobs.
 */
import { ShipshapeError } from "../../errors.js";
import { sha256Digest } from "../digest.js";
import {
  MAX_CONFIG_BYTES,
  MAX_MANIFEST_BYTES,
  parseImageConfig,
  parseIndex,
  parseManifestDocument,
} from "../manifest.js";
import { isIndexMediaType } from "../media-types.js";
import type { Descriptor, ImageIndex } from "../oci.js";
import { formatPlatform } from "../platform.js";
import { type DocumentFetcher, type ResolvedManifest, resolveManifest } from "../resolve.js";
import type { BlobLayer, OpenedImage, OpenOptions, Transport } from "../source.js";
import { attributeError } from "./attribute-error.js";
import {
  assertContainerImage,
  assertLayersMatchDiffIDs,
  assertRequestedPlatform,
  imagePlatform,
} from "./image-shape.js";
import { blobPath, type LayoutStore, readVerifiedBlob } from "./layout-store.js";
import { sameImageName } from "./repo-tag.js";

export const REF_NAME_ANNOTATION = "org.opencontainers.image.ref.name";
export const CONTAINERD_NAME_ANNOTATION = "io.containerd.image.name";

export interface OciReadRequest {
  /** The reference as the user typed it; prefixes every message. */
  reference: string;
  transport: Transport;
  /** The tag / ref name after the path, if any. */
  ref?: string;
  options: OpenOptions;
  close: () => Promise<void>;
}

function namesOf(d: Descriptor): string[] {
  const out: string[] = [];
  const refName = d.annotations?.[REF_NAME_ANNOTATION];
  const containerd = d.annotations?.[CONTAINERD_NAME_ANNOTATION];
  if (refName) out.push(refName);
  if (containerd && containerd !== refName) out.push(containerd);
  return out;
}

function listNames(names: string[]): string {
  const shown = names.slice(0, 12).join(", ");
  return names.length > 12 ? `${shown}, … and ${names.length - 12} more` : shown;
}

/** The index.json entries the reference designates. */
export function selectTopDescriptors(
  index: ImageIndex,
  ref: string | undefined,
  reference: string,
): Descriptor[] {
  const all = index.manifests;
  const tags = [
    ...new Set(
      all.flatMap((d) => (d.annotations?.[REF_NAME_ANNOTATION] ? [d.annotations[REF_NAME_ANNOTATION]] : [])),
    ),
  ];
  if (ref !== undefined) {
    const matches = all.filter((d) => {
      const refName = d.annotations?.[REF_NAME_ANNOTATION];
      const containerd = d.annotations?.[CONTAINERD_NAME_ANNOTATION];
      return refName === ref || (containerd !== undefined && sameImageName(containerd, ref));
    });
    if (matches.length === 0) {
      const known = tags.length > 0 ? `tags: ${listNames(tags)}` : "it has no tagged images";
      throw new ShipshapeError(
        "not-found",
        `${reference}: no image tagged ${JSON.stringify(ref)} in index.json (${known})`,
      );
    }
    return matches;
  }
  if (all.length === 0) throw new ShipshapeError("not-found", `${reference}: index.json lists no images`);
  if (tags.length >= 2) {
    throw new ShipshapeError(
      "usage",
      `${reference}: index.json holds ${tags.length} tagged images (${listNames(tags)}); name one as ${reference}:TAG`,
    );
  }
  if (tags.length === 1) return all.filter((d) => d.annotations?.[REF_NAME_ANNOTATION] === tags[0]);
  return all;
}

const MAX_PRUNED_LISTED = 6;

/**
 * Fetches documents for resolve.ts with digest and size checks. Partial exports (containerd's
 * per-platform export, Docker 25+ `docker save`) keep the full multi-platform index but only one
 * platform's blobs; entries of a nested index whose blobs are absent are dropped (with a warning),
 * so that platform selection only sees what can be read. When none would remain, nothing is
 * dropped and the missing blob is reported.
 */
function makeFetcher(store: LayoutStore, warnings: string[], sizes: Map<string, number>): DocumentFetcher {
  return async (d, what, maxBytes) => {
    const bytes = await readVerifiedBlob(store, d, what, maxBytes);
    sizes.set(d.digest, bytes.length);
    if (!isIndexMediaType(d.mediaType)) return { bytes };
    let raw: unknown;
    try {
      raw = JSON.parse(Buffer.from(bytes).toString("utf8"));
    } catch {
      return { bytes }; // the parser reports it
    }
    const manifests = (raw as { manifests?: unknown }).manifests;
    if (!Array.isArray(manifests) || manifests.length === 0) return { bytes };
    const present: unknown[] = [];
    const absent: string[] = [];
    for (const entry of manifests) {
      const digest = (entry as { digest?: unknown }).digest;
      const platform = (entry as { platform?: { os?: unknown; architecture?: unknown; variant?: unknown } })
        .platform;
      let exists = true;
      if (
        typeof digest === "string" &&
        platform &&
        typeof platform.os === "string" &&
        typeof platform.architecture === "string"
      ) {
        try {
          exists = (await store.blobSize(digest)) !== undefined;
        } catch {
          exists = true; // an invalid digest: let the schema report it
        }
      }
      if (exists) present.push(entry);
      else absent.push(formatPlatform(platform as { os: string; architecture: string; variant?: string }));
    }
    if (absent.length === 0 || present.length === 0) return { bytes };
    const listed =
      absent.slice(0, MAX_PRUNED_LISTED).join(", ") + (absent.length > MAX_PRUNED_LISTED ? ", …" : "");
    warnings.push(
      `${what} lists ${absent.length} platform image${absent.length === 1 ? "" : "s"} whose blobs are not in the ${store.kind} (${listed}); only the platforms present were considered`,
    );
    (raw as { manifests: unknown[] }).manifests = present;
    return { bytes: Buffer.from(JSON.stringify(raw)) };
  };
}

export async function readOciImage(store: LayoutStore, request: OciReadRequest): Promise<OpenedImage> {
  const { reference, options } = request;
  try {
    const indexBytes = await store.readIndexJson(MAX_MANIFEST_BYTES);
    const indexDigest = sha256Digest(indexBytes);
    const index = parseIndex(indexBytes, "index.json");
    const top = selectTopDescriptors(index, request.ref, reference);
    const warnings: string[] = [];
    const sizes = new Map<string, number>();
    const fetch = makeFetcher(store, warnings, sizes);
    options.signal?.throwIfAborted();

    let resolved: ResolvedManifest;
    let chosenFromIndex: boolean;
    if (top.length === 1) {
      const d = top[0]!;
      const what = `${isIndexMediaType(d.mediaType) ? "index" : "manifest"} ${d.digest} of ${reference}`;
      const fetched = await fetch(d, what, MAX_MANIFEST_BYTES);
      const document = parseManifestDocument(fetched.bytes, what, d.mediaType);
      resolved = await resolveManifest(
        fetch,
        { document, digest: d.digest, mediaType: d.mediaType },
        { ...(options.platform ? { platform: options.platform } : {}), what: reference },
      );
      chosenFromIndex = document.kind === "index";
      if (!chosenFromIndex && d.platform) resolved.indexPlatform = d.platform;
    } else {
      // Several entries share the tag (or none is tagged): they are the platforms of one image.
      resolved = await resolveManifest(
        fetch,
        {
          document: { kind: "index", index: { schemaVersion: 2, manifests: top } },
          digest: null,
          mediaType: null,
        },
        { ...(options.platform ? { platform: options.platform } : {}), what: reference },
      );
      chosenFromIndex = true;
    }
    const manifest = resolved.manifest;
    const manifestWhat = `manifest ${resolved.manifestDigest ?? ""} of ${reference}`;
    assertContainerImage(manifest, manifestWhat);

    const configWhat = `config ${manifest.config.digest} of ${reference}`;
    const configBytes = await readVerifiedBlob(store, manifest.config, configWhat, MAX_CONFIG_BYTES);
    const config = parseImageConfig(configBytes, configWhat);
    assertLayersMatchDiffIDs(manifest.layers.length, config, manifestWhat);

    const layers: BlobLayer[] = [];
    for (const [i, d] of manifest.layers.entries()) {
      const location = blobPath(d.digest);
      const size = await store.blobSize(d.digest);
      if (size === undefined) {
        const foreign = d.urls && d.urls.length > 0 ? ` (a foreign layer to fetch from ${d.urls[0]})` : "";
        throw new ShipshapeError(
          "input",
          `${reference}: layer ${i} blob ${location} is not in the ${store.kind}${foreign}`,
        );
      }
      if (size !== d.size) {
        throw new ShipshapeError(
          "integrity",
          `${reference}: layer ${i} blob ${location} is ${size} bytes but the manifest says ${d.size}`,
        );
      }
      const digest = d.digest;
      layers.push({
        kind: "blob",
        index: i,
        mediaType: d.mediaType,
        digest,
        size: d.size,
        diffID: config.rootfs.diff_ids[i] ?? null,
        location,
        open: (signal) => store.openBlob(digest, signal),
      });
    }

    const platform = imagePlatform(config, resolved.indexPlatform);
    if (!chosenFromIndex) {
      assertRequestedPlatform(options.platform, resolved.indexPlatform ?? platform, reference);
    }
    return {
      reference,
      transport: request.transport,
      names: [...new Set(top.flatMap(namesOf))],
      indexDigests: [indexDigest, ...resolved.indexDigests],
      manifestDigest: resolved.manifestDigest,
      manifestMediaType: resolved.manifestMediaType,
      manifestSize: resolved.manifestDigest ? (sizes.get(resolved.manifestDigest) ?? null) : null,
      manifest,
      configDigest: manifest.config.digest,
      config,
      platform,
      layers,
      warnings,
      close: request.close,
    };
  } catch (err) {
    throw attributeError(reference, err);
  }
}
