/**
 * Red Hat CSAF VEX → the `rhel:<major>` namespaces (binary package, module stream, repository CPEs),
 * plus the repository-to-CPE and NVR-to-CPE mappings that scope them to an image.
 *
 * Red Hat publishes one VEX document per CVE under https://security.access.redhat.com/data/csaf/v2/vex/:
 * a weekly archive (`archive_latest.txt` names `csaf_vex_<date>.tar.zst`), and `changes.csv` /
 * `deletions.csv` (`"2024/cve-2024-1234.json","<timestamp>"`, newest first) for what changed since.
 * `import` reads any mix of: the archive, loose documents (changed files, or a vuln-list-redhat
 * `csaf-vex/` tree), the two CSV files, and the mapping files (`repository-to-cpe.json` in Red Hat's
 * or Trivy's shape, `nvr-to-cpe.json`). A loose document replaces the archive's copy; a deletion newer
 * than the archive (and than the loose copy) removes the document. Red Hat security advisories in
 * CSAF (`rhsa-*.json`) are read the same way.
 *
 * A document that cannot be read is skipped with a warning (one summary line); an input with no
 * readable document at all is an error.
 */
import { lstat, open, readdir, readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { describeError, ShipshapeError } from "../../errors.js";
import { detectCompression } from "../../image/decompress.js";
import type { BuildSession } from "../store.js";
import type { FeedContext, FeedDownload, FeedImporter, FeedImportResult } from "./feed.js";
import { cpeMappingRecords, parseCpeMapping } from "./redhat-cpe.js";
import { csafArchiveMembers } from "./redhat-csaf-archive.js";
import {
  type CsafParseResult,
  parseRedHatCsaf,
  REDHAT_CSAF_SOURCE,
  type RhelAffectedRecord,
} from "./redhat-csaf-document.js";

export const REDHAT_CSAF_FEED_ID = REDHAT_CSAF_SOURCE;
export const REDHAT_VEX_BASE_URL = "https://security.access.redhat.com/data/csaf/v2/vex/";
export const REDHAT_REPOSITORY_TO_CPE_URL =
  "https://security.access.redhat.com/data/metrics/repository-to-cpe.json";

/** The largest real VEX documents (kernel CVEs) are tens of MiB. */
const MAX_DOCUMENT_BYTES = 256 * 1024 * 1024;
const MAX_SMALL_FILE_BYTES = 64 * 1024 * 1024;
const MAX_FILES = 2_000_000;
const BATCH = 2000;

const ARCHIVE = /\.tar\.(zst|gz)$|\.tgz$/i;

interface Inputs {
  archives: string[];
  documents: string[];
  repositoryMaps: string[];
  nvrMaps: string[];
  changes: string[];
  deletions: string[];
}

/** "2024/cve-2024-10041.json", "cve-2024-10041.json", "2024/CVE-2024-10041.json" → "cve-2024-10041". */
export function documentKey(path: string): string {
  return basename(path)
    .replace(/\.json$/i, "")
    .toLowerCase();
}

/** `changes.csv` / `deletions.csv`: "path","timestamp" per line → key → {path, time (ms)}. */
export function parseChangeList(text: string, origin: string): Map<string, { path: string; time: number }> {
  const out = new Map<string, { path: string; time: number }>();
  let lineNo = 0;
  for (const raw of text.split("\n")) {
    lineNo++;
    const line = raw.trim();
    if (line === "") continue;
    const m = /^"?([^",]+)"?\s*,\s*"?([^",]+)"?$/.exec(line);
    const time = m ? Date.parse(m[2]!.replace(/([+-]\d{2})(\d{2})$/, "$1:$2")) : Number.NaN;
    if (!m || Number.isNaN(time)) {
      throw new ShipshapeError(
        "input",
        `${origin} line ${lineNo}: expected "path","timestamp", found ${JSON.stringify(line.slice(0, 80))}`,
      );
    }
    const key = documentKey(m[1]!);
    const previous = out.get(key);
    if (previous === undefined || time > previous.time) out.set(key, { path: m[1]!, time });
  }
  return out;
}

/** The archive's date from its name (`csaf_vex_2025-02-15.tar.zst`), as ms since the epoch. */
export function archiveDate(path: string): number | null {
  const m = /(\d{4}-\d{2}-\d{2})/.exec(basename(path));
  if (!m) return null;
  const t = Date.parse(`${m[1]}T00:00:00Z`);
  return Number.isNaN(t) ? null : t;
}

async function classify(inputs: string[]): Promise<Inputs> {
  const out: Inputs = {
    archives: [],
    documents: [],
    repositoryMaps: [],
    nvrMaps: [],
    changes: [],
    deletions: [],
  };
  let count = 0;
  const add = (path: string, explicit: boolean) => {
    if (++count > MAX_FILES)
      throw new ShipshapeError("limit", `Red Hat CSAF input holds more than ${MAX_FILES} files`);
    const name = basename(path).toLowerCase();
    if (name === "repository-to-cpe.json") out.repositoryMaps.push(path);
    else if (name === "nvr-to-cpe.json") out.nvrMaps.push(path);
    else if (name === "changes.csv") out.changes.push(path);
    else if (name === "deletions.csv") out.deletions.push(path);
    else if (ARCHIVE.test(name)) out.archives.push(path);
    else if (name.endsWith(".json")) out.documents.push(path);
    else if (explicit && !name.endsWith(".txt")) {
      throw new ShipshapeError(
        "input",
        `${path} is not a Red Hat CSAF input (expected .json, .csv or a .tar.zst archive)`,
      );
    }
  };
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > 8) return;
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    for (const e of entries) {
      if (e.name.startsWith(".")) continue;
      const path = join(dir, e.name);
      if (e.isDirectory()) await walk(path, depth + 1);
      else if (e.isFile()) add(path, false);
    }
  };
  for (const input of inputs) {
    let info: Awaited<ReturnType<typeof lstat>>;
    try {
      info = await lstat(input);
    } catch (err) {
      throw new ShipshapeError(
        "not-found",
        `Red Hat CSAF input ${input} cannot be read (${describeError(err)})`,
      );
    }
    if (info.isDirectory()) await walk(input, 0);
    else if (info.isFile()) add(input, true);
  }
  return out;
}

