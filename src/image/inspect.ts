/**
 * `inspect`: the facts of an image without judging them — where it came from, its manifest and
 * config, its layers as read (digests verified), and the squashed filesystem's counts.
 */
import type { ImageFilesystem, ReadFilesystemOptions, SquashSummary, WhiteoutDetail } from "./filesystem.js";
import type { HistoryEntry, Platform } from "./oci.js";
import { openImage } from "./open.js";
import type { OpenedImage, OpenOptions, Transport } from "./source.js";

export interface InspectLayer {
  index: number;
  mediaType: string;
  digest: string | null;
  diffID: string | null;
  size: number | null;
  uncompressedSize: number;
  compression: string;
  entries: number;
  whiteouts: number;
  createdBy: string | null;
  fromCache: boolean;
}

/** Where an image came from, as sbom/scan reports it. */
export interface ImageSourceFacts {
  reference: string;
  transport: Transport;
  names: string[];
  manifestDigest: string | null;
  configDigest: string | null;
  platform: Platform;
  created: string | null;
}

export function imageSourceFacts(image: OpenedImage): ImageSourceFacts {
  return {
    reference: image.reference,
    transport: image.transport,
    names: image.names,
    manifestDigest: image.manifestDigest,
    configDigest: image.configDigest,
    platform: image.platform,
    created: image.config.created ?? null,
  };
}

export interface InspectReport {
  reference: string;
  transport: Transport;
  names: string[];
  indexDigests: string[];
  manifest: { digest: string | null; mediaType: string | null; size: number | null };
  config: {
    digest: string | null;
    size: number | null;
    created: string | null;
    author: string | null;
    user: string;
    env: string[];
    entrypoint: string[] | null;
    cmd: string[] | null;
    workingDir: string;
    labels: Record<string, string>;
    exposedPorts: string[];
    volumes: string[];
    stopSignal: string | null;
  };
  platform: Platform;
  history: HistoryEntry[];
  layers: InspectLayer[];
  filesystem: SquashSummary & {
    whiteouts: { deletedPaths: string[]; details: WhiteoutDetail[]; opaqueDirs: string[] };
  };
  warnings: string[];
}

/** The created_by of the history entry that made each non-empty layer, in layer order. */
export function layerHistory(history: HistoryEntry[] | undefined, layerCount: number): (string | null)[] {
  const nonEmpty = (history ?? []).filter((h) => !h.empty_layer);
  // Only trust the pairing when the counts agree (some builders write no or partial history).
  if (nonEmpty.length !== layerCount) return new Array<string | null>(layerCount).fill(null);
  return nonEmpty.map((h) => h.created_by ?? null);
}

export function buildInspectReport(image: OpenedImage, fs: ImageFilesystem): InspectReport {
  const c = image.config.config ?? {};
  const createdBy = layerHistory(image.config.history, image.layers.length);
  const facts = fs.layerFacts();
  const summary = fs.summary();
  return {
    reference: image.reference,
    transport: image.transport,
    names: image.names,
    indexDigests: image.indexDigests,
    manifest: { digest: image.manifestDigest, mediaType: image.manifestMediaType, size: image.manifestSize },
    config: {
      digest: image.configDigest,
      size: image.manifest?.config.size ?? null,
      created: image.config.created ?? null,
      author: image.config.author ?? null,
      user: c.User ?? "",
      env: c.Env ?? [],
      entrypoint: c.Entrypoint ?? null,
      cmd: c.Cmd ?? null,
      workingDir: c.WorkingDir ?? "",
      labels: c.Labels ?? {},
      exposedPorts: Object.keys(c.ExposedPorts ?? {}),
      volumes: Object.keys(c.Volumes ?? {}),
      stopSignal: c.StopSignal ?? null,
    },
    platform: image.platform,
    history: image.config.history ?? [],
    layers: image.layers.map((ref, i) => {
      const f = facts[i]!;
      return {
        index: i,
        mediaType: ref.mediaType,
        digest: ref.digest ?? f.digest,
        diffID: ref.diffID ?? f.diffID,
        size: ref.size ?? f.compressedBytes,
        uncompressedSize: f.uncompressedBytes,
        compression: f.compression,
        entries: f.entries,
        whiteouts: f.whiteouts,
        createdBy: createdBy[i] ?? null,
        fromCache: f.fromCache,
      };
    }),
    filesystem: {
      ...summary,
      whiteouts: {
        deletedPaths: [...new Set(fs.whiteouts.filter((w) => w.existedBelow).map((w) => w.path))].sort(),
        details: [...fs.whiteouts],
        opaqueDirs: fs.opaqueDirs.map((o) => o.path),
      },
    },
    warnings: [...image.warnings, ...fs.warnings],
  };
}

export interface InspectOptions extends OpenOptions, Omit<ReadFilesystemOptions, "requests" | "signal"> {
  /** Called once the layers are known, with the total stored bytes to read (for progress bars). */
  onStart?: (totalBytes: number) => void | Promise<void>;
}

export function readOptionsFrom(options: InspectOptions): ReadFilesystemOptions {
  const readOptions: ReadFilesystemOptions = {};
  if (options.limits) readOptions.limits = options.limits;
  if (options.cache !== undefined) readOptions.cache = options.cache;
  if (options.concurrency) readOptions.concurrency = options.concurrency;
  if (options.onProgress) readOptions.onProgress = options.onProgress;
  if (options.signal) readOptions.signal = options.signal;
  return readOptions;
}

/** Open an image, read every layer once (digests verified), and report its facts. */
export async function inspectImage(reference: string, options: InspectOptions = {}): Promise<InspectReport> {
  const image = await openImage(reference, options);
  try {
    await options.onStart?.(image.layers.reduce((sum, l) => sum + (l.size ?? 0), 0));
    const { readFilesystem } = await import("./filesystem.js");
    const fs = await readFilesystem(image, readOptionsFrom(options));
    return buildInspectReport(image, fs);
  } finally {
    await image.close();
  }
}
