/**
 * OSV 1.x (https://ossf.github.io/osv-schema/) → records, for any ecosystem we match: the language
 * ecosystems (Go, PyPI, npm, crates.io, Maven, RubyGems, Packagist, NuGet) and the distributions that
 * publish OSV keyed the way our namespaces are (AlmaLinux, Rocky Linux, Debian, Alpine, Ubuntu).
 *
 * Inputs: a directory of `*.json` (or `*.yaml`, as PyPA's advisory database writes OSV), single
 * files, or an `all.zip` as https://osv-vulnerabilities.storage.googleapis.com/<Ecosystem>/all.zip
 * serves it. Documents are parsed and written one at a time.
 *
 * Mapping decisions:
 * - Versions: SEMVER and ECOSYSTEM ranges with OSV's evaluation rules (osv-ranges.ts); GIT ranges are
 *   left out (an installed package carries no commit). Composer (Packagist) and NuGet versions are
 *   compared as semver: `v1.2.3` is accepted, four-part versions (`1.2.3.4`) are not valid semver,
 *   so ranges naming them are dropped at import (counted in the warning) and an installed four-part
 *   version yields a "cannot compare" warning at match time rather than a guess.
 * - Severity: GHSA records (`GHSA-…`, or `database_specific.github_reviewed`) carry GitHub's severity in
 *   `database_specific.severity`; it and their CVSS vectors land with source "ghsa" whichever feed
 *   delivered them. Other records' CVSS vectors carry the importing feed's id. Distro advisories
 *   (AlmaLinux, Rocky) put their vendor severity in the summary ("Important: …").
 * - Withdrawn records are skipped once their `withdrawn` date has passed (a future date is kept).
 * - Go's zero time ("0001-01-01T00:00:00Z") in `published`/`modified` means unknown.
 */
import * as v from "valibot";
import { parse as parseYaml } from "yaml";
import { ShipshapeError } from "../../errors.js";
import type { VersionScheme } from "../../versions/index.js";
import { normalizePackageName } from "../namespace.js";
import type { AffectedRecord, CvssScore, Severity, VulnerabilityRecord } from "../records.js";
import type { BuildSession } from "../store.js";
import { scoreCvss } from "./cvss-vector.js";
import type { FeedContext, FeedDownload, FeedImporter, FeedImportResult } from "./feed.js";
import { type DetectionLayout, detectionSample, type FeedDocument, feedDocuments } from "./feed-documents.js";
import { convertAffectedRanges, firstFixed } from "./osv-ranges.js";
import { RecordWriter } from "./record-writer.js";

// ---------------------------------------------------------------------------------------------------
// The document

const str = v.string();
const optStr = v.nullish(str);
const EventSchema = v.object({
  introduced: v.optional(str),
  fixed: v.optional(str),
  last_affected: v.optional(str),
  limit: v.optional(str),
});
const RangeSchema = v.object({
  type: str,
  repo: optStr,
  events: v.array(EventSchema),
  database_specific: v.nullish(v.record(str, v.unknown())),
});
const SeveritySchema = v.object({ type: str, score: str });
const AffectedSchema = v.object({
  package: v.nullish(v.object({ ecosystem: str, name: str, purl: optStr })),
  ranges: v.nullish(v.array(RangeSchema)),
  versions: v.nullish(v.array(str)),
  severity: v.nullish(v.array(SeveritySchema)),
  database_specific: v.nullish(v.record(str, v.unknown())),
  ecosystem_specific: v.nullish(v.record(str, v.unknown())),
});
const OsvSchema = v.object({
  schema_version: optStr,
  id: v.pipe(str, v.minLength(1), v.maxLength(256)),
  modified: optStr,
  published: optStr,
  withdrawn: optStr,
  aliases: v.nullish(v.array(str)),
  upstream: v.nullish(v.array(str)),
  related: v.nullish(v.array(str)),
  summary: optStr,
  details: optStr,
  severity: v.nullish(v.array(SeveritySchema)),
  affected: v.nullish(v.array(AffectedSchema)),
  references: v.nullish(v.array(v.object({ type: optStr, url: str }))),
  database_specific: v.nullish(v.record(str, v.unknown())),
});

