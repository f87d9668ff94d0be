/**
 * Damaged rpm databases, made from the real fixtures: a truncated SQLite file, a garbage Berkeley DB
 * page, NDB slots with lying offsets, headers whose lengths, offsets and counts lie. The scan never
 * crashes, keeps every package that can still be read, and reports the database as incomplete.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { parseBerkeleyDb } from "../../../src/catalog/rpm/bdb.js";
import { parseRpmHeader } from "../../../src/catalog/rpm/header.js";
import { parseMarinerManifest } from "../../../src/catalog/rpm/mariner.js";
import { parseNdb } from "../../../src/catalog/rpm/ndb.js";
import { parseRpmSqlite } from "../../../src/catalog/rpm/sqlite.js";
import { ShipshapeError } from "../../../src/errors.js";
import { bufferLayer, makeTar, syntheticImage } from "../../helpers/layers.js";
import { fixturePath } from "../../helpers/shared.js";
import { catalogWithRpm, PKGDB } from "./helpers.js";

const sqliteBytes = readFileSync(fixturePath(PKGDB, "cbl-mariner-2.0/rpmdb.sqlite"));
const ndbBytes = readFileSync(fixturePath(PKGDB, "sle15-bci/Packages.db"));
const bdbBytes = readFileSync(fixturePath(PKGDB, "libuuid/Packages"));
const fullSqlite = parseRpmSqlite(sqliteBytes);
const fullNdb = parseNdb(ndbBytes);

/** curl's header blob, read with better-sqlite3 directly (not through our reader). */
function curlBlob(): Buffer {
  type Db = { prepare(s: string): { get(): unknown }; close(): void };
  const Sqlite = createRequire(import.meta.url)("better-sqlite3") as new (b: Buffer) => Db;
  const copy = Buffer.from(sqliteBytes);
  copy[18] = 1;
  copy[19] = 1;
  const db = new Sqlite(copy);
  try {
    const row = db
      .prepare("SELECT blob FROM Packages WHERE hnum = (SELECT hnum FROM Name WHERE key = 'curl')")
      .get() as { blob: Buffer };
    return row.blob;
  } finally {
    db.close();
  }
}

async function catalogLayer(members: { name: string; content: Buffer | string }[]) {
  const layer = await makeTar(members);
  return catalogWithRpm(syntheticImage([bufferLayer(layer, 0)]));
}

const keyOf = (p: { name: string; version: string; release: string; arch: string | null }) =>
  `${p.name}-${p.version}-${p.release}.${p.arch}`;

describe("a truncated rpmdb.sqlite", () => {
  it("keeps the rows SQLite can still read and says which rows were lost", () => {
    const result = parseRpmSqlite(sqliteBytes.subarray(0, 3_000_000));
    expect(result.packages.length).toBeGreaterThan(50);
    expect(result.packages.length).toBeLessThan(fullSqlite.packages.length);
    const full = new Set(fullSqlite.packages.map(keyOf));
    for (const p of result.packages) expect(full.has(keyOf(p))).toBe(true);
    expect(result.problems.join(" ")).toMatch(/stopped after \d+ rows/);
  });

  it("through the cataloger: incomplete, with the packages that were read; the rest of the image stays", async () => {
    const manifest =
      "zlib\t1.2.13-2.cm2\t1\t1\tMicrosoft Corporation\t(none)\t1\tx86_64\t0\tzlib-1.2.13-2.cm2.src.rpm\n";
    const result = await catalogLayer([
      { name: "var/lib/rpm/rpmdb.sqlite", content: sqliteBytes.subarray(0, 2_000_000) },
      { name: "var/lib/rpmmanifest/container-manifest-2", content: manifest },
    ]);
    expect(result.incomplete).toHaveLength(1);
    expect(result.incomplete[0]!.path).toBe("/var/lib/rpm/rpmdb.sqlite");
    expect(result.incomplete[0]!.reason).toMatch(/^rpm sqlite database: .*malformed/);
    expect(result.packages.length).toBeGreaterThan(50);
    expect(result.packages.some((p) => p.name === "zlib" && p.version === "1.2.13-2.cm2")).toBe(true);
  });

  it("shorter than its header, or not SQLite at all: a problem, no crash", () => {
    expect(parseRpmSqlite(sqliteBytes.subarray(0, 50)).problems[0]).toMatch(/shorter than the 100-byte/);
    expect(parseRpmSqlite(Buffer.from("SQLite format 3\0".padEnd(4096, "x"))).packages).toEqual([]);
    expect(parseRpmSqlite(bdbBytes).problems[0]).toMatch(/not an SQLite database/);
  });
});

