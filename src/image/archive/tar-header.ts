/**
 * One 512-byte tar header block, decoded. Pure functions over bytes, shared by the outer-archive
 * indexer: ustar (with its name prefix), GNU (base-256 numbers; long names come as 'L'/'K' members)
 * and v7 headers, plus pax extended-header records. A block that fails its checksum is not a tar
 * header, which is how a file that is not a tar archive is refused on its first block.
 */
import { ShipshapeError } from "../../errors.js";

export const TAR_BLOCK = 512;

export interface TarHeader {
  /** The member name as stored (ustar prefix applied); not yet normalised. */
  name: string;
  linkname: string;
  /** Bytes of data that follow the header (before pax/GNU overrides). */
  size: number;
  /** The type flag as one character; a NUL flag (old tars) is reported as "0". */
  typeflag: string;
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch. */
  mtime: number;
}

/** Types that carry no data whatever their size field says (as Go's archive/tar reads them). */
export function hasNoData(flag: string): boolean {
  return flag === "1" || flag === "2" || flag === "3" || flag === "4" || flag === "5" || flag === "6";
}

/** Data is padded to whole blocks. */
export function roundUpToBlock(n: number): number {
  return Math.ceil(n / TAR_BLOCK) * TAR_BLOCK;
}

/** A numeric field that old or odd writers leave garbled: 0 instead of refusing the member. */
function lenientNumber(block: Uint8Array, start: number, length: number): number {
  const value = readTarNumber(block, start, length);
  return Math.max(value, 0);
}

const decoder = new TextDecoder("utf-8");

/** A NUL-terminated string field. Invalid UTF-8 becomes U+FFFD; names we look up are ASCII. */
function cstring(block: Uint8Array, start: number, length: number): string {
  // Most link names and ustar prefixes are empty: no decoder call for those.
  if (block[start] === 0) return "";
  let end = start;
  const limit = start + length;
  while (end < limit && block[end] !== 0) end++;
  return decoder.decode(block.subarray(start, end));
}

/** Why readTarNumber refused a field (its negative results). */
const NEGATIVE = -1;
const TOO_LARGE = -2;
const NOT_OCTAL = -3;

/**
 * The numeric field at block[start, start+length): octal digits (padded with spaces/NULs), or
 * GNU/star base-256 when the high bit of the first byte is set; or a negative code when it is
 * none of these. Read in place: a header has six numbers, and a view per field costs more than
 * the parsing (this runs for every member of every layer).
 */
function readTarNumber(block: Uint8Array, start: number, length: number): number {
  const end = start + length;
  const first = block[start] ?? 0;
  if (first & 0x80) {
    if (first === 0xff) return NEGATIVE;
    let value = first & 0x7f;
    for (let i = start + 1; i < end; i++) {
      value = value * 256 + block[i]!;
      if (value > Number.MAX_SAFE_INTEGER) return TOO_LARGE;
    }
    return value;
  }
  let i = start;
  while (i < end && (block[i] === 0x20 || block[i] === 0)) i++;
  let value = 0;
  while (i < end) {
    const c = block[i]!;
    if (c < 0x30 || c > 0x37) break;
    value = value * 8 + (c - 0x30);
    i++;
  }
  for (; i < end; i++) {
    if (block[i] !== 0x20 && block[i] !== 0) return NOT_OCTAL;
  }
  return value;
}

/**
 * A numeric field: octal digits (padded with spaces/NULs), or GNU/star base-256 when the high bit
 * of the first byte is set. Values beyond 2^53 cannot be real offsets and are refused.
 */
export function parseTarNumber(field: Uint8Array, what: string): number {
  return checkedNumber(readTarNumber(field, 0, field.length), what);
}

function checkedNumber(value: number, what: string): number {
  if (value >= 0) return value;
  if (value === NEGATIVE) throw new ShipshapeError("input", `tar header field ${what} is negative`);
  if (value === TOO_LARGE) throw new ShipshapeError("input", `tar header field ${what} is too large`);
  throw new ShipshapeError("input", `tar header field ${what} is not an octal number`);
}

export function isZeroBlock(block: Uint8Array): boolean {
  for (let i = 0; i < block.length; i++) if (block[i] !== 0) return false;
  return true;
}

