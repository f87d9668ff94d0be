/**
 * Reads one layer blob in a single streaming pass: hashes the stored bytes (digest), decompresses
 * (gzip/zstd/none by magic), hashes the tar (diffID), enforces the read limits, and walks the tar
 * members, keeping only the bytes of the members the caller asks for. Nothing touches the disk.
 * A digest, diffID or size mismatch is an error: results of such a layer are never returned.
 */
import { Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describeError, ShipshapeError } from "../errors.js";
import { PooledReadStream } from "./archive/pooled-read-stream.js";
import { type Compression, createDecompressor, detectCompression, peekStream } from "./decompress.js";
import { type DigestAlgorithm, DigestHasher, parseDigest } from "./digest.js";
import { type AnalysisValue, type CapturePlan, runAnalyzers } from "./file-request.js";
import { freeNow } from "./isal-addon.js";
import { IsalGunzip } from "./isal-gunzip.js";
import { type LayerEntry, normalizeEntry } from "./layer-entry.js";
import { formatBytes, type ReadLimits } from "./limits.js";
import type { BlobLayer } from "./source.js";
import { TarReader } from "./tar-reader.js";

/** What to do with a member's bytes (keep, analyze, both), or null to skip them. */
export type CaptureDecision = (entry: LayerEntry, entryIndex: number) => CapturePlan | null;

export interface LayerReadResult {
  index: number;
  /** Tar members as stored, including the root directory entry and AUFS metadata. */
  members: number;
  entries: LayerEntry[];
  /** Kept member bytes by entry index. */
  captured: Map<number, Buffer>;
  /** Analyzer results by entry index, then request id. */
  analyses: Map<number, Record<string, AnalysisValue>>;
  /** Members that were asked for but exceeded their byte cap (entry index → size). */
  oversized: Map<number, number>;
  compression: Compression | "directory";
  compressedBytes: number;
  uncompressedBytes: number;
  /** sha256 (or the manifest's algorithm) of the stored bytes, as read. */
  digest: string | null;
  /** sha256 of the uncompressed tar, as read. */
  diffID: string | null;
  /** Members clamped to the root, skipped AUFS metadata and other odd but survivable facts. */
  warnings: string[];
  fromCache: boolean;
}

export interface ReadLayerOptions {
  limits: ReadLimits;
  capture: CaptureDecision;
  signal?: AbortSignal;
  /** Called with each chunk's size of stored bytes, for progress bars. */
  onBytes?: (bytes: number) => void;
}

/** A pass-through that hashes and counts, and lets a check veto the stream. */
class Tap extends Transform {
  readonly hasher: DigestHasher | null;
  bytes = 0;
  private readonly check: ((bytes: number) => Error | null) | undefined;
  private readonly onBytes: ((n: number) => void) | undefined;
  private readonly defer: boolean;

  /**
   * With `defer`, the work happens in a microtask: zlib hands over a chunk and, before that
   * microtask runs, queues its next inflate on the thread pool, so inflating overlaps with hashing
   * and tar parsing instead of waiting for them.
   */
  constructor(
    algorithm: DigestAlgorithm | null,
    options: { check?: (bytes: number) => Error | null; onBytes?: (n: number) => void; defer?: boolean } = {},
  ) {
    super({ highWaterMark: 256 * 1024 });
    this.hasher = algorithm ? new DigestHasher(algorithm) : null;
    this.check = options.check;
    this.onBytes = options.onBytes;
    this.defer = options.defer ?? false;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    if (this.defer) queueMicrotask(() => this.process(chunk, callback));
    else this.process(chunk, callback);
  }

  private process(chunk: Buffer, callback: TransformCallback): void {
    this.bytes += chunk.length;
    this.hasher?.update(chunk);
    this.onBytes?.(chunk.length);
    const err = this.check?.(this.bytes);
    if (err) callback(err);
    else callback(null, chunk);
  }
}

function algorithmOf(digest: string | null): DigestAlgorithm {
  if (!digest) return "sha256";
  try {
    return parseDigest(digest).algorithm;
  } catch {
    return "sha256";
  }
}

