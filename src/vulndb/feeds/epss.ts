/**
 * FIRST's EPSS scores: one CSV (gzip-compressed when downloaded, ~300k rows) whose first line is a
 * comment with the model and the score date, `#model_version:v2023.03.01,score_date:2025-02-20T00:00:00+0000`,
 * then `cve,epss,percentile` and one row per CVE. Read as a stream, line by line, every line capped.
 */
import { createReadStream } from "node:fs";
import { lstat, open, readdir } from "node:fs/promises";
import { join } from "node:path";
import { createGunzip } from "node:zlib";
import { describeError, ShipshapeError } from "../../errors.js";
import type { EpssRecord } from "../records.js";
import type { BuildSession } from "../store.js";
import type { FeedContext, FeedImporter, FeedImportResult } from "./feed.js";

export const EPSS_FEED_ID = "epss";
/** Real lines are ~40 bytes; the header comment ~70. */
const MAX_LINE_BYTES = 4096;
const BATCH = 5000;
const CVE_ID = /^CVE-\d{4}-\d{4,19}$/;
/** A probability as EPSS writes it: 0, 1 or a decimal fraction (exponent form tolerated). */
const PROBABILITY = /^(?:0|1|0?\.\d+|[01]\.\d*|\d(?:\.\d+)?[eE][-+]?\d+)$/;

export interface EpssHeader {
  modelVersion: string | null;
  /** YYYY-MM-DD */
  scoreDate: string;
}

/**
 * The EPSS CSV, one line at a time: `line()` returns a record for a data row, null for the header
 * lines and blank lines, and throws a ShipshapeError (naming origin and line number) otherwise.
 */
export class EpssCsvParser {
  private readonly origin: string;
  private lineNo = 0;
  private state: "comment" | "columns" | "rows" = "comment";
  header: EpssHeader | null = null;
  private readonly seen = new Set<string>();

  constructor(origin: string) {
    this.origin = origin;
  }

  private fail(problem: string): never {
    throw new ShipshapeError("input", `${this.origin} line ${this.lineNo}: ${problem}`);
  }

