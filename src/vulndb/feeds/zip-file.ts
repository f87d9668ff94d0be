/**
 * A bounded zip reader over a file on disk, for feed archives (OSV's `all.zip`, the Go vulndb's
 * `vulndb.zip`). Only the central directory is held in memory; each entry is read with positional
 * reads when asked for and inflated under a byte cap, so a 500 MB archive of small JSON documents
 * costs one entry at a time. Written for hostile input: every offset and size is checked against the
 * file; encrypted entries and methods other than stored/deflate are refused.
 *
 * Not the catalog's zip reader (src/catalog/java/zip.ts): that one works on a Buffer holding the
 * whole archive, which suits jars inside an image but not a feed archive of hundreds of megabytes.
 */
import { type FileHandle, open } from "node:fs/promises";
import { inflateRawSync } from "node:zlib";
import { ShipshapeError } from "../../errors.js";

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_SIZE = 22;
const ZIP64_EOCD_SIZE = 56;
const ZIP64_LOCATOR_SIZE = 20;
const MAX_COMMENT = 0xffff;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;

export interface ZipFileEntry {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  localHeaderOffset: number;
}

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

function zipError(path: string, message: string): ShipshapeError {
  return new ShipshapeError("input", `${path}: ${message}; is it a complete zip archive?`);
}