export type OsvDocument = v.InferOutput<typeof OsvSchema>;
export type OsvAffected = v.InferOutput<typeof AffectedSchema>;

export type OsvFormat = "json" | "yaml";

/** Bytes → the parsed value. Throws ShipshapeError("input") when the text is not JSON/YAML. */
export function decodeOsvText(bytes: Buffer | string, format: OsvFormat, origin: string): unknown {
  const text = typeof bytes === "string" ? bytes : bytes.toString("utf8");
  try {
    if (format === "json") return JSON.parse(text);
    // failsafe: every scalar stays a string, so `fixed: 1.10` is "1.10", not the number 1.1.
    return parseYaml(text, {
      schema: "failsafe",
      maxAliasCount: 100,
      prettyErrors: false,
      logLevel: "error",
    });
  } catch (err) {
    throw new ShipshapeError(
      "input",
      `${origin}: not valid ${format.toUpperCase()} (${err instanceof Error ? err.message.split("\n")[0] : String(err)})`,
    );
  }
}

/** A parsed value → an OSV document. Throws ShipshapeError("input") naming the first bad field. */
export function toOsvDocument(value: unknown, origin: string): OsvDocument {
  const result = v.safeParse(OsvSchema, value);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const path = issue.path?.map((p) => String(p.key)).join(".") ?? "(document)";
  throw new ShipshapeError("input", `${origin}: not an OSV record (${path}: ${issue.message})`);
}

/** Parse one OSV document (JSON or YAML). */
export function parseOsvDocument(bytes: Buffer | string, format: OsvFormat, origin: string): OsvDocument {
  return toOsvDocument(decodeOsvText(bytes, format, origin), origin);
}

// ---------------------------------------------------------------------------------------------------
// Ecosystems

export interface EcosystemTarget {
  namespace: string;
  scheme: VersionScheme;
  /** Distro data: vendor's own (severity in the summary, module streams). */
  distro: boolean;
}

const LANGUAGE_ECOSYSTEMS: Record<string, { namespace: string; scheme: VersionScheme }> = {
  Go: { namespace: "go", scheme: "go" },
  PyPI: { namespace: "pypi", scheme: "pep440" },
  npm: { namespace: "npm", scheme: "semver" },
  "crates.io": { namespace: "crates.io", scheme: "semver" },
  Maven: { namespace: "maven", scheme: "maven" },
  RubyGems: { namespace: "rubygems", scheme: "gem" },
  Packagist: { namespace: "packagist", scheme: "semver" },
  NuGet: { namespace: "nuget", scheme: "semver" },
};

/**
 * The namespace and version scheme an OSV ecosystem string maps to, or null for one we do not match
 * ("Hex", "Pub", "Ubuntu:Pro:…", "Debian:sid"…). "Maven:<registry>" is Maven.
 */
export function ecosystemTarget(ecosystem: string): EcosystemTarget | null {
  const base = Object.hasOwn(LANGUAGE_ECOSYSTEMS, ecosystem)
    ? LANGUAGE_ECOSYSTEMS[ecosystem]
    : ecosystem.startsWith("Maven:")
      ? LANGUAGE_ECOSYSTEMS.Maven
      : undefined;
  if (base) return { ...base, distro: false };
  let m = /^AlmaLinux:(\d+)$/.exec(ecosystem);
  if (m) return { namespace: `almalinux:${m[1]}`, scheme: "rpm", distro: true };
  m = /^Rocky Linux:(\d+)$/.exec(ecosystem);
  if (m) return { namespace: `rocky:${m[1]}`, scheme: "rpm", distro: true };
  m = /^Debian:(\d+)$/.exec(ecosystem);
  if (m) return { namespace: `debian:${m[1]}`, scheme: "deb", distro: true };
  m = /^Alpine:v(\d+\.\d+)$/.exec(ecosystem);
  if (m) return { namespace: `alpine:${m[1]}`, scheme: "apk", distro: true };
  m = /^Ubuntu:(\d+\.\d+)(?::LTS)?$/.exec(ecosystem);
  if (m) return { namespace: `ubuntu:${m[1]}`, scheme: "deb", distro: true };
  return null;
}

