/**
 * SQLite write-ahead logs (`rpmdb.sqlite-wal`). rpm runs its SQLite database in WAL mode and
 * checkpoints when it closes, so the log is normally empty; an image layer captured while a
 * transaction was not yet checkpointed holds committed pages only in the log. We apply them to an
 * in-memory copy of the database, as SQLite's own recovery would, instead of missing packages.
 *
 * Format (sqlite.org/fileformat2.html, "WAL file format"), big-endian: a 32-byte header (magic
 * 0x377f0682/3 — the low bit gives the checksum word order —, version, page size, checkpoint
 * sequence, two salts, a checksum of the first 24 bytes), then frames of a 24-byte header (page
 * number, database size in pages for a commit frame or 0, the two salts, a running checksum) and one
 * page. A frame counts only if its salts match and the running checksum holds; only frames up to the
 * last valid commit frame are applied.
 */

const WAL_MAGIC = 0x377f0682;
const WAL_HEADER_BYTES = 32;
const FRAME_HEADER_BYTES = 24;

export interface WalSummary {
  pageSize: number;
  /** Valid frames up to and including the last commit frame. */
  frames: number;
  /** Database size in pages after the last commit (0 when nothing committed). */
  databasePages: number;
}

interface Frame {
  page: number;
  dataAt: number;
}

/** Read the valid committed frames of a WAL; null when it holds none (empty, reset or not a WAL). */
function committedFrames(wal: Uint8Array): { summary: WalSummary; frames: Frame[] } | null {
  if (wal.length < WAL_HEADER_BYTES) return null;
  const view = new DataView(wal.buffer, wal.byteOffset, wal.byteLength);
  const magic = view.getUint32(0);
  if ((magic & 0xfffffffe) !== WAL_MAGIC) return null;
  const bigEndianWords = (magic & 1) === 1;
  const pageSize = view.getUint32(8);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) return null;
  let [s0, s1] = checksum(view, 0, 24, 0, 0, bigEndianWords);
  if (s0 !== view.getUint32(24) || s1 !== view.getUint32(28)) return null;
  const salt1 = view.getUint32(16);
  const salt2 = view.getUint32(20);

  const frames: Frame[] = [];
  const committed: Frame[] = [];
  let databasePages = 0;
  const frameBytes = FRAME_HEADER_BYTES + pageSize;
  for (let at = WAL_HEADER_BYTES; at + frameBytes <= wal.length; at += frameBytes) {
    if (view.getUint32(at + 8) !== salt1 || view.getUint32(at + 12) !== salt2) break;
    [s0, s1] = checksum(view, at, 8, s0, s1, bigEndianWords);
    [s0, s1] = checksum(view, at + FRAME_HEADER_BYTES, pageSize, s0, s1, bigEndianWords);
    if (s0 !== view.getUint32(at + 16) || s1 !== view.getUint32(at + 20)) break;
    const page = view.getUint32(at);
    if (page === 0) break;
    frames.push({ page, dataAt: at + FRAME_HEADER_BYTES });
    const sizeAfterCommit = view.getUint32(at + 4);
    if (sizeAfterCommit !== 0) {
      for (const f of frames) committed.push(f);
      frames.length = 0;
      databasePages = sizeAfterCommit;
    }
  }
  if (committed.length === 0) return null;
  return { summary: { pageSize, frames: committed.length, databasePages }, frames: committed };
}

/** SQLite's WAL checksum over `length` bytes (a multiple of 8) at `at`, continuing from (s0, s1). */
function checksum(
  view: DataView,
  at: number,
  length: number,
  s0: number,
  s1: number,
  bigEndian: boolean,
): [number, number] {
  let a = s0;
  let b = s1;
  for (let i = at; i < at + length; i += 8) {
    a = (a + view.getUint32(i, !bigEndian) + b) >>> 0;
    b = (b + view.getUint32(i + 4, !bigEndian) + a) >>> 0;
  }
  return [a, b];
}

/** What a WAL would change, without applying it (cheap: for deciding whether to re-read a database). */
export function summarizeWal(wal: Uint8Array): WalSummary | null {
  return committedFrames(wal)?.summary ?? null;
}

/**
 * The database as it reads after applying the WAL's committed frames: a new buffer, or a reason why
 * the WAL cannot apply (the database itself is never modified).
 */
export function applyWal(
  database: Uint8Array,
  wal: Uint8Array,
): { bytes: Buffer } | { problem: string } | null {
  const read = committedFrames(wal);
  if (!read) return null;
  const { pageSize, databasePages } = read.summary;
  const headerPageSize = database.length >= 18 ? (database[16]! << 8) | database[17]! : 0;
  if ((headerPageSize === 1 ? 65536 : headerPageSize) !== pageSize && database.length > 0) {
    return { problem: `WAL page size ${pageSize} differs from the database's ${headerPageSize}` };
  }
  const size = databasePages * pageSize;
  // Every page of the result comes from the database or from a frame: anything larger is a lie.
  if (size > database.length + read.frames.length * pageSize) {
    return { problem: `WAL commits a ${databasePages}-page database that neither file holds` };
  }
  const out = Buffer.alloc(size);
  out.set(database.subarray(0, Math.min(size, database.length)));
  for (const frame of read.frames) {
    const offset = (frame.page - 1) * pageSize;
    if (offset + pageSize > size) continue; // a page the commit truncated away
    out.set(wal.subarray(frame.dataAt, frame.dataAt + pageSize), offset);
  }
  return { bytes: out };
}
