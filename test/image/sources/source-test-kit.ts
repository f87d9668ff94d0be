/**
 * Helpers shared by the image-source tests: the fixtures' expected answers, the config fields in
 * the shape `expected/NAME.image.json` writes them, and independent hashing of layer streams.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import type { ImageConfig } from "../../../src/image/oci.js";
import type { BlobLayer, LayerRef, OpenedImage } from "../../../src/image/source.js";
import { fixturePath } from "../../helpers/shared.js";

export interface ExpectedLayer {
  index: number;
  mediaType: string;
  digest: string;
  size: number;
  diffID: string;
}

export interface ExpectedImage {
  name: string;
  indexDigest: string;
  refName: string;
  nestedIndexDigests: string[];
  manifest: { digest: string; size: number; mediaType: string };
  config: { digest: string; size: number; mediaType: string };
  platform: { os: string; architecture: string; variant?: string };
  layers: ExpectedLayer[];
  configFields: Record<string, unknown>;
  history: unknown[];
  platforms?: Record<string, ExpectedImage>;
  dockerArchive?: {
    manifestJson: { Config: string; RepoTags: string[]; Layers: string[] }[];
    configDigest: string;
    layerFileDigestsEqualDiffIDs: boolean;
  };
  ociLayoutDir?: { index: { manifests: { digest: string; annotations?: Record<string, string> }[] } };
}

export function expectedImage(name: string): ExpectedImage {
  return JSON.parse(readFileSync(fixturePath("expected", `${name}.image.json`), "utf8")) as ExpectedImage;
}

/** The config fields as the fixtures' expected files state them. */
export function configFields(config: ImageConfig): Record<string, unknown> {
  const c = config.config ?? {};
  return {
    created: config.created ?? null,
    user: c.User ?? "",
    env: c.Env ?? [],
    cmd: c.Cmd ?? null,
    entrypoint: c.Entrypoint ?? null,
    workingDir: c.WorkingDir ?? "",
    labels: c.Labels ?? null,
    exposedPorts: c.ExposedPorts ? Object.keys(c.ExposedPorts) : null,
  };
}

export function blobLayers(image: OpenedImage): BlobLayer[] {
  return image.layers.map((l: LayerRef) => {
    if (l.kind !== "blob") throw new Error(`layer ${l.index} is a ${l.kind}`);
    return l;
  });
}

export async function sha256OfStream(stream: Readable): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return `sha256:${hash.digest("hex")}`;
}

/** sha256 of a layer's uncompressed tar: gunzip when the stored bytes are gzip (by magic). */
export async function uncompressedDigest(layer: BlobLayer): Promise<string> {
  const head = await sniffGzip(layer);
  const stream = await layer.open();
  return sha256OfStream(head.gzip ? stream.pipe(createGunzip()) : stream);
}

async function sniffGzip(layer: BlobLayer): Promise<{ gzip: boolean }> {
  const stream = await layer.open();
  for await (const chunk of stream) {
    const b = chunk as Buffer;
    stream.destroy();
    return { gzip: b[0] === 0x1f && b[1] === 0x8b };
  }
  return { gzip: false };
}

/** Names in a directory, to prove a source left no temporary files behind. */
export function listDir(dir: string): string[] {
  return readdirSync(dir).sort();
}