// ---------------------------------------------------------------------------------------------------
// Mapping

const GHSA_SEVERITY: Record<string, Severity> = {
  CRITICAL: "critical",
  HIGH: "high",
  MODERATE: "medium",
  MEDIUM: "medium",
  LOW: "low",
};

const VENDOR_SUMMARY_SEVERITY: Record<string, Severity> = {
  critical: "critical",
  important: "high",
  moderate: "medium",
  low: "low",
};

const UBUNTU_SEVERITY: Record<string, Severity> = {
  critical: "critical",
  high: "high",
  medium: "medium",
  low: "low",
  negligible: "negligible",
};

const DISTRO_ADVISORY = /^(ALSA|ALBA|ALEA|RLSA|RLBA|RLEA|DSA|DLA|USN)-/;

export interface OsvMappingOptions {
  /** The importing feed: the records' `source`. */
  feedId: string;
  now: Date;
  /** Only ecosystems whose target namespace passes (e.g. only "go" for the Go vulndb importer). */
  acceptNamespace?: (namespace: string) => boolean;
}

export interface OsvMappingStats {
  withdrawn: boolean;
  /** Ecosystem names (as written) with no namespace of ours, or not accepted. */
  skippedEcosystems: string[];
  skippedRanges: number;
  invalidVersions: number;
}

export interface OsvMapping {
  /** Null when withdrawn or when no affected package maps to a namespace. */
  vulnerability: VulnerabilityRecord | null;
  affected: AffectedRecord[];
  stats: OsvMappingStats;
}

function isGhsa(doc: OsvDocument): boolean {
  return doc.id.startsWith("GHSA-") || doc.database_specific?.github_reviewed !== undefined;
}

/** Go's zero time and empty strings mean "unknown". */
function dateOrNull(value: string | null | undefined): string | null {
  if (!value || value.startsWith("0001-01-01")) return null;
  return value;
}

function severityFromSummary(summary: string | null | undefined): Severity | null {
  const m = /^(Critical|Important|Moderate|Low):/i.exec(summary ?? "");
  return m ? (VENDOR_SUMMARY_SEVERITY[m[1]!.toLowerCase()] ?? null) : null;
}

function cvssOf(entries: { type: string; score: string }[], source: string): CvssScore[] {
  const out: CvssScore[] = [];
  for (const e of entries) {
    if (!/^CVSS_V[234]$/.test(e.type)) continue;
    const scored = scoreCvss(e.score, source);
    if (scored) out.push(scored);
  }
  return out;
}

/** GHSA's `last_known_affected_version_range` ("< 1.2.3", "<= 1.2.3") for a range with no end. */
function lastKnownAffected(affected: OsvAffected): { op: "<" | "<="; version: string } | null {
  const raw = affected.database_specific?.last_known_affected_version_range;
  if (typeof raw !== "string") return null;
  const m = /^\s*(<=?)\s*(\S+)\s*$/.exec(raw);
  return m ? { op: m[1] as "<" | "<=", version: m[2]! } : null;
}

function moduleStreamOf(affected: OsvAffected): string | null {
  const label = affected.ecosystem_specific?.rpm_modularity;
  if (typeof label !== "string" || label === "") return null;
  const [name, stream] = label.split(":");
  return name && stream ? `${name}:${stream}` : null;
}

