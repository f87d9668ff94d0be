/**
 * Reads one layer blob in a single streaming pass: hashes the stored bytes (digest), decompresses
 * (gzip/zstd/none by magic), hashes the tar (diffID), enforces the read limits, and walks the tar
 * members, keeping only the bytes of the members the caller asks for. Nothing touches the disk.
 * A digest, diffID or size mismatch is an error: results of such a layer are never returned.
 */
import { Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import tar from "tar-stream";
import { describeError, ShipshapeError } from "../errors.js";
import { type Compression, createDecompressor, detectCompression, peekStream } from "./decompress.js";
import { type DigestAlgorithm, DigestHasher, parseDigest } from "./digest.js";
import { type LayerEntry, normalizeEntry } from "./layer-entry.js";
import { formatBytes, type ReadLimits } from "./limits.js";
import type { BlobLayer } from "./source.js";
import { TarEndGate } from "./tar-end-gate.js";

/** Decide whether to keep a member's bytes: the byte cap to keep it under, or false to skip it. */
export type CaptureDecision = (entry: LayerEntry, entryIndex: number) => number | false;

export interface LayerReadResult {
  index: number;
  /** Tar members as stored, including the root directory entry and AUFS metadata. */
  members: number;
  entries: LayerEntry[];
  /** Kept member bytes by entry index. */
  captured: Map<number, Buffer>;
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

  constructor(
    algorithm: DigestAlgorithm | null,
    check?: (bytes: number) => Error | null,
    onBytes?: (n: number) => void,
  ) {
    super({ highWaterMark: 256 * 1024 });
    this.hasher = algorithm ? new DigestHasher(algorithm) : null;
    this.check = check;
    this.onBytes = onBytes;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
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
  if (/Unexpected end of data/i.test(message)) return "unexpected end of tar stream (the layer is truncated)";
  if (/unexpected end of file/i.test(message) && compression === "gzip") {
    return "unexpected end of gzip stream (the layer is truncated)";
  }
  if (/incorrect header check|invalid (stored )?block|invalid distance|Z_DATA_ERROR/i.test(message)) {
    return `corrupt ${compression ?? "compressed"} data (${message})`;
  }
  if (/Invalid tar header|unknown format|Invalid header/i.test(message)) {
    return `not a valid tar stream (${message})`;
  }
  return message;
}

export async function readBlobLayer(layer: BlobLayer, options: ReadLayerOptions): Promise<LayerReadResult> {
  const { limits, capture, signal } = options;
  const label = `layer ${layer.index} (${layer.location})`;
  const entries: LayerEntry[] = [];
  const captured = new Map<number, Buffer>();
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
    compressedTap = new Tap(algorithmOf(layer.digest), undefined, options.onBytes);
    const compressedCounter = compressedTap;
    uncompressedTap = new Tap(algorithmOf(layer.diffID), (bytes) => {
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
    });
    // Old layers (2013-era, oddly written ustar/GNU hybrids) fail the magic check but are valid tars.
    const extract = tar.extract({ allowUnknownFormat: true } as Parameters<typeof tar.extract>[0]);
    extract.on("entry", (header, stream, next) => {
      // Destroying the extractor destroys the member stream with the same error; it is reported once, below.
      stream.on("error", () => undefined);
      members++;
      const entryIndex = entries.length;
      const normalized = normalizeEntry(header);
      if (normalized === null) {
        stream.on("end", next);
        stream.resume();
        return;
      }
      const { entry } = normalized;
      if (normalized.escaped)
        warnings.push(`member ${JSON.stringify(header.name)} climbs above the root; read as ${entry.path}`);
      if (normalized.linkEscaped) {
        warnings.push(
          `hard link ${entry.path} -> ${JSON.stringify(header.linkname)} climbs above the root; looked up as ${entry.link}`,
        );
      }
      if (entries.length >= limits.maxEntriesPerLayer) {
        extract.destroy(
          new ShipshapeError(
            "limit",
            `${label} has more than ${limits.maxEntriesPerLayer} members, the per-layer limit`,
          ),
        );
        return;
      }
      const declared = typeof header.size === "number" ? header.size : 0;
      if (declared > limits.maxFileBytes) {
        extract.destroy(
          new ShipshapeError(
            "limit",
            `${label}: member ${JSON.stringify(header.name)} declares ${declared} bytes, over the per-file limit of ${formatBytes(limits.maxFileBytes)} (raise it with --max-file-size)`,
          ),
        );
        return;
      }
      entries.push(entry);
      const cap = entry.kind === "file" ? capture(entry, entryIndex) : false;
      if (cap !== false && entry.size > cap) {
        oversized.set(entryIndex, entry.size);
      } else if (cap !== false) {
        const chunks: Buffer[] = [];
        stream.on("data", (chunk: unknown) => chunks.push(chunk as Buffer));
        stream.on("end", () => {
          captured.set(entryIndex, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
          next();
        });
        return;
      }
      stream.on("end", next);
      stream.resume();
    });

    const decompressor = createDecompressor(compression);
    const endGate = new TarEndGate();
    await pipeline(
      source,
      compressedTap,
      decompressor,
      uncompressedTap,
      endGate,
      extract,
      signal ? { signal } : {},
    );
    if (endGate.trailingData) {
      warnings.push("data after the tar end-of-archive marker was ignored, as container runtimes ignore it");
    }
  } catch (err) {
    source.destroy();
    if (err instanceof ShipshapeError) throw err;
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
