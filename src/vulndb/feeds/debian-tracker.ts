/**
 * Debian security tracker importer. The tracker's JSON (`/tracker/data/json`) says, per SOURCE
 * package, per CVE (or TEMP- id), per release: resolved in a fixed version / `0` (never affected) /
 * open / undetermined, the urgency, `nodsa` (no advisory will be issued: `nodsa_reason` "ignored"
 * means it will not be fixed, "postponed" that it is deferred to a later update) and `end-of-life`
 * urgency when the release no longer supports the package. The DSA/DLA lists add which advisory
 * shipped a fixed version and when.
 *
 * The lists alone (the security-tracker repository's `data/DSA/list` and `data/DLA/list`, without the
 * tracker JSON, which that repository does not hold) cannot say which releases are affected, so they
 * give no affected records: they are imported as advisory records (debian-advisory-list.ts) and a
 * warning says the tracker JSON is needed for matching. A later import of the tracker JSON without the
 * lists reads those advisory records back from the database it replaces (FeedContext.previous) and
 * joins them as if the lists had been given, keeping them too.
 *
 * Mapping (namespace `debian:<version>` from the codename, `debian:unstable` for sid):
 *   resolved + "0"               → not-affected (never reported)
 *   resolved + version           → fixed at that version (advisory + date when a DSA/DLA shipped it)
 *   open, urgency end-of-life    → end-of-life
 *   open, nodsa_reason ignored   → will-not-fix
 *   open, nodsa_reason postponed → deferred
 *   open (other) / undetermined  → affected, no fix yet
 *   urgency unimportant → negligible, low/medium/high (trailing `*` dropped) as is, anything else
 *   ("not yet assigned", end-of-life) → unknown.
 *
 * The JSON is tens of MiB: it is streamed one source package at a time.
 */
import { createReadStream } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import { createGunzip, gunzipSync } from "node:zlib";
import { describeError, ShipshapeError } from "../../errors.js";
import type { AffectedRecord, AffectedStatus, Severity, VulnerabilityRecord } from "../records.js";
import type { BuildSession } from "../store.js";
import {
  ADVISORY_ID_PREFIXES,
  AdvisoryIndex,
  advisoryFromRecord,
  advisoryRecord,
  type DebianAdvisory,
  parseDebianAdvisoryList,
} from "./debian-advisory-list.js";
import { debianNamespace } from "./distro-codenames.js";
import type { FeedContext, FeedImporter, FeedImportResult } from "./feed.js";
import { listFeedFiles, readFeedFile, readHead } from "./feed-files.js";
import { jsonObjectMembers } from "./json-members.js";

export const DEBIAN_FEED_ID = "debian";

const TRACKER = "https://security-tracker.debian.org/tracker";
const SALSA_DATA = "https://salsa.debian.org/security-tracker-team/security-tracker/-/raw/master/data";

/** The DSA/DLA lists are a few MiB; far larger is not one. */
const MAX_LIST_BYTES = 256 * 1024 * 1024;
const BATCH = 2000;

/** One release's entry of the tracker JSON, as far as the mapping reads it. */
export interface TrackerRelease {
  status?: unknown;
  fixed_version?: unknown;
  urgency?: unknown;
  nodsa?: unknown;
  nodsa_reason?: unknown;
}

export interface ReleaseVerdict {
  status: AffectedStatus;
  fixedVersion: string | null;
  severity: Severity | null;
}

/** Tracker urgency → severity. */
export function severityOfUrgency(urgency: unknown): Severity | null {
  if (typeof urgency !== "string") return null;
  switch (urgency.trim().replace(/\*+$/, "")) {
    case "unimportant":
      return "negligible";
    case "low":
      return "low";
    case "medium":
      return "medium";
    case "high":
      return "high";
    default:
      return "unknown";
  }
}