/** One OSV document → the records it implies for the namespaces we match. */
export function mapOsvDocument(doc: OsvDocument, options: OsvMappingOptions): OsvMapping {
  const stats: OsvMappingStats = {
    withdrawn: false,
    skippedEcosystems: [],
    skippedRanges: 0,
    invalidVersions: 0,
  };
  const withdrawn = dateOrNull(doc.withdrawn);
  if (withdrawn && !(Date.parse(withdrawn) > options.now.getTime())) {
    stats.withdrawn = true;
    return { vulnerability: null, affected: [], stats };
  }
  const ghsa = isGhsa(doc);
  const publisher = ghsa ? "ghsa" : options.feedId;
  const published = dateOrNull(doc.published);
  const affected: AffectedRecord[] = [];
  let distroAdvisory = false;
  let vendorSeverity: Severity | null = null;
  for (const a of doc.affected ?? []) {
    if (!a.package) continue;
    const target = ecosystemTarget(a.package.ecosystem);
    if (!target || (options.acceptNamespace && !options.acceptNamespace(target.namespace))) {
      if (!stats.skippedEcosystems.includes(a.package.ecosystem))
        stats.skippedEcosystems.push(a.package.ecosystem);
      continue;
    }
    let rangeInputs = (a.ranges ?? []).map((r) => ({ type: r.type, events: [...r.events] }));
    // GHSA: a range left open with a last known affected version is bounded by it, not "all versions".
    const lka = ghsa ? lastKnownAffected(a) : null;
    if (lka) {
      rangeInputs = rangeInputs.map((r) => {
        const closed = r.events.some((e) => e.fixed !== undefined || e.last_affected !== undefined);
        if (closed) return r;
        return {
          ...r,
          events: [...r.events, lka.op === "<=" ? { last_affected: lka.version } : { limit: lka.version }],
        };
      });
    }
    const conversion = convertAffectedRanges(rangeInputs, a.versions ?? [], target.scheme);
    stats.skippedRanges += conversion.skippedRanges;
    stats.invalidVersions += conversion.invalidVersions;
    if (conversion.ranges.length === 0) continue; // nothing an installed version could be compared with
    const fixedVersion = firstFixed(conversion.ranges, target.scheme);
    if (target.distro) {
      distroAdvisory ||= DISTRO_ADVISORY.test(doc.id);
      vendorSeverity ??= severityFromSummary(doc.summary);
      for (const s of a.severity ?? []) {
        if (s.type === "Ubuntu") vendorSeverity ??= UBUNTU_SEVERITY[s.score.toLowerCase()] ?? null;
      }
    }
    affected.push({
      vulnerabilityId: doc.id,
      namespace: target.namespace,
      packageName: normalizePackageName(target.namespace, a.package.name),
      scheme: target.scheme,
      status: fixedVersion !== null ? "fixed" : "affected",
      ranges: conversion.ranges,
      fixedVersion,
      fixPublished: fixedVersion !== null ? published : null,
      severity: target.distro ? vendorSeverity : null,
      moduleStream: target.distro ? moduleStreamOf(a) : null,
      cpes: [],
      source: options.feedId,
      advisory: target.distro && DISTRO_ADVISORY.test(doc.id) ? doc.id : null,
    });
  }
  if (affected.length === 0) return { vulnerability: null, affected, stats };

  const severities: VulnerabilityRecord["severities"] = [];
  const ghsaSeverity = doc.database_specific?.severity;
  if (ghsa && typeof ghsaSeverity === "string" && GHSA_SEVERITY[ghsaSeverity.toUpperCase()]) {
    severities.push({ source: "ghsa", severity: GHSA_SEVERITY[ghsaSeverity.toUpperCase()]! });
  }
  if (vendorSeverity) severities.push({ source: options.feedId, severity: vendorSeverity });
  const cwes = doc.database_specific?.cwe_ids;
  const aliases = [...(doc.aliases ?? [])];
  // Distro advisories name their CVEs as `related`: carried as aliases so KEV/EPSS/VEX by CVE apply.
  if (distroAdvisory) for (const r of doc.related ?? []) if (/^CVE-\d+-\d+$/.test(r)) aliases.push(r);
  const vulnerability: VulnerabilityRecord = {
    id: doc.id,
    aliases: [...new Set(aliases)].filter((a) => a !== doc.id),
    summary: doc.summary || null,
    description: doc.details || null,
    published,
    modified: dateOrNull(doc.modified),
    severities,
    cvss: cvssOf(doc.severity ?? [], publisher),
    cwes: Array.isArray(cwes) ? cwes.filter((c): c is string => typeof c === "string") : [],
    references: [...new Set((doc.references ?? []).map((r) => r.url))],
  };
  return { vulnerability, affected, stats };
}