/** Turn low-level stream errors into words a user understands. */
function explain(err: unknown, compression: Compression | undefined): string {
  const message = describeError(err);
  if (/unexpected end of file/i.test(message) && compression === "gzip") {
    return "unexpected end of gzip stream (the layer is truncated)";
  }
  if (/incorrect header check|invalid (stored )?block|invalid distance|Z_DATA_ERROR/i.test(message)) {
    return `corrupt ${compression ?? "compressed"} data (${message})`;
  }
  return message;
}

/**
 * Read a blob layer. gzip goes through ISA-L when its addon is built; if reading fails then (for any
 * reason but a limit), the layer is read again with node:zlib, whose verdict stands: a corrupt layer
 * fails both ways (in zlib's words), and a layer ISA-L's streaming mishandles is still read right.
 * The one such fault known: ISA-L 2.30 does not finish a gzip trailer split across two calls in
 * some states (seen: 6 trailer bytes buffered inside ISA-L, the last 2 in the next write, which it
 * will not take), which happens when a blob's stream delivers its last bytes in a write of their own.
 */
export async function readBlobLayer(layer: BlobLayer, options: ReadLayerOptions): Promise<LayerReadResult> {
  const attempt = { usedIsal: false };
  try {
    return await readBlobLayerWith(layer, options, "any", attempt);
  } catch (err) {
    // Any failure but a limit: wrong bytes from ISA-L could surface as a tar or diffID error first.
    const limit = err instanceof ShipshapeError && err.kind === "limit";
    if (!attempt.usedIsal || limit || options.signal?.aborted) throw err;
    return await readBlobLayerWith(layer, options, "zlib", attempt);
  }
}