/** The stored checksum must equal the byte sum with the checksum field read as spaces (unsigned or signed). */
function checksumMatches(block: Uint8Array): boolean {
  const stored = readTarNumber(block, 148, 8);
  if (stored < 0) return false;
  // The unsigned sum is what every modern writer stores; the signed one (old Sun tars) only on a miss.
  let unsigned = 8 * 0x20;
  for (let i = 0; i < 148; i++) unsigned += block[i]!;
  for (let i = 156; i < TAR_BLOCK; i++) unsigned += block[i]!;
  if (stored === unsigned) return true;
  let signed = 8 * 0x20;
  for (let i = 0; i < TAR_BLOCK; i++) {
    if (i >= 148 && i < 156) continue;
    const b = block[i]!;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === signed;
}

/** "ustar\0" at offset 257: POSIX ustar (GNU writes "ustar " and keeps atime/ctime in the prefix). */
function isPosixUstar(block: Uint8Array): boolean {
  return (
    block[257] === 0x75 &&
    block[258] === 0x73 &&
    block[259] === 0x74 &&
    block[260] === 0x61 &&
    block[261] === 0x72 &&
    block[262] === 0
  );
}

/**
 * Decode a header block found at `offset` (used in messages). Returns null for an all-zero block
 * (the end-of-archive marker). Throws ShipshapeError("input") when the block is not a tar header.
 */
export function parseTarHeader(block: Uint8Array, offset: number): TarHeader | null {
  if (block.length !== TAR_BLOCK) {
    throw new ShipshapeError("input", `truncated tar header at byte ${offset}`);
  }
  if (isZeroBlock(block)) return null;
  if (!checksumMatches(block)) {
    throw new ShipshapeError(
      "input",
      offset === 0
        ? "not a tar archive (the first block is not a tar header)"
        : `corrupt tar header at byte ${offset} (checksum mismatch)`,
    );
  }
  // Only POSIX ustar ("ustar\0") uses the prefix field; GNU's "ustar " keeps atime/ctime there.
  // The version is not checked: real tars write "ustar\0" with a GNU-style version, as GNU tar accepts.
  const posixUstar = isPosixUstar(block);
  let name = cstring(block, 0, 100);
  if (posixUstar) {
    const prefix = cstring(block, 345, 155);
    if (prefix !== "") name = `${prefix}/${name}`;
  }
  const flagByte = block[156]!;
  const typeflag = flagByte === 0 ? "0" : String.fromCharCode(flagByte);
  return {
    name,
    linkname: cstring(block, 157, 100),
    size: checkedNumber(readTarNumber(block, 124, 12), "size"),
    typeflag,
    mode: lenientNumber(block, 100, 8),
    uid: lenientNumber(block, 108, 8),
    gid: lenientNumber(block, 116, 8),
    mtime: lenientNumber(block, 136, 12),
  };
}

/**
 * pax extended-header records: `<length> <key>=<value>\n`, where length counts the whole record.
 * Later records win, as in pax(1).
 */
export function parsePaxRecords(data: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    // Trailing NUL padding is tolerated (some writers pad the data block).
    if (data[pos] === 0) break;
    let lengthEnd = pos;
    let length = 0;
    while (
      lengthEnd < data.length &&
      data[lengthEnd]! >= 0x30 &&
      data[lengthEnd]! <= 0x39 &&
      lengthEnd - pos < 10
    ) {
      length = length * 10 + (data[lengthEnd]! - 0x30);
      lengthEnd++;
    }
    if (
      lengthEnd === pos ||
      data[lengthEnd] !== 0x20 ||
      length <= lengthEnd - pos + 1 ||
      pos + length > data.length
    ) {
      throw new ShipshapeError("input", "malformed pax extended header record");
    }
    const record = data.subarray(lengthEnd + 1, pos + length);
    if (record[record.length - 1] !== 0x0a) {
      throw new ShipshapeError("input", "malformed pax extended header record (no newline)");
    }
    const text = decoder.decode(record.subarray(0, record.length - 1));
    const eq = text.indexOf("=");
    if (eq <= 0) throw new ShipshapeError("input", "malformed pax extended header record (no key)");
    out.set(text.slice(0, eq), text.slice(eq + 1));
    pos += length;
  }
  return out;
}
