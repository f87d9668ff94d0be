/**
 * A zipped egg (`name-version-pyX.Y.egg`) keeps its metadata in the member `EGG-INFO/PKG-INFO`.
 * Only that member is read: the central directory is found from the end-of-central-directory
 * record, every offset and length is checked against the file, and inflating is capped, so a
 * hostile zip costs at most one bounded inflate.
 */
import { inflateRawSync } from "node:zlib";
import { describeError, ShipshapeError } from "../../errors.js";

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;
const MEMBER = "EGG-INFO/PKG-INFO";
/** PKG-INFO is a metadata file: more than this is not one. */
export const MAX_PKG_INFO_BYTES = 4 * 1024 * 1024;

function bad(reason: string): ShipshapeError {
  return new ShipshapeError("input", `egg is not a readable zip: ${reason}`);
}

function findEndOfCentralDirectory(zip: Buffer): number {
  const lowest = Math.max(0, zip.length - EOCD_SIZE - MAX_COMMENT);
  for (let i = zip.length - EOCD_SIZE; i >= lowest; i--) {
    if (zip.readUInt32LE(i) === EOCD_SIGNATURE) return i;
  }
  throw bad("no end-of-central-directory record");
}

/** The bytes of `EGG-INFO/PKG-INFO`, or null when the zip has no such member. */
export function readEggPkgInfo(zip: Buffer): Buffer | null {
  if (zip.length < EOCD_SIZE) throw bad("too short");
  const eocd = findEndOfCentralDirectory(zip);
  const count = zip.readUInt16LE(eocd + 10);
  const size = zip.readUInt32LE(eocd + 12);
  const offset = zip.readUInt32LE(eocd + 16);
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) throw bad("ZIP64 is not supported");
  if (offset + size > eocd) throw bad("central directory lies outside the file");
  let pos = offset;
  for (let i = 0; i < count; i++) {
    if (pos + 46 > offset + size || zip.readUInt32LE(pos) !== CENTRAL_SIGNATURE) {
      throw bad(`central directory entry ${i} is damaged`);
    }
    const method = zip.readUInt16LE(pos + 10);
    const compressedSize = zip.readUInt32LE(pos + 20);
    const uncompressedSize = zip.readUInt32LE(pos + 24);
    const nameLength = zip.readUInt16LE(pos + 28);
    const extraLength = zip.readUInt16LE(pos + 30);
    const commentLength = zip.readUInt16LE(pos + 32);
    const localOffset = zip.readUInt32LE(pos + 42);
    const next = pos + 46 + nameLength + extraLength + commentLength;
    if (next > offset + size) throw bad(`central directory entry ${i} is damaged`);
    const name = zip.toString("utf8", pos + 46, pos + 46 + nameLength);
    pos = next;
    if (name !== MEMBER) continue;
    return readMember(zip, { method, compressedSize, uncompressedSize, localOffset });
  }
  return null;
}

function readMember(
  zip: Buffer,
  m: { method: number; compressedSize: number; uncompressedSize: number; localOffset: number },
): Buffer {
  if (m.localOffset + 30 > zip.length || zip.readUInt32LE(m.localOffset) !== LOCAL_SIGNATURE) {
    throw bad(`${MEMBER} has a damaged local header`);
  }
  const start =
    m.localOffset + 30 + zip.readUInt16LE(m.localOffset + 26) + zip.readUInt16LE(m.localOffset + 28);
  const end = start + m.compressedSize;
  if (end > zip.length) throw bad(`${MEMBER} runs past the end of the file`);
  if (m.uncompressedSize > MAX_PKG_INFO_BYTES) throw bad(`${MEMBER} claims ${m.uncompressedSize} bytes`);
  const data = zip.subarray(start, end);
  if (m.method === 0) return data;
  if (m.method !== 8) throw bad(`${MEMBER} uses compression method ${m.method}`);
  try {
    return inflateRawSync(data, { maxOutputLength: MAX_PKG_INFO_BYTES });
  } catch (err) {
    throw bad(`${MEMBER} does not inflate (${describeError(err)})`);
  }
}
