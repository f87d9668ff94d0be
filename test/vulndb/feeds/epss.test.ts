/** EPSS: vunnel's fixtures and expected records, gzip and plain files, bad files, fuzzing. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { isShipshapeError } from "../../../src/errors.js";
import { boundedLines, EpssCsvParser, epssImporter, readEpssFile } from "../../../src/vulndb/feeds/epss.js";
import type { EpssRecord } from "../../../src/vulndb/records.js";
import { SqliteStore } from "../../../src/vulndb/sqlite-store.js";
import { dataPath } from "../../helpers/shared.js";

const dir = dataPath("vuln", "fixtures", "vunnel-fixtures", "epss", "test-fixtures");
const tmp = mkdtempSync(join(tmpdir(), "shipshape-epss-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function readAll(path: string): Promise<EpssRecord[]> {
  const out: EpssRecord[] = [];
  await readEpssFile(path, async (b) => {
    out.push(...b);
  });
  return out;
}

describe("vunnel's example", () => {
  it("gives exactly the snapshot records (cve, epss, percentile, date)", async () => {
    const records = await readAll(join(dir, "example-1.csv"));
    const expected = ["0001", "0002", "0003", "0004", "0005"].map((n) => {
      const item = JSON.parse(
        readFileSync(join(dir, "snapshots", "example-1", `cve-1999-${n}.json`), "utf8"),
      ).item;
      return { cveId: item.cve, score: item.epss, percentile: item.percentile, date: item.date };
    });
    expect(records).toEqual(expected);
  });

  it("reads the gzip-compressed download the same way", async () => {
    const gz = join(tmp, "epss_scores-current.csv.gz");
    writeFileSync(gz, gzipSync(readFileSync(join(dir, "example-1.csv"))));
    expect(await readAll(gz)).toEqual(await readAll(join(dir, "example-1.csv")));
    expect(await epssImporter.detect(gz)).toBe(true);
    expect(await epssImporter.detect(join(dir, "example-1.csv"))).toBe(true);
    expect(await epssImporter.detect(join(dir, "snapshots", "example-1", "cve-1999-0001.json"))).toBe(false);
  });

  it("claims EPSS data by its content: vunnel's damaged CSVs beside the real one are not claimed", async () => {
    // The fixtures' broken files (no score date; other columns) are not this feed's data when met in
    // a folder; the folder is, and its import reads the real file alone.
    expect(await epssImporter.detect(join(dir, "invalid-header.csv"))).toBe(false);
    expect(await epssImporter.detect(join(dir, "missing-date.csv"))).toBe(false);
    expect(await epssImporter.detect(dir)).toBe(true);
    expect(await epssImporter.detect(join(dir, "snapshots"))).toBe(false);
    const records: EpssRecord[] = [];
    const session = {
      async putEpss(source: string, batch: EpssRecord[]) {
        expect(source).toBe("epss");
        records.push(...batch);
      },
    } as unknown as Parameters<typeof epssImporter.import>[1];
    const result = await epssImporter.import([dir], session, { warn() {}, now: new Date() });
    expect(result.records).toBe(5);
    expect(records).toEqual(await readAll(join(dir, "example-1.csv")));
    // Named on its own, a damaged file is an error naming it and the problem.
    await expect(
      epssImporter.import([join(dir, "missing-date.csv")], session, { warn() {}, now: new Date() }),
    ).rejects.toThrow(/missing-date\.csv line 1: the header has no score_date/);
  });

  it("imports into a store", async () => {
    const dbPath = join(tmp, "epss.sqlite");
    const session = await SqliteStore.open(dbPath).beginBuild();
    const result = await epssImporter.import([join(dir, "example-1.csv")], session, {
      warn() {},
      now: new Date(),
    });
    await session.commit();
    expect(result).toEqual({ records: 5, dataDate: "2025-02-20" });
    const store = SqliteStore.open(dbPath);
    try {
      expect((await store.epss(["CVE-1999-0002"])).get("CVE-1999-0002")).toEqual({
        cveId: "CVE-1999-0002",
        score: 0.01328,
        percentile: 0.85996,
        date: "2025-02-20",
      });
    } finally {
      await store.close();
    }
  });
});

describe("bad files", () => {
  it("refuses vunnel's invalid-header and missing-date fixtures", async () => {
    await expect(readAll(join(dir, "invalid-header.csv"))).rejects.toThrow(
      /invalid-header\.csv line 2: the column header is "invalid,header,format", expected "cve,epss,percentile"/,
    );
    await expect(readAll(join(dir, "missing-date.csv"))).rejects.toThrow(
      /missing-date\.csv line 1: the header has no score_date/,
    );
  });

  const header = "#model_version:v2023.03.01,score_date:2025-02-20T00:00:00+0000\ncve,epss,percentile\n";
  const cases: [string, string, RegExp][] = [
    ["an empty file", "", /line 1: the file is empty/],
    [
      "no header comment",
      "cve,epss,percentile\nCVE-1999-0001,0.1,0.2\n",
      /line 1: lacks the "#model_version/,
    ],
    ["no column header", "#model_version:v1,score_date:2025-02-20\n", /line 2: the column header is missing/],
    ["a bad CVE id", `${header}CVE-99-1,0.1,0.2\n`, /line 3: "CVE-99-1" is not a CVE id/],
    [
      "a score above 1",
      `${header}CVE-1999-0001,1.5,0.2\n`,
      /line 3: EPSS score "1.5" is not a number in \[0, 1\]/,
    ],
    ["a missing field", `${header}CVE-1999-0001,0.1\n`, /line 3: expected 3 fields, found 2/],
    ["a truncated gzip", "GZIP", /cannot be read as EPSS scores/],
  ];
  for (const [name, text, problem] of cases) {
    it(`refuses ${name}`, async () => {
      const path = join(tmp, `bad-${name.replace(/\W+/g, "-")}.csv`);
      writeFileSync(
        path,
        text === "GZIP"
          ? gzipSync(Buffer.from(header + "CVE-1999-0001,0.1,0.2\n".repeat(500))).subarray(0, 60)
          : text,
      );
      let error: unknown;
      try {
        await readAll(path);
      } catch (err) {
        error = err;
      }
      expect(isShipshapeError(error)).toBe(true);
      expect((error as Error).message).toMatch(problem);
    });
  }

  it("refuses a line longer than the cap without holding it", async () => {
    const path = join(tmp, "long.csv");
    writeFileSync(path, `#model_version:v1,score_date:2025-02-20\n${"x".repeat(1 << 20)}`);
    await expect(readAll(path)).rejects.toThrow(/has a line longer than 4096 bytes/);
  });
});

describe("volume", () => {
  it("streams 100,000 rows in batches", async () => {
    const lines = ["#model_version:v2025.03.14,score_date:2025-08-25T00:00:00+0000", "cve,epss,percentile"];
    for (let i = 0; i < 100_000; i++) lines.push(`CVE-2020-${String(10000 + i)},0.0${i % 10}1,0.${i % 100}`);
    const path = join(tmp, "big.csv.gz");
    writeFileSync(path, gzipSync(lines.join("\n")));
    const batches: number[] = [];
    const result = await readEpssFile(path, async (b) => {
      batches.push(b.length);
    });
    expect(result.records).toBe(100_000);
    expect(result.header).toEqual({ modelVersion: "v2025.03.14", scoreDate: "2025-08-25" });
    expect(Math.max(...batches)).toBeLessThanOrEqual(5000);
  });
});

describe("fuzz", () => {
  it("the line parser returns records or throws ShipshapeErrors", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.string({ maxLength: 40 }),
            fc.constantFrom(
              "cve,epss,percentile",
              "#model_version:v1,score_date:2025-01-01",
              "CVE-2020-1234,0.5,0.5",
            ),
          ),
          { maxLength: 8 },
        ),
        (lines) => {
          const p = new EpssCsvParser("fuzz.csv");
          try {
            for (const l of lines) {
              const r = p.line(l);
              if (r) {
                expect(r.score).toBeGreaterThanOrEqual(0);
                expect(r.score).toBeLessThanOrEqual(1);
              }
            }
            p.finish();
          } catch (err) {
            if (!isShipshapeError(err)) throw err;
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it("line splitting is independent of chunk boundaries", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 200 }),
        fc.array(fc.nat(200), { maxLength: 6 }),
        async (text, cuts) => {
          const bytes = Buffer.from(text);
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const chunks: Buffer[] = [];
          let at = 0;
          for (const p of [...points, bytes.length]) {
            chunks.push(bytes.subarray(at, p));
            at = p;
          }
          const got: string[] = [];
          for await (const l of boundedLines(chunks, 1000, "x")) got.push(l);
          const expected = text.split("\n");
          if (expected.at(-1) === "") expected.pop();
          expect(got).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});
