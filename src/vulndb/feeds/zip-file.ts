/**
 * A bounded zip reader over a file on disk, for feed archives (OSV's `all.zip`, the Go vulndb's
 * `vulndb.zip`). Only the end records and the central directory are read into memory (the zip
 * structure itself is read by src/zip/central-directory.ts); each entry is read with positional
 * reads when asked for and inflated under a byte cap, so a 500 MB archive of small JSON documents
 * costs one entry at a time. Encrypted entries and methods other than stored/deflate are refused.
 */
import { type FileHandle, open } from "node:fs/promises";
import { ShipshapeError } from "../../errors.js";
import {
  entryBytes,
  entryDataOffset,
  LOCAL_HEADER_SIZE,
  MAX_END_RECORDS_BYTES,
  METHOD_STORED,
  readCentralDirectory,
  readEndOfDirectory,
  type ZipEntry,
  ZipFormatError,
  ZipLimitError,
} from "../../zip/central-directory.js";

export type ZipFileEntry = ZipEntry;

export interface ZipFileLimits {
  /** Refuse archives whose directory is larger than this (bytes). */
  maxDirectoryBytes: number;
  /** Refuse archives listing more entries than this. */
  maxEntries: number;
  /** Refuse any single entry that inflates to more than this (bytes). */
  maxEntryBytes: number;
}

export const DEFAULT_ZIP_LIMITS: ZipFileLimits = {
  maxDirectoryBytes: 256 * 1024 * 1024,
  maxEntries: 2_000_000,
  maxEntryBytes: 64 * 1024 * 1024,
};

/** The shared reader's errors, naming the file: a malformed archive, or a limit. */
function named(where: string, err: unknown): unknown {
  if (err instanceof ZipLimitError)
    return new ShipshapeError("limit", `${where}: zip ${err.message}`, { cause: err });
  if (err instanceof ZipFormatError) {
    return new ShipshapeError("input", `${where}: ${err.message}; is it a complete zip archive?`, {
      cause: err,
    });
  }
  return err;
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done === length ? buf : buf.subarray(0, done);
}

/** An open zip archive on disk. Close it when done (`close`, or `using` via `withZipFile`). */
export class ZipFile {
  readonly path: string;
  readonly entries: ZipFileEntry[];
  private readonly fh: FileHandle;
  private readonly size: number;
  private readonly limits: ZipFileLimits;

  private constructor(
    path: string,
    fh: FileHandle,
    size: number,
    entries: ZipFileEntry[],
    limits: ZipFileLimits,
  ) {
    this.path = path;
    this.fh = fh;
    this.size = size;
    this.entries = entries;
    this.limits = limits;
  }

  static async open(path: string, limits: Partial<ZipFileLimits> = {}): Promise<ZipFile> {
    const all = { ...DEFAULT_ZIP_LIMITS, ...limits };
    const fh = await open(path, "r");
    try {
      const size = (await fh.stat()).size;
      const entries = await readDirectory(path, fh, size, all);
      return new ZipFile(path, fh, size, entries, all);
    } catch (err) {
      await fh.close();
      throw named(path, err);
    }
  }

  /** The uncompressed bytes of one entry, refused past `maxEntryBytes` whatever the directory says. */
  async read(entry: ZipFileEntry): Promise<Buffer> {
    try {
      if (entry.localHeaderOffset + LOCAL_HEADER_SIZE > this.size) {
        throw new ZipFormatError(`entry ${entry.name}: local header is out of bounds`);
      }
      const header = await readAt(this.fh, entry.localHeaderOffset, LOCAL_HEADER_SIZE);
      const dataStart = entryDataOffset(entry, header);
      if (dataStart + entry.compressedSize > this.size) {
        throw new ZipFormatError(`entry ${entry.name}: data runs past the end`);
      }
      // Deflate never shrinks data to less than ~1/1032 nor grows it by more than a few bytes per
      // 16 KiB block: compressed data larger than the cap (plus that slack) cannot fit under it,
      // and is not even read.
      const slack = Math.ceil(this.limits.maxEntryBytes / 100) + 1024;
      const cap = this.limits.maxEntryBytes;
      if (entry.compressedSize > cap + (entry.method === METHOD_STORED ? 0 : slack)) {
        throw new ZipLimitError(
          `entry ${entry.name} is ${entry.compressedSize} bytes, over the ${cap}-byte cap`,
        );
      }
      return entryBytes(entry, await readAt(this.fh, dataStart, entry.compressedSize), cap);
    } catch (err) {
      throw named(this.path, err);
    }
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

async function readDirectory(
  path: string,
  fh: FileHandle,
  size: number,
  limits: ZipFileLimits,
): Promise<ZipFileEntry[]> {
  const tailLength = Math.min(size, MAX_END_RECORDS_BYTES);
  const end = readEndOfDirectory(await readAt(fh, size - tailLength, tailLength), size);
  if (end.directorySize > limits.maxDirectoryBytes) {
    throw new ShipshapeError(
      "limit",
      `${path}: zip directory of ${end.directorySize} bytes is over the ${limits.maxDirectoryBytes}-byte cap`,
    );
  }
  const directory = await readAt(fh, end.directoryOffset, end.directorySize);
  return readCentralDirectory(directory, end, { maxEntries: limits.maxEntries, exactCount: true }).entries;
}
