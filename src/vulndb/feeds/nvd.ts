/**
 * NVD CVE API 2.0 data → VulnerabilityRecords with source "nvd": description, dates, CWEs,
 * references and every CVSS metric (v2, v3.0, v3.1, v4.0) with who published it — NVD's own analysis
 * (`nvd@nist.gov`, stored as source "nvd") or a CNA's (stored under the CNA's identifier). No affected
 * records: OS packages are matched against their vendor's data only, and the CPE configurations are
 * not needed for that.
 *
 * Reads API pages and the JSON 2.0 feeds (`{…, "vulnerabilities": [{"cve": {…}}, …]}`, streamed one
 * CVE at a time, gzip or plain), `{"cve": {…}}` files and bare CVE objects (the vuln-list layout).
 */
import { createReadStream } from "node:fs";
import { lstat, open, readdir } from "node:fs/promises";
import { basename, join } from "node:path";
import { createGunzip } from "node:zlib";
import * as v from "valibot";
import { describeError, ShipshapeError } from "../../errors.js";
import { type CvssVersion, ratingOf, scoreVector, severityOfRating } from "../cvss.js";
import type { CvssScore, Severity, VulnerabilityRecord } from "../records.js";
import type { BuildSession } from "../store.js";
import type { FeedContext, FeedImporter, FeedImportResult } from "./feed.js";
import { jsonArrayItems } from "./json-array-items.js";

export const NVD_FEED_ID = "nvd";
/** NVD's own analysis; everything else in `metrics` comes from a CNA. */
export const NVD_SOURCE_IDENTIFIER = "nvd@nist.gov";
const FIRST_FEED_YEAR = 2002;
const BATCH = 1000;

const CVE_ID = /^CVE-\d{4}-\d{4,19}$/;
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})?$/;

const LangString = v.looseObject({ lang: v.optional(v.string()), value: v.string() });

const CvssData = v.looseObject({
  version: v.string(),
  vectorString: v.string(),
  baseScore: v.optional(v.number()),
  baseSeverity: v.optional(v.string()),
});
const Metric = v.looseObject({
  source: v.optional(v.string()),
  type: v.optional(v.string()),
  cvssData: CvssData,
  /** v2 keeps the severity beside cvssData. */
  baseSeverity: v.optional(v.string()),
});

const CveSchema = v.looseObject({
  id: v.pipe(v.string(), v.regex(CVE_ID, "is not a CVE id")),
  sourceIdentifier: v.optional(v.string()),
  published: v.optional(v.string()),
  lastModified: v.optional(v.string()),
  vulnStatus: v.optional(v.string()),
  descriptions: v.optional(v.array(LangString)),
  metrics: v.optional(
    v.looseObject({
      cvssMetricV40: v.optional(v.array(Metric)),
      cvssMetricV31: v.optional(v.array(Metric)),
      cvssMetricV30: v.optional(v.array(Metric)),
      cvssMetricV2: v.optional(v.array(Metric)),
    }),
  ),
  weaknesses: v.optional(
    v.array(
      v.looseObject({
        source: v.optional(v.string()),
        type: v.optional(v.string()),
        description: v.optional(v.array(LangString)),
      }),
    ),
  ),
  references: v.optional(v.array(v.looseObject({ url: v.string() }))),
});

type Cve = v.InferOutput<typeof CveSchema>;
type MetricRecord = v.InferOutput<typeof Metric>;

/** Which metric list holds which version, in the order the matcher prefers versions. */
const METRIC_LISTS: {
  key: "cvssMetricV31" | "cvssMetricV30" | "cvssMetricV40" | "cvssMetricV2";
  version: CvssVersion;
}[] = [
  { key: "cvssMetricV31", version: "3.1" },
  { key: "cvssMetricV30", version: "3.0" },
  { key: "cvssMetricV40", version: "4.0" },
  { key: "cvssMetricV2", version: "2.0" },
];

/** NVD writes UTC times without a zone ("2022-07-11T13:15:08.503"); make that explicit. */
export function nvdTimestamp(text: string | undefined): string | null {
  if (!text) return null;
  const m = TIMESTAMP.exec(text.trim());
  if (!m) return null;
  return `${m[1]}${m[2] ?? "Z"}`;
}

