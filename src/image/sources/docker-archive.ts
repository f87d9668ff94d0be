/**
 * `docker-archive:PATH[:NAME|:@N]`: a `docker save` tarball, in every flavour found in the wild:
 * Docker < 25 (`<id>/layer.tar`, configs `<hex>.json`), skopeo (`<diffid>.tar` with symlinked
 * `<id>/layer.tar`), Docker 25+ and containerd exports (`blobs/sha256/<hex>` plus an OCI index),
 * kaniko (config named `sha256:<hex>`, gzip `<digest>.tar.gz` layers), jib (lower-case keys,
 * `config.json`) and whole-file gzipped archives. The image comes from manifest.json, as
 * `docker load` reads it; an OCI archive given here is read as one (the prefix is a hint).
 */
import { existsSync } from "node:fs";
import { posix } from "node:path";
import { ShipshapeError } from "../../errors.js";
import type { ArchiveFile } from "../archive/archive-file.js";
import { openArchiveFile } from "../archive/archive-file.js";
import { archiveLayoutStore } from "../archive/archive-layout-store.js";
import { attributeError } from "../archive/attribute-error.js";
import { unsupportedArchiveError } from "../archive/detect.js";
import { type DockerArchiveImage, parseDockerArchiveManifest } from "../archive/docker-manifest.js";
import { assertLayersMatchDiffIDs, assertRequestedPlatform, imagePlatform } from "../archive/image-shape.js";
import { readVerifiedBlob } from "../archive/layout-store.js";
import { readOciImage } from "../archive/oci-image.js";
import {
  isRefName,
  isSourceIndex,
  splitPathAndReference,
  withoutPrefix,
} from "../archive/reference-split.js";
import { sameImageName } from "../archive/repo-tag.js";
import { isDigest, sha256Digest } from "../digest.js";
import {
  MAX_CONFIG_BYTES,
  MAX_MANIFEST_BYTES,
  parseImageConfig,
  parseIndex,
  parseManifestDocument,
} from "../manifest.js";
import { MediaType } from "../media-types.js";
import type { Descriptor, ImageManifest } from "../oci.js";
import type { BlobLayer, OpenedImage, OpenOptions, Transport } from "../source.js";

export interface DockerArchiveRequest {
  reference: string;
  transport: Transport;
  /** `repo:tag` or `@N` after the path, if any. */
  selector?: string;
  options: OpenOptions;
}

/** `PATH[:NAME|:@N]` → path and selector, preferring an existing file (a path may contain colons). */
export function splitDockerArchiveReference(spec: string): { path: string; ref?: string } {
  return splitPathAndReference(spec, existsSync, (ref) => isSourceIndex(ref) || isRefName(ref));
}

/**
 * Open `docker-archive:PATH[:NAME|:@N]`. `text` is the reference with or without its
 * `docker-archive:` prefix.
 */
export async function openDockerArchive(text: string, options: OpenOptions = {}): Promise<OpenedImage> {
  const spec = withoutPrefix(text, "docker-archive:");
  const reference = `docker-archive:${spec}`;
  const { path, ref } = splitDockerArchiveReference(spec);
  const archive = await openArchiveFile(reference, path, options);
  try {
    switch (archive.format) {
      case "docker-archive":
      case "docker-and-oci":
        return await readDockerArchive(archive, {
          reference,
          transport: "docker-archive",
          ...(ref !== undefined ? { selector: ref } : {}),
          options,
        });
      case "oci-archive":
        if (ref !== undefined && isSourceIndex(ref)) {
          throw new ShipshapeError(
            "usage",
            `${reference}: ${ref} selects from manifest.json, but this is an OCI archive; name a tag instead`,
          );
        }
        return await readOciImage(archiveLayoutStore(archive), {
          reference,
          transport: "docker-archive",
          ...(ref !== undefined ? { ref } : {}),
          options,
          close: () => archive.close(),
        });
      default:
        throw unsupportedArchiveError(reference, archive.format, archive.index);
    }
  } catch (err) {
    await archive.close();
    throw attributeError(reference, err);
  }
}

function describeImages(images: DockerArchiveImage[]): string {
  return images.map((e, i) => (e.repoTags.length > 0 ? e.repoTags.join(" ") : `@${i} (untagged)`)).join(", ");
}

