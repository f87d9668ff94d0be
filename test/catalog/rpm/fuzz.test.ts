/**
 * Fuzzing the rpm parsers with mutated real bytes (go-rpmdb's databases and a real header blob):
 * byte flips aimed at the structures each format trusts (page headers and item offsets, NDB slots
 * and blob heads, header index entries), truncations and splices. The only outcomes allowed are a
 * result whose records are well-formed (problems listed as text) or, for a single header, a
 * ShipshapeError; never another exception, never a hang, never more packages than the file can hold.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseBerkeleyDb } from "../../../src/catalog/rpm/bdb.js";
import { analyzeFile } from "../../../src/catalog/rpm/cataloger.js";
import { MAX_FILE_LIST_CHARS, parseRpmHeader } from "../../../src/catalog/rpm/header.js";
import { parseMarinerManifest } from "../../../src/catalog/rpm/mariner.js";
import { parseNdb } from "../../../src/catalog/rpm/ndb.js";
import type { RpmDatabaseResult, RpmPackageRecord } from "../../../src/catalog/rpm/records.js";
import { parseRpmSqlite } from "../../../src/catalog/rpm/sqlite.js";
import { applyWal, summarizeWal } from "../../../src/catalog/rpm/sqlite-wal.js";
import { ShipshapeError } from "../../../src/errors.js";
import { fixturePath } from "../../helpers/shared.js";
import { PKGDB } from "./helpers.js";

const bdb = readFileSync(fixturePath(PKGDB, "libuuid/Packages"));
const ndb = readFileSync(fixturePath(PKGDB, "sle15-bci/Packages.db"));
const sqlite = readFileSync(fixturePath(PKGDB, "cbl-mariner-2.0/rpmdb.sqlite"));
/** The first package blob in the NDB file (slot 2): a real header. */
const header = (() => {
  const start = ndb.readUInt32LE(2 * 16 + 8) * 16;
  return ndb.subarray(start + 16, start + 16 + ndb.readUInt32LE(start + 12));
})();

type Mutation =
  | { kind: "set"; at: number; value: number }
  | { kind: "word"; at: number; value: number }
  | { kind: "truncate"; at: number }
  | { kind: "splice"; at: number; bytes: Uint8Array };

