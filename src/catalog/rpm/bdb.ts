/**
 * rpm's Berkeley DB `Packages` file (rpm < 4.16, RHEL/CentOS ≤ 8, Amazon Linux 2, SLES ≤ 15.2): a
 * Berkeley DB *hash* database keyed by header instance number, whose values are rpm header blobs.
 *
 * Layout (libdb's db_page.h): page 0 is the hash metadata page (magic 0x061561 at offset 12 tells
 * the byte order, page size at 20, last page number at 32). Every page starts with a 26-byte header
 * (next page at 16, entry count at 20, high free offset at 22, page type at 25). Hash pages (type 13,
 * or 2 before libdb 4.6) hold an array of 16-bit item offsets after the header; items come in
 * key/value pairs, each starting with its kind: KEYDATA (1, bytes inline, length up to the previous
 * item's offset) or OFFPAGE (3: first overflow page at +4, total length at +8). Overflow pages
 * (type 7) chain through "next page" and hold `high free offset` bytes each. Every page records its
 * own number at offset 8. Key 0 holds rpm's instance counter, not a package.
 *
 * We scan every hash page (as rpm's read-only reader and go-rpmdb do) rather than walk buckets, so a
 * damaged bucket table loses nothing. Each overflow page may serve one chain only, so a hostile file
 * cannot make the work exceed its size.
 */
import { HeaderCollector, headerBudget, type RpmDatabaseResult } from "./records.js";

const HASH_MAGIC = 0x061561;
const PAGE_HEADER_BYTES = 26;
const P_HASH_UNSORTED = 2;
const P_OVERFLOW = 7;
const P_HASHMETA = 8;
const P_HASH = 13;
const H_KEYDATA = 1;
const H_OFFPAGE = 3;
const OFFPAGE_ITEM_BYTES = 12;

/** Whether the bytes start like a Berkeley DB hash database (either byte order). */
export function isBerkeleyDbHash(bytes: Uint8Array): boolean {
  if (bytes.length < 16) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return view.getUint32(12, true) === HASH_MAGIC || view.getUint32(12, false) === HASH_MAGIC;
}