function selectImage(
  images: DockerArchiveImage[],
  selector: string | undefined,
  reference: string,
): DockerArchiveImage {
  if (selector === undefined) {
    if (images.length === 1) return images[0]!;
    throw new ShipshapeError(
      "usage",
      `${reference}: manifest.json holds ${images.length} images (${describeImages(images)}); choose one as ${reference}:NAME or ${reference}:@N`,
    );
  }
  if (isSourceIndex(selector)) {
    const n = Number(selector.slice(1));
    const image = images[n];
    if (!image)
      throw new ShipshapeError(
        "not-found",
        `${reference}: no image @${n} in manifest.json (it holds ${images.length}, @0 to @${images.length - 1})`,
      );
    return image;
  }
  const image = images.find((e) => e.repoTags.some((t) => sameImageName(t, selector)));
  if (!image) {
    throw new ShipshapeError(
      "not-found",
      `${reference}: no image named ${JSON.stringify(selector)} in manifest.json (it holds ${describeImages(images)})`,
    );
  }
  return image;
}

/** The digest a config file's name states: `<hex>.json`, `sha256:<hex>` (kaniko), `blobs/sha256/<hex>`. */
export function digestNamedBy(path: string): string | undefined {
  const m = /^(?:sha256:)?([a-f0-9]{64})(?:\.json)?$/.exec(posix.basename(path));
  return m ? `sha256:${m[1]}` : undefined;
}

/** Only OCI blob paths are content addresses; `<hex>.tar.gz` names are a writer's convention. */
function contentAddress(path: string): string | undefined {
  const m = /^(?:\.\/)*\/?blobs\/(sha256|sha512)\/([a-f0-9]+)$/.exec(path);
  const digest = m ? `${m[1]}:${m[2]}` : undefined;
  return digest && isDigest(digest) ? digest : undefined;
}

function guessLayerMediaType(head: Uint8Array): string {
  if (head[0] === 0x1f && head[1] === 0x8b) return MediaType.dockerLayerGzip;
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd)
    return MediaType.ociLayerZstd;
  return MediaType.dockerLayer;
}

interface OciCounterpart {
  digest: string;
  size: number;
  mediaType: string | null;
  manifest: ImageManifest;
  indexDigests: string[];
}

const MAX_DOCUMENTS_SEARCHED = 128;
const MAX_UNINDEXED_MANIFEST_BYTES = 64 * 1024;

/**
 * Docker 25+ and containerd archives also hold the image's OCI manifest: find the one whose config
 * and layers are this image's, first through index.json, then (an untagged `docker save` writes
 * `"manifests": null`) among the small blobs. Reading it is optional; failures become warnings.
 */
