/**
 * The structure of a zip archive, as pure functions over bytes: the end-of-central-directory record
 * (with ZIP64 and a prefix before the archive, as in "fully executable" Spring Boot jars), the
 * central directory's entries (with ZIP64 extra fields), and where an entry's data starts after its
 * local header. Every offset and length is checked against the bytes given; a failure throws
 * ZipFormatError with what is wrong, and the reader that called adds which file it was.
 *
 * Two readers use it: catalog/java/zip.ts over a jar held in a Buffer, and vulndb/feeds/zip-file.ts
 * over a feed archive on disk, which reads only the tail and the directory.
 */

import { inflateRawSync } from "node:zlib";

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
export const EOCD_SIZE = 22;
const ZIP64_EOCD_SIZE = 56;
const ZIP64_LOCATOR_SIZE = 20;
const MAX_COMMENT = 0xffff;
const CENTRAL_SIZE = 46;
export const LOCAL_HEADER_SIZE = 30;

/** The most bytes at the end of an archive that can hold its end records (comment included). */
export const MAX_END_RECORDS_BYTES = EOCD_SIZE + MAX_COMMENT + ZIP64_LOCATOR_SIZE + ZIP64_EOCD_SIZE;

export const METHOD_STORED = 0;
export const METHOD_DEFLATE = 8;

/**
 * The archive is not a readable zip; the message says why (the caller names the file). `notZip`:
 * there is no zip at all (no end record), as opposed to a damaged one.
 */
export class ZipFormatError extends Error {
  readonly notZip: boolean;

  constructor(message: string, options: { notZip?: boolean } = {}) {
    super(message);
    this.name = "ZipFormatError";
    this.notZip = options.notZip ?? false;
  }
}

export interface ZipEntry {
  /** The entry's name as stored (UTF-8 decoded; names are "/"-separated). */
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  /** As the directory declares it: a hint, never trusted for allocation. */
  uncompressedSize: number;
  /** Offset of the local header in the file (a prefix before the archive already added). */
  localHeaderOffset: number;
}

export interface EndOfDirectory {
  /** Entries the directory declares. */
  count: number;
  /** File offset of the central directory. */
  directoryOffset: number;
  directorySize: number;
  /** Bytes before the archive proper (a launcher script, a self-extractor stub). */
  prefixBytes: number;
}

function u64(bytes: Buffer, offset: number, what: string): number {
  // Two 32-bit halves: no real archive has offsets past 2^53.
  const high = bytes.readUInt32LE(offset + 4);
  if (high > 0x1fffff) throw new ZipFormatError(`${what} is out of range`);
  return high * 2 ** 32 + bytes.readUInt32LE(offset);
}

/**
 * Find the end records in `tail`, the last bytes of a file of `fileSize` bytes (the whole file, or
 * at least its last MAX_END_RECORDS_BYTES). The end-of-central-directory record is the last
 * signature whose comment fits; a ZIP64 record is used when its locator precedes it.
 */
export function readEndOfDirectory(tail: Buffer, fileSize: number): EndOfDirectory {
  const tailStart = fileSize - tail.length;
  if (tail.length < EOCD_SIZE) {
    throw new ZipFormatError("too short for an end-of-central-directory record", { notZip: true });
  }
  let eocd = -1;
  const lowest = Math.max(0, tail.length - EOCD_SIZE - MAX_COMMENT);
  for (let p = tail.length - EOCD_SIZE; p >= lowest; p--) {
    if (tail[p] !== 0x50 || tail.readUInt32LE(p) !== EOCD_SIGNATURE) continue;
    if (p + EOCD_SIZE + tail.readUInt16LE(p + 20) <= tail.length) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) throw new ZipFormatError("no end-of-central-directory record", { notZip: true });
  let count = tail.readUInt16LE(eocd + 10);
  let directorySize = tail.readUInt32LE(eocd + 12);
  let directoryOffset = tail.readUInt32LE(eocd + 16);
  // Where the end records start in the file: the directory ends there.
  let recordsStart = tailStart + eocd;

  const locator = eocd - ZIP64_LOCATOR_SIZE;
  if (locator >= 0 && tail.readUInt32LE(locator) === ZIP64_LOCATOR_SIGNATURE) {
    const zip64Offset = u64(tail, locator + 8, "ZIP64 end-of-directory offset");
    // The locator's offset counts from the archive's start, which a prefix shifts: look there
    // first, then just before the locator (where the record is in every archive we know of).
    const at = [zip64Offset - tailStart, locator - ZIP64_EOCD_SIZE].find(
      (c) => c >= 0 && c + ZIP64_EOCD_SIZE <= locator && tail.readUInt32LE(c) === ZIP64_EOCD_SIGNATURE,
    );
    if (at === undefined)
      throw new ZipFormatError("ZIP64 locator points at no ZIP64 end-of-directory record");
    count = u64(tail, at + 32, "ZIP64 entry count");
    directorySize = u64(tail, at + 40, "ZIP64 directory size");
    directoryOffset = u64(tail, at + 48, "ZIP64 directory offset");
    recordsStart = tailStart + at;
  }
  if (directorySize > recordsStart)
    throw new ZipFormatError("directory size runs before the start of the file");
  const directoryStart = recordsStart - directorySize;
  // A prefix shifts every offset; a directory offset past where the directory is, is a lie.
  const prefixBytes = directoryStart - directoryOffset;
  if (prefixBytes < 0) throw new ZipFormatError("directory offset points past the directory's end");
  return { count, directoryOffset: directoryStart, directorySize, prefixBytes };
}