describe("a Berkeley DB Packages file with a garbage page", () => {
  it("a broken overflow chain: the header is cut, reported, and what it still names is kept", () => {
    const damaged = Buffer.from(bdbBytes);
    // Page 10 is in the middle of libuuid's overflow chain (pages 3–22): fill it with noise.
    for (let i = 10 * 4096; i < 11 * 4096; i++) damaged[i] = (i * 131 + 7) & 0xff;
    const result = parseBerkeleyDb(damaged);
    expect(result.problems.join(" ")).toMatch(/page 10 in an overflow chain/);
    expect(result.problems.join(" ")).toMatch(/truncated at \d+ of \d+ bytes/);
    expect(result.packages.map((p) => p.name)).toEqual(["libuuid"]);
  });

  it("a garbage hash page: its items are refused one by one, never read out of bounds", async () => {
    const damaged = Buffer.from(bdbBytes);
    // Page 2 holds libuuid's key/value pair; keep its type byte (hash page) and scramble the rest.
    for (let i = 2 * 4096 + 20; i < 3 * 4096; i++) if (i !== 2 * 4096 + 25) damaged[i] = (i * 97) & 0xff;
    const result = await catalogLayer([{ name: "var/lib/rpm/Packages", content: damaged }]);
    expect(result.packages).toEqual([]);
    expect(result.incomplete).toHaveLength(1);
    expect(result.incomplete[0]!.reason).toMatch(/^rpm bdb database: page 2/);
  });

  it("metadata that lies about the page count or size", () => {
    const lying = Buffer.from(bdbBytes);
    lying.writeUInt32LE(100_000, 32); // last page number far past the end
    const result = parseBerkeleyDb(lying);
    expect(result.problems[0]).toMatch(/truncated: the metadata names 100001 pages/);
    expect(result.packages.map((p) => p.name)).toEqual(["libuuid"]);
    const badSize = Buffer.from(bdbBytes);
    badSize.writeUInt32LE(3000, 20);
    expect(parseBerkeleyDb(badSize).problems[0]).toMatch(/page size 3000/);
  });

  it("big-endian databases are read in their own byte order", () => {
    // Swap every metadata and page-header field the reader uses; the header blobs are big-endian anyway.
    const be = Buffer.from(bdbBytes);
    const pages = be.length / 4096;
    for (const at of [12, 20, 32]) be.writeUInt32BE(bdbBytes.readUInt32LE(at), at);
    for (let p = 1; p < pages; p++) {
      const base = p * 4096;
      be.writeUInt32BE(bdbBytes.readUInt32LE(base + 8), base + 8);
      be.writeUInt32BE(bdbBytes.readUInt32LE(base + 16), base + 16);
      be.writeUInt16BE(bdbBytes.readUInt16LE(base + 20), base + 20);
      be.writeUInt16BE(bdbBytes.readUInt16LE(base + 22), base + 22);
      if (bdbBytes[base + 25] === 13) {
        const entries = bdbBytes.readUInt16LE(base + 20);
        for (let i = 0; i < entries; i++) {
          const at = base + 26 + i * 2;
          const item = bdbBytes.readUInt16LE(at);
          be.writeUInt16BE(item, at);
          if (bdbBytes[base + item] === 3) {
            be.writeUInt32BE(bdbBytes.readUInt32LE(base + item + 4), base + item + 4);
            be.writeUInt32BE(bdbBytes.readUInt32LE(base + item + 8), base + item + 8);
          } else if (i % 2 === 0) be.writeUInt32BE(bdbBytes.readUInt32LE(base + item + 1), base + item + 1);
        }
      }
    }
    const result = parseBerkeleyDb(be);
    expect(result.problems).toEqual([]);
    expect(result.packages).toEqual(parseBerkeleyDb(bdbBytes).packages);
  });
});

/** Offset of slot `n` (2 = the first after the 32-byte header) in Packages.db. */
const slotAt = (n: number) => n * 16;