async function findOciCounterpart(
  archive: ArchiveFile,
  configDigest: string,
  layerDigests: (string | null)[],
  warnings: string[],
): Promise<OciCounterpart | undefined> {
  const store = archiveLayoutStore(archive);
  const agrees = (m: ImageManifest) =>
    m.config.digest === configDigest &&
    m.layers.length === layerDigests.length &&
    m.layers.every((l, i) => layerDigests[i] === null || layerDigests[i] === l.digest);
  const visited = new Set<string>();
  try {
    const indexBytes = await store.readIndexJson(MAX_MANIFEST_BYTES);
    const index = parseIndex(indexBytes, "index.json");
    const indexDigest = sha256Digest(indexBytes);
    const walk = async (descriptors: Descriptor[], path: string[]): Promise<OciCounterpart | undefined> => {
      for (const d of descriptors) {
        if (visited.has(d.digest) || visited.size >= MAX_DOCUMENTS_SEARCHED) continue;
        visited.add(d.digest);
        if ((await store.blobSize(d.digest)) === undefined) continue;
        const what = `blob ${d.digest}`;
        const doc = parseManifestDocument(
          await readVerifiedBlob(store, d, what, MAX_MANIFEST_BYTES),
          what,
          d.mediaType,
        );
        if (doc.kind === "index") {
          if (path.length < 8) {
            const found = await walk(doc.index.manifests, [...path, d.digest]);
            if (found) return found;
          }
        } else if (agrees(doc.manifest)) {
          return {
            digest: d.digest,
            size: d.size,
            mediaType: doc.manifest.mediaType ?? d.mediaType,
            manifest: doc.manifest,
            indexDigests: [indexDigest, ...path],
          };
        }
      }
      return undefined;
    };
    const found = await walk(index.manifests, []);
    if (found) return found;
    for (const member of archive.index.members.values()) {
      if (visited.size >= MAX_DOCUMENTS_SEARCHED) break;
      const digest = contentAddress(member.name);
      if (
        !digest ||
        visited.has(digest) ||
        member.type !== "file" ||
        member.size > MAX_UNINDEXED_MANIFEST_BYTES
      )
        continue;
      visited.add(digest);
      const head = await archive.head(member, 1);
      if (head[0] !== 0x7b) continue; // not a JSON object
      const bytes = await readVerifiedBlob(
        store,
        { mediaType: "", digest, size: member.size },
        `blob ${digest}`,
        MAX_MANIFEST_BYTES,
      );
      let doc: ReturnType<typeof parseManifestDocument>;
      try {
        doc = parseManifestDocument(bytes, `blob ${digest}`);
      } catch {
        continue; // a config or another JSON blob
      }
      if (doc.kind === "manifest" && agrees(doc.manifest)) {
        return {
          digest,
          size: member.size,
          mediaType: doc.manifest.mediaType ?? null,
          manifest: doc.manifest,
          indexDigests: [],
        };
      }
    }
  } catch (err) {
    warnings.push(
      `the archive's OCI index could not be read, so the manifest digest is unknown: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return undefined;
}

/** Read the image manifest.json designates. The archive is closed by the returned image's close(). */
export async function readDockerArchive(
  archive: ArchiveFile,
  request: DockerArchiveRequest,
): Promise<OpenedImage> {
  const { reference, options } = request;
  const manifestMember = archive.find("manifest.json");
  if (!manifestMember) throw new ShipshapeError("input", `${reference}: the archive has no manifest.json`);
  const images = parseDockerArchiveManifest(
    await archive.read(manifestMember, MAX_MANIFEST_BYTES, "manifest.json"),
    "manifest.json",
  );
  const image = selectImage(images, request.selector, reference);
  const warnings: string[] = [];

  const configMember = archive.find(image.config);
  if (!configMember) {
    throw new ShipshapeError(
      "input",
      `${reference}: config ${image.config} listed in manifest.json is not in the archive`,
    );
  }
  const configBytes = await archive.read(configMember, MAX_CONFIG_BYTES, `config ${image.config}`);
  const configDigest = sha256Digest(configBytes);
  const claimed = digestNamedBy(image.config);
  if (claimed !== undefined && claimed !== configDigest) {
    throw new ShipshapeError(
      "integrity",
      `${reference}: config ${image.config} has digest ${configDigest}, not the ${claimed} its name states`,
    );
  }
  if (claimed === undefined) {
    // jib names it config.json: nothing to check against, so say where the digest came from.
    warnings.push(
      `config file ${image.config} is not named by its digest; ${configDigest} was computed from its bytes`,
    );
  }
  const config = parseImageConfig(configBytes, `config ${image.config}`);
  assertLayersMatchDiffIDs(image.layers.length, config, `manifest.json image ${describeImages([image])}`);

  const found = image.layers.map((path) => {
    const member = archive.find(path);
    if (!member)
      throw new ShipshapeError(
        "input",
        `${reference}: layer ${path} listed in manifest.json is not in the archive`,
      );
    return { path, member, digest: contentAddress(path) ?? null };
  });

  const oci =
    archive.format === "docker-and-oci"
      ? await findOciCounterpart(
          archive,
          configDigest,
          found.map((l) => l.digest),
          warnings,
        )
      : undefined;

  const layers: BlobLayer[] = [];
  for (const [i, { path, member, digest }] of found.entries()) {
    const ociLayer = oci?.manifest.layers[i];
    const declared = (digest && image.layerSources[digest]?.mediaType) || ociLayer?.mediaType;
    const mediaType = declared ?? guessLayerMediaType(await archive.head(member, 4));
    layers.push({
      kind: "blob",
      index: i,
      mediaType,
      digest,
      size: member.size,
      diffID: config.rootfs.diff_ids[i] ?? null,
      location: path,
      open: (signal) => archive.open(member, signal),
    });
  }

  const platform = imagePlatform(config, undefined);
  assertRequestedPlatform(options.platform, platform, reference);
  return {
    reference,
    transport: request.transport,
    names: image.repoTags,
    indexDigests: oci?.indexDigests ?? [],
    manifestDigest: oci?.digest ?? null,
    manifestMediaType: oci?.mediaType ?? null,
    manifestSize: oci?.size ?? null,
    manifest: oci?.manifest ?? null,
    configDigest,
    config,
    platform,
    layers,
    warnings,
    close: () => archive.close(),
  };
}
