/**
 * What every image source (archive, layout, registry, directory) hands to the rest of shipshape:
 * the chosen manifest and config, and the layers as streams of their stored bytes. Verification
 * (digests, diffIDs), decompression and tar parsing happen once, in layers.ts, for all sources.
 */
import type { Readable } from "node:stream";
import type { ImageConfig, ImageManifest, Platform } from "./oci.js";

/** "sbom": the packages came from an existing SBOM document, not from reading an image. */
export type Transport = "docker-archive" | "oci-archive" | "oci" | "dir" | "registry" | "sbom";

/** A layer stored as a (possibly compressed) tar blob. */
export interface BlobLayer {
  kind: "blob";
  /** Position in the image, 0 = base. */
  index: number;
  /** As the manifest says; for docker-archive layers, the best guess from the file. */
  mediaType: string;
  /** The stored blob's digest, checked while streaming; null when the source does not state it. */
  digest: string | null;
  /** The stored blob's size in bytes when known; a mismatch is an integrity error. */
  size: number | null;
  /** sha256 of the uncompressed tar from the config's rootfs.diff_ids; null when absent. */
  diffID: string | null;
  /** Where the bytes come from, for error messages (e.g. `blobs/sha256/ab12…` or a URL path). */
  location: string;
  /** A fresh stream of the stored bytes. May be called more than once (second passes). */
  open(signal?: AbortSignal): Promise<Readable>;
}

/** A root filesystem on disk (`dir:PATH`), walked instead of read from a tar. */
export interface DirectoryLayer {
  kind: "directory";
  index: number;
  root: string;
  location: string;
  diffID: null;
  digest: null;
  size: null;
  mediaType: "directory";
}

export type LayerRef = BlobLayer | DirectoryLayer;

/** An opened image: everything known before reading layer contents. */
export interface OpenedImage {
  /** The reference exactly as the user gave it. */
  reference: string;
  transport: Transport;
  /** Names the source gives the image: RepoTags, ref.name annotations, the registry reference. */
  names: string[];
  /** Digests of the index(es) walked to reach the manifest, outermost first. */
  indexDigests: string[];
  manifestDigest: string | null;
  manifestMediaType: string | null;
  /** Size in bytes of the manifest document, when there is one. */
  manifestSize: number | null;
  manifest: ImageManifest | null;
  configDigest: string | null;
  config: ImageConfig;
  /** The platform of the chosen image (from the config, else the index descriptor). */
  platform: Platform;
  layers: LayerRef[];
  /** Non-fatal facts worth telling the user (e.g. a config digest that differs from its file name). */
  warnings: string[];
  /** Release temporary files and connections. Idempotent. */
  close(): Promise<void>;
}

export interface OpenOptions {
  /** The platform to pick from a multi-arch index; when absent, the host's (and any single image). */
  platform?: Platform;
  /** Where a source may spool data it cannot stream (e.g. a whole-file-gzipped archive). */
  tempDir?: string;
  signal?: AbortSignal;
  registry?: RegistryOptions;
}

export interface RegistryCredentials {
  username: string;
  password: string;
}

export interface RegistryOptions {
  /** Explicit credentials (from --username/--password-stdin); else auth files are consulted. */
  credentials?: RegistryCredentials;
  /** Paths of Docker config.json / Podman auth.json files to read, in order; defaults apply when unset. */
  authFiles?: string[];
  /** Use plain HTTP (and accept any TLS certificate) for these registries, or all when true. */
  insecure?: boolean | string[];
  /** PEM file(s) of extra certificate authorities to trust. */
  caFiles?: string[];
  /** Retries on 429/5xx and network errors (default 4). */
  retries?: number;
  /** Base delay for exponential backoff in ms (default 500). */
  retryBaseDelayMs?: number;
  /** Per-request timeout in ms. */
  timeoutMs?: number;
  userAgent?: string;
}
