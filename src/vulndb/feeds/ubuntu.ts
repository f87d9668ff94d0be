/**
 * Ubuntu importer: Canonical's OSV feed (`osv-all.tar.xz`, or the per-file layout of the
 * ubuntu-security-notices repository: `osv/cve/YYYY/UBUNTU-CVE-….json`, `osv/usn/USN-….json`), with
 * the OpenVEX feed (`vex-all.tar.xz`, `vex/cve/YYYY/CVE-….json`) for what OSV cannot say.
 *
 * - Namespaces: ecosystem `Ubuntu:22.04:LTS` → `ubuntu:22.04` (what an image's os-release gives);
 *   plain Ubuntu Pro (ESM) `Ubuntu:Pro:16.04:LTS` → `ubuntu-pro:16.04`. Other channels (FIPS,
 *   Realtime, BlueField) are separate builds no image detection names yet, and are skipped.
 * - Packages are SOURCE packages; versions dpkg. A `fixed` event makes the record fixed at that version.
 * - OSV folds the tracker's needs-triage/needed/pending/deferred/ignored into "affected, no fix".
 *   The VEX statement for the same (release, source package, CVE) tells them apart where Canonical
 *   says so: "decided to not fix it" → will-not-fix, "no longer supported" → end-of-life,
 *   not_affected + vulnerable_code_not_present → not-affected. The rest stays affected
 *   (deferred and needs-triage are not distinguishable in either feed).
 * - A package that only Ubuntu Pro fixes (an entry in `Ubuntu:Pro:X` and none in `Ubuntu:X`) is
 *   will-not-fix in the free archive: a base record affects every version below the Pro fix (OSV
 *   `limit`), so an installed ESM build at or above it is not reported.
 * - Severity: the CVE's `Ubuntu` priority (negligible…critical; untriaged → unknown).
 * - The fix's advisory and date: the USN that lists that exact (release, package, fixed version).
 */
import { ShipshapeError } from "../../errors.js";
import type {
  AffectedRecord,
  AffectedStatus,
  Severity,
  VersionRange,
  VulnerabilityRecord,
} from "../records.js";
import type { BuildSession } from "../store.js";
import { ubuntuRelease } from "./distro-codenames.js";
import type { FeedContext, FeedImporter, FeedImportResult } from "./feed.js";
import { listFeedFiles, readFeedFile } from "./feed-files.js";
import { archiveDocuments, isTarArchive } from "./tar-documents.js";

export const UBUNTU_FEED_ID = "ubuntu";

const MAX_DOCUMENT = 32 * 1024 * 1024;
const BATCH = 2000;

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}
function strings(x: unknown): string[] {
  return Array.isArray(x) ? x.filter((s): s is string => typeof s === "string") : [];
}

/** `Ubuntu:22.04:LTS` → `ubuntu:22.04`, `Ubuntu:Pro:16.04:LTS` → `ubuntu-pro:16.04`; other channels null. */
export function ubuntuNamespace(ecosystem: string): string | null {
  const m = /^Ubuntu((?::[A-Za-z][^:]*)*):(\d+\.\d+)(?::LTS)?$/.exec(ecosystem);
  if (!m) return null;
  if (m[1] === "") return `ubuntu:${m[2]}`;
  if (m[1] === ":Pro") return `ubuntu-pro:${m[2]}`;
  return null;
}

/** A purl's `distro=` label (`jammy`, `esm-infra/xenial`, `trusty/esm`) → namespace, or null. */
export function vexDistroNamespace(label: string): string | null {
  const parts = label.split("/");
  if (parts.length === 1) {
    const v = ubuntuRelease(parts[0]!);
    return v ? `ubuntu:${v}` : null;
  }
  if (parts.length !== 2) return null;
  const [a, b] = parts as [string, string];
  const pro = ["esm-infra", "esm-apps", "esm-infra-legacy"].includes(a) ? b : b === "esm" ? a : null;
  if (!pro) return null;
  const v = ubuntuRelease(pro);
  return v ? `ubuntu-pro:${v}` : null;
}

