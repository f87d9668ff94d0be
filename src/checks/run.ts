/**
 * Running the hygiene rules. The filesystem rules run inside the catalog's single read of the layers
 * (`checksAnalysis`, handed to catalogImageResult: their FileRequests join the catalog's, and their
 * findings are cached with the catalog for an unchanged image); the image rules run afterwards on
 * the config, the names and "today" (`imageFindings`). `checkImage` is both, for `shipshape check`.
 *
 * A rule that throws is a bug, not a verdict on the image: the others still run and the failure is
 * reported as a warning naming the rule.
 */
import type { CatalogResult } from "../catalog/catalog.js";
import { endOfLife } from "../catalog/eol.js";
import { type CatalogImageOptions, catalogImageResult, type FilesystemAnalysis } from "../catalog/image.js";
import type { OsInfo } from "../catalog/os.js";
import { compareText } from "../compare-text.js";
import { ShipshapeError } from "../errors.js";
import type { FileRequest } from "../image/file-request.js";
import type { ImageFilesystem } from "../image/filesystem.js";
import type { ImageSourceFacts } from "../image/inspect.js";
import type { ImageConfig } from "../image/oci.js";
import { ALL_RULES } from "./all.js";
import {
  type CheckOptions,
  type CheckRule,
  DEFAULT_CHECK_OPTIONS,
  type FilesystemRule,
  findingOf,
  type HygieneFinding,
  type ResolvedCheckOptions,
} from "./rule.js";
import { searchPathOf } from "./search-path.js";
import { type CheckSeverity, checkSeverityRank, isCheckSeverity } from "./severity.js";

/** What the filesystem rules found: cached with the catalog, so plain JSON. */
export interface FilesystemCheckResult {
  findings: HygieneFinding[];
  warnings: string[];
}

/** Bump when a filesystem rule's findings can change (new rule, new pattern, fixed bug). */
export const FILESYSTEM_RULES_VERSION = "3";

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Most severe first, then by rule, path, layer and title: the same image always prints the same. */
export function compareFindings(a: HygieneFinding, b: HygieneFinding): number {
  return (
    checkSeverityRank(b.severity) - checkSeverityRank(a.severity) ||
    compareText(a.rule, b.rule) ||
    compareText(a.path ?? "", b.path ?? "") ||
    (a.layer ?? -1) - (b.layer ?? -1) ||
    compareText(a.title, b.title)
  );
}

export function runFilesystemRules(
  fs: ImageFilesystem,
  catalog: CatalogResult,
  rules: readonly CheckRule[] = ALL_RULES,
  searchPath: readonly string[] = searchPathOf(undefined),
): FilesystemCheckResult {
  const findings: HygieneFinding[] = [];
  const warnings: string[] = [];
  for (const rule of rules) {
    if (rule.scope !== "filesystem") continue;
    try {
      const hits = rule.test({ fs, catalog, searchPath, warn: (m) => warnings.push(`${rule.id}: ${m}`) });
      findings.push(...hits.map((h) => findingOf(rule, h)));
    } catch (err) {
      warnings.push(`check ${rule.id} (${rule.title}) failed: ${describe(err)}`);
    }
  }
  return { findings, warnings };
}

export interface ImageRuleInput {
  config: ImageConfig;
  source: ImageSourceFacts;
  catalog: CatalogResult;
  now?: Date;
  options?: CheckOptions;
}

export function runImageRules(
  input: ImageRuleInput,
  rules: readonly CheckRule[] = ALL_RULES,
): FilesystemCheckResult {
  const options: ResolvedCheckOptions = { ...DEFAULT_CHECK_OPTIONS, ...(input.options ?? {}) };
  const ctx = {
    config: input.config,
    source: input.source,
    catalog: input.catalog,
    now: input.now ?? new Date(),
    options,
  };
  const findings: HygieneFinding[] = [];
  const warnings: string[] = [];
  for (const rule of rules) {
    if (rule.scope !== "image") continue;
    try {
      findings.push(...rule.test(ctx).map((h) => findingOf(rule, h)));
    } catch (err) {
      warnings.push(`check ${rule.id} (${rule.title}) failed: ${describe(err)}`);
    }
  }
  return { findings, warnings };
}

/** The FileRequests the filesystem rules need, each once. */
export function checkRequests(rules: readonly CheckRule[] = ALL_RULES): FileRequest[] {
  const byId = new Map<string, FileRequest>();
  for (const rule of rules) {
    if (rule.scope !== "filesystem") continue;
    for (const r of (rule as FilesystemRule).requests ?? []) byId.set(r.id, r);
  }
  return [...byId.values()];
}

