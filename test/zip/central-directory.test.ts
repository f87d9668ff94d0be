/**
 * The shared zip structure reader, as the feed reader uses it: from the tail of a file only. The
 * end records found in the last MAX_END_RECORDS_BYTES must be the ones found in the whole file,
 * with and without ZIP64 records, with and without a prefix before the archive (Python's zipfile
 * writes the archives and is the independent reader).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  entryBytes,
  entryDataOffset,
  LOCAL_HEADER_SIZE,
  MAX_END_RECORDS_BYTES,
  readCentralDirectory,
  readEndOfDirectory,
  ZipFormatError,
  ZipLimitError,
} from "../../src/zip/central-directory.js";

const work = mkdtempSync(join(tmpdir(), "shipshape-zipcd-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A zip from Python's zipfile with `count` entries, a comment of `comment` bytes, ZIP64 or not. */
function pythonZip(name: string, count: number, comment: number, zip64: boolean): Buffer {
  const script = `
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", allowZip64=True) as z:
    z.comment = b"c" * ${comment}
    for i in range(${count}):
        info = zipfile.ZipInfo(f"dir/file-{i}.json", (2020, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED if i % 2 else zipfile.ZIP_STORED
        with z.open(info, "w", force_zip64=${zip64 ? "True" : "False"}) as f:
            f.write(("{\\"i\\": %d}" % i).encode() * 20)
`;
  const path = join(work, name);
  execFileSync("python3", ["-c", script, path]);
  return readFileSync(path);
}

/** Read every entry as a feed archive is read: the tail, then the directory, then each entry. */
function readLikeAFile(bytes: Buffer): { name: string; text: string }[] {
  const tail = bytes.subarray(Math.max(0, bytes.length - MAX_END_RECORDS_BYTES));
  const end = readEndOfDirectory(tail, bytes.length);
  const directory = bytes.subarray(end.directoryOffset, end.directoryOffset + end.directorySize);
  const { entries } = readCentralDirectory(directory, end, { maxEntries: 10_000, exactCount: true });
  return entries.map((e) => {
    const start = entryDataOffset(
      e,
      bytes.subarray(e.localHeaderOffset, e.localHeaderOffset + LOCAL_HEADER_SIZE),
    );
    return {
      name: e.name,
      text: entryBytes(e, bytes.subarray(start, start + e.compressedSize), 1 << 20).toString(),
    };
  });
}

function pythonRead(bytes: Buffer): { name: string; text: string }[] {
  const script = `
import json, sys, zipfile, io
with zipfile.ZipFile(io.BytesIO(sys.stdin.buffer.read())) as z:
    print(json.dumps([{"name": i.filename, "text": z.read(i).decode()} for i in z.infolist()]))
`;
  return JSON.parse(execFileSync("python3", ["-c", script], { input: bytes, encoding: "utf8" })) as {
    name: string;
    text: string;
  }[];
}

describe("zip end records from the tail of a file", () => {
  for (const zip64 of [false, true]) {
    for (const comment of [0, 40_000]) {
      it(`reads what zipfile wrote (ZIP64 ${zip64}, comment of ${comment} bytes), with and without a prefix`, () => {
        const plain = pythonZip(`z-${zip64}-${comment}.zip`, 30, comment, zip64);
        expect(readLikeAFile(plain)).toEqual(pythonRead(plain));
        // A launcher script before the archive shifts every offset the archive records.
        const prefixed = Buffer.concat([Buffer.from('#!/bin/sh\nexec java -jar "$0"\n'.repeat(3000)), plain]);
        expect(readLikeAFile(prefixed)).toEqual(pythonRead(plain));
        const whole = readEndOfDirectory(prefixed, prefixed.length);
        const tail = readEndOfDirectory(
          prefixed.subarray(Math.max(0, prefixed.length - MAX_END_RECORDS_BYTES)),
          prefixed.length,
        );
        expect(tail).toEqual(whole);
        // The prefix is long enough that only a part of the file is the tail read.
        expect(prefixed.length).toBeGreaterThan(MAX_END_RECORDS_BYTES);
        expect(whole.prefixBytes).toBe(prefixed.length - plain.length);
      });
    }
  }

  it("a directory that ends before its declared count is refused only when asked to be exact", () => {
    const bytes = pythonZip("short.zip", 3, 0, false);
    const end = readEndOfDirectory(bytes, bytes.length);
    const lying = { ...end, count: end.count + 1 };
    const directory = bytes.subarray(end.directoryOffset, end.directoryOffset + end.directorySize);
    expect(readCentralDirectory(directory, lying, { maxEntries: 100 }).entries).toHaveLength(3);
    expect(() => readCentralDirectory(directory, lying, { maxEntries: 100, exactCount: true })).toThrow(
      /directory entry 4 of 4 is not valid/,
    );
    expect(() => readCentralDirectory(directory, end, { maxEntries: 2 })).toThrow(ZipLimitError);
  });

  it("any bytes give entries or our own errors, never another exception", () => {
    const good = pythonZip("fuzz.zip", 4, 10, true);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: good.length - 1 }), fc.integer({ min: 0, max: 255 })), {
          maxLength: 8,
        }),
        fc.nat({ max: good.length }),
        (edits, cut) => {
          const bytes = Buffer.from(good.subarray(0, cut));
          for (const [at, value] of edits) if (at < bytes.length) bytes[at] = value;
          try {
            readLikeAFile(bytes);
          } catch (err) {
            if (!(err instanceof ZipFormatError || err instanceof ZipLimitError)) throw err;
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