async function readBlobLayerWith(
  layer: BlobLayer,
  options: ReadLayerOptions,
  inflater: "any" | "zlib",
  attempt: { usedIsal: boolean },
): Promise<LayerReadResult> {
  const { limits, capture, signal } = options;
  const label = `layer ${layer.index} (${layer.location})`;
  const entries: LayerEntry[] = [];
  const captured = new Map<number, Buffer>();
  const analyses = new Map<number, Record<string, AnalysisValue>>();
  const oversized = new Map<number, number>();
  const warnings: string[] = [];
  let compression: Compression | undefined;
  let members = 0;

  let source = await layer.open(signal);
  let compressedTap: Tap | undefined;
  let uncompressedTap: Tap | undefined;
  try {
    const peeked = await peekStream(source, 4);
    source = peeked.stream;
    const detected = detectCompression(peeked.head);
    compression = detected === "unknown" ? "none" : detected;
    if (peeked.head.length === 0) {
      throw new ShipshapeError("input", `${label} is empty (0 bytes): not a tar stream`);
    }
    compressedTap = new Tap(algorithmOf(layer.digest), options.onBytes ? { onBytes: options.onBytes } : {});
    const compressedCounter = compressedTap;
    uncompressedTap = new Tap(algorithmOf(layer.diffID), {
      defer: compression !== "none",
      check: (bytes) => {
        if (bytes > limits.maxLayerBytes) {
          return new ShipshapeError(
            "limit",
            `${label} expands past ${formatBytes(limits.maxLayerBytes)} uncompressed, the per-layer limit (raise it with --max-layer-size)`,
          );
        }
        if (
          compression !== "none" &&
          bytes > limits.ratioGraceBytes &&
          bytes / Math.max(1, compressedCounter.bytes) > limits.maxCompressionRatio
        ) {
          return new ShipshapeError(
            "limit",
            `${label} looks like a decompression bomb: ${formatBytes(compressedCounter.bytes)} compressed expanded to over ${formatBytes(bytes)} (ratio above ${limits.maxCompressionRatio}; raise --max-compression-ratio if this image is genuine)`,
          );
        }
        return null;
      },
    });
    // Input chunks the inflater is done with go back to a pooled source (archive-file.ts).
    const release = source instanceof PooledReadStream ? source.release.bind(source) : undefined;
    const decompressor = await createDecompressor(compression, {
      inflater,
      ...(release ? { inputDone: release } : {}),
    });
    attempt.usedIsal = decompressor instanceof IsalGunzip;
    let pending: { index: number; plan: CapturePlan; entry: LayerEntry } | null = null;
    const reader = new TarReader(
      {
        member(header) {
          const normalized = normalizeEntry(header);
          if (normalized === null) return false;
          const { entry } = normalized;
          if (normalized.escaped) {
            warnings.push(
              `member ${JSON.stringify(header.name)} climbs above the root; read as ${entry.path}`,
            );
          }
          if (normalized.linkEscaped) {
            warnings.push(
              `hard link ${entry.path} -> ${JSON.stringify(header.linkname)} climbs above the root; looked up as ${entry.link}`,
            );
          }
          if (entries.length >= limits.maxEntriesPerLayer) {
            throw new ShipshapeError(
              "limit",
              `${label} has more than ${limits.maxEntriesPerLayer} members, the per-layer limit`,
            );
          }
          if (header.size > limits.maxFileBytes) {
            throw new ShipshapeError(
              "limit",
              `${label}: member ${JSON.stringify(header.name)} declares ${header.size} bytes, over the per-file limit of ${formatBytes(limits.maxFileBytes)} (raise it with --max-file-size)`,
            );
          }
          const entryIndex = entries.length;
          entries.push(entry);
          const plan = entry.kind === "file" ? capture(entry, entryIndex) : null;
          if (plan === null) return false;
          if (entry.size > plan.cap) {
            oversized.set(entryIndex, entry.size);
            return false;
          }
          pending = { index: entryIndex, plan, entry };
          // Bytes only analyzed (executables, for the Go and Rust catalogers) are freed right after.
          return plan.keep ? true : "transient";
        },
        data(bytes, isView) {
          const p = pending!;
          // Analyzers read the bytes and keep only their result, so they may read a view of the
          // chunk; kept bytes are copied out of it (most analyzed files are executables, and copying
          // each one that fits a chunk was a third of the bytes sbom copied).
          const results = runAnalyzers(p.plan, bytes, p.entry, (m) => warnings.push(m));
          if (results) analyses.set(p.index, results);
          if (p.plan.keep) captured.set(p.index, isView ? Buffer.from(bytes) : bytes);
        },
      },
      // The tar reader is the last to see a chunk; after it the inflater may fill the memory again.
      {
        views: true,
        ...(decompressor.recycle ? { chunkDone: decompressor.recycle.bind(decompressor) } : {}),
        // Executables gathered for the analyzers alone are freed at once, not at the next collection.
        freeTransient: freeNow,
      },
    );

    await pipeline(source, compressedTap, decompressor, uncompressedTap, reader, signal ? { signal } : {});
    members = reader.members;
    if (reader.trailingData) {
      warnings.push("data after the tar end-of-archive marker was ignored, as container runtimes ignore it");
    }
  } catch (err) {
    source.destroy();
    if (err instanceof ShipshapeError) {
      // The tar reader's own errors name the problem; add which layer.
      if (err.message.startsWith(label)) throw err;
      throw new ShipshapeError(err.kind, `${label}: ${err.message}`, { cause: err });
    }
    if (signal?.aborted) throw new ShipshapeError("input", `${label}: reading was cancelled`, { cause: err });
    throw new ShipshapeError("input", `${label}: ${explain(err, compression)}`, { cause: err });
  }

  const digest = compressedTap.hasher?.digest() ?? null;
  const diffID = uncompressedTap.hasher?.digest() ?? null;
  if (layer.size !== null && compressedTap.bytes !== layer.size) {
    throw new ShipshapeError(
      "integrity",
      `${label}: size mismatch: the manifest says ${layer.size} bytes, the blob has ${compressedTap.bytes}`,
    );
  }
  if (layer.digest && digest !== layer.digest) {
    throw new ShipshapeError(
      "integrity",
      `${label}: digest mismatch: expected ${layer.digest}, got ${digest}`,
    );
  }
  if (layer.diffID && diffID !== layer.diffID) {
    throw new ShipshapeError(
      "integrity",
      `${label}: the uncompressed layer does not match the config's diff_id: expected ${layer.diffID}, got ${diffID}`,
    );
  }
  return {
    index: layer.index,
    members,
    entries,
    captured,
    analyses,
    oversized,
    compression: compression ?? "none",
    compressedBytes: compressedTap.bytes,
    uncompressedBytes: uncompressedTap.bytes,
    digest,
    diffID,
    warnings,
    fromCache: false,
  };
}
