/**
 * The file-backed zip reader against archives made by Info-ZIP's `zip` (stored and deflated entries)
 * and against hostile ones: truncated, random bytes, a lying directory, an entry over the cap (a
 * small zip bomb). Every failure is a ShipshapeError; nothing is read past the cap. And an OSV.dev-style
 * `all.zip` (flat `*.json`) imports exactly as the directory it was made from.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ShipshapeError } from "../../../src/errors.js";
import { OSV_PYPI } from "../../../src/vulndb/feeds/osv.js";
import { ZipFile } from "../../../src/vulndb/feeds/zip-file.js";
import { dataPath } from "../../helpers/shared.js";
import { MemorySession, testContext } from "./build-store.js";

describe("zip reader", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "shipshape-zip-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function makeZip(name: string, files: Record<string, string | Buffer>, flags: string[] = []): string {
    const src = mkdtempSync(join(dir, "src-"));
    for (const [f, body] of Object.entries(files)) writeFileSync(join(src, f), body);
    const zip = join(dir, name);
    execFileSync("zip", ["-q", "-X", ...flags, zip, ...Object.keys(files)], { cwd: src });
    return zip;
  }

  it("reads stored and deflated entries as zip wrote them", async () => {
    const big = "x".repeat(100_000);
    for (const flags of [["-0"], ["-9"]]) {
      const path = makeZip(`plain${flags[0]}.zip`, { "a.json": '{"a":1}', "b.txt": big }, flags);
      const zip = await ZipFile.open(path);
      try {
        expect(zip.entries.map((e) => e.name)).toEqual(["a.json", "b.txt"]);
        expect((await zip.read(zip.entries[0]!)).toString()).toBe('{"a":1}');
        expect((await zip.read(zip.entries[1]!)).toString()).toBe(big);
      } finally {
        await zip.close();
      }
    }
  });

  it("refuses an entry that inflates past the cap (a small zip bomb)", async () => {
    const path = makeZip("bomb.zip", { "zeros.json": Buffer.alloc(4 * 1024 * 1024) }, ["-9"]);
    const zip = await ZipFile.open(path, { maxEntryBytes: 1024 * 1024 });
    try {
      await expect(zip.read(zip.entries[0]!)).rejects.toThrow(/inflates to more than the 1048576-byte cap/);
    } finally {
      await zip.close();
    }
  });

  it("names a truncated or non-zip file", async () => {
    const path = makeZip("t.zip", { "a.json": '{"a":1}' });
    const bytes = readFileSync(path);
    writeFileSync(join(dir, "cut.zip"), bytes.subarray(0, bytes.length - 10));
    await expect(ZipFile.open(join(dir, "cut.zip"))).rejects.toThrow(
      /cut\.zip: .*; is it a complete zip archive\?/,
    );
    writeFileSync(join(dir, "text.zip"), "this is not a zip archive at all, but long enough to look");
    await expect(ZipFile.open(join(dir, "text.zip"))).rejects.toThrow(ShipshapeError);
  });

  it("fuzz: corrupted archives open and read or fail with a ShipshapeError", async () => {
    const good = readFileSync(makeZip("f.zip", { "a.json": '{"a":1}', "b.json": "[1,2,3]" }, ["-9"]));
    const target = join(dir, "fuzz.zip");
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
          fc
            .array(fc.tuple(fc.nat({ max: good.length - 1 }), fc.integer({ min: 0, max: 255 })), {
              minLength: 1,
              maxLength: 6,
            })
            .map((edits) => {
              const copy = Buffer.from(good);
              for (const [at, value] of edits) copy[at] = value;
              return copy;
            }),
          fc.nat({ max: good.length }).map((cut) => good.subarray(0, cut)),
        ),
        async (bytes) => {
          writeFileSync(target, bytes);
          try {
            const zip = await ZipFile.open(target, { maxEntryBytes: 1 << 20 });
            try {
              for (const e of zip.entries)
                await zip.read(e).catch((err) => expect(err).toBeInstanceOf(ShipshapeError));
            } finally {
              await zip.close();
            }
          } catch (err) {
            expect(err).toBeInstanceOf(ShipshapeError);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("an OSV.dev-style all.zip imports exactly as the directory it was made from", async () => {
    const src = dataPath(
      "vuln",
      "fixtures",
      "trivy-db-testdata",
      "osv",
      "testdata",
      "happy",
      "vuln-list",
      "osv",
      "python",
    );
    const names = readdirSync(src).filter((f) => f.endsWith(".json"));
    const zip = join(dir, "all.zip");
    execFileSync("zip", ["-q", "-X", zip, ...names], { cwd: src });
    const fromZip = new MemorySession();
    const fromDir = new MemorySession();
    await OSV_PYPI.import([zip], fromZip, testContext());
    await OSV_PYPI.import([src], fromDir, testContext());
    expect(fromZip.affected.length).toBeGreaterThan(3);
    expect(fromZip.affected).toEqual(fromDir.affected);
    expect(fromZip.vulnerabilities).toEqual(fromDir.vulnerabilities);
    expect(await OSV_PYPI.detect(zip)).toBe(true);
  });
});