/** What one release entry says (see the module comment), or null when it says nothing usable. */
export function releaseVerdict(entry: TrackerRelease): ReleaseVerdict | null {
  const severity = severityOfUrgency(entry.urgency);
  const fixed = typeof entry.fixed_version === "string" ? entry.fixed_version.trim() : "";
  switch (entry.status) {
    case "resolved":
      if (fixed === "0") return { status: "not-affected", fixedVersion: null, severity };
      if (fixed === "") return null; // resolved without a version: nothing a version can be compared with
      return { status: "fixed", fixedVersion: fixed, severity };
    case "open": {
      if (entry.urgency === "end-of-life") return { status: "end-of-life", fixedVersion: null, severity };
      if (entry.nodsa_reason === "ignored") return { status: "will-not-fix", fixedVersion: null, severity };
      if (entry.nodsa_reason === "postponed") return { status: "deferred", fixedVersion: null, severity };
      return { status: "affected", fixedVersion: null, severity };
    }
    case "undetermined":
      return { status: "affected", fixedVersion: null, severity };
    default:
      return null;
  }
}

const VULN_ID = /^(CVE-\d{4}-\d{4,}|TEMP-\d+-[0-9A-Fa-f]+)$/;

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

export interface PackageRecords {
  vulnerabilities: VulnerabilityRecord[];
  affected: AffectedRecord[];
  /** Release codenames the mapping does not know (skipped). */
  unknownReleases: string[];
}

/** The records one source package's tracker entry gives. Pure. */
export function trackerPackageRecords(
  pkg: string,
  entry: unknown,
  advisories: AdvisoryIndex,
  origin: string,
): PackageRecords {
  if (!isRecord(entry)) {
    throw new ShipshapeError(
      "input",
      `${origin}: package ${JSON.stringify(pkg)} is not a map of vulnerabilities`,
    );
  }
  const out: PackageRecords = { vulnerabilities: [], affected: [], unknownReleases: [] };
  for (const [id, vuln] of Object.entries(entry)) {
    if (!VULN_ID.test(id) || !isRecord(vuln)) continue;
    const releases = vuln.releases;
    // An empty list (`"releases": []`) or anything but a map: no release to say anything about.
    if (!isRecord(releases)) continue;
    let any = false;
    for (const [codename, rel] of Object.entries(releases)) {
      if (!isRecord(rel)) continue;
      const namespace = debianNamespace(codename);
      if (!namespace) {
        if (!out.unknownReleases.includes(codename)) out.unknownReleases.push(codename);
        continue;
      }
      const verdict = releaseVerdict(rel);
      if (!verdict) continue;
      const advisory =
        verdict.fixedVersion !== null ? advisories.find(codename, pkg, id, verdict.fixedVersion) : null;
      out.affected.push({
        vulnerabilityId: id,
        namespace,
        packageName: pkg,
        scheme: "deb",
        status: verdict.status,
        ranges: [],
        fixedVersion: verdict.fixedVersion,
        fixPublished: advisory?.date ?? null,
        severity: verdict.severity,
        moduleStream: null,
        cpes: [],
        source: DEBIAN_FEED_ID,
        advisory: advisory?.id ?? null,
      });
      any = true;
    }
    if (!any) continue;
    const references = [`${TRACKER}/${id}`];
    if (typeof vuln.debianbug === "number" && Number.isSafeInteger(vuln.debianbug)) {
      references.push(`https://bugs.debian.org/${vuln.debianbug}`);
    }
    out.vulnerabilities.push({
      id,
      aliases: [],
      summary: null,
      description: typeof vuln.description === "string" && vuln.description !== "" ? vuln.description : null,
      published: null,
      modified: null,
      severities: [],
      cvss: [],
      cwes: [],
      references,
    });
  }
  return out;
}

type InputKind = "tracker-json" | "advisory-list";

/** What a file is, from its first (decompressed) bytes: the tracker JSON (`{"pkg": {"CVE-…`), a DSA/DLA list, or neither. */
export function classifyDebianInput(head: Buffer): InputKind | null {
  const text = head.toString("utf8");
  if (/^\s*\{\s*("[^"\\]*"\s*:\s*\{\s*"[A-Z]+-\d|\}\s*$)/.test(text)) return "tracker-json";
  if (/^\[\d{1,2} [A-Z][a-z]{2} \d{4}\]\s+(DSA|DLA)-\d+/.test(text)) return "advisory-list";
  return null;
}

