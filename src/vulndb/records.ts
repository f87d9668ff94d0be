/**
 * What the vulnerability database holds, normalised across feeds. Every importer turns its upstream
 * format into these records; the matcher reads only these. Field names are stable: they are the
 * columns of both stores (SQLite and PostgreSQL).
 */
import type { VersionScheme } from "../versions/index.js";

export type Severity = "critical" | "high" | "medium" | "low" | "negligible" | "unknown";

export const SEVERITY_ORDER: readonly Severity[] = [
  "unknown",
  "negligible",
  "low",
  "medium",
  "high",
  "critical",
];

export interface CvssScore {
  /** "2.0" | "3.0" | "3.1" | "4.0" */
  version: string;
  vector: string;
  /** Base score computed from the vector (ae-cvss-calculator), or as published when no vector. */
  score: number;
  /** Who published it: "nvd", "ghsa", "redhat", "debian"… */
  source: string;
}

/** One vulnerability (CVE, GHSA, GO-…, PYSEC-…, RUSTSEC-…, DSA/ALSA advisories are aliases). */
export interface VulnerabilityRecord {
  id: string;
  aliases: string[];
  summary: string | null;
  description: string | null;
  published: string | null;
  modified: string | null;
  /** Severity per source: the matcher picks vendor first, then GHSA, then NVD. */
  severities: { source: string; severity: Severity }[];
  cvss: CvssScore[];
  cwes: string[];
  references: string[];
}

/**
 * Where a vulnerability applies. `namespace` says whose data it is and which release:
 * distro feeds "debian:12", "ubuntu:22.04", "alpine:3.16", "rhel:8", "amazon:2023", "sles:15.5",
 * "mariner:2.0", "wolfi:rolling"; ecosystems "go", "pypi", "npm", "maven", "crates.io", "rubygems",
 * "packagist", "nuget" (see namespace.ts).
 */
export type AffectedStatus =
  | "fixed" // ranges/fixedVersion say where it was fixed
  | "affected" // no fix yet
  | "will-not-fix"
  | "deferred"
  | "end-of-life" // the release is out of support for this package
  | "not-affected"; // explicitly never affected ("0" fix in Debian/Alpine, VEX not_affected)

/** OSV-style events; a range is affected from `introduced` up to `fixed` (exclusive) or `last_affected` (inclusive). */
export interface VersionRange {
  introduced?: string;
  fixed?: string;
  lastAffected?: string;
  /** OSV `limit`: upper bound of the range's search space. */
  limit?: string;
}

export interface AffectedRecord {
  vulnerabilityId: string;
  namespace: string;
  /**
   * The package name the data is keyed by: the SOURCE package for Debian/Ubuntu (source name) and
   * Alpine (origin); the binary name for RPM distros; the ecosystem's normalised name for languages
   * (PEP 503 for PyPI, lower-case for NuGet/Packagist, `group:artifact` for Maven, module path for Go).
   */
  packageName: string;
  scheme: VersionScheme;
  status: AffectedStatus;
  /** Affected ranges (OSV semantics); empty with status "affected" means every version. */
  ranges: VersionRange[];
  /** The first fixed version where the data has one (for display and the grade). */
  fixedVersion: string | null;
  /** When the fix was published (advisory date), for the A–F grade's age. */
  fixPublished: string | null;
  /** The vendor's severity for this package/release, when it has one. */
  severity: Severity | null;
  /** RHEL: module stream the record applies to ("nodejs:16"), when modular. */
  moduleStream: string | null;
  /** RHEL: CPEs of the repositories the record applies to (empty: any). */
  cpes: string[];
  /** RHEL: the architectures the fix was built for (absent or empty: any; noarch packages always match). */
  arches?: string[];
  /** Which feed made this record ("debian-tracker", "alpine-secdb", "redhat-csaf", "osv-go"…). */
  source: string;
  /** The advisory that carries the fix (DSA-5xxx, RHSA-…, ALSA-…), if any. */
  advisory: string | null;
}

export interface KevRecord {
  cveId: string;
  dateAdded: string;
  dueDate: string | null;
  knownRansomware: boolean;
  vendorProject: string | null;
  product: string | null;
}

export interface EpssRecord {
  cveId: string;
  score: number;
  percentile: number;
  date: string;
}

export interface FeedState {
  feed: string;
  /** Where it came from (URL or local path). */
  origin: string;
  /** When we fetched/imported it. */
  importedAt: string;
  /** The data's own date (newest record / feed timestamp), when known. */
  dataDate: string | null;
  etag: string | null;
  lastModified: string | null;
  records: number;
}