  line(raw: string): EpssRecord | null {
    this.lineNo++;
    const text = raw.replace(/\r$/, "").replace(/^\uFEFF/, "");
    if (text.trim() === "") return null;
    if (this.state === "comment") {
      if (!text.startsWith("#")) {
        this.fail('lacks the "#model_version:…,score_date:…" header EPSS files begin with');
      }
      const fields = new Map<string, string>();
      for (const part of text.slice(1).split(",")) {
        const at = part.indexOf(":");
        if (at > 0) fields.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
      }
      const date = /^(\d{4}-\d{2}-\d{2})(?:T[\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(
        fields.get("score_date") ?? "",
      );
      if (!date) this.fail("the header has no score_date (expected score_date:YYYY-MM-DDT00:00:00+0000)");
      this.header = { modelVersion: fields.get("model_version") || null, scoreDate: date[1]! };
      this.state = "columns";
      return null;
    }
    if (this.state === "columns") {
      const columns = text.split(",").map((c) => c.trim().toLowerCase());
      if (columns.join(",") !== "cve,epss,percentile") {
        this.fail(
          `the column header is ${JSON.stringify(text.slice(0, 60))}, expected "cve,epss,percentile"`,
        );
      }
      this.state = "rows";
      return null;
    }
    const cells = text.split(",");
    if (cells.length !== 3) this.fail(`expected 3 fields, found ${cells.length}`);
    const [cve, epss, percentile] = cells.map((c) => c.trim()) as [string, string, string];
    if (!CVE_ID.test(cve)) this.fail(`${JSON.stringify(cve.slice(0, 40))} is not a CVE id`);
    const score = probability(epss);
    const pct = probability(percentile);
    if (score === null)
      this.fail(`EPSS score ${JSON.stringify(epss.slice(0, 20))} is not a number in [0, 1]`);
    if (pct === null)
      this.fail(`percentile ${JSON.stringify(percentile.slice(0, 20))} is not a number in [0, 1]`);
    if (this.seen.has(cve)) return null; // a repeated row adds nothing
    this.seen.add(cve);
    return { cveId: cve, score, percentile: pct, date: this.header!.scoreDate };
  }

  /** After the last line: a file with no rows at all is refused (an empty download is not "no scores"). */
  finish(): void {
    if (this.state !== "rows") {
      this.lineNo++;
      this.fail(this.state === "comment" ? "the file is empty" : "the column header is missing");
    }
  }
}

function probability(text: string): number | null {
  if (!PROBABILITY.test(text)) return null;
  const n = Number(text);
  return Number.isFinite(n) && n >= 0 && n <= 1 ? n : null;
}

/** Lines of a byte stream, each at most `max` bytes (a longer one is an error: this is not EPSS). */
export async function* boundedLines(
  source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  max: number,
  origin: string,
): AsyncGenerator<string> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const raw of source) {
    const chunk = typeof raw === "string" ? Buffer.from(raw) : raw;
    let start = 0;
    for (let nl = chunk.indexOf(0x0a, start); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      if (pendingBytes + (nl - start) > max) {
        throw new ShipshapeError(
          "input",
          `${origin} has a line longer than ${max} bytes; it is not an EPSS CSV`,
        );
      }
      pending.push(chunk.subarray(start, nl));
      yield Buffer.concat(pending).toString("utf8");
      pending = [];
      pendingBytes = 0;
      start = nl + 1;
    }
    if (start < chunk.length) {
      pendingBytes += chunk.length - start;
      if (pendingBytes > max) {
        throw new ShipshapeError(
          "input",
          `${origin} has a line longer than ${max} bytes; it is not an EPSS CSV`,
        );
      }
      pending.push(chunk.subarray(start));
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending).toString("utf8");
}

async function readHead(path: string, n: number): Promise<Buffer> {
  const fh = await open(path, "r");
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function isGzip(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** In a directory, only CSV and gzip files are looked into (EPSS is published as `.csv.gz`). */
const CSV_NAME = /\.csv(\.gz)?$|\.gz$/i;

/** Parse one file (plain or gzip); calls `onBatch` with records in batches. */
export async function readEpssFile(
  path: string,
  onBatch: (records: EpssRecord[]) => Promise<void>,
): Promise<{ header: EpssHeader; records: number }> {
  const gzip = isGzip(await readHead(path, 2));
  const file = createReadStream(path);
  const source = gzip ? file.pipe(createGunzip()) : file;
  if (gzip) file.on("error", (err) => source.destroy(err));
  const parser = new EpssCsvParser(path);
  let batch: EpssRecord[] = [];
  let records = 0;
  try {
    for await (const line of boundedLines(source, MAX_LINE_BYTES, path)) {
      const record = parser.line(line);
      if (!record) continue;
      batch.push(record);
      if (batch.length >= BATCH) {
        records += batch.length;
        await onBatch(batch);
        batch = [];
      }
    }
  } catch (err) {
    if (err instanceof ShipshapeError) throw err;
    throw new ShipshapeError("input", `${path} cannot be read as EPSS scores (${describeError(err)})`);
  } finally {
    source.destroy();
    file.destroy();
  }
  parser.finish();
  if (batch.length > 0) {
    records += batch.length;
    await onBatch(batch);
  }
  return { header: parser.header!, records };
}

/** The first bytes of a file's content (gunzipped when it is gzip), for judging what it is. */
async function contentHead(path: string, bytes = 1024): Promise<Buffer> {
  const head = await readHead(path, bytes);
  if (!isGzip(head)) return head;
  const parts: Buffer[] = [];
  let got = 0;
  const stream = createReadStream(path).pipe(createGunzip());
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      parts.push(chunk);
      got += chunk.length;
      if (got >= bytes) break;
    }
  } catch {
    // Damaged gzip: what came out before the damage decides.
  } finally {
    stream.destroy();
  }
  return Buffer.concat(parts).subarray(0, bytes);
}

/**
 * Does the file begin as an EPSS CSV does: the `#model_version:…,score_date:…` comment, then the
 * `cve,epss,percentile` columns? A file that is meant to be one but is damaged there (no date, other
 * columns) is not claimed inside a directory; named on its own, its import says what is wrong.
 */
export async function isEpssFile(path: string): Promise<boolean> {
  try {
    const lines = (await contentHead(path)).toString("utf8").split("\n");
    const parser = new EpssCsvParser(path);
    let headers = 0;
    for (const line of lines.slice(0, -1)) {
      if (line.trim() === "") continue;
      parser.line(line);
      if (++headers === 2) return true;
    }
    return false;
  } catch {
    return false;
  }
}

/** A file is read as given; in a directory, the CSV files that begin as EPSS CSVs (not subdirectories). */
async function epssFiles(path: string): Promise<string[]> {
  const info = await lstat(path);
  if (info.isFile()) return [path];
  if (!info.isDirectory()) return [];
  const out: string[] = [];
  for (const entry of (await readdir(path, { withFileTypes: true })).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  )) {
    if (!entry.isFile() || entry.name.startsWith(".") || !CSV_NAME.test(entry.name)) continue;
    if (await isEpssFile(join(path, entry.name))) out.push(join(path, entry.name));
  }
  return out;
}

export const epssImporter: FeedImporter = {
  id: EPSS_FEED_ID,
  title: "FIRST EPSS scores",
  downloads: [
    {
      name: "epss_scores-current.csv.gz",
      url: "https://epss.empiricalsecurity.com/epss_scores-current.csv.gz",
      compression: "gzip",
    },
  ],

  // By content, not by name: vunnel's fixtures keep damaged CSVs (no score date, other columns)
  // next to the real one, and those are not this feed's data.
  async detect(path: string): Promise<boolean> {
    try {
      const info = await lstat(path);
      if (info.isFile()) return await isEpssFile(path);
      return info.isDirectory() && (await epssFiles(path)).length > 0;
    } catch {
      return false;
    }
  },

  async import(inputs: string[], session: BuildSession, ctx: FeedContext): Promise<FeedImportResult> {
    const files: string[] = [];
    for (const input of inputs) {
      try {
        files.push(...(await epssFiles(input)));
      } catch (err) {
        throw new ShipshapeError("not-found", `EPSS input ${input} cannot be read (${describeError(err)})`);
      }
    }
    if (files.length === 0) throw new ShipshapeError("not-found", `no EPSS CSV in ${inputs.join(", ")}`);
    let records = 0;
    let dataDate: string | null = null;
    for (const file of files) {
      const result = await readEpssFile(file, async (batch) => {
        await session.putEpss(EPSS_FEED_ID, batch);
        records += batch.length;
        ctx.progress?.(records);
      });
      if (dataDate === null || result.header.scoreDate > dataDate) dataDate = result.header.scoreDate;
    }
    return { records, dataDate };
  },
};