describe("NDB slots and blobs that lie", () => {
  it("a slot pointing past the end loses only its package", async () => {
    const damaged = Buffer.from(ndbBytes);
    const victim = 5;
    damaged.writeUInt32LE(0x0fffffff, slotAt(victim) + 8);
    const result = await catalogLayer([{ name: "usr/lib/sysimage/rpm/Packages.db", content: damaged }]);
    expect(result.packages).toHaveLength(fullNdb.packages.length - 1);
    expect(result.incomplete).toHaveLength(1);
    expect(result.incomplete[0]!.path).toBe("/usr/lib/sysimage/rpm/Packages.db");
    expect(result.incomplete[0]!.reason).toMatch(/slot 5: package \d+ at block 268435455/);
  });

  it("slots pointing into another blob, or sharing one, are refused; bad slot magic is counted", () => {
    const damaged = Buffer.from(ndbBytes);
    const blocksOfSlot3 = damaged.readUInt32LE(slotAt(3) + 8);
    damaged.writeUInt32LE(blocksOfSlot3 + 1, slotAt(4) + 8); // inside slot 3's blob
    damaged.writeUInt32LE(blocksOfSlot3, slotAt(6) + 8); // the same blob as slot 3
    damaged.write("Junk", slotAt(8), "latin1");
    const result = parseNdb(damaged);
    const text = result.problems.join(" | ");
    expect(text).toMatch(/slot [46]/);
    expect(text).toMatch(/1 slots without the "Slot" magic/);
    expect(result.packages.length).toBe(fullNdb.packages.length - 3);
  });

  it("a blob whose header lies about its data length: checksum and truncation reported, identity kept", () => {
    const damaged = Buffer.from(ndbBytes);
    const blob = damaged.readUInt32LE(slotAt(2) + 8) * 16 + 16; // slot 2's header blob
    damaged.writeUInt32BE(damaged.readUInt32BE(blob + 4) + 100_000, blob + 4); // dl
    const result = parseNdb(damaged);
    const text = result.problems.join(" | ");
    expect(text).toMatch(/checksum mismatch/);
    expect(text).toMatch(/header truncated/);
    expect(result.packages.map((p) => p.name)).toEqual(fullNdb.packages.map((p) => p.name));
  });

  it("a header claiming more slot pages than the file holds", () => {
    const damaged = Buffer.from(ndbBytes);
    damaged.writeUInt32LE(1_000_000, 12);
    const result = parseNdb(damaged);
    expect(result.problems[0]).toMatch(/truncated: the header names 1000000 slot pages/);
    expect(result.packages.length).toBeLessThanOrEqual(fullNdb.packages.length);
  });
});