export function parseBerkeleyDb(bytes: Uint8Array): RpmDatabaseResult {
  const collector = new HeaderCollector("bdb", headerBudget(bytes.length));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 512) {
    collector.problem(`${bytes.length} bytes, smaller than a Berkeley DB metadata page`);
    return collector.result();
  }
  let le: boolean;
  if (view.getUint32(12, true) === HASH_MAGIC) le = true;
  else if (view.getUint32(12, false) === HASH_MAGIC) le = false;
  else {
    collector.problem(
      `not a Berkeley DB hash database (magic 0x${view.getUint32(12, true).toString(16)}, expected 0x61561)`,
    );
    return collector.result();
  }
  const u16 = (at: number) => view.getUint16(at, le);
  const u32 = (at: number) => view.getUint32(at, le);

  const pageSize = u32(20);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) {
    collector.problem(`Berkeley DB page size ${pageSize} is not a power of two between 512 and 65536`);
    return collector.result();
  }
  if (bytes[25] !== P_HASHMETA) {
    collector.problem(`page 0 has type ${bytes[25]}, not a hash metadata page (8)`);
    return collector.result();
  }
  if (bytes[24] !== 0) {
    collector.problem("the database is encrypted: its packages cannot be read");
    return collector.result();
  }
  const lastPage = u32(32);
  const pagesInFile = Math.floor(bytes.length / pageSize);
  const pages = Math.min(lastPage + 1, pagesInFile);
  if (lastPage + 1 > pagesInFile) {
    collector.problem(
      `truncated: the metadata names ${lastPage + 1} pages of ${pageSize} bytes, the file holds ${pagesInFile}`,
    );
  }

  const usedOverflow = new Uint8Array(pages);
  const seenKeys = new Set<number>();

  /** Follow an overflow chain from `first` for `total` bytes; a short chain yields what it holds. */
  const readOverflow = (first: number, total: number, where: string): Uint8Array | null => {
    if (total > bytes.length || !collector.affords(total)) {
      collector.problem(`${where}: value claims ${total} bytes, more than the file holds`);
      return null;
    }
    // Walk the chain first and allocate only what it really holds: a lying length costs nothing.
    const pieces: Uint8Array[] = [];
    let filled = 0;
    let page = first;
    while (filled < total) {
      if (page === 0 || page >= pages) {
        collector.problem(
          `${where}: overflow chain leads to page ${page}, outside the file's ${pages} pages`,
        );
        break;
      }
      if (usedOverflow[page]) {
        collector.problem(`${where}: overflow page ${page} is used twice`);
        break;
      }
      usedOverflow[page] = 1;
      const base = page * pageSize;
      if (bytes[base + 25] !== P_OVERFLOW || u32(base + 8) !== page) {
        collector.problem(`${where}: page ${page} in an overflow chain is not an overflow page`);
        break;
      }
      const length = u16(base + 22);
      if (length > pageSize - PAGE_HEADER_BYTES) {
        collector.problem(
          `${where}: overflow page ${page} claims ${length} bytes on a ${pageSize}-byte page`,
        );
        break;
      }
      const take = Math.min(length, total - filled);
      pieces.push(bytes.subarray(base + PAGE_HEADER_BYTES, base + PAGE_HEADER_BYTES + take));
      filled += take;
      if (length === 0) break;
      page = u32(base + 16);
    }
    if (filled < total) collector.problem(`${where}: value truncated at ${filled} of ${total} bytes`);
    return filled === 0 ? null : Buffer.concat(pieces, filled);
  };

  for (let page = 1; page < pages && !collector.exhausted; page++) {
    const base = page * pageSize;
    const type = bytes[base + 25];
    if (type !== P_HASH && type !== P_HASH_UNSORTED) continue;
    // Every page records its own number (rpm's reader checks it too): a mismatch is not a real page.
    if (u32(base + 8) !== page) {
      collector.problem(`page ${page}: hash page records page number ${u32(base + 8)}`);
      continue;
    }
    const entries = u16(base + 20);
    const indexEnd = PAGE_HEADER_BYTES + entries * 2;
    if (indexEnd > pageSize) {
      collector.problem(`page ${page}: ${entries} entries cannot fit on a ${pageSize}-byte page`);
      continue;
    }
    if (entries % 2 !== 0) collector.problem(`page ${page}: odd number of items (${entries})`);
    const offsetOf = (item: number) => u16(base + PAGE_HEADER_BYTES + item * 2);
    for (let item = 0; item + 1 < entries && !collector.exhausted; item += 2) {
      const where = `page ${page} item ${item / 2}`;
      const keyAt = offsetOf(item);
      const keyEnd = item === 0 ? pageSize : offsetOf(item - 1);
      const dataAt = offsetOf(item + 1);
      if (keyAt < indexEnd || keyAt >= keyEnd || keyEnd > pageSize || dataAt < indexEnd || dataAt >= keyAt) {
        collector.problem(`${where}: item offsets ${keyAt}/${dataAt} are outside the page's item area`);
        continue;
      }
      if (bytes[base + keyAt] !== H_KEYDATA || keyEnd - keyAt - 1 !== 4) {
        collector.problem(`${where}: key is not a 4-byte header instance number`);
        continue;
      }
      const instance = u32(base + keyAt + 1);
      // Key 0 holds rpm's next-instance counter; a key seen before is a stale copy.
      if (instance === 0 || seenKeys.has(instance)) continue;
      seenKeys.add(instance);
      const kind = bytes[base + dataAt];
      let blob: Uint8Array | null = null;
      if (kind === H_OFFPAGE) {
        if (dataAt + OFFPAGE_ITEM_BYTES > keyAt) {
          collector.problem(`${where}: off-page reference is cut short`);
          continue;
        }
        blob = readOverflow(
          u32(base + dataAt + 4),
          u32(base + dataAt + 8),
          `${where} (instance ${instance})`,
        );
      } else if (kind === H_KEYDATA) {
        blob = bytes.subarray(base + dataAt + 1, base + keyAt);
      } else {
        collector.problem(`${where}: value of kind ${kind} is not used by rpm (expected 1 or 3)`);
        continue;
      }
      if (blob) collector.add(blob, `${where} (instance ${instance})`);
    }
  }
  return collector.result();
}
