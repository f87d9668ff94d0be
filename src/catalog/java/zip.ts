/**
 * A synchronous, bounded zip reader over a Buffer: the central directory (with ZIP64 and a prefix
 * before the archive, as in "fully executable" Spring Boot jars) and the bytes of single entries
 * (stored or deflated). Written for hostile input: every offset and length is checked against the
 * buffer, entry data never reaches past the buffer, and inflating stops at a byte cap, so a lying
 * directory or a zip bomb costs at most the cap. Encrypted entries and other methods are refused.
 *
 * Our own rather than a library: the catalog needs only the directory and a few small entries, must
 * run synchronously inside a FileRequest analyzer, and must bound every inflate (node:zlib's
 * `maxOutputLength`), which is all the code there is here.
 */
import { inflateRawSync } from "node:zlib";
import { ShipshapeError } from "../../errors.js";

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;

export const METHOD_STORED = 0;
export const METHOD_DEFLATE = 8;

export interface ZipEntry {
  /** The entry's name as stored (UTF-8 decoded; names are "/"-separated). */
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  /** As the directory declares it: a hint, never trusted for allocation. */
  uncompressedSize: number;
  /** Offset of the local header, relative to the start of the buffer (prefix already added). */
  localHeaderOffset: number;
}

export interface ZipDirectory {
  /** The entries `select` kept, in directory order. */
  entries: ZipEntry[];
  /** Entries in the directory, kept or not. */
  total: number;
  /** Bytes before the archive proper (a launcher script, a self-extractor stub). */
  prefixBytes: number;
}

export interface ZipReadOptions {
  /** Keep only entries whose name passes (the rest are walked, not stored). */
  select?: (name: string) => boolean;
  /** Refuse directories with more entries than this. */
  maxEntries?: number;
  /** Keep at most this many selected entries (the rest are counted in `total` only). */
  maxSelected?: number;
}

function zipError(message: string): ShipshapeError {
  return new ShipshapeError("input", message);
}

function u64(bytes: Buffer, offset: number, what: string): number {
  const value = bytes.readBigUInt64LE(offset);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw zipError(`zip ${what} ${value} is out of range`);
  return Number(value);
}

/** The end-of-central-directory record: the last signature whose comment fits in the buffer. */
function findEndRecord(bytes: Buffer): number {
  if (bytes.length < EOCD_SIZE) throw zipError("not a zip archive: too short for an end-of-directory record");
  const lowest = Math.max(0, bytes.length - EOCD_SIZE - MAX_COMMENT);
  for (let p = bytes.length - EOCD_SIZE; p >= lowest; p--) {
    if (bytes[p] !== 0x50 || bytes.readUInt32LE(p) !== EOCD_SIGNATURE) continue;
    const commentLength = bytes.readUInt16LE(p + 20);
    if (p + EOCD_SIZE + commentLength <= bytes.length) return p;
  }
  throw zipError("not a zip archive: no end-of-central-directory record");
}

