/**
 * Alpine Linux secdb importer: which origin package version fixed which vulnerability, per branch
 * (`alpine:3.20`, `alpine:edge`), from the secdb JSON Alpine publishes today and from the legacy YAML
 * layout (v3.3–v3.11). Alpine publishes no severities and no dates: severity comes from other feeds
 * (NVD), and fixes carry no publication date. A `0` fix means "never affected" and is stored as an
 * explicit not-affected record.
 */
import { lstat, readdir } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { ShipshapeError } from "../../errors.js";
import type { AffectedRecord, VulnerabilityRecord } from "../records.js";
import type { BuildSession } from "../store.js";
import { branchOf, parseSecdbValue, type SecdbDocument, secdbFromValue } from "./alpine-secfixes.js";
import type { FeedContext, FeedDownload, FeedImporter, FeedImportResult } from "./feed.js";
import { listFeedFiles, readFeedFile, readHead } from "./feed-files.js";

export const ALPINE_FEED_ID = "alpine";

/** Branches secdb publishes that are worth fetching (supported or recently supported, plus edge). */
export const ALPINE_SECDB_BRANCHES = [
  "v3.10",
  "v3.11",
  "v3.12",
  "v3.13",
  "v3.14",
  "v3.15",
  "v3.16",
  "v3.17",
  "v3.18",
  "v3.19",
  "v3.20",
  "v3.21",
  "v3.22",
  "edge",
];

/** A secdb branch file is about 1 MiB; anything far larger is not one. */
const MAX_SECDB_FILE = 64 * 1024 * 1024;

function downloads(): FeedDownload[] {
  return ALPINE_SECDB_BRANCHES.flatMap((b) =>
    ["main", "community"].map((repo) => ({
      name: `${b}-${repo}.json`,
      url: `https://secdb.alpinelinux.org/${b}/${repo}.json`,
    })),
  );
}

/** "…/v3.9/main.yaml" or "v3.9-main.json" → "3.9". */
export function branchFromPath(path: string): string | null {
  const fromDir = branchOf(basename(dirname(path)));
  if (fromDir) return fromDir;
  const m = /^(v\d+\.\d+|edge)-/.exec(basename(path));
  return m ? branchOf(m[1]!) : null;
}

export interface SecdbRecords {
  vulnerabilities: VulnerabilityRecord[];
  affected: AffectedRecord[];
}

/** The database records one secdb document says, for one branch. Pure. */
export function secdbRecords(doc: SecdbDocument, branch: string, source = ALPINE_FEED_ID): SecdbRecords {
  const namespace = `alpine:${branch}`;
  const vulns = new Map<string, VulnerabilityRecord>();
  const affected = new Map<string, AffectedRecord>();
  for (const pkg of doc.packages) {
    for (const fix of pkg.fixes) {
      const never = fix.fixedVersion === "0";
      const key = `${pkg.name}\0${fix.id}\0${fix.fixedVersion}`;
      if (!affected.has(key)) {
        affected.set(key, {
          vulnerabilityId: fix.id,
          namespace,
          packageName: pkg.name,
          scheme: "apk",
          status: never ? "not-affected" : "fixed",
          ranges: [],
          fixedVersion: never ? null : fix.fixedVersion,
          fixPublished: null,
          severity: null,
          moduleStream: null,
          cpes: [],
          source,
          advisory: null,
        });
      }
      const v = vulns.get(fix.id) ?? {
        id: fix.id,
        aliases: [],
        summary: null,
        description: null,
        published: null,
        modified: null,
        severities: [],
        cvss: [],
        cwes: [],
        references: fix.id.startsWith("CVE-") ? [`https://security.alpinelinux.org/vuln/${fix.id}`] : [],
      };
      for (const a of fix.aliases) if (a !== v.id && !v.aliases.includes(a)) v.aliases.push(a);
      vulns.set(fix.id, v);
    }
  }
  return { vulnerabilities: [...vulns.values()], affected: [...affected.values()] };
}