function severityWord(text: string | undefined): Severity | null {
  switch (text?.trim().toUpperCase()) {
    case "CRITICAL":
      return "critical";
    case "HIGH":
      return "high";
    case "MEDIUM":
      return "medium";
    case "LOW":
      return "low";
    case "NONE":
      return "negligible";
    default:
      return null;
  }
}

interface ScoredMetric {
  cvss: CvssScore;
  severity: Severity | null;
  primary: boolean;
}

function scoreMetric(
  metric: MetricRecord,
  listVersion: CvssVersion,
  warn: (m: string) => void,
  id: string,
): ScoredMetric | null {
  const vector = metric.cvssData.vectorString.trim();
  const source = metric.source?.trim() || NVD_SOURCE_IDENTIFIER;
  let score: number;
  let version: CvssVersion = listVersion;
  let severity: Severity | null;
  try {
    const result = scoreVector(vector);
    score = result.score;
    version = result.version;
    severity = severityOfRating(result.severity);
  } catch (err) {
    // A vector we cannot score keeps the score NVD published, if any.
    const published = metric.cvssData.baseScore;
    if (typeof published !== "number" || !Number.isFinite(published) || published < 0 || published > 10) {
      warn(`${id}: CVSS ${listVersion} metric from ${source} skipped (${describeError(err)})`);
      return null;
    }
    score = published;
    severity =
      severityWord(metric.cvssData.baseSeverity ?? metric.baseSeverity) ??
      severityOfRating(ratingOf(listVersion, published));
  }
  return {
    cvss: { version, vector, score, source: source === NVD_SOURCE_IDENTIFIER ? NVD_FEED_ID : source },
    severity,
    primary: (metric.type ?? "").toLowerCase() === "primary",
  };
}

/** Unwrap `{"cve": {…}}` (API pages, grype's fixtures) or take a bare CVE object (vuln-list). */
function cveObject(raw: unknown): unknown {
  if (raw !== null && typeof raw === "object" && "cve" in raw && !("id" in raw))
    return (raw as { cve: unknown }).cve;
  return raw;
}

/** Does this value look like an NVD CVE (wrapped or bare)? Used to skip other JSON in a directory. */
export function isNvdCve(raw: unknown): boolean {
  const cve = cveObject(raw);
  return (
    cve !== null &&
    typeof cve === "object" &&
    typeof (cve as { id?: unknown }).id === "string" &&
    ("descriptions" in cve || "metrics" in cve || "sourceIdentifier" in cve)
  );
}

/**
 * One CVE → its record. Throws a ShipshapeError naming `origin` when the object is not an NVD CVE;
 * metrics that cannot be read are dropped with a warning.
 */
export function parseNvdCve(
  raw: unknown,
  origin: string,
  warn: (m: string) => void = () => {},
): VulnerabilityRecord {
  const parsed = v.safeParse(CveSchema, cveObject(raw));
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = (issue.path ?? []).map((p) => String(p.key)).join(".") || "(record)";
    throw new ShipshapeError("input", `${origin}: ${path} ${issue.message}; not an NVD CVE record`);
  }
  return cveRecord(parsed.output, warn);
}