export function severityOfPriority(priority: string): Severity {
  switch (priority.trim().toLowerCase()) {
    case "negligible":
      return "negligible";
    case "low":
      return "low";
    case "medium":
      return "medium";
    case "high":
      return "high";
    case "critical":
      return "critical";
    default:
      return "unknown";
  }
}

/** OSV range events → ranges (introduced … fixed/last_affected, limit). */
export function rangesOfEvents(events: unknown): VersionRange[] {
  const out: VersionRange[] = [];
  let current: VersionRange | null = null;
  for (const e of Array.isArray(events) ? events : []) {
    if (!isRecord(e)) continue;
    if (typeof e.introduced === "string") {
      if (current) out.push(current);
      current = { introduced: e.introduced };
    } else if (typeof e.fixed === "string") {
      out.push({ ...(current ?? { introduced: "0" }), fixed: e.fixed });
      current = null;
    } else if (typeof e.last_affected === "string") {
      out.push({ ...(current ?? { introduced: "0" }), lastAffected: e.last_affected });
      current = null;
    } else if (typeof e.limit === "string") {
      if (current) current.limit = e.limit;
    }
  }
  if (current) out.push(current);
  return out;
}

export type UbuntuDocumentKind = "cve" | "usn" | "vex";

/** What a parsed document is: an Ubuntu CVE OSV record, a USN OSV record, an OpenVEX document. */
export function ubuntuDocumentKind(value: unknown): UbuntuDocumentKind | null {
  if (!isRecord(value)) return null;
  if (typeof value.id === "string" && Array.isArray(value.affected)) {
    if (value.id.startsWith("UBUNTU-CVE-")) return "cve";
    if (/^USN-\d+-\d+$/.test(value.id)) return "usn";
    return null;
  }
  const ctx = value["@context"];
  if (typeof ctx === "string" && ctx.includes("openvex") && Array.isArray(value.statements)) return "vex";
  return null;
}

type Disposition = "will-not-fix" | "end-of-life" | "not-affected";

const WONT_FIX =
  /^This package \(for the given release\) is vulnerable to the CVE, the problem is understood, but the Ubuntu Security Team decided to not fix it/;
const NO_LONGER_SUPPORTED = /^This package \(for the given release\) is no longer supported/;

/** What a VEX statement says that OSV cannot, or null (affected-and-needed, fixed, not present…). */
export function vexDisposition(status: unknown, justification: unknown, action: unknown): Disposition | null {
  if (status === "not_affected") return justification === "component_not_present" ? null : "not-affected";
  if (status === "affected" && typeof action === "string") {
    if (WONT_FIX.test(action)) return "will-not-fix";
    if (NO_LONGER_SUPPORTED.test(action)) return "end-of-life";
  }
  return null;
}

/** What Canonical's VEX and USN feeds add to the OSV CVE records. */
export class UbuntuOverlay {
  private readonly dispositions = new Map<string, Disposition>();
  private readonly fixes = new Map<string, { id: string; date: string }>();
  /** The newest date seen in any document (the data's own date). */
  newest: string | null = null;

  noteDate(date: unknown): void {
    if (
      typeof date === "string" &&
      /^\d{4}-\d\d-\d\d/.test(date) &&
      (this.newest === null || date > this.newest)
    )
      this.newest = date;
  }