async function readCapped(path: string, max: number): Promise<Buffer> {
  const info = await lstat(path);
  if (info.size > max)
    throw new ShipshapeError("limit", `${path} is ${info.size} bytes, over the ${max}-byte cap`);
  return readFile(path);
}

async function readHead(path: string, n: number): Promise<string> {
  const fh = await open(path, "r");
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead).toString("utf8");
  } finally {
    await fh.close();
  }
}

/** Does the file begin as the compression its name says (zstd for .zst, gzip for .gz/.tgz)? */
async function looksCompressed(path: string): Promise<boolean> {
  const fh = await open(path, "r");
  try {
    const buf = Buffer.alloc(4);
    const { bytesRead } = await fh.read(buf, 0, 4, 0);
    const found = detectCompression(buf.subarray(0, bytesRead));
    return /\.zst$/i.test(path) ? found === "zstd" : found === "gzip";
  } finally {
    await fh.close();
  }
}

function looksLikeCsaf(head: string): boolean {
  return (
    /"csaf_version"\s*:/.test(head) || (/"product_tree"\s*:/.test(head) && /"vulnerabilities"\s*:/.test(head))
  );
}

/** Writes records in batches and tallies what was skipped and why. */
class CsafWriter {
  private vulns: CsafParseResult["vulnerabilities"] = [];
  private affected: RhelAffectedRecord[] = [];
  written = 0;
  documents = 0;
  newest: string | null = null;
  readonly failures: string[] = [];
  failed = 0;
  readonly skipped = { noProduct: 0, notRpm: 0, source: 0, noMajor: 0 };

  constructor(
    private readonly session: BuildSession,
    private readonly ctx: FeedContext,
  ) {}

