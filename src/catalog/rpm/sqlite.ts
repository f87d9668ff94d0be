/**
 * rpm's SQLite database `rpmdb.sqlite` (rpm ≥ 4.16: Fedora ≥ 33, RHEL/UBI 9, CBL-Mariner, Amazon
 * Linux 2023): table `Packages(hnum INTEGER PRIMARY KEY, blob BLOB)` holds one header blob per
 * installed package; the other tables are indexes.
 *
 * Read with better-sqlite3 from memory (`new Database(bytes)` deserializes a copy; nothing touches
 * the disk). rpm keeps the database in WAL mode (header bytes 18/19 = 2), which an in-memory database
 * cannot open, so those two bytes read as 1 (rollback journal); committed pages of a non-empty
 * `-wal` file are applied first (sqlite-wal.ts).
 *
 * A damaged file yields what SQLite can still read: rows are scanned in rowid order until an error,
 * then any rowid the `Name` index still lists is fetched by itself. A hostile schema cannot run code
 * for us: `Packages` must be an ordinary table, and rowids must increase (a b-tree with cycles stops).
 */
import { createRequire } from "node:module";
import { describeError } from "../../errors.js";
import { HeaderCollector, headerBudget, type RpmDatabaseResult } from "./records.js";
import { applyWal } from "./sqlite-wal.js";

const SQLITE_MAGIC = "SQLite format 3\0";

/** The part of better-sqlite3's API this reader uses. */
interface Statement {
  iterate(...params: unknown[]): IterableIterator<unknown>;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}
interface Database {
  prepare(sql: string): Statement;
  pragma(source: string): unknown;
  close(): void;
}
type DatabaseConstructor = new (bytes: Buffer, options: { readonly: boolean }) => Database;

let sqlite: DatabaseConstructor | undefined;
/** better-sqlite3 (a native addon) loads only when an image has an SQLite rpmdb. */
function loadSqlite(): DatabaseConstructor {
  sqlite ??= createRequire(import.meta.url)("better-sqlite3") as DatabaseConstructor;
  return sqlite;
}

export function isSqlite(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 16 && Buffer.from(bytes.buffer, bytes.byteOffset, 16).toString("latin1") === SQLITE_MAGIC
  );
}

/**
 * Parse an rpmdb.sqlite image. `wal` is the content of `rpmdb.sqlite-wal` when the image has one.
 * Never throws for bad input: what could not be read is listed in `problems`.
 */
export function parseRpmSqlite(bytes: Uint8Array, wal?: Uint8Array): RpmDatabaseResult {
  const collector = new HeaderCollector("sqlite", headerBudget(bytes.length + (wal?.length ?? 0)));
  if (!isSqlite(bytes)) {
    collector.problem('not an SQLite database (no "SQLite format 3" header)');
    return collector.result();
  }
  if (bytes.length < 100) {
    collector.problem(`truncated: ${bytes.length} bytes, shorter than the 100-byte SQLite header`);
    return collector.result();
  }
  let image: Buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (wal && wal.length > 0) {
    const applied = applyWal(bytes, wal);
    if (applied && "problem" in applied) collector.problem(`write-ahead log not applied: ${applied.problem}`);
    else if (applied && "bytes" in applied) image = applied.bytes;
  }
  let db: Database;
  try {
    db = openInMemory(image);
  } catch (err) {
    collector.problem(`SQLite cannot open it: ${describeError(err)}`);
    return collector.result();
  }
  try {
    readPackages(db, collector);
  } finally {
    db.close();
  }
  return collector.result();
}

/**
 * Deserialize into SQLite's memory. Two header fields are adjusted for the duration of the
 * (synchronous, copying) constructor and restored at once, so the caller's bytes are unchanged and no
 * second copy is made: WAL mode (bytes 18/19 = 2, which an in-memory database cannot open) reads as
 * rollback mode, and an in-header page count larger than the file (a truncated copy) is lowered to
 * the pages present, so SQLite reads what is there instead of refusing the whole file.
 */