function u64(buf: Buffer, offset: number, path: string): number {
  const value = buf.readBigUInt64LE(offset);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw zipError(path, `ZIP64 field ${value} is out of range`);
  return Number(value);
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
      throw err;
    }
  }

  /** The uncompressed bytes of one entry, refused past `maxEntryBytes` whatever the directory says. */
  async read(entry: ZipFileEntry): Promise<Buffer> {
    const where = `${this.path}!${entry.name}`;
    if (entry.flags & 0x1) throw zipError(where, "entry is encrypted");
    if (entry.method !== 0 && entry.method !== 8)
      throw zipError(
        where,
        `entry uses compression method ${entry.method} (only stored and deflate are read)`,
      );
    if (entry.localHeaderOffset + LOCAL_SIZE > this.size)
      throw zipError(where, "local header is out of bounds");
    const header = await readAt(this.fh, entry.localHeaderOffset, LOCAL_SIZE);
    if (header.length < LOCAL_SIZE || header.readUInt32LE(0) !== LOCAL_SIGNATURE)
      throw zipError(where, "no local header signature");
    const dataStart =
      entry.localHeaderOffset + LOCAL_SIZE + header.readUInt16LE(26) + header.readUInt16LE(28);
    if (dataStart + entry.compressedSize > this.size) throw zipError(where, "entry data runs past the end");
    // Deflate never shrinks data to less than ~1/1032 nor grows it by more than a few bytes per
    // 16 KiB block: compressed data larger than the cap (plus that slack) cannot fit under it.
    const slack = Math.ceil(this.limits.maxEntryBytes / 100) + 1024;
    if (entry.compressedSize > this.limits.maxEntryBytes + (entry.method === 0 ? 0 : slack)) {
      throw new ShipshapeError(
        "limit",
        `${where} is ${entry.compressedSize} bytes, over the ${this.limits.maxEntryBytes}-byte cap per entry`,
      );
    }
    const data = await readAt(this.fh, dataStart, entry.compressedSize);
    if (entry.method === 0) return data;
    try {
      return inflateRawSync(data, { maxOutputLength: Math.max(1, this.limits.maxEntryBytes) });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE" || err instanceof RangeError) {
        throw new ShipshapeError(
          "limit",
          `${where} inflates to more than the ${this.limits.maxEntryBytes}-byte cap per entry`,
        );
      }
      throw zipError(where, `entry does not inflate (${(err as Error).message})`);
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
  if (size < EOCD_SIZE) throw zipError(path, "too short for a zip end-of-directory record");
  const tailLength = Math.min(size, EOCD_SIZE + MAX_COMMENT + ZIP64_LOCATOR_SIZE + ZIP64_EOCD_SIZE);
  const tailStart = size - tailLength;
  const tail = await readAt(fh, tailStart, tailLength);
  let eocd = -1;
  for (let p = tail.length - EOCD_SIZE; p >= 0; p--) {
    if (
      tail[p] === 0x50 &&
      tail.readUInt32LE(p) === EOCD_SIGNATURE &&
      p + EOCD_SIZE + tail.readUInt16LE(p + 20) <= tail.length
    ) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) throw zipError(path, "no end-of-central-directory record");
  let count = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  const locator = eocd - ZIP64_LOCATOR_SIZE;
  if (locator >= 0 && tail.readUInt32LE(locator) === ZIP64_LOCATOR_SIGNATURE) {
    const at = locator - ZIP64_EOCD_SIZE;
    if (at < 0 || tail.readUInt32LE(at) !== ZIP64_EOCD_SIGNATURE)
      throw zipError(path, "ZIP64 locator points at no ZIP64 end-of-directory record");
    count = u64(tail, at + 32, path);
    cdSize = u64(tail, at + 40, path);
    cdOffset = u64(tail, at + 48, path);
  }
  if (count > limits.maxEntries)
    throw new ShipshapeError(
      "limit",
      `${path}: zip lists ${count} entries, more than the ${limits.maxEntries} allowed`,
    );
  if (cdSize > limits.maxDirectoryBytes)
    throw new ShipshapeError(
      "limit",
      `${path}: zip directory of ${cdSize} bytes is over the ${limits.maxDirectoryBytes}-byte cap`,
    );
  if (cdOffset + cdSize > size) throw zipError(path, "central directory runs past the end of the file");
  const cd = await readAt(fh, cdOffset, cdSize);
  const entries: ZipFileEntry[] = [];
  let p = 0;
  while (p + 4 <= cd.length && cd.readUInt32LE(p) === CENTRAL_SIGNATURE) {
    if (p + CENTRAL_SIZE > cd.length) throw zipError(path, "central directory entry is truncated");
    const flags = cd.readUInt16LE(p + 8);
    const method = cd.readUInt16LE(p + 10);
    let compressedSize = cd.readUInt32LE(p + 20);
    let uncompressedSize = cd.readUInt32LE(p + 24);
    const nameLength = cd.readUInt16LE(p + 28);
    const extraLength = cd.readUInt16LE(p + 30);
    const commentLength = cd.readUInt16LE(p + 32);
    let localHeaderOffset = cd.readUInt32LE(p + 42);
    const nameStart = p + CENTRAL_SIZE;
    const extraStart = nameStart + nameLength;
    const next = extraStart + extraLength + commentLength;
    if (next > cd.length) throw zipError(path, "central directory entry runs past the directory");
    if (
      compressedSize === 0xffffffff ||
      uncompressedSize === 0xffffffff ||
      localHeaderOffset === 0xffffffff
    ) {
      // ZIP64 extra field (0x0001): the saturated fields, in order, as 8-byte values.
      for (let e = extraStart; e + 4 <= extraStart + extraLength; ) {
        const id = cd.readUInt16LE(e);
        const len = cd.readUInt16LE(e + 2);
        let f = e + 4;
        const end = f + len;
        if (end > extraStart + extraLength) break;
        if (id === 0x0001) {
          const take = (current: number): number => {
            if (current !== 0xffffffff || f + 8 > end) return current;
            const value = u64(cd, f, path);
            f += 8;
            return value;
          };
          uncompressedSize = take(uncompressedSize);
          compressedSize = take(compressedSize);
          localHeaderOffset = take(localHeaderOffset);
          break;
        }
        e = end;
      }
    }
    entries.push({
      name: cd.toString("utf8", nameStart, extraStart),
      method,
      flags,
      compressedSize,
      localHeaderOffset,
    });
    if (entries.length > limits.maxEntries)
      throw new ShipshapeError("limit", `${path}: zip holds more than ${limits.maxEntries} entries`);
    p = next;
  }
  if (entries.length < count)
    throw zipError(path, `central directory entry ${entries.length + 1} of ${count} is not valid`);
  return entries;
}