function cveRecord(cve: Cve, warn: (m: string) => void): VulnerabilityRecord {
  const english = cve.descriptions?.find((d) => (d.lang ?? "").toLowerCase().startsWith("en"));
  const description = (english ?? cve.descriptions?.[0])?.value.trim() || null;

  const scored: ScoredMetric[] = [];
  for (const { key, version } of METRIC_LISTS) {
    for (const metric of cve.metrics?.[key] ?? []) {
      const s = scoreMetric(metric, version, warn, cve.id);
      if (s) scored.push(s);
    }
  }
  // Primary (the analysis NVD shows first) before secondary; within each, the list order above.
  const ordered = [...scored.filter((s) => s.primary), ...scored.filter((s) => !s.primary)];
  const cvss: CvssScore[] = [];
  const seen = new Set<string>();
  for (const s of ordered) {
    const key = `${s.cvss.source}\0${s.cvss.version}\0${s.cvss.vector}`;
    if (seen.has(key)) continue;
    seen.add(key);
    cvss.push(s.cvss);
  }
  const preferred = ordered.find((s) => s.severity !== null);
  const severities = preferred?.severity ? [{ source: NVD_FEED_ID, severity: preferred.severity }] : [];

  const cwes: string[] = [];
  const weaknesses = [...(cve.weaknesses ?? [])].sort(
    (a, b) =>
      Number((b.type ?? "").toLowerCase() === "primary") - Number((a.type ?? "").toLowerCase() === "primary"),
  );
  for (const w of weaknesses) {
    for (const d of w.description ?? []) {
      const id = d.value.trim();
      // "NVD-CWE-noinfo" and "NVD-CWE-Other" say there is no CWE to name.
      if (/^CWE-\d+$/.test(id) && !cwes.includes(id)) cwes.push(id);
    }
  }
  const references = [
    ...new Set((cve.references ?? []).map((r) => r.url.trim()).filter((u) => /^https?:\/\//i.test(u))),
  ];
  return {
    id: cve.id,
    aliases: [],
    summary: null,
    description,
    published: nvdTimestamp(cve.published),
    modified: nvdTimestamp(cve.lastModified),
    severities,
    cvss,
    cwes,
    references,
  };
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

const NVD_FILE = /\.json(\.gz)?$/i;

async function nvdFiles(input: string, depth = 0, out: string[] = []): Promise<string[]> {
  const info = await lstat(input);
  if (info.isFile()) {
    // Inside a directory: JSON files, except vunnel's snapshots of what it made of them.
    if (depth === 0) out.push(input);
    else if (
      NVD_FILE.test(input) &&
      (input.endsWith(".gz") || !isVunnelRecord((await readHead(input, 8192)).toString("utf8")))
    )
      out.push(input);
    return out;
  }
  if (!info.isDirectory() || depth > 8) return out;
  const names = (await readdir(input)).filter((n) => !n.startsWith(".")).sort();
  for (const name of names) await nvdFiles(join(input, name), depth + 1, out);
  if (out.length > 2_000_000) throw new ShipshapeError("limit", `${input} holds more than 2,000,000 files`);
  return out;
}

/** Every CVE record of one file, streamed. Non-CVE JSON values are counted, not yielded. */
export async function* readNvdFile(
  path: string,
  warn: (m: string) => void,
): AsyncGenerator<VulnerabilityRecord | "not-nvd"> {
  const gzip = isGzip(await readHead(path, 2));
  const file = createReadStream(path, { highWaterMark: 256 * 1024 });
  const source = gzip ? file.pipe(createGunzip({ chunkSize: 256 * 1024 })) : file;
  if (gzip) file.on("error", (err) => source.destroy(err));
  try {
    for await (const value of jsonArrayItems(source, { origin: path, key: "vulnerabilities" })) {
      if (!isNvdCve(value.value)) {
        yield "not-nvd";
        continue;
      }
      try {
        yield parseNvdCve(value.value, path, warn);
      } catch (err) {
        if (!(err instanceof ShipshapeError)) throw err;
        warn(err.message);
      }
    }
  } catch (err) {
    if (err instanceof ShipshapeError) throw err;
    throw new ShipshapeError("input", `${path} cannot be read as NVD data (${describeError(err)})`);
  } finally {
    source.destroy();
    file.destroy();
  }
}

function looksLikeNvd(head: string): boolean {
  return (
    /"format"\s*:\s*"NVD_CVE"/.test(head) ||
    (/"id"\s*:\s*"CVE-\d{4}-/.test(head) &&
      /"sourceIdentifier"\s*:/.test(head) &&
      /"(published|lastModified)"\s*:/.test(head))
  );
}

/** The JSON 2.0 feeds: one gzip file per CVE year since 2002, refreshed daily by NVD. */
function yearlyDownloads(now = new Date()): FeedImporter["downloads"] {
  const out: FeedImporter["downloads"] = [];
  for (let year = FIRST_FEED_YEAR; year <= now.getUTCFullYear(); year++) {
    out.push({
      name: `nvdcve-2.0-${year}.json.gz`,
      url: `https://nvd.nist.gov/feeds/json/cve/2.0/nvdcve-2.0-${year}.json.gz`,
      compression: "gzip",
    });
  }
  return out;
}

export const nvdImporter: FeedImporter = {
  id: NVD_FEED_ID,
  title: "NVD CVE API 2.0 (CVSS, CWE, descriptions)",
  downloads: yearlyDownloads(),

  async detect(path: string): Promise<boolean> {
    try {
      const info = await lstat(path);
      if (info.isFile()) return await sniff(path);
      if (!info.isDirectory()) return false;
      // The first JSON files met (depth first, in name order) decide.
      let looked = 0;
      const look = async (dir: string, depth: number): Promise<boolean> => {
        const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
          a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
        );
        for (const e of entries) {
          if (e.name.startsWith(".") || looked >= DETECT_FILES) return false;
          const child = join(dir, e.name);
          if (e.isFile() && NVD_FILE.test(e.name)) {
            looked++;
            if (await sniff(child)) return true;
          } else if (e.isDirectory() && depth < 8 && (await look(child, depth + 1))) return true;
        }
        return false;
      };
      return await look(path, 1);
    } catch {
      return false;
    }
  },

  async import(inputs: string[], session: BuildSession, ctx: FeedContext): Promise<FeedImportResult> {
    const files: string[] = [];
    for (const input of inputs) {
      try {
        await nvdFiles(input, 0, files);
      } catch (err) {
        if (err instanceof ShipshapeError) throw err;
        throw new ShipshapeError("not-found", `NVD input ${input} cannot be read (${describeError(err)})`);
      }
    }
    // A CVE in several files (yearly and "modified" feeds) keeps its newest version.
    const newest = new Map<string, string>();
    let batch: VulnerabilityRecord[] = [];
    let records = 0;
    let notNvd = 0;
    let dataDate: string | null = null;
    const flush = async () => {
      if (batch.length === 0) return;
      await session.putVulnerabilities(NVD_FEED_ID, batch);
      records += batch.length;
      batch = [];
      ctx.progress?.(records);
    };
    for (const file of files) {
      for await (const record of readNvdFile(file, ctx.warn)) {
        if (record === "not-nvd") {
          notNvd++;
          continue;
        }
        const modified = record.modified ?? "";
        const previous = newest.get(record.id);
        if (previous !== undefined && previous > modified) continue;
        newest.set(record.id, modified);
        if (modified && (dataDate === null || modified > dataDate)) dataDate = modified;
        batch.push(record);
        if (batch.length >= BATCH) await flush();
      }
    }
    await flush();
    if (notNvd > 0) ctx.warn(`NVD import skipped ${notNvd} JSON value(s) that are not NVD CVE records`);
    if (newest.size === 0) {
      throw new ShipshapeError(
        "input",
        `no NVD CVE records in ${inputs.join(", ")} (expected API 2.0 pages or JSON 2.0 feeds)`,
      );
    }
    return { records: newest.size, dataDate };
  },
};

/** JSON files looked into when detecting a directory. */
const DETECT_FILES = 50;

async function sniff(path: string): Promise<boolean> {
  if (/^nvdcve-2\.0-[\w-]+\.json(\.gz)?$/.test(basename(path))) return true;
  if (!NVD_FILE.test(path) || path.endsWith(".gz")) return false;
  const head = (await readHead(path, 8192)).toString("utf8");
  return looksLikeNvd(head) && !isVunnelRecord(head);
}

/**
 * vunnel's own output (its test snapshots): `{"identifier": …, "item": {…}, "schema": …}` wrapping
 * what it read. The NVD provider's wraps a CVE, which is not NVD's format and not a feed to import.
 */
export function isVunnelRecord(head: string): boolean {
  return /"identifier"\s*:/.test(head) && /"item"\s*:\s*\{/.test(head);
}
