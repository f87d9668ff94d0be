/**
 * The zip reader on real and hostile archives: Python's zipfile is the independent reader/writer
 * (it writes ZIP64 and reads what our test writer writes); truncations, lying offsets, bombs and
 * random bytes only ever give our own errors, within bounded time and memory.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateRawSync } from "node:zlib";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { readZipDirectory, readZipEntry } from "../../../src/catalog/java/zip.js";
import { ShipshapeError } from "../../../src/errors.js";
import { fixturePath } from "../../helpers/shared.js";
import { writeZip } from "./zip-writer.js";

const work = mkdtempSync(join(tmpdir(), "shipshape-zip-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Write a zip with Python's zipfile: [name, content, stored?] triples, optional ZIP64 records. */
function pythonZip(file: string, entries: [string, string, boolean][], zip64 = false): Buffer {
  const script = `
import json, sys, zipfile
entries = json.loads(sys.argv[2])
with zipfile.ZipFile(sys.argv[1], "w", allowZip64=True) as z:
    for name, content, stored in entries:
        info = zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
        with z.open(info, "w", force_zip64=${zip64 ? "True" : "False"}) as f:
            f.write(content.encode())
`;
  const path = join(work, file);
  execFileSync("python3", ["-c", script, path, JSON.stringify(entries)]);
  return readFileSync(path);
}

function pythonList(bytes: Buffer): { name: string; content: string }[] {
  const path = join(work, "to-read.zip");
  writeFileSync(path, bytes);
  const script = `
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    print(json.dumps([{"name": i.filename, "content": z.read(i).decode("latin1")} for i in z.infolist()]))
`;
  return JSON.parse(execFileSync("python3", ["-c", script, path], { encoding: "utf8" })) as {
    name: string;
    content: string;
  }[];
}

function readAll(bytes: Buffer, cap = 1 << 20): { name: string; content: string }[] {
  return readZipDirectory(bytes).entries.map((e) => ({
    name: e.name,
    content: readZipEntry(bytes, e, cap).toString("latin1"),
  }));
}

/** Only our own errors: anything else (RangeError, TypeError) is a bug. */
function ownErrorsOnly(run: () => unknown): void {
  try {
    run();
  } catch (err) {
    if (!(err instanceof ShipshapeError)) throw err;
  }
}

describe("zip reader against Python's zipfile", () => {
  const entries: [string, string, boolean][] = [
    ["META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\n\r\n", false],
    ["a/stored.txt", "stored bytes", true],
    ["a/deflated.txt", "deflated ".repeat(1000), false],
    ["empty", "", false],
  ];

  it("reads what zipfile writes (stored, deflated, empty)", () => {
    const bytes = pythonZip("plain.zip", entries);
    expect(readAll(bytes)).toEqual(entries.map(([name, content]) => ({ name, content })));
  });

  it("reads ZIP64 records (zipfile with force_zip64)", () => {
    const bytes = pythonZip("zip64.zip", entries, true);
    expect(readAll(bytes)).toEqual(entries.map(([name, content]) => ({ name, content })));
  });

  it("reads an archive behind a launcher script (Spring Boot's executable jars), as zipfile does", () => {
    const zip = pythonZip("prefixed.zip", entries);
    const bytes = Buffer.concat([Buffer.from('#!/bin/sh\nexec java -jar "$0" "$@"\n'), zip]);
    expect(readZipDirectory(bytes).prefixBytes).toBe(bytes.length - zip.length);
    expect(readAll(bytes)).toEqual(pythonList(bytes));
  });

  it("zipfile reads what the test writer writes (so hostile variants start from a valid zip)", () => {
    const bytes = writeZip([
      { name: "x/a.txt", data: "alpha" },
      { name: "x/b.bin", data: Buffer.from([0, 1, 2]), method: 0 },
    ]);
    expect(pythonList(bytes)).toEqual(readAll(bytes));
    expect(readAll(bytes).map((e) => e.name)).toEqual(["x/a.txt", "x/b.bin"]);
  });

  it("reads the real nested jar from Trivy's test data", () => {
    const bytes = readFileSync(
      fixturePath("pkgdb/aquasecurity/trivy/pkg/dependency/parser/java/jar/testdata/nested.jar"),
    );
    expect(readAll(bytes)).toEqual(pythonList(bytes));
  });
});

