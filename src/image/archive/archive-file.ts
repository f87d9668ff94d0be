/**
 * An image archive file opened for reading: checked to be a regular file, decompressed into a
 * temporary file when the whole archive is gzipped, indexed once, and then served member by member
 * (small documents read into memory with a cap, layers as ranged file streams).
 */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { ShipshapeError } from "../../errors.js";
import type { OpenOptions } from "../source.js";
import {
  type ArchiveFormat,
  classifyArchive,
  sniffCompression,
  type WholeFileCompression,
} from "./archive-format.js";
import { attributeError } from "./attribute-error.js";
import { PooledReadStream } from "./pooled-read-stream.js";
import { openFileSource, type RandomAccessSource } from "./random-access.js";
import type { TempArea } from "./spool.js";
import { findMember, indexTar, type TarIndex, type TarMember } from "./tar-index.js";

export interface ArchiveFile {
  readonly reference: string;
  /** The path the user gave. */
  readonly path: string;
  /** The uncompressed tar actually read (a temporary file for gzipped archives). */
  readonly tarPath: string;
  readonly compression: WholeFileCompression;
  readonly format: ArchiveFormat;
  readonly index: TarIndex;
  /** The regular-file member a name designates (links followed); undefined when absent. */
  find(name: string): TarMember | undefined;
  /** A member's bytes, refused over `maxBytes`. `what` names it in messages. */
  read(member: TarMember, maxBytes: number, what: string): Promise<Uint8Array>;
  /** The first `n` bytes of a member (for magic numbers). */
  head(member: TarMember, n: number): Promise<Uint8Array>;
  /** A fresh stream of a member's bytes. */
  open(member: TarMember, signal?: AbortSignal): Promise<Readable>;
  /** Release the file and remove any temporary copy. Idempotent. */
  close(): Promise<void>;
}

const COMPRESSION_TOOL: Record<string, string> = { zstd: "zstd -d", xz: "xz -d", bzip2: "bunzip2" };

export async function openArchiveFile(
  reference: string,
  path: string,
  options: OpenOptions = {},
): Promise<ArchiveFile> {
  let source: RandomAccessSource | undefined;
  let temp: TempArea | undefined;
  try {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        throw new ShipshapeError("not-found", `${reference}: no such file ${path}`);
      }
      throw err;
    }
    if (info.isDirectory()) {
      throw new ShipshapeError(
        "input",
        `${reference}: ${path} is a directory, not an archive file; use oci:${path} for an OCI layout directory or dir:${path} for a root filesystem`,
      );
    }
    if (!info.isFile()) throw new ShipshapeError("input", `${reference}: ${path} is not a regular file`);
    if (info.size === 0)
      throw new ShipshapeError("input", `${reference}: ${path} is an empty file, not a tar archive`);

    source = await openFileSource(path);
    const compression = sniffCompression(await source.read(0, 16));
    let tarPath = path;
    if (compression === "gzip") {
      await source.close();
      source = undefined;
      // Only a gzipped archive needs the spool (and zlib): loaded here, not on every open.
      const { createTempArea, gunzipToFile, spoolLimitFor } = await import("./spool.js");
      temp = await createTempArea(options.tempDir);
      tarPath = join(temp.dir, "archive.tar");
      await gunzipToFile(path, tarPath, spoolLimitFor(info.size), reference, options.signal);
      source = await openFileSource(tarPath);
    } else if (compression !== "none") {
      throw new ShipshapeError(
        "input",
        `${reference}: the archive is ${compression}-compressed, which is not supported; decompress it first (${COMPRESSION_TOOL[compression]})`,
      );
    }
    if (source.size < 512) {
      throw new ShipshapeError("input", `${reference}: not a tar archive (only ${source.size} bytes)`);
    }
    options.signal?.throwIfAborted();
    const index = await indexTar(source);
    const format = classifyArchive(index);
    return makeArchiveFile(reference, path, tarPath, compression, format, index, source, temp);
  } catch (err) {
    await source?.close().catch(() => {});
    await temp?.remove().catch(() => {});
    throw attributeError(reference, err);
  }
}

function makeArchiveFile(
  reference: string,
  path: string,
  tarPath: string,
  compression: WholeFileCompression,
  format: ArchiveFormat,
  index: TarIndex,
  source: RandomAccessSource,
  temp: TempArea | undefined,
): ArchiveFile {
  let closed = false;
  const ensureOpen = () => {
    if (closed) throw new ShipshapeError("input", `${reference}: the image was already closed`);
  };
  return {
    reference,
    path,
    tarPath,
    compression,
    format,
    index,
    find(name) {
      try {
        return findMember(index, name);
      } catch (err) {
        throw attributeError(reference, err);
      }
    },
    async read(member, maxBytes, what) {
      ensureOpen();
      if (member.size > maxBytes) {
        throw new ShipshapeError(
          "limit",
          `${reference}: ${what} is ${member.size} bytes, over the ${maxBytes}-byte limit`,
        );
      }
      const bytes = await source.read(member.offset, member.size);
      if (bytes.length !== member.size)
        throw new ShipshapeError("input", `${reference}: ${what} is truncated`);
      // Copy: the source may hand out a view of its read-ahead window.
      return Uint8Array.from(bytes);
    },
    async head(member, n) {
      ensureOpen();
      return Uint8Array.from(await source.read(member.offset, Math.min(n, member.size)));
    },
    async open(member, signal) {
      ensureOpen();
      if (member.size === 0) return Readable.from([]);
      // 256 KiB chunks from a pool the layer reader hands them back to (pooled-read-stream.ts).
      return new PooledReadStream(tarPath, member.offset, member.size, signal);
    },
    async close() {
      if (closed) return;
      closed = true;
      await source.close().catch(() => {});
      await temp?.remove();
    },
  };
}