describe("rpm headers whose lengths, offsets and counts lie", () => {
  const blob = curlBlob();
  const good = parseRpmHeader(blob);
  const il = blob.readUInt32BE(0);
  /** Index entry of `tag` (byte offset of its 16 bytes). */
  const entryOf = (b: Buffer, tag: number) => {
    for (let i = 0; i < il; i++) if (b.readInt32BE(8 + i * 16) === tag) return 8 + i * 16;
    throw new Error(`tag ${tag} not in curl's header`);
  };

  it("the intact header is curl's, with its files", () => {
    expect(good.problems).toEqual([]);
    expect([good.name, good.version, good.release, good.arch]).toEqual(["curl", "7.76.0", "6.cm2", "x86_64"]);
    expect(good.files).toContain("/usr/bin/curl");
  });

  it("index counts and data lengths beyond the blob are refused or reported", () => {
    const manyEntries = Buffer.from(blob);
    manyEntries.writeUInt32BE(0x10000, 0);
    expect(() => parseRpmHeader(manyEntries)).toThrow(ShipshapeError);
    const hugeData = Buffer.from(blob);
    hugeData.writeUInt32BE(0x7fffffff, 4);
    expect(() => parseRpmHeader(hugeData)).toThrow(/data store/);
    const moreData = Buffer.from(blob);
    moreData.writeUInt32BE(blob.readUInt32BE(4) + 4096, 4);
    const r = parseRpmHeader(moreData);
    expect(r.problems[0]).toMatch(/header truncated/);
    expect(r.name).toBe("curl");
    expect(() => parseRpmHeader(blob.subarray(0, 7))).toThrow(ShipshapeError);
    expect(() => parseRpmHeader(blob.subarray(0, 100))).toThrow(/index entries/);
  });

  it("an entry whose offset points outside the data store: that tag is dropped, the rest kept", () => {
    const b = Buffer.from(blob);
    b.writeInt32BE(0x7ffffff0, entryOf(b, 1014) + 8); // LICENSE
    const r = parseRpmHeader(b);
    expect(r.license).toBeNull();
    expect(r.problems.join(" ")).toMatch(/tag 1014/);
    expect({ ...r, license: good.license, problems: [] }).toEqual(good);
  });

  it("a string array whose count lies, and directory indexes out of range", () => {
    const b = Buffer.from(blob);
    b.writeUInt32BE(0x7fffffff, entryOf(b, 1117) + 12); // BASENAMES count
    const r = parseRpmHeader(b);
    expect(r.files).toEqual([]);
    expect(r.problems.join(" ")).toMatch(/tag 1117/);
    const c = Buffer.from(blob);
    const dirindexes = c.readInt32BE(entryOf(c, 1116) + 8) + 8 + il * 16;
    c.writeUInt32BE(999_999, dirindexes); // first DIRINDEXES value
    const s = parseRpmHeader(c);
    expect(s.files).toHaveLength(good.files.length - 1);
    expect(s.problems.join(" ")).toMatch(/DIRINDEXES\[0\] = 999999/);
  });

  it("a NAME without its terminating NUL, or of the wrong type: the header is refused", () => {
    const b = Buffer.from(blob);
    b.writeUInt32BE(4, entryOf(b, 1000) + 4); // NAME typed INT32
    expect(() => parseRpmHeader(b)).toThrow(/no readable NAME/);
    const c = Buffer.from(blob);
    const dataStart = 8 + il * 16;
    c.writeInt32BE(c.readUInt32BE(4) - 1, entryOf(c, 1000) + 8); // NAME at the last byte…
    c[dataStart + c.readUInt32BE(4) - 1] = 0x41; // …which is not a NUL
    expect(() => parseRpmHeader(c.subarray(0, dataStart + c.readUInt32BE(4)))).toThrow(ShipshapeError);
  });
});

describe("the CBL-Mariner manifest", () => {
  it("reads Syft's fixture lines and reports malformed ones", () => {
    const text = [
      "mariner-release\t2.0-12.cm2\t1653816591\t1653753130\tMicrosoft Corporation\t(none)\t580\tnoarch\t0\tmariner-release-2.0-12.cm2.src.rpm",
      "vim\t9.0-1.cm2\t1653816591\t1653753130\tMicrosoft Corporation\t2\t45000\tx86_64\t2\tvim-9.0-1.cm2.src.rpm",
      "too\tfew\tfields",
      "bad\tnodash\t1\t1\tv\t(none)\t1\tx86_64\t0\tbad.src.rpm",
      "",
    ].join("\n");
    const result = parseMarinerManifest(Buffer.from(text));
    expect(result.packages.map((p) => [p.name, p.epoch, p.version, p.release, p.arch, p.sourceRpm])).toEqual([
      ["mariner-release", null, "2.0", "12.cm2", "noarch", "mariner-release-2.0-12.cm2.src.rpm"],
      ["vim", 2, "9.0", "1.cm2", "x86_64", "vim-9.0-1.cm2.src.rpm"],
    ]);
    expect(result.problems).toEqual([
      "line 3: 3 tab-separated fields, expected 10",
      'line 4: "nodash" is not VERSION-RELEASE',
    ]);
  });
});

