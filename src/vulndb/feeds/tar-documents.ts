/**
 * The documents inside a feed tarball (Canonical's `osv-all.tar.xz` and `vex-all.tar.xz`; plain or
 * gzip tars too), one at a time, streamed: the archive is decompressed as it is read (xz by a
 * WebAssembly decoder, no native code), members the caller does not select are skipped without
 * being kept, and each kept member is capped in size. Corrupt or truncated archives end in a
 * ShipshapeError naming the file.
 */
import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { createGunzip } from "node:zlib";
import { describeError, ShipshapeError } from "../../errors.js";
import { TarReader } from "../../image/tar-reader.js";
import { readHead } from "./feed-files.js";

export interface ArchiveDocument {
  /** Member name without a leading "./". */
  name: string;
  bytes: Buffer;
}

export interface ArchiveOptions {
  select(name: string): boolean;
  /** Refuse a selected member larger than this. */
  maxDocumentBytes: number;
  /** Stop after this many decompressed bytes (a decompression bomb costs time, never memory). */
  maxTotalBytes?: number;
}

export type ArchiveCompression = "xz" | "gzip" | "none";

export function archiveCompression(head: Buffer): ArchiveCompression {
  if (head.length >= 6 && head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])))
    return "xz";
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return "gzip";
  return "none";
}

/** Is this file a tar archive (any of the compressions), judged by its bytes? */
export async function isTarArchive(path: string): Promise<boolean> {
  const head = await readHead(path, 512);
  const compression = archiveCompression(head);
  if (compression === "xz") return true;
  if (compression === "gzip") return /\.t(ar\.)?gz$/i.test(path);
  // ustar magic at offset 257.
  return head.length >= 262 && head.subarray(257, 262).toString("latin1") === "ustar";
}

async function decompressed(
  path: string,
  compression: ArchiveCompression,
): Promise<AsyncIterable<Uint8Array>> {
  const file = createReadStream(path, { highWaterMark: 1024 * 1024 });
  if (compression === "gzip") return file.pipe(createGunzip());
  if (compression === "none") return file;
  const { XzReadableStream } = (await import("xz-decompress")).default;
  const web = new XzReadableStream(Readable.toWeb(file) as unknown as ReadableStream<Uint8Array>);
  return Readable.fromWeb(web as unknown as WebReadableStream<Uint8Array>);
}

export async function* archiveDocuments(
  path: string,
  options: ArchiveOptions,
): AsyncGenerator<ArchiveDocument> {
  const compression = archiveCompression(await readHead(path, 8));
  const maxTotal = options.maxTotalBytes ?? 64 * 1024 * 1024 * 1024;
  const queue: ArchiveDocument[] = [];
  let current: string | null = null;
  let failure: unknown = null;
  const reader = new TarReader({
    member(m) {
      current = null;
      if (m.typeflag !== "0" && m.typeflag !== "7") return false;
      const name = m.name.replace(/^(\.\/)+/, "");
      if (!options.select(name)) return false;
      if (m.size > options.maxDocumentBytes) {
        throw new ShipshapeError(
          "limit",
          `${path}: member ${name} is ${m.size} bytes, over the ${options.maxDocumentBytes}-byte limit for one document`,
        );
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
  const wrap = (err: unknown): ShipshapeError =>
    err instanceof ShipshapeError
      ? new ShipshapeError(err.kind, err.message.startsWith(path) ? err.message : `${path}: ${err.message}`)
      : new ShipshapeError(
          "input",
          `${path}: the ${compression === "none" ? "tar" : compression} archive is corrupt or truncated (${describeError(err)})`,
        );
  let total = 0;
  try {
    for await (const chunk of await decompressed(path, compression)) {
      total += chunk.length;
      if (total > maxTotal) {
        throw new ShipshapeError(
          "limit",
          `${path} unpacks to more than ${maxTotal} bytes; it is not the feed it claims to be`,
        );
      }
      // TarReader handles a chunk synchronously: its members are queued when write returns.
      reader.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      // A handler or tar error is recorded on the stream at once; the 'error' event comes later.
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
    throw wrap(err);
  } finally {
    reader.destroy();
  }
}