  addVex(doc: Record<string, unknown>): void {
    this.noteDate(doc.timestamp);
    for (const s of Array.isArray(doc.statements) ? doc.statements : []) {
      if (!isRecord(s) || !isRecord(s.vulnerability)) continue;
      const cve = s.vulnerability.name;
      if (typeof cve !== "string") continue;
      const d = vexDisposition(s.status, s.justification, s.action_statement);
      if (!d) continue;
      for (const p of Array.isArray(s.products) ? s.products : []) {
        const purl = isRecord(p) ? p["@id"] : null;
        if (typeof purl !== "string") continue;
        const m = /^pkg:deb\/ubuntu\/([^@?]+)@[^?]*\?(.*)$/.exec(purl);
        if (!m || !/(^|&)arch=source(&|$)/.test(m[2]!)) continue;
        const distro = /(?:^|&)distro=([^&]+)/.exec(m[2]!)?.[1];
        const ns = distro ? vexDistroNamespace(decodeURIComponent(distro)) : null;
        if (ns) this.dispositions.set(`${ns}\0${decodeURIComponent(m[1]!)}\0${cve}`, d);
      }
    }
  }

  addUsn(doc: Record<string, unknown>): void {
    const id = doc.id as string;
    const date = typeof doc.published === "string" ? doc.published.slice(0, 10) : null;
    this.noteDate(doc.modified ?? doc.published);
    if (!date) return;
    for (const a of Array.isArray(doc.affected) ? doc.affected : []) {
      if (!isRecord(a) || !isRecord(a.package)) continue;
      const ns = typeof a.package.ecosystem === "string" ? ubuntuNamespace(a.package.ecosystem) : null;
      const name = a.package.name;
      if (!ns || typeof name !== "string") continue;
      for (const r of Array.isArray(a.ranges) ? a.ranges : []) {
        if (!isRecord(r)) continue;
        for (const range of rangesOfEvents(r.events)) {
          if (!range.fixed) continue;
          const key = `${ns}\0${name}\0${range.fixed}`;
          const prev = this.fixes.get(key);
          if (!prev || date < prev.date || (date === prev.date && id < prev.id))
            this.fixes.set(key, { id, date });
        }
      }
    }
  }

  disposition(namespace: string, pkg: string, cve: string): Disposition | null {
    return this.dispositions.get(`${namespace}\0${pkg}\0${cve}`) ?? null;
  }

  fix(namespace: string, pkg: string, version: string): { id: string; date: string } | null {
    return this.fixes.get(`${namespace}\0${pkg}\0${version}`) ?? null;
  }
}

export interface UbuntuCveRecords {
  vulnerability: VulnerabilityRecord;
  affected: AffectedRecord[];
}

/** The id findings carry: the upstream CVE (`UBUNTU-CVE-2021-3782` → `CVE-2021-3782`). */
function vulnerabilityIdOf(osvId: string, upstream: string[]): string {
  const cves = upstream.filter((u) => /^CVE-\d{4}-\d{4,}$/.test(u));
  if (cves.length === 1) return cves[0]!;
  const derived = osvId.replace(/^UBUNTU-/, "");
  return /^CVE-\d{4}-\d{4,}$/.test(derived) ? derived : osvId;
}

