/**
 * `scan --format json` (DESIGN.md contract): the `sbom` fields (source, os, packages, warnings,
 * incomplete) plus
 * - `vulnerabilities`: the shown findings (after --severity / --ignore-unfixed and suppression), each
 *   a FindingJson (src/match/finding.ts), sorted by package, version, id;
 * - `findings`: image hygiene findings (src/checks/: `{rule, severity, title, path?, layer?, tool?,
 *   remediation, dockle?}`, severity on the checks' scale critical|high|medium|low|info), most severe
 *   first; `[]` also when the checks could not run (an SBOM input has no files or config:
 *   `scan.hygieneChecked` is then false);
 * - `grade`: the A–F Container Health Index grade `{letter, complete, reasons}`
 *   (src/grade/health-index.ts): the reasons name the CVEs that set it; `complete: false` when not
 *   every package could be checked (the letter is then a best case and the first reason says so);
 * - `policy`: `{passed, violations[]}` from the gate flags and the policy file (src/policy/evaluate.ts),
 *   plus, when there are any: `files` (policy files evaluated), `rules` (rule ids checked), `waived`
 *   (violations an exception waived, with the exception) and `expiredExceptions`;
 * - `database`: where the vulnerability data came from and how fresh it is (location without
 *   credentials, builtAt, kind, age, per-feed freshness) and `missingNamespaces` — namespaces the
 *   packages needed that the database has no data for (never read as "no vulnerabilities");
 * - `suppressed`: findings a VEX statement or ignore-file entry took out, each with `suppression`
 *   ({kind, file, at, status, justification, reason, expires?});
 * - `summary`: counts for dashboards and CI logs;
 * - `scan`: how the scan ran (detection priority, severities shown, ignore file and its expired
 *   entries, VEX files, coverage gaps).
 * The other formats (table, SARIF, JUnit, CycloneDX) render from this object.
 */

import type { HygieneFinding } from "../checks/rule.js";
import type { GradeLetter } from "../grade/health-index.js";
import type { FindingJson } from "../match/finding.js";
import { findingJson } from "../match/finding.js";
import type { PolicyResult } from "../policy/gate.js";
import type { IgnoreEntry } from "../policy/ignore-file.js";
import type { Suppression } from "../policy/suppression.js";
import type { DetectionPriority, ScanResult } from "../scan/pipeline.js";
import type { FeedFreshness } from "../vulndb/freshness.js";
import { SEVERITY_ORDER, type Severity } from "../vulndb/records.js";
import { type SbomJson, sbomJson } from "./sbom-json.js";

/** An image hygiene finding (src/checks/rule.ts: already plain JSON). */
export type HygieneFindingJson = HygieneFinding;

export interface GradeJson {
  letter: GradeLetter;
  /** False when the scan could not check every package: the letter is then only a best case. */
  complete: boolean;
  reasons: string[];
}

export interface DatabaseJson {
  location: string;
  kind: "update" | "import" | "empty";
  builtAt: string | null;
  schemaVersion: number;
  ageMs: number | null;
  maxAgeMs: number;
  stale: boolean;
  feeds: FeedFreshness[];
  missingNamespaces: string[];
}

export interface SuppressedJson extends FindingJson {
  suppression: Suppression;
}

export interface ScanSummaryJson {
  /** Shown vulnerabilities. */
  total: number;
  bySeverity: Record<Severity, number>;
  fixable: number;
  kev: number;
  suppressed: number;
  /** Not shown because of --severity / --ignore-unfixed. */
  hidden: number;
}

export interface ScanJson extends SbomJson {
  vulnerabilities: FindingJson[];
  findings: HygieneFindingJson[];
  grade: GradeJson;
  policy: PolicyResult;
  database: DatabaseJson;
  suppressed: SuppressedJson[];
  summary: ScanSummaryJson;
  scan: {
    detectionPriority: DetectionPriority;
    /** Severities shown; null: all. */
    severities: Severity[] | null;
    ignoreUnfixed: boolean;
    matchedPackages: number;
    ignoreFile: string | null;
    expiredIgnores: IgnoreEntry[];
    vexFiles: string[];
    coverageGaps: string[];
    /** Whether the image hygiene checks ran (not for an SBOM input: no files, no config). */
    hygieneChecked: boolean;
  };
}

function countBySeverity(findings: readonly FindingJson[]): Record<Severity, number> {
  const counts = Object.fromEntries([...SEVERITY_ORDER].reverse().map((s) => [s, 0])) as Record<
    Severity,
    number
  >;
  for (const f of findings) counts[f.severity]++;
  return counts;
}

export function scanJson(r: ScanResult): ScanJson {
  const base = sbomJson(r.source, r.catalog);
  const vulnerabilities = r.gate.shown.map(findingJson);
  const d = r.database;
  const gateOptions = r.gateOptions;
  return {
    ...base,
    warnings: [...base.warnings, ...r.warnings],
    vulnerabilities,
    findings: r.hygiene ?? [],
    grade: { letter: r.grade.letter, complete: r.grade.complete, reasons: r.grade.reasons },
    policy: r.gate.policy,
    database: {
      location: d.location,
      kind: d.kind,
      builtAt: d.builtAt,
      schemaVersion: d.schemaVersion,
      ageMs: d.ageMs,
      maxAgeMs: d.maxAgeMs,
      stale: d.stale,
      feeds: d.feeds,
      missingNamespaces: d.missingNamespaces,
    },
    suppressed: r.suppressed.map((s) => ({ ...findingJson(s.finding), suppression: s.suppression })),
    summary: {
      total: vulnerabilities.length,
      bySeverity: countBySeverity(vulnerabilities),
      fixable: vulnerabilities.filter((f) => f.fixable).length,
      kev: vulnerabilities.filter((f) => f.kev !== undefined).length,
      suppressed: r.suppressed.length,
      hidden: r.gate.hidden,
    },
    scan: {
      detectionPriority: r.detectionPriority,
      severities:
        gateOptions.severities && gateOptions.severities.length > 0 ? [...gateOptions.severities] : null,
      ignoreUnfixed: gateOptions.ignoreUnfixed ?? false,
      matchedPackages: r.matchedPackages,
      ignoreFile: r.ignoreFile,
      expiredIgnores: r.expiredIgnores,
      vexFiles: r.vexFiles,
      coverageGaps: r.coverageGaps,
      hygieneChecked: r.hygiene !== null,
    },
  };
}