/** Read the central directory. Throws ShipshapeError("input") when it cannot be walked. */
export function readZipDirectory(bytes: Buffer, options: ZipReadOptions = {}): ZipDirectory {
  const maxEntries = options.maxEntries ?? 2_000_000;
  const maxSelected = options.maxSelected ?? 100_000;
  const eocd = findEndRecord(bytes);
  let count = bytes.readUInt16LE(eocd + 10);
  let cdSize = bytes.readUInt32LE(eocd + 12);
  let cdOffset = bytes.readUInt32LE(eocd + 16);
  // Where the directory-end records start: the archive's own idea of its end of directory.
  let recordsStart = eocd;

  const locator = eocd - 20;
  if (locator >= 0 && bytes.readUInt32LE(locator) === ZIP64_LOCATOR_SIGNATURE) {
    const zip64Offset = u64(bytes, locator + 8, "ZIP64 end-of-directory offset");
    // The locator's offset is relative to the archive start, which a prefix shifts: look there first,
    // then just before the locator (where it is when the archive starts at 0 or has a prefix).
    const candidates = [zip64Offset, locator - 56];
    const at = candidates.find(
      (c) => c >= 0 && c + 56 <= locator && bytes.readUInt32LE(c) === ZIP64_EOCD_SIGNATURE,
    );
    if (at === undefined) throw zipError("zip: ZIP64 locator points at no ZIP64 end-of-directory record");
    count = u64(bytes, at + 32, "ZIP64 entry count");
    cdSize = u64(bytes, at + 40, "ZIP64 directory size");
    cdOffset = u64(bytes, at + 48, "ZIP64 directory offset");
    recordsStart = at;
  }

  if (count > maxEntries)
    throw zipError(`zip directory lists ${count} entries, more than the ${maxEntries} allowed`);
  if (cdSize > recordsStart) throw zipError("zip directory size runs before the start of the file");
  const cdStart = recordsStart - cdSize;
  // A prefix (launcher script) shifts every offset; offsets past the directory are lies.
  const prefixBytes = cdStart - cdOffset;
  if (prefixBytes < 0) throw zipError("zip directory offset points past the directory's end");

  const entries: ZipEntry[] = [];
  let p = cdStart;
  let total = 0;
  const cdEnd = recordsStart;
  while (p + 4 <= cdEnd && bytes.readUInt32LE(p) === CENTRAL_SIGNATURE) {
    if (p + CENTRAL_SIZE > cdEnd) throw zipError("zip directory entry is truncated");
    const flags = bytes.readUInt16LE(p + 8);
    const method = bytes.readUInt16LE(p + 10);
    let compressedSize = bytes.readUInt32LE(p + 20);
    let uncompressedSize = bytes.readUInt32LE(p + 24);
    const nameLength = bytes.readUInt16LE(p + 28);
    const extraLength = bytes.readUInt16LE(p + 30);
    const commentLength = bytes.readUInt16LE(p + 32);
    let localHeaderOffset = bytes.readUInt32LE(p + 42);
    const nameStart = p + CENTRAL_SIZE;
    const extraStart = nameStart + nameLength;
    const next = extraStart + extraLength + commentLength;
    if (next > cdEnd) throw zipError("zip directory entry runs past the directory");
    total++;
    if (total > maxEntries) throw zipError(`zip directory holds more than ${maxEntries} entries`);
    const name = bytes.toString("utf8", nameStart, extraStart);
    if (entries.length < maxSelected && (options.select ? options.select(name) : true)) {
      // ZIP64 extended information: the 0xFFFFFFFF fields, in order, as 8-byte values.
      if (
        compressedSize === 0xffffffff ||
        uncompressedSize === 0xffffffff ||
        localHeaderOffset === 0xffffffff
      ) {
        let e = extraStart;
        const extraEnd = extraStart + extraLength;
        while (e + 4 <= extraEnd) {
          const id = bytes.readUInt16LE(e);
          const size = bytes.readUInt16LE(e + 2);
          const body = e + 4;
          if (body + size > extraEnd) break;
          if (id === 0x0001) {
            let f = body;
            const take = (): number | undefined => {
              if (f + 8 > body + size) return undefined;
              const v = u64(bytes, f, "ZIP64 field");
              f += 8;
              return v;
            };
            if (uncompressedSize === 0xffffffff) uncompressedSize = take() ?? uncompressedSize;
            if (compressedSize === 0xffffffff) compressedSize = take() ?? compressedSize;
            if (localHeaderOffset === 0xffffffff) localHeaderOffset = take() ?? localHeaderOffset;
            break;
          }
          e = body + size;
        }
      }
      entries.push({
        name,
        method,
        flags,
        compressedSize,
        uncompressedSize,
        localHeaderOffset: localHeaderOffset + prefixBytes,
      });
    }
    p = next;
  }
  if (total < Math.min(count, maxEntries) && p < cdEnd) {
    throw zipError(`zip directory entry ${total + 1} of ${count} has no valid signature`);
  }
  return { entries, total, prefixBytes };
}

/**
 * The uncompressed bytes of one entry, at most `maxBytes` of them (more is refused, whatever the
 * directory declared). Stored entries are returned as a view of `bytes`, not a copy.
 */
export function readZipEntry(bytes: Buffer, entry: ZipEntry, maxBytes: number): Buffer {
  if (entry.flags & 0x1) throw zipError(`zip entry ${entry.name} is encrypted`);
  const lh = entry.localHeaderOffset;
  if (lh < 0 || lh + LOCAL_SIZE > bytes.length)
    throw zipError(`zip entry ${entry.name}: local header is out of bounds`);
  if (bytes.readUInt32LE(lh) !== LOCAL_SIGNATURE)
    throw zipError(`zip entry ${entry.name}: no local header signature`);
  const dataStart = lh + LOCAL_SIZE + bytes.readUInt16LE(lh + 26) + bytes.readUInt16LE(lh + 28);
  const dataEnd = dataStart + entry.compressedSize;
  if (dataEnd > bytes.length)
    throw zipError(`zip entry ${entry.name}: data runs past the end of the archive`);
  const data = bytes.subarray(dataStart, dataEnd);
  if (entry.method === METHOD_STORED) {
    if (data.length > maxBytes) {
      throw new ShipshapeError(
        "limit",
        `zip entry ${entry.name} is ${data.length} bytes, over the ${maxBytes}-byte cap`,
      );
    }
    return data;
  }
  if (entry.method !== METHOD_DEFLATE) {
    throw zipError(
      `zip entry ${entry.name} uses compression method ${entry.method} (only stored and deflate are read)`,
    );
  }
  if (data.length === 0) throw zipError(`zip entry ${entry.name} has no deflate data`);
  try {
    // maxOutputLength must be ≥ 1.
    return inflateRawSync(data, { maxOutputLength: Math.max(1, maxBytes) });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ERR_BUFFER_TOO_LARGE" || err instanceof RangeError) {
      throw new ShipshapeError(
        "limit",
        `zip entry ${entry.name} inflates to more than the ${maxBytes}-byte cap`,
      );
    }
    throw zipError(`zip entry ${entry.name} does not inflate: ${(err as Error).message}`);
  }
}