/** The records one `UBUNTU-CVE-…` OSV document gives. Pure (given the overlay). */
export function ubuntuCveRecords(doc: unknown, overlay: UbuntuOverlay, origin: string): UbuntuCveRecords {
  if (!isRecord(doc) || typeof doc.id !== "string" || !Array.isArray(doc.affected)) {
    throw new ShipshapeError("input", `${origin}: not an OSV record (no id or affected list)`);
  }
  const id = vulnerabilityIdOf(doc.id, strings(doc.upstream));
  let severity: Severity | null = null;
  for (const s of Array.isArray(doc.severity) ? doc.severity : []) {
    if (isRecord(s) && s.type === "Ubuntu" && typeof s.score === "string")
      severity = severityOfPriority(s.score);
  }
  const base = (ns: string, pkg: string): Omit<AffectedRecord, "status" | "ranges" | "fixedVersion"> => ({
    vulnerabilityId: id,
    namespace: ns,
    packageName: pkg,
    scheme: "deb",
    fixPublished: null,
    severity,
    moduleStream: null,
    cpes: [],
    source: UBUNTU_FEED_ID,
    advisory: null,
  });
  const affected: AffectedRecord[] = [];
  const seen = new Set<string>();
  const proOnly: { version: string; pkg: string; fix: string | null }[] = [];
  for (const a of doc.affected) {
    if (!isRecord(a) || !isRecord(a.package)) continue;
    const ecosystem = a.package.ecosystem;
    const pkg = a.package.name;
    if (typeof ecosystem !== "string" || typeof pkg !== "string" || pkg === "") continue;
    const ns = ubuntuNamespace(ecosystem);
    if (!ns) continue;
    const ranges = (Array.isArray(a.ranges) ? a.ranges : [])
      .filter((r) => isRecord(r) && (r.type === "ECOSYSTEM" || r.type === undefined))
      .flatMap((r) => rangesOfEvents((r as Record<string, unknown>).events));
    const fix = ranges.find((r) => r.fixed !== undefined)?.fixed ?? null;
    seen.add(`${ns}\0${pkg}`);
    if (ns.startsWith("ubuntu-pro:")) proOnly.push({ version: ns.slice("ubuntu-pro:".length), pkg, fix });
    let status: AffectedStatus = "fixed";
    if (fix === null) status = overlay.disposition(ns, pkg, id) ?? "affected";
    const usn = fix !== null ? overlay.fix(ns, pkg, fix) : null;
    affected.push({
      ...base(ns, pkg),
      status,
      ranges: status === "not-affected" ? [] : ranges,
      fixedVersion: fix,
      fixPublished: usn?.date ?? null,
      advisory: usn?.id ?? null,
    });
  }
  // Fixed only in Ubuntu Pro: the free archive will not get the fix.
  for (const { version, pkg, fix } of proOnly) {
    const ns = `ubuntu:${version}`;
    if (seen.has(`${ns}\0${pkg}`)) continue;
    const stated = overlay.disposition(ns, pkg, id);
    if (stated === "not-affected") continue;
    affected.push({
      ...base(ns, pkg),
      status: stated ?? "will-not-fix",
      ranges: fix !== null ? [{ introduced: "0", limit: fix }] : [],
      fixedVersion: null,
    });
  }
  const aliases = [doc.id, ...strings(doc.aliases)].filter((a) => a !== id);
  const references = (Array.isArray(doc.references) ? doc.references : [])
    .map((r) => (isRecord(r) && typeof r.url === "string" ? r.url : null))
    .filter((u): u is string => u !== null);
  const vulnerability: VulnerabilityRecord = {
    id,
    aliases: [...new Set(aliases)],
    summary: typeof doc.summary === "string" ? doc.summary : null,
    description: typeof doc.details === "string" && doc.details !== "" ? doc.details : null,
    published: typeof doc.published === "string" ? doc.published : null,
    modified: typeof doc.modified === "string" ? doc.modified : null,
    severities: [],
    cvss: [],
    cwes: [],
    references,
  };
  return { vulnerability, affected };
}

function parseJson(bytes: Buffer, origin: string): unknown {
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    throw new ShipshapeError("input", `${origin}: not valid JSON (${(err as Error).message})`);
  }
}

const CVE_MEMBER = /(^|\/)cve\/(\d{4}\/)?UBUNTU-CVE-[^/]+\.json$/;
const OVERLAY_MEMBER = /((^|\/)usn\/USN-[^/]+\.json|(^|\/)vex\/.*\.json)$/;

async function detect(path: string): Promise<boolean> {
  try {
    const files = await listFeedFiles([path], { maxFiles: 10_000, maxDepth: 5 });
    for (const f of files) {
      if (/osv-all\.tar\.xz$/.test(f) || CVE_MEMBER.test(f)) return true;
    }
    return false;
  } catch {
    return false;
  }
}