function isFinding(value: unknown): value is HygieneFinding {
  if (typeof value !== "object" || value === null) return false;
  const f = value as Record<string, unknown>;
  return (
    typeof f.rule === "string" &&
    typeof f.severity === "string" &&
    isCheckSeverity(f.severity) &&
    typeof f.title === "string" &&
    typeof f.remediation === "string" &&
    (f.path === undefined || typeof f.path === "string") &&
    (f.layer === undefined || (typeof f.layer === "number" && Number.isInteger(f.layer))) &&
    (f.tool === undefined || typeof f.tool === "string") &&
    (f.dockle === undefined || typeof f.dockle === "string")
  );
}

function reviveFilesystemResult(value: unknown): FilesystemCheckResult | null {
  if (typeof value !== "object" || value === null) return null;
  const v = value as Record<string, unknown>;
  if (!Array.isArray(v.findings) || !Array.isArray(v.warnings)) return null;
  if (!v.findings.every(isFinding) || !v.warnings.every((w) => typeof w === "string")) return null;
  return { findings: v.findings, warnings: v.warnings };
}

/** The filesystem rules as an analysis on the catalog's read (see catalog/image.ts). */
export function checksAnalysis(
  rules: readonly CheckRule[] = ALL_RULES,
): FilesystemAnalysis<FilesystemCheckResult> {
  const requests = checkRequests(rules);
  const ids = rules.filter((r) => r.scope === "filesystem").map((r) => r.id);
  return {
    id: "image-checks",
    version: [FILESYSTEM_RULES_VERSION, ...ids, ...requests.map((r) => `${r.id}@${r.version}`)].join(","),
    requests,
    // Tools are looked up on the config's PATH too, so the result depends on it.
    configKey: (config) => searchPathOf(config).join(":"),
    run: async (fs, catalog, config) => runFilesystemRules(fs, catalog, rules, searchPathOf(config)),
    revive: reviveFilesystemResult,
  };
}

/** Filesystem findings (from the read or the cache) plus the image rules', sorted. */
export function imageFindings(
  filesystem: FilesystemCheckResult,
  input: ImageRuleInput,
  rules: readonly CheckRule[] = ALL_RULES,
): FilesystemCheckResult {
  const image = runImageRules(input, rules);
  return {
    findings: [...filesystem.findings, ...image.findings].sort(compareFindings),
    warnings: [...filesystem.warnings, ...image.warnings],
  };
}

export interface CheckImageOptions extends Omit<CatalogImageOptions, "includeOsOwned"> {
  /** "Today", for the image's age and its OS's end of life (tests). */
  now?: Date;
  checks?: CheckOptions;
}

export interface CheckResult {
  source: ImageSourceFacts;
  os: OsInfo | null;
  findings: HygieneFinding[];
  warnings: string[];
  /** The filesystem findings came from the cache (no layer was read). */
  cached: boolean;
}

/** The OS with its end-of-life status for the check's day (the catalog's is for today). */
function osOnDay(os: OsInfo | null, now: Date | undefined): OsInfo | null {
  if (!os || !now) return os;
  const status = endOfLife(os, now);
  const out: OsInfo = { ...os, eol: status.eol };
  if (status.eolDate) out.eolDate = status.eolDate;
  return out;
}

/** `shipshape check`: read the image once (catalog + filesystem rules), then the image rules. */
export async function checkImage(reference: string, options: CheckImageOptions = {}): Promise<CheckResult> {
  const { now, checks, ...catalogOptions } = options;
  const cataloged = await catalogImageResult(reference, catalogOptions, checksAnalysis());
  if (!cataloged.config || !cataloged.analysis) {
    throw new ShipshapeError(
      "usage",
      `${reference}: check needs an image, not an SBOM (an SBOM has no files or config to check)`,
    );
  }
  const input: ImageRuleInput = {
    config: cataloged.config,
    source: cataloged.source,
    catalog: cataloged.result,
  };
  if (now) input.now = now;
  if (checks) input.options = checks;
  const { findings, warnings } = imageFindings(cataloged.analysis, input);
  return {
    source: cataloged.source,
    os: osOnDay(cataloged.result.os, input.now),
    findings,
    warnings: [...cataloged.result.warnings, ...warnings],
    cached: cataloged.cached ?? false,
  };
}

/** Findings at or over `threshold` (the `--fail-on` test). */
export function findingsAtOrOver(
  findings: readonly HygieneFinding[],
  threshold: CheckSeverity,
): HygieneFinding[] {
  return findings.filter((f) => checkSeverityRank(f.severity) >= checkSeverityRank(threshold));
}