// ---------------------------------------------------------------------------------------------------
// Importing

export interface OsvImportOptions {
  feedId: string;
  /** Which documents of a tree or archive are OSV records, by their relative path. */
  select: (relative: string) => boolean;
  acceptNamespace?: (namespace: string) => boolean;
}

function formatOf(relative: string): OsvFormat {
  return /\.ya?ml$/i.test(relative) ? "yaml" : "json";
}

/** Read OSV documents from the inputs and write their records. Shared by the OSV-based importers. */
export async function importOsvDocuments(
  inputs: string[],
  session: BuildSession,
  ctx: FeedContext,
  options: OsvImportOptions,
): Promise<FeedImportResult> {
  const writer = new RecordWriter(session, options.feedId);
  const skippedEcosystems = new Map<string, number>();
  let documents = 0;
  let malformed = 0;
  let firstMalformed = "";
  let invalidVersions = 0;
  for await (const file of feedDocuments(inputs, { select: options.select })) {
    documents++;
    const value = decodeOsvText(file.bytes, formatOf(file.relative), file.name);
    let doc: OsvDocument;
    try {
      doc = toOsvDocument(value, file.name);
    } catch (err) {
      // Valid JSON/YAML that is not an OSV record (an index file, a foreign document): counted, skipped.
      malformed++;
      firstMalformed ||= err instanceof Error ? err.message : String(err);
      continue;
    }
    const mapping = mapOsvDocument(doc, {
      feedId: options.feedId,
      now: ctx.now,
      ...(options.acceptNamespace ? { acceptNamespace: options.acceptNamespace } : {}),
    });
    invalidVersions += mapping.stats.invalidVersions;
    for (const e of mapping.stats.skippedEcosystems)
      skippedEcosystems.set(e, (skippedEcosystems.get(e) ?? 0) + 1);
    if (mapping.vulnerability) await writer.add(mapping.vulnerability, mapping.affected);
    if (documents % 1000 === 0) ctx.progress?.(writer.written);
  }
  await writer.flush();
  ctx.progress?.(writer.written);
  if (documents === 0) {
    throw new ShipshapeError("input", `${options.feedId}: no OSV documents found in ${inputs.join(", ")}`);
  }
  if (malformed > 0)
    ctx.warn(
      `${options.feedId}: skipped ${malformed} documents that are not OSV records (first: ${firstMalformed})`,
    );
  if (skippedEcosystems.size > 0) {
    const list = [...skippedEcosystems].map(([e, n]) => `${e} (${n})`).join(", ");
    ctx.warn(`${options.feedId}: skipped affected packages of ecosystems this feed does not cover: ${list}`);
  }
  if (invalidVersions > 0) {
    ctx.warn(
      `${options.feedId}: left out ${invalidVersions} ranges or versions that are not valid in their ecosystem's scheme`,
    );
  }
  return { records: writer.written, dataDate: writer.newest };
}

/**
 * Is the path (a file, a zip, or the feed's root directory: see `detectionSample`) OSV records of one
 * of these namespaces? Reads a few documents.
 */