  async document(bytes: Buffer, origin: string): Promise<void> {
    let result: CsafParseResult;
    try {
      let doc: unknown;
      try {
        doc = JSON.parse(bytes.toString("utf8"));
      } catch (err) {
        throw new ShipshapeError("input", `${origin} is not JSON (${describeError(err)})`);
      }
      result = parseRedHatCsaf(doc, origin, this.ctx.warn);
    } catch (err) {
      if (!(err instanceof ShipshapeError)) throw err;
      this.failed++;
      if (this.failures.length < 3) this.failures.push(err.message);
      return;
    }
    this.documents++;
    for (const k of Object.keys(this.skipped) as (keyof typeof this.skipped)[])
      this.skipped[k] += result.skipped[k];
    if (result.date && (this.newest === null || result.date > this.newest)) this.newest = result.date;
    this.vulns.push(...result.vulnerabilities);
    this.affected.push(...result.affected);
    if (this.vulns.length >= BATCH || this.affected.length >= BATCH * 4) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.vulns.length > 0) await this.session.putVulnerabilities(REDHAT_CSAF_SOURCE, this.vulns);
    if (this.affected.length > 0) await this.session.putAffected(this.affected);
    this.written += this.vulns.length + this.affected.length;
    this.vulns = [];
    this.affected = [];
    this.ctx.progress?.(this.written);
  }
}

/**
 * After `downloads` are fetched into `dir`: the archive `archive_latest.txt` names and the documents
 * `changes.csv` lists as changed since that archive, as further downloads (`db update` fetches them
 * into the same directory before `import`).
 */
