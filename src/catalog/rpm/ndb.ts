/**
 * rpm's native NDB `Packages.db` (rpm ≥ 4.16 with `_db_backend ndb`: SUSE, openSUSE). Layout, from
 * rpm's lib/backend/ndb/rpmpkg.c, all little-endian:
 *
 * - a 32-byte header: magic "RpmP", version 0, generation, number of 4 KiB slot pages, next index;
 * - the slot pages (the header takes the first two 16-byte slots of page 0): each slot is magic
 *   "Slot", package index, block offset, block count (blocks are 16 bytes; offset 0 = free slot);
 * - blobs, at `offset * 16`: a 16-byte head ("BlbS", package index, timestamp, length), the header
 *   blob, zero padding, and a 12-byte tail (Adler-32 of head+blob+padding, length, "BlbE"), filling
 *   exactly `count` blocks.
 *
 * Slots that lie (past the end, overlapping another blob, bad magic) are problems, not crashes; a blob
 * whose checksum fails is still parsed (its header has its own checks) and reported.
 */
import { HeaderCollector, headerBudget, type RpmDatabaseResult } from "./records.js";

const HEADER_MAGIC = 0x506d7052; // "RpmP"
const SLOT_MAGIC = 0x746f6c53; // "Slot"
const BLOB_HEAD_MAGIC = 0x53626c42; // "BlbS"
const BLOB_TAIL_MAGIC = 0x45626c42; // "BlbE"
const PAGE_BYTES = 4096;
const SLOT_BYTES = 16;
const BLOCK_BYTES = 16;
const BLOB_HEAD_BYTES = 16;
const BLOB_TAIL_BYTES = 12;

/** Whether the bytes start like an NDB package database. */
export function isNdb(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 && new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) === HEADER_MAGIC
  );
}

interface Slot {
  number: number;
  index: number;
  offset: number;
  count: number;
}

export function parseNdb(bytes: Uint8Array): RpmDatabaseResult {
  const collector = new HeaderCollector("ndb", headerBudget(bytes.length));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (at: number) => view.getUint32(at, true);
  if (bytes.length < 32 || u32(0) !== HEADER_MAGIC) {
    collector.problem("not an rpm NDB database (no RpmP header)");
    return collector.result();
  }
  const version = u32(4);
  if (version !== 0) {
    collector.problem(`NDB version ${version} is not supported (expected 0)`);
    return collector.result();
  }
  const slotPages = u32(12);
  const pagesInFile = Math.floor(bytes.length / PAGE_BYTES);
  if (slotPages === 0) {
    collector.problem("the NDB header names no slot pages");
    return collector.result();
  }
  if (slotPages > pagesInFile) {
    collector.problem(`truncated: the header names ${slotPages} slot pages, the file holds ${pagesInFile}`);
  }
  const fileBlocks = Math.floor(bytes.length / BLOCK_BYTES);
  const firstDataBlock = slotPages * (PAGE_BYTES / BLOCK_BYTES);

  const slots: Slot[] = [];
  let badMagic = 0;
  const slotEnd = Math.min(slotPages, pagesInFile) * PAGE_BYTES;
  for (let at = 32, number = 2; at + SLOT_BYTES <= slotEnd; at += SLOT_BYTES, number++) {
    if (u32(at) !== SLOT_MAGIC) {
      badMagic++;
      continue;
    }
    const offset = u32(at + 8);
    if (offset === 0) continue; // free slot
    const slot = { number, index: u32(at + 4), offset, count: u32(at + 12) };
    if (slot.index === 0 || slot.count === 0 || offset < firstDataBlock || offset + slot.count > fileBlocks) {
      collector.problem(
        `slot ${number}: package ${slot.index} at block ${offset} (+${slot.count}) is outside the data area`,
      );
      continue;
    }
    slots.push(slot);
  }
  if (badMagic > 0) collector.problem(`${badMagic} slots without the "Slot" magic`);

  // Blobs may not overlap (rpm refuses that too): each byte is parsed at most once.
  slots.sort((a, b) => a.offset - b.offset);
  let nextFree = firstDataBlock;
  const seen = new Set<number>();
  for (const slot of slots) {
    if (collector.exhausted) break;
    const where = `slot ${slot.number} (package ${slot.index})`;
    if (slot.offset < nextFree) {
      collector.problem(`${where}: blob at block ${slot.offset} overlaps the previous one`);
      continue;
    }
    if (seen.has(slot.index)) {
      collector.problem(`${where}: package index used by two slots`);
      continue;
    }
    seen.add(slot.index);
    nextFree = slot.offset + slot.count;
    const blob = readBlob(bytes, view, slot, where, collector);
    if (blob) collector.add(blob, where);
  }
  return collector.result();
}

/** The header blob a slot points to, checked against the blob's head, tail and checksum. */
function readBlob(
  bytes: Uint8Array,
  view: DataView,
  slot: Slot,
  where: string,
  collector: HeaderCollector,
): Uint8Array | null {
  const start = slot.offset * BLOCK_BYTES;
  const end = (slot.offset + slot.count) * BLOCK_BYTES;
  if (end - start < BLOB_HEAD_BYTES + BLOB_TAIL_BYTES) {
    collector.problem(`${where}: ${slot.count} blocks cannot hold a blob`);
    return null;
  }
  if (view.getUint32(start, true) !== BLOB_HEAD_MAGIC) {
    collector.problem(`${where}: no blob at block ${slot.offset} (bad magic)`);
    return null;
  }
  if (view.getUint32(start + 4, true) !== slot.index) {
    collector.problem(
      `${where}: the blob at block ${slot.offset} belongs to package ${view.getUint32(start + 4, true)}`,
    );
    return null;
  }
  const length = view.getUint32(start + 12, true);
  const expectedBlocks = Math.ceil((BLOB_HEAD_BYTES + length + BLOB_TAIL_BYTES) / BLOCK_BYTES);
  if (expectedBlocks !== slot.count) {
    collector.problem(
      `${where}: a ${length}-byte blob needs ${expectedBlocks} blocks, the slot says ${slot.count}`,
    );
    return null;
  }
  const tail = end - BLOB_TAIL_BYTES;
  if (view.getUint32(tail + 4, true) !== length || view.getUint32(tail + 8, true) !== BLOB_TAIL_MAGIC) {
    collector.problem(`${where}: blob tail does not match its head`);
    return null;
  }
  if (adler32(bytes, start, tail) !== view.getUint32(tail, true)) {
    collector.problem(`${where}: blob checksum mismatch (read anyway)`);
  }
  return bytes.subarray(start + BLOB_HEAD_BYTES, start + BLOB_HEAD_BYTES + length);
}

/** Adler-32 (RFC 1950) of bytes[start, end). */
export function adler32(bytes: Uint8Array, start: number, end: number): number {
  let a = 1;
  let b = 0;
  let i = start;
  while (i < end) {
    // 5552 bytes is the most that can be summed before the 32-bit sums must be reduced.
    const stop = Math.min(end, i + 5552);
    for (; i < stop; i++) {
      a += bytes[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}