async function importUbuntu(
  inputs: string[],
  session: BuildSession,
  ctx: FeedContext,
): Promise<FeedImportResult> {
  const files = await listFeedFiles(inputs);
  const given = new Set(inputs);
  const overlay = new UbuntuOverlay();
  const archivesWithCves: string[] = [];
  const cveFiles: string[] = [];

  // Pass 1: VEX statements and USNs, which the CVE records are read against.
  for (const file of files) {
    if (await isTarArchive(file)) {
      let hasCves = false;
      for await (const doc of archiveDocuments(file, {
        maxDocumentBytes: MAX_DOCUMENT,
        select: (name) => {
          if (CVE_MEMBER.test(name)) hasCves = true;
          return OVERLAY_MEMBER.test(name);
        },
      })) {
        const value = parseJson(doc.bytes, `${file}!${doc.name}`);
        const kind = ubuntuDocumentKind(value);
        if (kind === "vex") overlay.addVex(value as Record<string, unknown>);
        else if (kind === "usn") overlay.addUsn(value as Record<string, unknown>);
      }
      if (hasCves) archivesWithCves.push(file);
      continue;
    }
    if (!/\.json$/i.test(file)) {
      if (given.has(file))
        throw new ShipshapeError(
          "input",
          `${file} is neither an Ubuntu OSV/VEX document nor a tarball of them`,
        );
      continue;
    }
    const value = parseJson(await readFeedFile(file, MAX_DOCUMENT), file);
    const kind = ubuntuDocumentKind(value);
    if (kind === "vex") overlay.addVex(value as Record<string, unknown>);
    else if (kind === "usn") overlay.addUsn(value as Record<string, unknown>);
    else if (kind === "cve") cveFiles.push(file);
    else if (given.has(file))
      throw new ShipshapeError("input", `${file} is not an Ubuntu OSV record or OpenVEX document`);
  }
  if (archivesWithCves.length === 0 && cveFiles.length === 0) {
    throw new ShipshapeError(
      "input",
      `no Ubuntu CVE records (UBUNTU-CVE-*.json, osv-all.tar.xz) in ${inputs.join(", ")}; download https://security-metadata.canonical.com/osv/osv-all.tar.xz`,
    );
  }

  // Pass 2: the CVE records.
  let written = 0;
  let pending: AffectedRecord[] = [];
  let vulns: VulnerabilityRecord[] = [];
  const flush = async () => {
    if (pending.length > 0) await session.putAffected(pending);
    if (vulns.length > 0) await session.putVulnerabilities(UBUNTU_FEED_ID, vulns);
    written += pending.length + vulns.length;
    pending = [];
    vulns = [];
    ctx.progress?.(written);
  };
  const take = async (value: unknown, origin: string) => {
    const r = ubuntuCveRecords(value, overlay, origin);
    overlay.noteDate(r.vulnerability.modified ?? r.vulnerability.published);
    if (r.affected.length === 0) return;
    pending.push(...r.affected);
    vulns.push(r.vulnerability);
    if (pending.length >= BATCH) await flush();
  };
  for (const file of archivesWithCves) {
    for await (const doc of archiveDocuments(file, {
      maxDocumentBytes: MAX_DOCUMENT,
      select: (n) => CVE_MEMBER.test(n),
    })) {
      await take(parseJson(doc.bytes, `${file}!${doc.name}`), `${file}!${doc.name}`);
    }
  }
  for (const file of cveFiles) await take(parseJson(await readFeedFile(file, MAX_DOCUMENT), file), file);
  await flush();
  return { records: written, dataDate: overlay.newest };
}

export const ubuntuImporter: FeedImporter = {
  id: UBUNTU_FEED_ID,
  title: "Ubuntu security data (OSV, with OpenVEX statuses and USN dates)",
  downloads: [
    { name: "osv-all.tar.xz", url: "https://security-metadata.canonical.com/osv/osv-all.tar.xz" },
    { name: "vex-all.tar.xz", url: "https://security-metadata.canonical.com/vex/vex-all.tar.xz" },
  ],
  detect,
  import: importUbuntu,
};
