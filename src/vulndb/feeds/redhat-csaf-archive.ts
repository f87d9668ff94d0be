/**
 * The JSON documents inside Red Hat's CSAF archive (`csaf_vex_<date>.tar.zst`, ~100k documents,
 * gigabytes unpacked), one at a time: the archive is decompressed (zstd or gzip, chosen by the
 * bytes) and read as it streams, members that are not wanted are skipped without being kept, and
 * each kept member is capped. Corrupt, truncated or mislabelled archives end in a ShipshapeError.
 */
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { describeError, ShipshapeError } from "../../errors.js";
import { createDecompressor, detectCompression } from "../../image/decompress.js";
import { TarReader } from "../../image/tar-reader.js";

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
  const file = createReadStream(path, { highWaterMark: 1024 * 1024 });
  const decompressor = await createDecompressor(compression);
  file.on("error", (err) => decompressor.destroy(err));
  const stream = file.pipe(decompressor);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
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
    stream.destroy();
    file.destroy();
  }
}