describe("hostile zips", () => {
  const valid = writeZip([
    { name: "META-INF/MANIFEST.MF", data: "Manifest-Version: 1.0\n" },
    { name: "a.txt", data: "hello ".repeat(100) },
  ]);

  it("not a zip, or too short: a clear input error", () => {
    expect(() => readZipDirectory(Buffer.from("just text, not an archive"))).toThrow(
      /no end-of-central-directory/,
    );
    expect(() => readZipDirectory(Buffer.alloc(3))).toThrow(/too short/);
  });

  it("every truncation is our error or a readable prefix, never a crash", () => {
    for (let n = 0; n < valid.length; n++) ownErrorsOnly(() => readAll(valid.subarray(0, n)));
  });

  it("a directory offset pointing past the directory is refused", () => {
    const bytes = Buffer.from(valid);
    const eocd = bytes.length - 22;
    bytes.writeUInt32LE(bytes.readUInt32LE(eocd + 16) + 1000, eocd + 16);
    expect(() => readZipDirectory(bytes)).toThrow(/offset points past/);
  });

  it("a directory size larger than the file is refused", () => {
    const bytes = Buffer.from(valid);
    bytes.writeUInt32LE(0x7fffffff, bytes.length - 22 + 12);
    expect(() => readZipDirectory(bytes)).toThrow(ShipshapeError);
  });

  it("a local header offset or size that lies is caught when the entry is read", () => {
    const dir = readZipDirectory(valid);
    const entry = dir.entries[1]!;
    expect(() => readZipEntry(valid, { ...entry, localHeaderOffset: valid.length + 5 }, 1000)).toThrow(
      /out of bounds/,
    );
    expect(() => readZipEntry(valid, { ...entry, localHeaderOffset: 3 }, 1000)).toThrow(/no local header/);
    expect(() => readZipEntry(valid, { ...entry, compressedSize: valid.length }, 1000)).toThrow(
      /past the end/,
    );
  });

  it("a zip bomb stops at the cap: 64 MiB of zeros with a 1 MiB cap", () => {
    const bomb = writeZip([{ name: "zeros", data: Buffer.alloc(64 * 1024 * 1024) }]);
    expect(bomb.length).toBeLessThan(200_000);
    const entry = readZipDirectory(bomb).entries[0]!;
    const before = process.memoryUsage().arrayBuffers;
    expect(() => readZipEntry(bomb, entry, 1024 * 1024)).toThrow(/more than the 1048576-byte cap/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(32 * 1024 * 1024);
    // The declared size is only a hint: lying low changes nothing.
    expect(() => readZipEntry(bomb, { ...entry, uncompressedSize: 10 }, 1024 * 1024)).toThrow(/cap/);
  });

  it("a stored entry over the cap is refused without copying", () => {
    const bytes = writeZip([{ name: "big", data: Buffer.alloc(4096, 1), method: 0 }]);
    expect(() => readZipEntry(bytes, readZipDirectory(bytes).entries[0]!, 100)).toThrow(
      /over the 100-byte cap/,
    );
  });

  it("encrypted entries and unknown methods are refused by name", () => {
    const entry = readZipDirectory(valid).entries[1]!;
    expect(() => readZipEntry(valid, { ...entry, flags: entry.flags | 1 }, 1000)).toThrow(
      /a.txt is encrypted/,
    );
    expect(() => readZipEntry(valid, { ...entry, method: 12 }, 1000)).toThrow(/method 12/);
  });

  it("corrupt deflate data is an input error", () => {
    const bytes = Buffer.from(valid);
    const entry = readZipDirectory(bytes).entries[1]!;
    const dataStart = entry.localHeaderOffset + 30 + entry.name.length;
    bytes.fill(0xff, dataStart, dataStart + entry.compressedSize);
    expect(() => readZipEntry(bytes, entry, 1 << 20)).toThrow(/does not inflate/);
  });

  it("a directory that claims more entries than allowed is refused before walking", () => {
    const bytes = Buffer.from(valid);
    bytes.writeUInt16LE(0xfffe, bytes.length - 22 + 10);
    expect(() => readZipDirectory(bytes, { maxEntries: 1000 })).toThrow(/65534 entries/);
  });

  it("fuzz: random bytes and mutated zips give entries or our errors", () => {
    const deflated = deflateRawSync(Buffer.from("x".repeat(500)));
    expect(deflated.length).toBeGreaterThan(0);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a)),
          fc
            .tuple(
              fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), {
                maxLength: 12,
              }),
              fc.nat(valid.length),
            )
            .map(([flips, cut]) => {
              const b = Buffer.from(valid);
              for (const [at, value] of flips) b[at] = value;
              return b.subarray(0, Math.max(cut, 22));
            }),
        ),
        (bytes) => {
          ownErrorsOnly(() => {
            const dir = readZipDirectory(bytes);
            expect(dir.entries.length).toBeLessThanOrEqual(dir.total);
            for (const e of dir.entries) ownErrorsOnly(() => readZipEntry(bytes, e, 1 << 16));
          });
        },
      ),
      { numRuns: 400 },
    );
  });
});