export async function detectOsv(
  path: string,
  layout: DetectionLayout,
  acceptNamespace: (namespace: string) => boolean,
): Promise<boolean> {
  let sample: FeedDocument[];
  try {
    sample = await detectionSample(path, layout);
  } catch {
    return false;
  }
  for (const file of sample) {
    let doc: OsvDocument;
    try {
      doc = parseOsvDocument(file.bytes, formatOf(file.relative), file.name);
    } catch {
      continue;
    }
    for (const a of doc.affected ?? []) {
      const target = a.package ? ecosystemTarget(a.package.ecosystem) : null;
      if (target && acceptNamespace(target.namespace)) return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------
// The OSV.dev per-ecosystem feeds

const OSV_BUCKET = "https://osv-vulnerabilities.storage.googleapis.com";

/** An OSV document in a tree or an `all.zip`: `*.json` that is not an index or schema. */
export function isOsvJsonPath(relative: string): boolean {
  return (
    /\.json$/i.test(relative) && !/(^|\/)(index|schema|package|package-lock)[^/]*\.json$/i.test(relative)
  );
}

function isFlatOsvJsonPath(relative: string): boolean {
  return !relative.includes("/") && isOsvJsonPath(relative);
}

/**
 * The importer for one OSV.dev ecosystem export (`<Ecosystem>/all.zip`), id `osv-<namespace stem>`.
 * `ecosystem` is OSV's name ("PyPI", "Rocky Linux"); records of other ecosystems in the input are
 * counted and skipped.
 */
export function osvEcosystemImporter(ecosystem: string, feedId: string, title: string): FeedImporter {
  const target = ecosystemTarget(
    ecosystem === "AlmaLinux" || ecosystem === "Rocky Linux" ? `${ecosystem}:8` : ecosystem,
  );
  if (!target) throw new Error(`no namespace for OSV ecosystem ${ecosystem}`);
  const stem = target.namespace.split(":")[0]!;
  const accept = (ns: string) => ns.split(":")[0] === stem;
  const downloads: FeedDownload[] = [
    {
      name: `${ecosystem.replace(/\s+/g, "-")}-all.zip`,
      url: `${OSV_BUCKET}/${encodeURIComponent(ecosystem)}/all.zip`,
      compression: "zip",
    },
  ];
  return {
    id: feedId,
    title,
    downloads,
    // OSV.dev's all.zip, or the directory it unpacks to: records side by side (a nested tree, such as
    // GitHub's advisory database, is its own feed's to claim, though import reads one too).
    detect: (path) =>
      detectOsv(path, { select: isFlatOsvJsonPath, rootSelect: isFlatOsvJsonPath, maxDepth: 1 }, accept),
    import: (inputs, session, ctx) =>
      importOsvDocuments(inputs, session, ctx, { feedId, select: isOsvJsonPath, acceptNamespace: accept }),
  };
}

export const OSV_PYPI = osvEcosystemImporter("PyPI", "osv-pypi", "OSV: PyPI (PyPA + GHSA)");
export const OSV_NPM = osvEcosystemImporter("npm", "osv-npm", "OSV: npm (GHSA + malicious packages)");
export const OSV_CRATES = osvEcosystemImporter(
  "crates.io",
  "osv-crates.io",
  "OSV: crates.io (RustSec + GHSA)",
);
export const OSV_MAVEN = osvEcosystemImporter("Maven", "osv-maven", "OSV: Maven (GHSA)");
export const OSV_RUBYGEMS = osvEcosystemImporter(
  "RubyGems",
  "osv-rubygems",
  "OSV: RubyGems (GHSA + ruby-advisory-db)",
);
export const OSV_PACKAGIST = osvEcosystemImporter(
  "Packagist",
  "osv-packagist",
  "OSV: Packagist (GHSA + FriendsOfPHP)",
);
export const OSV_NUGET = osvEcosystemImporter("NuGet", "osv-nuget", "OSV: NuGet (GHSA)");
export const OSV_GO = osvEcosystemImporter("Go", "osv-go", "OSV: Go (Go vulndb + GHSA)");
export const OSV_ALMALINUX = osvEcosystemImporter("AlmaLinux", "osv-almalinux", "OSV: AlmaLinux errata");
export const OSV_ROCKY = osvEcosystemImporter("Rocky Linux", "osv-rocky", "OSV: Rocky Linux errata");