export interface DirectoryOptions {
  /** Keep only entries whose name passes (the rest are walked and counted, not stored). */
  select?: (name: string) => boolean;
  /** Refuse directories with more entries than this (ZipLimitError). */
  maxEntries: number;
  /** Keep at most this many selected entries (the rest are counted only). */
  maxSelected?: number;
  /**
   * Refuse a directory that ends before its declared count of entries. Without it, only a directory
   * that stops at bytes that are not an entry is refused (jars with more than 65,535 entries and no
   * ZIP64 records wrap the 16-bit count).
   */
  exactCount?: boolean;
}

/** More entries than the reader allows: not malformed, but refused. */
export class ZipLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ZipLimitError";
  }
}

/**
 * The entries of the central directory `directory` (its bytes, exactly `end.directorySize` of them).
 * Offsets in the entries are file offsets (the prefix added).
 */
export function readCentralDirectory(
  directory: Buffer,
  end: EndOfDirectory,
  options: DirectoryOptions,
): { entries: ZipEntry[]; total: number } {
  if (end.count > options.maxEntries) {
    throw new ZipLimitError(
      `directory lists ${end.count} entries, more than the ${options.maxEntries} allowed`,
    );
  }
  const maxSelected = options.maxSelected ?? Number.POSITIVE_INFINITY;
  const entries: ZipEntry[] = [];
  let total = 0;
  let p = 0;
  const cdEnd = directory.length;
  while (p + 4 <= cdEnd && directory.readUInt32LE(p) === CENTRAL_SIGNATURE) {
    if (p + CENTRAL_SIZE > cdEnd) throw new ZipFormatError("directory entry is truncated");
    const flags = directory.readUInt16LE(p + 8);
    const method = directory.readUInt16LE(p + 10);
    let compressedSize = directory.readUInt32LE(p + 20);
    let uncompressedSize = directory.readUInt32LE(p + 24);
    const nameLength = directory.readUInt16LE(p + 28);
    const extraLength = directory.readUInt16LE(p + 30);
    const commentLength = directory.readUInt16LE(p + 32);
    let localHeaderOffset = directory.readUInt32LE(p + 42);
    const nameStart = p + CENTRAL_SIZE;
    const extraStart = nameStart + nameLength;
    const extraEnd = extraStart + extraLength;
    const next = extraEnd + commentLength;
    if (next > cdEnd) throw new ZipFormatError("directory entry runs past the directory");
    total++;
    if (total > options.maxEntries) {
      throw new ZipLimitError(`directory holds more than ${options.maxEntries} entries`);
    }
    const name = directory.toString("utf8", nameStart, extraStart);
    if (entries.length < maxSelected && (options.select ? options.select(name) : true)) {
      if (
        compressedSize === 0xffffffff ||
        uncompressedSize === 0xffffffff ||
        localHeaderOffset === 0xffffffff
      ) {
        // ZIP64 extended information (0x0001): the saturated fields, in order, as 8-byte values.
        for (let e = extraStart; e + 4 <= extraEnd; ) {
          const id = directory.readUInt16LE(e);
          const size = directory.readUInt16LE(e + 2);
          let f = e + 4;
          const end = f + size;
          if (end > extraEnd) break;
          if (id === 0x0001) {
            const take = (current: number): number => {
              if (current !== 0xffffffff || f + 8 > end) return current;
              const value = u64(directory, f, "ZIP64 field");
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
        name,
        method,
        flags,
        compressedSize,
        uncompressedSize,
        localHeaderOffset: localHeaderOffset + end.prefixBytes,
      });
    }
    p = next;
  }
  if (total < Math.min(end.count, options.maxEntries) && (p < cdEnd || options.exactCount)) {
    throw new ZipFormatError(`directory entry ${total + 1} of ${end.count} is not valid`);
  }
  return { entries, total };
}

/**
 * Where an entry's data starts, from its local header (the 30 bytes at entry.localHeaderOffset):
 * the header's own name and extra field lengths can differ from the directory's.
 */
export function entryDataOffset(entry: ZipEntry, localHeader: Buffer): number {
  if (localHeader.length < LOCAL_HEADER_SIZE || localHeader.readUInt32LE(0) !== LOCAL_SIGNATURE) {
    throw new ZipFormatError(`entry ${entry.name} has no local header signature`);
  }
  return (
    entry.localHeaderOffset + LOCAL_HEADER_SIZE + localHeader.readUInt16LE(26) + localHeader.readUInt16LE(28)
  );
}

/**
 * The uncompressed bytes of an entry from its stored data, at most `maxBytes` of them whatever the
 * directory declared (ZipLimitError past that). Stored data is returned as is (a view, not a copy);
 * encrypted entries and methods other than stored and deflate are refused.
 */
export function entryBytes(entry: ZipEntry, data: Buffer, maxBytes: number): Buffer {
  if (entry.flags & 0x1) throw new ZipFormatError(`entry ${entry.name} is encrypted`);
  if (entry.method === METHOD_STORED) {
    if (data.length > maxBytes) {
      throw new ZipLimitError(`entry ${entry.name} is ${data.length} bytes, over the ${maxBytes}-byte cap`);
    }
    return data;
  }
  if (entry.method !== METHOD_DEFLATE) {
    throw new ZipFormatError(
      `entry ${entry.name} uses compression method ${entry.method} (only stored and deflate are read)`,
    );
  }
  if (data.length === 0) throw new ZipFormatError(`entry ${entry.name} has no deflate data`);
  try {
    // maxOutputLength must be ≥ 1.
    return inflateRawSync(data, { maxOutputLength: Math.max(1, maxBytes) });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ERR_BUFFER_TOO_LARGE" || err instanceof RangeError) {
      throw new ZipLimitError(`entry ${entry.name} inflates to more than the ${maxBytes}-byte cap`);
    }
    throw new ZipFormatError(`entry ${entry.name} does not inflate: ${(err as Error).message}`);
  }
}