/** Does a file's beginning look like a secdb document (JSON or YAML, branch file or per-package)? */
function looksLikeSecdb(head: string): boolean {
  return /["']?secfixes["']?\s*:/.test(head) || (/distroversion/.test(head) && /packages/.test(head));
}

const SECDB_NAME = /\.(json|ya?ml)$/i;

async function mayBeSecdb(path: string): Promise<boolean> {
  if (!SECDB_NAME.test(path)) return false;
  try {
    return looksLikeSecdb((await readHead(path, 8192)).toString("utf8"));
  } catch {
    return false;
  }
}

/**
 * Whose packages a secdb document describes. Wolfi, Chainguard, MinimOS and secureos publish secdb
 * documents of the same shape for their own packages (their `urlprefix` is their repository, their
 * `distroversion` is absent or not an Alpine branch): those are not Alpine's data.
 */
export function secdbOwner(value: unknown): "alpine" | "other" {
  if (typeof value !== "object" || value === null) return "other";
  const prefix = (value as { urlprefix?: unknown }).urlprefix;
  if (typeof prefix !== "string") return "alpine";
  try {
    const host = new URL(prefix.trim()).hostname.toLowerCase();
    return host === "alpinelinux.org" || host.endsWith(".alpinelinux.org") ? "alpine" : "other";
  } catch {
    return "other";
  }
}

/**
 * The Alpine secdb document in `file` with the branch it describes, or why it is not one: it does not
 * parse, is another distribution's, or says no branch (neither `distroversion` nor a v3.NN/edge
 * folder or name prefix).
 */
async function readAlpineSecdb(
  file: string,
): Promise<{ doc: SecdbDocument; branch: string } | { problem: ShipshapeError }> {
  try {
    const bytes = await readFeedFile(file, MAX_SECDB_FILE);
    const value = parseSecdbValue(bytes, file);
    if (secdbOwner(value) !== "alpine") {
      const prefix = (value as { urlprefix?: unknown }).urlprefix;
      return {
        problem: new ShipshapeError(
          "input",
          `Alpine secdb ${file}: its packages come from ${JSON.stringify(String(prefix).slice(0, 80))}, not Alpine's repositories; it is another distribution's secdb, which this importer does not read`,
        ),
      };
    }
    const doc = secdbFromValue(value, file);
    const branch = doc.branch ?? branchFromPath(file);
    if (!branch) {
      return {
        problem: new ShipshapeError(
          "input",
          `Alpine secdb ${file}: no distroversion and no v3.NN/edge in its path; the branch it describes is unknown`,
        ),
      };
    }
    return { doc, branch };
  } catch (err) {
    if (err instanceof ShipshapeError) return { problem: err };
    throw err;
  }
}

/**
 * Verdicts on files already parsed, by path, size and modification time: `db import` asks about a
 * folder, then each folder inside it, and the same first document answers each time.
 */
const verdicts = new Map<string, boolean>();
async function judged(file: string): Promise<boolean> {
  const info = await lstat(file);
  const key = `${file}\0${info.size}\0${info.mtimeMs}`;
  let verdict = verdicts.get(key);
  if (verdict === undefined) {
    verdict = "doc" in (await readAlpineSecdb(file));
    if (verdicts.size >= 1024) verdicts.clear();
    verdicts.set(key, verdict);
  }
  return verdict;
}

/** Alpine's secdb is a document per branch and repository, at most a few folders deep. */
const DETECT_DEPTH = 4;
/** Candidate files (secdb-looking heads) parsed at most per detection, and entries looked at. */
const DETECT_CANDIDATES = 50;
const DETECT_ENTRIES = 20_000;

/**
 * Whether `path` is, or holds within a few folders, an Alpine secdb document that reads as one
 * (parsed, Alpine's, with a known branch): Trivy's deliberately broken copies and other
 * distributions' secdb documents are not claimed.
 */
async function detect(path: string): Promise<boolean> {
  let candidates = 0;
  let entries = 0;
  const isAlpine = async (file: string) => {
    if (!(await mayBeSecdb(file)) || ++candidates > DETECT_CANDIDATES) return false;
    return await judged(file);
  };
  const look = async (dir: string, depth: number): Promise<boolean> => {
    const list = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    for (const e of list) {
      if (e.name.startsWith(".") || ++entries > DETECT_ENTRIES || candidates > DETECT_CANDIDATES)
        return false;
      const child = join(dir, e.name);
      if (e.isFile() && (await isAlpine(child))) return true;
      if (e.isDirectory() && depth < DETECT_DEPTH && (await look(child, depth + 1))) return true;
    }
    return false;
  };
  try {
    const info = await lstat(path);
    if (info.isFile()) return await isAlpine(path);
    return info.isDirectory() && (await look(path, 1));
  } catch {
    return false;
  }
}

async function importSecdb(
  inputs: string[],
  session: BuildSession,
  ctx: FeedContext,
): Promise<FeedImportResult> {
  const files = await listFeedFiles(inputs);
  const given = new Set(inputs);
  const seenAffected = new Set<string>();
  const vulns = new Map<string, VulnerabilityRecord>();
  let affectedCount = 0;
  let documents = 0;
  let passedOver = 0;
  for (const file of files) {
    // Inside a directory, files that are not Alpine secdb documents (READMEs, snapshots, other
    // distributions' secdb, damaged copies) are passed over; a file named on its own must be one.
    if (!given.has(file) && !(await mayBeSecdb(file))) continue;
    const read = await readAlpineSecdb(file);
    if ("problem" in read) {
      if (given.has(file)) throw read.problem;
      passedOver++;
      continue;
    }
    const { doc, branch } = read;
    documents++;
    const records = secdbRecords(doc, branch);
    const fresh = records.affected.filter((r) => {
      const key = `${r.namespace}\0${r.packageName}\0${r.vulnerabilityId}\0${r.fixedVersion ?? "0"}`;
      if (seenAffected.has(key)) return false;
      seenAffected.add(key);
      return true;
    });
    await session.putAffected(fresh);
    affectedCount += fresh.length;
    for (const v of records.vulnerabilities) {
      const prev = vulns.get(v.id);
      if (prev) {
        for (const a of v.aliases) if (!prev.aliases.includes(a)) prev.aliases.push(a);
      } else vulns.set(v.id, v);
    }
    ctx.progress?.(affectedCount);
  }
  if (documents === 0) {
    throw new ShipshapeError("input", `no Alpine secdb documents found in ${inputs.join(", ")}`);
  }
  if (passedOver > 0) {
    ctx.warn(`${passedOver} secdb-like file(s) passed over: not Alpine's, damaged, or of no known branch`);
  }
  await session.putVulnerabilities(ALPINE_FEED_ID, [...vulns.values()]);
  return { records: affectedCount + vulns.size, dataDate: null };
}

export const alpineSecdbImporter: FeedImporter = {
  id: ALPINE_FEED_ID,
  title: "Alpine Linux security database (secdb)",
  downloads: downloads(),
  detect,
  import: importSecdb,
};
