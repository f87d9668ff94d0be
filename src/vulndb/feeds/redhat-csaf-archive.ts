/**
 * The JSON documents inside Red Hat's CSAF archive (`csaf_vex_<date>.tar.zst`, ~100k documents,
 * gigabytes unpacked), one at a time: the archive is decompressed (zstd or gzip, chosen by the
 * bytes) and read as it streams, members that are not wanted are skipped without being kept, and
 * each kept member is capped. Corrupt, truncated or mislabelled archives end in a ShipshapeError.
 */
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { createGunzip } from "node:zlib";
import { describeError, ShipshapeError } from "../../errors.js";
import { type Compression, detectCompression } from "../../image/decompress.js";
import { TarReader } from "../../image/tar-reader.js";

/** Read size; also the most compressed input handed to the decoder at once (see below). */
const READ_BYTES = 64 * 1024;
/**
 * zstd input is fed to the decoder in slices this small: one push decodes the whole slice, and a
 * slice of RLE blocks can expand ~30,000-fold, so this bounds the memory one push can claim.
 */
const ZSTD_SLICE = 1024;
/** An archive that unpacks to more than this is not Red Hat's (the real one is a few GiB). */
const MAX_TOTAL_BYTES = 256 * 1024 * 1024 * 1024;

export interface ArchiveMember {
  /** The member's path without a leading "./". */
  name: string;
  bytes: Buffer;
}

export interface ArchiveReadOptions {
  /** Which members to keep, by path. */
  select(name: string): boolean;
  /** A selected member larger than this is skipped and reported through `oversized`. */
  maxMemberBytes: number;
  oversized?(name: string, size: number): void;
}

async function head(path: string, n: number): Promise<Buffer> {
  const fh = await open(path, "r");
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** The decompressed bytes of a file, in bounded chunks. */
async function* decompressed(path: string, compression: Compression): AsyncGenerator<Buffer> {
  const file = createReadStream(path, { highWaterMark: READ_BYTES });
  try {
    if (compression === "none") {
      yield* file as AsyncIterable<Buffer>;
    } else if (compression === "gzip") {
      const gunzip = createGunzip({ chunkSize: READ_BYTES });
      file.on("error", (err) => gunzip.destroy(err));
      try {
        yield* file.pipe(gunzip) as AsyncIterable<Buffer>;
      } finally {
        gunzip.destroy();
      }
    } else {
      const { Decompress } = await import("fzstd");
      const out: Buffer[] = [];
      // fzstd may hand out views of its own buffers: copy what we keep.
      const decoder = new Decompress((chunk) => out.push(Buffer.from(chunk)));
      for await (const raw of file as AsyncIterable<Buffer>) {
        for (let at = 0; at < raw.length; at += ZSTD_SLICE) {
          decoder.push(raw.subarray(at, at + ZSTD_SLICE));
          while (out.length > 0) yield out.shift()!;
        }
      }
      decoder.push(new Uint8Array(0), true);
      while (out.length > 0) yield out.shift()!;
    }
  } finally {
    file.destroy();
  }
}

export async function* csafArchiveMembers(
  path: string,
  options: ArchiveReadOptions,
): AsyncGenerator<ArchiveMember> {
  const first = await head(path, 512);
  const compression = detectCompression(first);
  const named = /\.zst$/i.test(path) ? "zstd" : /\.(gz|tgz)$/i.test(path) ? "gzip" : null;
  if (named && compression !== named) {
    throw new ShipshapeError(
      "input",
      `${path} is not ${named}-compressed (its first bytes say otherwise); the download is damaged or is not Red Hat's CSAF archive`,
    );
  }
  if (
    compression === "none" &&
    (first.length < 262 || first.subarray(257, 262).toString("latin1") !== "ustar")
  ) {
    throw new ShipshapeError("input", `${path} is not a tar archive`);
  }
  if (compression === "unknown")
    throw new ShipshapeError("input", `${path} is too short to be a tar archive`);

  const queue: ArchiveMember[] = [];
  let current: string | null = null;
  let failure: unknown = null;
  const reader = new TarReader({
    member(m) {
      current = null;
      if (m.typeflag !== "0" && m.typeflag !== "7") return false;
      const name = m.name.replace(/^(\.\/)+/, "");
      if (!options.select(name)) return false;
      if (m.size > options.maxMemberBytes) {
        options.oversized?.(name, m.size);
        return false;
      }
      current = name;
      return true;
    },
    data(bytes) {
      if (current !== null) queue.push({ name: current, bytes });
    },
  });
  reader.on("error", (err) => {
    failure ??= err;
  });
  let total = 0;
  try {
    for await (const chunk of decompressed(path, compression)) {
      total += chunk.length;
      if (total > MAX_TOTAL_BYTES) {
        throw new ShipshapeError(
          "limit",
          `${path} unpacks to more than ${MAX_TOTAL_BYTES} bytes; it is not Red Hat's CSAF archive`,
        );
      }
      // TarReader handles a chunk synchronously: its members are queued when write returns.
      reader.write(chunk);
      if (reader.errored) throw reader.errored;
      if (failure) throw failure;
      while (queue.length > 0) yield queue.shift()!;
    }
    await new Promise<void>((resolve, reject) => {
      reader.end((err?: Error | null) => (err ? reject(err) : resolve()));
    });
    if (failure) throw failure;
    while (queue.length > 0) yield queue.shift()!;
  } catch (err) {
    if (err instanceof ShipshapeError) {
      throw new ShipshapeError(
        err.kind,
        err.message.startsWith(path) ? err.message : `${path}: ${err.message}`,
      );
    }
    throw new ShipshapeError(
      "input",
      `${path}: the ${compression} archive is corrupt or truncated (${describeError(err)})`,
    );
  } finally {
    reader.destroy();
  }
}