export async function redhatCsafFollowUpDownloads(
  dir: string,
  baseUrl = REDHAT_VEX_BASE_URL,
): Promise<FeedDownload[]> {
  const base = baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`;
  const latest = (await readCapped(join(dir, "archive_latest.txt"), 4096)).toString("utf8").trim();
  if (!/^[\w.-]+\.tar\.(zst|gz)$/.test(latest)) {
    throw new ShipshapeError(
      "input",
      `${join(dir, "archive_latest.txt")} names ${JSON.stringify(latest.slice(0, 80))}, not a CSAF archive`,
    );
  }
  const out: FeedDownload[] = [{ name: latest, url: base + latest }];
  const since = archiveDate(latest);
  let changes: Map<string, { path: string; time: number }>;
  try {
    changes = parseChangeList(
      (await readCapped(join(dir, "changes.csv"), MAX_SMALL_FILE_BYTES)).toString("utf8"),
      "changes.csv",
    );
  } catch (err) {
    if (err instanceof Error && "code" in err && err.code === "ENOENT") return out;
    throw err;
  }
  for (const { path, time } of changes.values()) {
    if (since !== null && !(time > since)) continue;
    // Paths come from the server: only "YYYY/name.json" shapes become URLs and file names.
    if (!/^[\w-]+(\/[\w.-]+)*\.json$/.test(path) || path.includes("..")) continue;
    out.push({ name: basename(path), url: base + path });
  }
  return out;
}

export const redhatCsafImporter: FeedImporter = {
  id: REDHAT_CSAF_FEED_ID,
  title: "Red Hat CSAF VEX",
  downloads: [
    { name: "archive_latest.txt", url: `${REDHAT_VEX_BASE_URL}archive_latest.txt` },
    { name: "changes.csv", url: `${REDHAT_VEX_BASE_URL}changes.csv` },
    { name: "deletions.csv", url: `${REDHAT_VEX_BASE_URL}deletions.csv` },
    { name: "repository-to-cpe.json", url: REDHAT_REPOSITORY_TO_CPE_URL },
  ],

  followUpDownloads: (dir: string) => redhatCsafFollowUpDownloads(dir),

  async detect(path: string): Promise<boolean> {
    try {
      const info = await lstat(path);
      if (info.isFile()) {
        const name = basename(path).toLowerCase();
        if (/^csaf_(vex|advisories)_.*\.tar\.(zst|gz)$/.test(name) || name === "repository-to-cpe.json")
          return true;
        return name.endsWith(".json") && looksLikeCsaf(await readHead(path, 4096));
      }
      if (!info.isDirectory()) return false;
      // A shallow look: Red Hat's names, or a CSAF document among the first few JSON files.
      let sniffed = 0;
      const look = async (dir: string, depth: number): Promise<boolean> => {
        const entries = (await readdir(dir, { withFileTypes: true })).slice(0, 500);
        for (const e of entries) {
          const name = e.name.toLowerCase();
          if (e.isFile()) {
            if (/^csaf_(vex|advisories)_.*\.tar\.(zst|gz)$/.test(name) || name === "archive_latest.txt")
              return true;
            if (name.endsWith(".json") && sniffed < 10) {
              sniffed++;
              if (looksLikeCsaf(await readHead(join(dir, e.name), 4096))) return true;
            }
          } else if (e.isDirectory() && depth < 2 && (await look(join(dir, e.name), depth + 1))) return true;
        }
        return false;
      };
      return await look(path, 0);
    } catch {
      return false;
    }
  },

  async import(inputs: string[], session: BuildSession, ctx: FeedContext): Promise<FeedImportResult> {
    const found = await classify(inputs);
    let mappings = 0;
    for (const [kind, files] of [
      ["repository", found.repositoryMaps],
      ["nvr", found.nvrMaps],
    ] as const) {
      for (const file of files) {
        const records = cpeMappingRecords(
          kind,
          parseCpeMapping(await readCapped(file, MAX_SMALL_FILE_BYTES), file),
          REDHAT_CSAF_SOURCE,
        );
        await session.putAffected(records);
        mappings += records.length;
      }
    }
    const times = async (files: string[]) => {
      const out = new Map<string, number>();
      for (const f of files) {
        for (const [k, { time }] of parseChangeList(
          (await readCapped(f, MAX_SMALL_FILE_BYTES)).toString("utf8"),
          f,
        )) {
          if ((out.get(k) ?? -Infinity) < time) out.set(k, time);
        }
      }
      return out;
    };
    const changed = await times(found.changes);
    const deleted = await times(found.deletions);

    const writer = new CsafWriter(session, ctx);
    // Loose documents first: they are newer than any archive copy.
    const loose = new Set<string>();
    for (const path of found.documents) {
      const key = documentKey(path);
      // A changed document deleted after its change is gone.
      const gone = deleted.get(key);
      const change = changed.get(key);
      if (gone !== undefined && change !== undefined && gone > change) continue;
      if (loose.has(key)) continue;
      loose.add(key);
      await writer.document(await readCapped(path, MAX_DOCUMENT_BYTES), path);
    }

    let newestArchive: number | null = null;
    const given = new Set(inputs);
    for (const archive of found.archives) {
      // Met inside a directory, a file named like an archive that is not one (vunnel's fixture keeps
      // a placeholder next to real documents) is passed over; a download or a file named on its own
      // must be one.
      if (!given.has(archive) && !(await looksCompressed(archive))) {
        ctx.warn(`${archive} is named like a CSAF archive but is not zstd or gzip data; skipped`);
        continue;
      }
      const date = archiveDate(archive);
      if (date !== null && (newestArchive === null || date > newestArchive)) newestArchive = date;
      const seen = new Set<string>();
      for await (const member of csafArchiveMembers(archive, {
        select: (name) => {
          if (!name.toLowerCase().endsWith(".json")) return false;
          const key = documentKey(name);
          if (loose.has(key) || seen.has(key)) return false;
          const gone = deleted.get(key);
          return !(gone !== undefined && date !== null && gone > date);
        },
        maxMemberBytes: MAX_DOCUMENT_BYTES,
        oversized: (name, size) =>
          ctx.warn(`${archive}: ${name} (${size} bytes) skipped, over the ${MAX_DOCUMENT_BYTES}-byte cap`),
      })) {
        seen.add(documentKey(member.name));
        await writer.document(member.bytes, `${archive}!${member.name}`);
      }
    }
    await writer.flush();

    if (newestArchive !== null) {
      const missing = [...changed].filter(([k, t]) => t > newestArchive! && !loose.has(k)).length;
      if (missing > 0) {
        ctx.warn(
          `${missing} Red Hat VEX document(s) changed after the archive of ${new Date(newestArchive).toISOString().slice(0, 10)} are not among the inputs; fetch them from changes.csv for current data`,
        );
      }
    }
    if (writer.failed > 0) {
      if (writer.documents === 0) {
        throw new ShipshapeError(
          "input",
          writer.failures[0] ?? `no readable CSAF document in ${inputs.join(", ")}`,
        );
      }
      ctx.warn(
        `${writer.failed} Red Hat CSAF document(s) skipped as unreadable, e.g. ${writer.failures.join("; ")}`,
      );
    }
    if (writer.documents === 0 && mappings === 0) {
      throw new ShipshapeError("not-found", `no Red Hat CSAF documents in ${inputs.join(", ")}`);
    }
    const s = writer.skipped;
    if (s.noMajor > 0)
      ctx.warn(`${s.noMajor} Red Hat product entries left out: their product names no RHEL release`);
    return { records: writer.written, dataDate: writer.newest };
  },
};