function isGzip(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** The first bytes of a file, gunzipped when it is gzip (the tracker JSON may be stored compressed). */
async function contentHead(path: string, bytes = 4096): Promise<Buffer> {
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
    // A damaged gzip: whatever came out before the damage decides.
  } finally {
    stream.destroy();
  }
  return Buffer.concat(parts).subarray(0, bytes);
}

/**
 * What a file is. `strict` (files met inside a directory, and detection): the tracker JSON must also
 * show a `releases` map in its first package, as the tracker's does; other distributions' JSON of
 * package → CVE (Echo's advisories) and empty objects are not it.
 */
async function classify(path: string, strict: boolean): Promise<InputKind | null> {
  try {
    const head = await contentHead(path);
    const kind = classifyDebianInput(head);
    if (strict && kind === "tracker-json" && !/"releases"\s*:\s*\{/.test(head.toString("utf8"))) return null;
    return kind;
  } catch {
    return null;
  }
}

/** Where the security-tracker repository keeps the lists, below its root or its data folder. */
const LIST_PLACES = [
  ["DSA", "list"],
  ["DLA", "list"],
  ["data", "DSA", "list"],
  ["data", "DLA", "list"],
];
/** A directory's own files looked into: no extension (`json`, `list`, `DSA`), `.json` or `.gz`. */
const MAYBE_TRACKER_FILE = /^[^.]+$|\.json$|\.gz$/i;
/** Files of one directory looked into at most. */
const DETECT_FILES = 1000;

/**
 * A tracker JSON or DSA/DLA list given as a file, or a directory holding one: among its own files, or
 * as `DSA/list`, `DLA/list`, `data/DSA/list`, `data/DLA/list` (the security-tracker repository). Not
 * deeper: the tracker's data sits at the top of its folder, and a deep walk of every folder
 * `db import` offers would cost seconds on big trees.
 */
async function detect(path: string): Promise<boolean> {
  try {
    const info = await lstat(path);
    if (info.isFile()) return (await classify(path, true)) !== null;
    if (!info.isDirectory()) return false;
    const entries = await readdir(path, { withFileTypes: true });
    const names = entries
      .filter((e) => e.isFile() && !e.name.startsWith(".") && MAYBE_TRACKER_FILE.test(e.name))
      .map((e) => e.name)
      .sort()
      .slice(0, DETECT_FILES);
    for (const name of names) if ((await classify(join(path, name), true)) !== null) return true;
    for (const place of LIST_PLACES) {
      const file = join(path, ...place);
      const found = await lstat(file).catch(() => null);
      if (found?.isFile() && (await classify(file, true)) === "advisory-list") return true;
    }
    return false;
  } catch {
    return false;
  }
}

function trackerStream(path: string, gzip: boolean): AsyncIterable<Buffer> {
  const raw = createReadStream(path, { highWaterMark: 1024 * 1024 });
  return gzip ? raw.pipe(createGunzip()) : raw;
}

async function importTracker(
  inputs: string[],
  session: BuildSession,
  ctx: FeedContext,
): Promise<FeedImportResult> {
  const files = await listFeedFiles(inputs);
  const given = new Set(inputs);
  const trackers: string[] = [];
  const lists: string[] = [];
  for (const file of files) {
    const kind = await classify(file, !given.has(file));
    if (kind === "tracker-json") trackers.push(file);
    else if (kind === "advisory-list") lists.push(file);
    else if (given.has(file)) {
      throw new ShipshapeError(
        "input",
        `${file} is neither the Debian security tracker JSON nor a DSA/DLA list (data/DSA/list, data/DLA/list)`,
      );
    }
  }
  if (trackers.length === 0 && lists.length === 0) {
    throw new ShipshapeError(
      "input",
      `no Debian security tracker JSON and no DSA/DLA list in ${inputs.join(", ")} (download ${TRACKER}/data/json)`,
    );
  }

  const advisories = new AdvisoryIndex();
  const listed = new Map<string, DebianAdvisory>();
  const addAdvisories = (found: DebianAdvisory[]) => {
    const fresh = found.filter((a) => !listed.has(a.id));
    for (const a of fresh) listed.set(a.id, a);
    advisories.add(fresh);
  };
  for (const list of lists) {
    let bytes = await readFeedFile(list, MAX_LIST_BYTES);
    if (isGzip(bytes)) {
      try {
        bytes = gunzipSync(bytes, { maxOutputLength: MAX_LIST_BYTES });
      } catch (err) {
        throw new ShipshapeError(
          "input",
          `${list}: damaged gzip data or larger than ${MAX_LIST_BYTES} bytes unpacked (${describeError(err)})`,
        );
      }
    }
    const text = bytes.toString("utf8");
    addAdvisories(parseDebianAdvisoryList(text, list));
  }
  // The tracker JSON without the lists: the advisories an earlier import kept stand in for them.
  if (lists.length === 0 && ctx.previous) {
    const previous = await ctx.previous.vulnerabilities(ADVISORY_ID_PREFIXES);
    addAdvisories(previous.map(advisoryFromRecord).filter((a): a is DebianAdvisory => a !== null));
  }

  let written = 0;
  // The advisories themselves, so that a later import of the tracker JSON alone can use them.
  const advisoryRecords = [...listed.values()].map(advisoryRecord);
  for (let i = 0; i < advisoryRecords.length; i += BATCH) {
    await session.putVulnerabilities(DEBIAN_FEED_ID, advisoryRecords.slice(i, i + BATCH));
  }
  written += advisoryRecords.length;
  if (trackers.length === 0) {
    ctx.warn(
      `no tracker JSON among the inputs: the ${advisoryRecords.length} DSA/DLA advisories are imported as advisory records only, and no Debian package can be matched until the tracker JSON (${TRACKER}/data/json) is imported too; an import of it alone will use these advisories`,
    );
    return { records: written, dataDate: advisories.newest };
  }

  let pending: AffectedRecord[] = [];
  let pendingVulns: VulnerabilityRecord[] = [];
  const seenVulns = new Set<string>();
  const unknown = new Set<string>();
  const flush = async () => {
    if (pending.length > 0) await session.putAffected(pending);
    if (pendingVulns.length > 0) await session.putVulnerabilities(DEBIAN_FEED_ID, pendingVulns);
    written += pending.length + pendingVulns.length;
    pending = [];
    pendingVulns = [];
    ctx.progress?.(written);
  };
  for (const tracker of trackers) {
    const gzip = isGzip(await readHead(tracker, 2));
    for await (const [pkg, entry] of jsonObjectMembers(trackerStream(tracker, gzip), { origin: tracker })) {
      const records = trackerPackageRecords(pkg, entry, advisories, tracker);
      for (const c of records.unknownReleases) unknown.add(c);
      pending.push(...records.affected);
      for (const v of records.vulnerabilities) {
        if (seenVulns.has(v.id)) continue;
        seenVulns.add(v.id);
        pendingVulns.push(v);
      }
      if (pending.length >= BATCH || pendingVulns.length >= BATCH) await flush();
    }
  }
  await flush();
  if (unknown.size > 0) {
    ctx.warn(`releases with no known version skipped: ${[...unknown].sort().join(", ")}`);
  }
  return { records: written, dataDate: advisories.newest };
}

export const debianTrackerImporter: FeedImporter = {
  id: DEBIAN_FEED_ID,
  title: "Debian security tracker (with DSA/DLA advisories)",
  downloads: [
    { name: "debian-tracker.json", url: `${TRACKER}/data/json` },
    { name: "DSA-list", url: `${SALSA_DATA}/DSA/list` },
    { name: "DLA-list", url: `${SALSA_DATA}/DLA/list` },
  ],
  detect,
  import: importTracker,
};