function openInMemory(bytes: Buffer): Database {
  // The caller checked the 100-byte header is present: the reads below are in bounds.
  const Sqlite = loadSqlite();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const rawPageSize = view.getUint16(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  const validPageSize = pageSize >= 512 && (pageSize & (pageSize - 1)) === 0;
  // Whole pages only: a torn last page is not part of the database.
  const image = validPageSize ? bytes.subarray(0, bytes.length - (bytes.length % pageSize)) : bytes;
  const saved = Buffer.from(image.subarray(0, 32));
  const pagesPresent = validPageSize ? image.length / pageSize : 0;
  if (image.length >= 32) {
    if (image[18] === 2) image[18] = 1;
    if (image[19] === 2) image[19] = 1;
    if (validPageSize && view.getUint32(28) > pagesPresent) view.setUint32(28, pagesPresent);
  }
  let db: Database;
  try {
    db = new Sqlite(image, { readonly: true });
  } finally {
    saved.copy(image, 0);
  }
  try {
    // Defensive settings for an untrusted file: verify cell sizes, never run schema-defined functions;
    // and keep any temporary b-tree (SELECT DISTINCT) in memory: nothing is written to disk.
    db.pragma("cell_size_check = ON");
    db.pragma("trusted_schema = OFF");
    db.pragma("temp_store = MEMORY");
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

function readPackages(db: Database, collector: HeaderCollector): void {
  let table: unknown;
  try {
    table = db.prepare("SELECT type, rootpage, sql FROM sqlite_master WHERE name = 'Packages'").get();
  } catch (err) {
    collector.problem(`schema unreadable: ${describeError(err)}`);
    return;
  }
  if (!isRecord(table)) {
    collector.problem("no Packages table: not an rpm database");
    return;
  }
  const sql = typeof table.sql === "string" ? table.sql : "";
  if (table.type !== "table" || !(Number(table.rootpage) > 0) || /^\s*create\s+virtual/i.test(sql)) {
    collector.problem("Packages is not an ordinary table: not read");
    return;
  }

  const seen = new Set<number>();
  let last = -Infinity;
  let failure: string | null = null;
  try {
    for (const row of db.prepare("SELECT hnum, blob FROM Packages ORDER BY hnum").iterate()) {
      if (!isRecord(row) || typeof row.hnum !== "number") continue;
      // Rowids of a table scan strictly increase; anything else is a corrupt (possibly cyclic) b-tree.
      if (row.hnum <= last) {
        failure = `rows out of order after ${row.hnum} (corrupt b-tree)`;
        break;
      }
      last = row.hnum;
      seen.add(row.hnum);
      addRow(row.hnum, row.blob, collector);
      if (collector.exhausted) return;
    }
  } catch (err) {
    failure = describeError(err);
  }
  if (failure === null) return;
  collector.problem(`Packages table read stopped after ${seen.size} rows: ${failure}`);
  recoverFromIndex(db, seen, collector);
}

/** After a failed scan: fetch, one by one, the rows the `Name` index still lists. */
function recoverFromIndex(db: Database, seen: Set<number>, collector: HeaderCollector): void {
  let listed: unknown[];
  try {
    listed = db.prepare("SELECT DISTINCT hnum FROM Name").all();
  } catch {
    return;
  }
  const one = db.prepare("SELECT blob FROM Packages WHERE hnum = ?");
  let recovered = 0;
  let lost = 0;
  for (const entry of listed) {
    if (!isRecord(entry) || typeof entry.hnum !== "number" || seen.has(entry.hnum)) continue;
    seen.add(entry.hnum);
    try {
      const row = one.get(entry.hnum);
      if (isRecord(row)) {
        addRow(entry.hnum, row.blob, collector);
        recovered++;
      } else lost++;
    } catch {
      lost++;
    }
    if (collector.exhausted) return;
  }
  if (recovered + lost > 0) {
    collector.problem(`recovered ${recovered} rows through the Name index; ${lost} listed rows unreadable`);
  }
}

function addRow(hnum: number, blob: unknown, collector: HeaderCollector): void {
  if (!(blob instanceof Uint8Array)) {
    collector.problem(`row ${hnum}: blob is not a byte string`);
    return;
  }
  collector.add(blob, `row ${hnum}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}