describe("hostile constructions cannot multiply the work", () => {
  /** A real header blob (NDB slot 2). */
  const blobStart = ndbBytes.readUInt32LE(2 * 16 + 8) * 16;
  const realHeader = ndbBytes.subarray(
    blobStart + 16,
    blobStart + 16 + ndbBytes.readUInt32LE(blobStart + 12),
  );

  it("Berkeley DB: thousands of items pointing at one overflow chain parse it once", () => {
    const pageSize = 512;
    const overflowPages = Math.ceil(realHeader.length / (pageSize - 26));
    const hashPages = 200;
    const pages = 1 + hashPages + overflowPages;
    const db = Buffer.alloc(pages * pageSize);
    for (let p = 0; p < pages; p++) db.writeUInt32LE(p, p * pageSize + 8);
    db.writeUInt32LE(0x061561, 12);
    db.writeUInt32LE(pageSize, 20);
    db[25] = 8;
    db.writeUInt32LE(pages - 1, 32);
    const firstOverflow = 1 + hashPages;
    for (let i = 0; i < overflowPages; i++) {
      const base = (firstOverflow + i) * pageSize;
      const chunk = realHeader.subarray(i * (pageSize - 26), (i + 1) * (pageSize - 26));
      db.writeUInt32LE(i + 1 < overflowPages ? firstOverflow + i + 1 : 0, base + 16);
      db.writeUInt16LE(chunk.length, base + 22);
      db[base + 25] = 7;
      chunk.copy(db, base + 26);
    }
    let instance = 1;
    for (let p = 1; p <= hashPages; p++) {
      const base = p * pageSize;
      db[base + 25] = 13;
      let top = pageSize;
      let entries = 0;
      while (top - 17 > 26 + (entries + 2) * 2) {
        top -= 5; // key: KEYDATA + 4-byte instance
        db[base + top] = 1;
        db.writeUInt32LE(instance++, base + top + 1);
        db.writeUInt16LE(top, base + 26 + entries++ * 2);
        top -= 12; // value: OFFPAGE to the one chain
        db[base + top] = 3;
        db.writeUInt32LE(firstOverflow, base + top + 4);
        db.writeUInt32LE(realHeader.length, base + top + 8);
        db.writeUInt16LE(top, base + 26 + entries++ * 2);
      }
      db.writeUInt16LE(entries, base + 20);
    }
    expect(instance).toBeGreaterThan(4000);
    const started = performance.now();
    const result = parseBerkeleyDb(db);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(result.packages).toHaveLength(1);
    expect(result.problems.join(" ")).toMatch(/overflow page \d+ is used twice/);
    expect(result.problems.at(-1)).toMatch(/^… and \d+ more problems$/);
  });

  it("NDB: every slot pointing at one blob yields one package", () => {
    const db = Buffer.from(ndbBytes);
    const slotPages = db.readUInt32LE(12);
    const target = db.readUInt32LE(2 * 16 + 8);
    const count = db.readUInt32LE(2 * 16 + 12);
    for (let at = 3 * 16; at < slotPages * 4096; at += 16) {
      db.write("Slot", at, "latin1");
      db.writeUInt32LE(1, at + 4);
      db.writeUInt32LE(target, at + 8);
      db.writeUInt32LE(count, at + 12);
    }
    const result = parseNdb(db);
    expect(result.packages).toHaveLength(1);
    expect(result.problems.join(" ")).toMatch(/overlaps the previous one/);
  });

  it("SQLite: a Packages view that would never end, or a virtual table, is not queried", () => {
    type Db = { exec(s: string): void; serialize(): Buffer; close(): void };
    const Sqlite = createRequire(import.meta.url)("better-sqlite3") as new (p: string) => Db;
    for (const schema of [
      "CREATE VIEW Packages AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x AS hnum, zeroblob(100000) AS blob FROM c",
      "CREATE VIRTUAL TABLE Packages USING fts5(hnum, blob)",
    ]) {
      const db = new Sqlite(":memory:");
      db.exec(schema);
      const bytes = db.serialize();
      db.close();
      const result = parseRpmSqlite(bytes);
      expect(result.packages).toEqual([]);
      expect(result.problems).toEqual(["Packages is not an ordinary table: not read"]);
    }
  });

  it("a header whose every index entry claims a million strings stays bounded", () => {
    const il = 0xffff;
    const dl = 1 << 20;
    const blob = Buffer.alloc(8 + il * 16 + dl);
    blob.writeUInt32BE(il, 0);
    blob.writeUInt32BE(dl, 4);
    for (let i = 0; i < il; i++) {
      const tag = [1000, 1001, 1002, 1117, 1118, 1116][i % 6]!;
      blob.writeInt32BE(tag, 8 + i * 16);
      blob.writeUInt32BE(tag === 1116 ? 4 : 8, 8 + i * 16 + 4);
      blob.writeInt32BE(0, 8 + i * 16 + 8);
      blob.writeUInt32BE(1_000_000, 8 + i * 16 + 12);
    }
    blob.write("x", 8 + il * 16, "latin1"); // NAME = VERSION = RELEASE = "x", then NULs
    const started = performance.now();
    const h = parseRpmHeader(blob);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(h.name).toBe("x");
    expect(h.files.length).toBeLessThanOrEqual(1_000_000);
  });
});