/** Positions that matter: offsets into `hotSpots` regions (structure) or anywhere (data). */
function mutations(size: number, hotSpots: (at: number) => number) {
  const at = fc.oneof(
    fc.nat({ max: size - 1 }),
    fc.nat().map((n) => hotSpots(n) % size),
  );
  const one: fc.Arbitrary<Mutation> = fc.oneof(
    fc.record({ kind: fc.constant("set" as const), at, value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({
      kind: fc.constant("word" as const),
      at,
      value: fc.oneof(fc.constant(0), fc.constant(0xffffffff), fc.nat({ max: 70000 }), fc.nat()),
    }),
    fc.record({ kind: fc.constant("truncate" as const), at }),
    fc.record({ kind: fc.constant("splice" as const), at, bytes: fc.uint8Array({ maxLength: 64 }) }),
  );
  return fc.array(one, { minLength: 1, maxLength: 6 });
}

function mutate(base: Buffer, ms: Mutation[]): Buffer {
  let b = Buffer.from(base);
  for (const m of ms) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    if (m.kind === "set") b[at] = m.value;
    else if (m.kind === "word") {
      if (at + 4 <= b.length) b.writeUInt32LE(m.value >>> 0, at);
    } else if (m.kind === "truncate") b = b.subarray(0, at);
    else b = Buffer.concat([b.subarray(0, at), Buffer.from(m.bytes), b.subarray(at)]);
  }
  return b;
}

function checkRecord(p: RpmPackageRecord): void {
  expect(typeof p.name).toBe("string");
  expect(p.name.length).toBeGreaterThan(0);
  expect(typeof p.version).toBe("string");
  expect(typeof p.release).toBe("string");
  expect(p.epoch === null || Number.isInteger(p.epoch)).toBe(true);
  for (const v of [p.arch, p.sourceRpm, p.license, p.vendor, p.modularityLabel]) {
    expect(v === null || typeof v === "string").toBe(true);
  }
  expect(p.files.every((f) => typeof f === "string")).toBe(true);
  expect(p.files.reduce((n, f) => n + f.length, 0)).toBeLessThanOrEqual(MAX_FILE_LIST_CHARS);
}

function checkResult(r: RpmDatabaseResult, input: Buffer, started: number): void {
  expect(r.problems.every((p) => typeof p === "string")).toBe(true);
  expect(r.problems.length).toBeLessThanOrEqual(21);
  // Every header needs at least its 8-byte preamble, a 16-byte entry and a name.
  expect(r.packages.length).toBeLessThanOrEqual(Math.ceil(input.length / 24) + 1);
  for (const p of r.packages) checkRecord(p);
  expect(performance.now() - started).toBeLessThan(5_000);
}

/** How the fuzzed inputs turned out: a fuzz that only ever hits the magic check proves nothing. */
function outcomes() {
  return { intact: 0, partial: 0, empty: 0 };
}
function tally(seen: ReturnType<typeof outcomes>, r: RpmDatabaseResult): void {
  if (r.packages.length === 0) seen.empty++;
  else if (r.problems.length > 0) seen.partial++;
  else seen.intact++;
}
function expectVaried(seen: ReturnType<typeof outcomes>): void {
  expect(seen.partial, JSON.stringify(seen)).toBeGreaterThan(0);
  expect(seen.intact + seen.partial, JSON.stringify(seen)).toBeGreaterThan(seen.empty / 10);
}

describe("fuzzed rpm parsers", () => {
  it("header.ts: mutated real header blobs", () => {
    const il = header.readUInt32BE(0);
    // Hot spots: the preamble and every field of every index entry.
    const hot = (n: number) => (n % (8 + il * 16)) & ~3;
    const seen = { parsed: 0, refused: 0, partial: 0 };
    fc.assert(
      fc.property(mutations(header.length, hot), (ms) => {
        const input = mutate(header, ms);
        try {
          const h = parseRpmHeader(input);
          checkRecord(h);
          expect(h.problems.every((p) => typeof p === "string")).toBe(true);
          seen.parsed++;
          if (h.problems.length > 0) seen.partial++;
        } catch (err) {
          if (!(err instanceof ShipshapeError)) throw err;
          seen.refused++;
        }
      }),
      { numRuns: 400 },
    );
    // Not vacuous: the mutations reach every outcome.
    expect(Math.min(seen.parsed, seen.refused, seen.partial)).toBeGreaterThan(10);
  });

  it("bdb.ts: mutated real Berkeley DB files", () => {
    // Hot spots: the metadata page, each page's 26-byte header and its first item offsets.
    const hot = (n: number) => (n % 23) * 4096 + ((n >>> 5) % 40);
    const seen = outcomes();
    fc.assert(
      fc.property(mutations(bdb.length, hot), (ms) => {
        const input = mutate(bdb, ms);
        const started = performance.now();
        const result = parseBerkeleyDb(input);
        checkResult(result, input, started);
        tally(seen, result);
      }),
      { numRuns: 300 },
    );
    expectVaried(seen);
  });

  it("ndb.ts: mutated real NDB files", () => {
    // Hot spots: the header and slots (page 0), and the head/tail of the first blobs.
    const firstBlob = ndb.readUInt32LE(2 * 16 + 8) * 16;
    const hot = (n: number) => (n % 2 === 0 ? (n >>> 1) % 4096 : firstBlob + ((n >>> 1) % 20_000));
    const seen = outcomes();
    fc.assert(
      fc.property(mutations(ndb.length, hot), (ms) => {
        const input = mutate(ndb, ms);
        const started = performance.now();
        const result = parseNdb(input);
        checkResult(result, input, started);
        tally(seen, result);
      }),
      { numRuns: 200 },
    );
    expectVaried(seen);
  });

  it("sqlite.ts: mutated real rpmdb.sqlite files", () => {
    // Hot spots: the 100-byte header and the first pages (schema, b-tree roots).
    const hot = (n: number) => (n % 3 === 0 ? n % 100 : n % 65536);
    const seen = outcomes();
    fc.assert(
      fc.property(mutations(sqlite.length, hot), (ms) => {
        const input = mutate(sqlite, ms);
        const started = performance.now();
        const result = parseRpmSqlite(input);
        checkResult(result, input, started);
        tally(seen, result);
      }),
      { numRuns: 60 },
    );
    expectVaried(seen);
  });

  it("sqlite-wal.ts: mutated real write-ahead logs", () => {
    // A real log: SQLite writes it while a connection holds uncheckpointed changes to a copy.
    const dir = mkdtempSync(join(tmpdir(), "shipshape-wal-fuzz-"));
    let wal: Buffer;
    let db: Buffer;
    try {
      copyFileSync(fixturePath(PKGDB, "cbl-mariner-2.0/rpmdb.sqlite"), join(dir, "rpmdb.sqlite"));
      type Db = { pragma(s: string): unknown; exec(s: string): void; close(): void };
      const Sqlite = createRequire(import.meta.url)("better-sqlite3") as new (p: string) => Db;
      const writer = new Sqlite(join(dir, "rpmdb.sqlite"));
      writer.pragma("wal_autocheckpoint = 0");
      writer.pragma("foreign_keys = OFF");
      writer.exec("DELETE FROM Packages WHERE hnum % 3 = 0");
      writer.exec("INSERT INTO Packages (blob) SELECT blob FROM Packages WHERE hnum % 5 = 1");
      db = readFileSync(join(dir, "rpmdb.sqlite"));
      wal = readFileSync(join(dir, "rpmdb.sqlite-wal"));
      writer.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const frames = summarizeWal(wal)!.frames;
    expect(frames).toBeGreaterThan(10);
    const pageSize = wal.readUInt32BE(8);
    // Hot spots: the log header and every frame header.
    const hot = (n: number) =>
      n % 2 === 0 ? n % 32 : 32 + ((n >>> 1) % frames) * (24 + pageSize) + (n % 24);
    const seen = outcomes();
    fc.assert(
      fc.property(mutations(wal.length, hot), (ms) => {
        const input = mutate(wal, ms);
        const applied = applyWal(db, input);
        if (applied && "bytes" in applied)
          expect(applied.bytes.length).toBeLessThanOrEqual(db.length + input.length);
        const started = performance.now();
        const result = parseRpmSqlite(db, input);
        checkResult(result, Buffer.concat([db, input]), started);
        tally(seen, result);
      }),
      { numRuns: 40 },
    );
    expect(seen.intact).toBeGreaterThan(0);
  });

  it("the cataloger's analyzer never throws, whatever a requested path holds", () => {
    const paths = [
      "/var/lib/rpm/Packages",
      "/var/lib/rpm/rpmdb.sqlite",
      "/var/lib/rpm/rpmdb.sqlite-wal",
      "/usr/lib/sysimage/rpm/Packages.db",
      "/var/lib/rpmmanifest/container-manifest-2",
    ];
    const sources = [bdb, ndb.subarray(0, 64 * 1024), header, Buffer.from("SQLite format 3\0")];
    fc.assert(
      fc.property(
        fc.constantFrom(...paths),
        fc.oneof(
          fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.from(b)),
          fc.constantFrom(...sources),
        ),
        mutations(4096, (n) => n),
        (path, base, ms) => {
          const input = base.length > 0 ? mutate(base, ms) : base;
          const value = analyzeFile(path, input);
          expect(value).not.toBeUndefined();
          JSON.stringify(value);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("mariner.ts: arbitrary text", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.string({ maxLength: 20 }), { maxLength: 12 }), { maxLength: 30 }),
        (rows) => {
          const r = parseMarinerManifest(Buffer.from(rows.map((f) => f.join("\t")).join("\n")));
          for (const p of r.packages) checkRecord(p);
        },
      ),
      { numRuns: 200 },
    );
  });
});
