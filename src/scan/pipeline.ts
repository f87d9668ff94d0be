/**
 * `scan`: catalog + match → suppression → CI gate. One function, `scanImage(ref, options)`, that the
 * CLI, the API and (later) the server call; rendering is the report/ layer's job.
 *
 * Order: the VEX and ignore files are read first and the database is opened and its age checked
 * before the image is read, so a malformed input or a stale database in CI mode fails in
 * milliseconds, not after reading a 2 GB image. Then catalog (OS-owned language packages are matched
 * only through their OS package, Trivy's rule, unless detectionPriority is "comprehensive"), match,
 * VEX, ignore file (a finding a VEX statement suppressed is recorded once, as VEX's), the A–F grade
 * (src/grade/health-index.ts), then the policy: the gate flags and the policy file (`--policy`), one
 * model (src/policy/evaluate.ts).
 *
 * Grade inputs: the unsuppressed findings plus those an ignore-file entry accepted (accepting a risk
 * does not apply its fix); VEX-suppressed findings are not vulnerabilities of this image. Findings
 * whose fix has no date get their vulnerability's publication date from the database as a fallback.
 *
 * Coverage: "no data" is never "no vulnerabilities". Namespaces the packages needed that the
 * database has no record for (`alpine:3.9` in a database without Alpine data), and OS packages that
 * could not be looked up because the OS is unknown, are `coverageGaps`; the result always carries
 * them, and the caller decides (the CLI: a warning; exit 2 in CI or --strict mode). An empty (never
 * built) database is always an error. A stale one follows the age policy of vulndb/freshness.ts.
 */

import type { CatalogResult } from "../catalog/catalog.js";
import { type CatalogedImage, type CatalogImageOptions, catalogImageResult } from "../catalog/image.js";
import { OS_PACKAGE_TYPES } from "../catalog/package.js";
import type { HygieneFinding as CheckFinding } from "../checks/rule.js";
import { checksAnalysis, type FilesystemCheckResult, imageFindings } from "../checks/run.js";
import { ShipshapeError } from "../errors.js";
import { type Grade, type GradeFinding, healthIndexGrade } from "../grade/health-index.js";
import type { ImageSourceFacts } from "../image/inspect.js";
import type { Finding } from "../match/finding.js";
import { matchPackages } from "../match/match.js";
import { parseContentManifest, resolveRhelScope } from "../match/rhel-scope.js";
import { evaluatePolicies, type HygieneFinding, type PolicySubject } from "../policy/evaluate.js";
import { type GateOptions, type GateResult, gateExitCode, gatePolicy, isShown } from "../policy/gate.js";
import { applyIgnoreFile, type IgnoreEntry, type IgnoreFile, readIgnoreFile } from "../policy/ignore-file.js";
import { imageNamesOf } from "../policy/image-name.js";
import type { Policy } from "../policy/model.js";
import type { SuppressedFinding } from "../policy/suppression.js";
import { imageIdentity } from "../report/sbom-identity.js";
import { applyVex, type VexDocument } from "../vex/statement.js";
import { assessFreshness, checkDatabaseAge, type DbFreshness } from "../vulndb/freshness.js";
import { distroNamespace } from "../vulndb/namespace.js";
import { openStore } from "../vulndb/open-store.js";
import type { VulnStore } from "../vulndb/store.js";

export type DetectionPriority = "precise" | "comprehensive";

export interface ScanOptions extends Omit<CatalogImageOptions, "includeOsOwned"> {
  /** `--db PATH|postgres://…`; else SHIPSHAPE_DB, else the default path (vulndb/open-store.ts). */
  db?: string;
  /** An open store to use instead (not closed by the scan): servers and tests. */
  store?: VulnStore;
  /**
   * "precise" (default): language packages an OS package installed are matched only through that OS
   * package, against the vendor's data. "comprehensive": also against their ecosystem's advisories.
   */
  detectionPriority?: DetectionPriority;
  /** Maximum database age (default: vulndb/freshness.ts). */
  maxDbAgeMs?: number;
  /** CI mode: a stale database is an error (unless skipDbAgeCheck). */
  ci?: boolean;
  skipDbAgeCheck?: boolean;
  gate?: GateOptions;
  /** The ignore file to apply (the CLI finds `.shipshapeignore.yaml` itself); absent or null: none. */
  ignoreFile?: string | null;
  /** VEX files (OpenVEX or CycloneDX VEX). */
  vex?: readonly string[];
  /** A policy file (path, or `builtin:default`) or a parsed policy, evaluated with the gate flags. */
  policy?: string | Policy | null;
  /** "Today", for ignore-file expiry and the database age (tests). */
  now?: Date;
}

export interface DatabaseInfo extends DbFreshness {
  /** Namespaces the packages needed that the database has no data for. */
  missingNamespaces: string[];
}

export interface ScanResult {
  source: ImageSourceFacts;
  catalog: CatalogResult;
  detectionPriority: DetectionPriority;
  database: DatabaseInfo;
  /** Every finding that was not suppressed (before the gate's --severity / --ignore-unfixed filter). */
  findings: Finding[];
  suppressed: SuppressedFinding[];
  /** The A–F Container Health Index grade. */
  grade: Grade;
  /** Image hygiene findings (src/checks/), most severe first; null when they could not run (an SBOM input). */
  hygiene: CheckFinding[] | null;
  /** The gate: which findings are shown, and whether the policy (flags and file) passed. */
  gate: GateResult;
  gateOptions: GateOptions;
  ignoreFile: string | null;
  /** Ignore-file entries past their expiry date: they suppressed nothing and are due for review. */
  expiredIgnores: IgnoreEntry[];
  vexFiles: string[];
  /** Why a "no vulnerabilities" might not be one: missing namespaces, OS packages of an unknown OS. */
  coverageGaps: string[];
  /** Matching, VEX, database-age and coverage warnings (one line each). */
  warnings: string[];
  /** Packages that were looked up in the database. */
  matchedPackages: number;
}

async function loadIgnoreFile(path: string | null | undefined): Promise<IgnoreFile | null> {
  return path === null || path === undefined ? null : readIgnoreFile(path);
}

/** The OS packages no namespace could be found for (unknown OS): nothing was looked up for them. */
function unknownOsGap(catalog: CatalogResult): string | null {
  if (distroNamespace(catalog.os) !== null) return null;
  const counts = new Map<string, number>();
  for (const p of catalog.packages) {
    if (OS_PACKAGE_TYPES.has(p.type)) counts.set(p.type, (counts.get(p.type) ?? 0) + 1);
  }
  if (counts.size === 0) return null;
  const list = [...counts].map(([type, n]) => `${n} ${type}`).join(", ");
  return `the image's operating system is unknown: its ${list} packages were not looked up`;
}

/** The options that are the catalog's (image source, limits, cache, progress). */
function catalogOptionsOf(options: ScanOptions): CatalogImageOptions {
  const {
    db: _db,
    store: _store,
    detectionPriority: _priority,
    maxDbAgeMs: _maxAge,
    ci: _ci,
    skipDbAgeCheck: _skip,
    gate: _gate,
    ignoreFile: _ignore,
    vex: _vex,
    policy: _policy,
    now: _now,
    ...rest
  } = options;
  return rest;
}

export async function scanImage(reference: string, options: ScanOptions = {}): Promise<ScanResult> {
  const now = options.now ?? new Date();
  const ignore = await loadIgnoreFile(options.ignoreFile);
  const policyFile =
    typeof options.policy === "string"
      ? // The policy reader (and the YAML library) loads only for a scan with a policy file.
        await (await import("../policy/policy-file.js")).readPolicyFile(options.policy)
      : (options.policy ?? null);
  const vexDocuments: VexDocument[] = [];
  if ((options.vex ?? []).length > 0) {
    const { readVexFile } = await import("../vex/read.js");
    for (const path of options.vex ?? []) vexDocuments.push(await readVexFile(path));
  }

  const store = options.store ?? (await openStore(options.db));
  try {
    const status = await store.status();
    const freshness = assessFreshness(
      status,
      options.maxDbAgeMs === undefined ? { now } : { now, maxAgeMs: options.maxDbAgeMs },
    );
    if (freshness.kind === "empty") {
      throw new ShipshapeError(
        "input",
        `vulnerability database ${status.location} has not been built: run shipshape db update (or db import for air-gapped sites), or name one with --db`,
      );
    }
    const warnings = checkDatabaseAge(freshness, {
      ci: options.ci ?? false,
      skipAgeCheck: options.skipDbAgeCheck ?? false,
    });

    const detectionPriority = options.detectionPriority ?? "precise";
    // The hygiene checks' filesystem rules run on the catalog's single read of the layers.
    const cataloged: CatalogedImage<FilesystemCheckResult> = await catalogImageResult(
      reference,
      { ...catalogOptionsOf(options), includeOsOwned: detectionPriority === "comprehensive" },
      checksAnalysis(),
    );
    const { source, result: catalog } = cataloged;
    const checks =
      cataloged.config && cataloged.analysis
        ? imageFindings(cataloged.analysis, { config: cataloged.config, source, catalog, now })
        : null;
    if (checks) warnings.push(...checks.warnings);

    const scope = await rhelScopeOf(catalog, store, warnings);
    const match = await matchPackages(catalog.packages, catalog.os, store, scope ? { cpes: scope } : {});
    warnings.push(...match.warnings);
    const coverageGaps: string[] = [];
    if (match.missingNamespaces.length > 0) {
      coverageGaps.push(
        `vulnerability database ${status.location} has no data for ${match.missingNamespaces.join(", ")}: those packages were not checked (import the feed that covers them)`,
      );
    }
    const unknownOs = unknownOsGap(catalog);
    if (unknownOs) coverageGaps.push(unknownOs);

    let findings = match.findings;
    const suppressed: SuppressedFinding[] = [];
    if (vexDocuments.length > 0) {
      for (const d of vexDocuments) warnings.push(...d.warnings);
      const vex = applyVex(findings, vexDocuments, imageIdentity(source).purl ?? null);
      findings = vex.kept;
      suppressed.push(...vex.suppressed);
    }
    let expiredIgnores: IgnoreEntry[] = [];
    let accepted: SuppressedFinding[] = [];
    if (ignore) {
      const outcome = applyIgnoreFile(findings, ignore, now);
      findings = outcome.kept;
      suppressed.push(...outcome.suppressed);
      accepted = outcome.suppressed;
      expiredIgnores = outcome.expired;
      for (const e of expiredIgnores) {
        warnings.push(
          `${ignore.path}:${e.line}: the ignore entry for ${e.id}${e.package ? ` (${e.package})` : ""} expired on ${e.expires}; it no longer suppresses anything`,
        );
      }
    }

    const grade = healthIndexGrade(await gradeFindings(findings, accepted, store), {
      now,
      incomplete: coverageGaps.length > 0 || catalog.incomplete.length > 0,
    });
    const gateOptions = options.gate ?? {};
    const shown = findings.filter((f) => isShown(f, gateOptions));
    const flags = gatePolicy(gateOptions);
    const policies = [flags, policyFile].filter((p): p is Policy => p !== null);
    // Null for an SBOM input (no files, no config): rules on hygiene then report that they could not check.
    const hygiene: HygieneFinding[] | null = checks ? checks.findings : null;
    const subject: PolicySubject = {
      names: imageNamesOf(source),
      transport: source.transport,
      resolvedDigest: source.manifestDigest,
      created: source.created,
      // The config's labels ({} when it has none); unknown (null) for an SBOM input.
      labels: cataloged.config ? (cataloged.config.config?.Labels ?? {}) : null,
      packages: catalog.packages,
      vulnerabilities: findings,
      shown,
      hygiene,
      grade,
    };
    const policy = evaluatePolicies(subject, policies, { now });
    for (const e of policy.expiredExceptions ?? []) {
      warnings.push(
        `${e.file}:${e.line}: the policy exception for ${e.scope} expired on ${e.expires}; it no longer applies`,
      );
    }

    return {
      source,
      catalog,
      detectionPriority,
      database: { ...freshness, missingNamespaces: match.missingNamespaces },
      findings,
      suppressed,
      grade,
      hygiene: checks ? checks.findings : null,
      gate: {
        shown,
        hidden: findings.length - shown.length,
        policy,
        exitCode: gateExitCode(policy, gateOptions),
      },
      gateOptions,
      ignoreFile: ignore?.path ?? null,
      expiredIgnores,
      vexFiles: vexDocuments.map((d) => d.file),
      coverageGaps,
      warnings,
      matchedPackages: match.matchedPackages,
    };
  } finally {
    if (!options.store) await store.close();
  }
}

/**
 * The grade's view of the findings: the kept ones and those an ignore-file entry accepted, with the
 * vulnerability's publication date for Critical/Important fixes the database gives no date for.
 */
async function gradeFindings(
  kept: readonly Finding[],
  accepted: readonly SuppressedFinding[],
  store: VulnStore,
): Promise<GradeFinding[]> {
  const all: GradeFinding[] = [
    ...kept.map((f) => ({ ...f })),
    ...accepted.map((s) => ({ ...s.finding, acceptedBy: `${s.suppression.file} ${s.suppression.at}` })),
  ];
  const undated = all.filter(
    (f) => f.fixable && f.fixPublished === null && (f.severity === "critical" || f.severity === "high"),
  );
  if (undated.length === 0) return all;
  const records = await store.vulnerabilities([...new Set(undated.flatMap((f) => [f.id, ...f.aliases]))]);
  for (const f of undated) {
    const published = [f.id, ...f.aliases].map((id) => records.get(id)?.published).find((p) => p);
    f.vulnerabilityPublished = published ?? null;
  }
  return all;
}

/**
 * The image's Red Hat repository CPEs, from its content manifests (as Trivy scopes RHEL advisories);
 * null without manifests, or when the database cannot map them (the default platform scope applies).
 */
async function rhelScopeOf(
  catalog: CatalogResult,
  store: VulnStore,
  warnings: string[],
): Promise<string[] | null> {
  if (!catalog.contentManifests || catalog.contentManifests.length === 0) return null;
  const manifests = [];
  for (const m of catalog.contentManifests) {
    try {
      manifests.push(parseContentManifest(m.text, m.path));
    } catch (err) {
      warnings.push(err instanceof Error ? err.message : String(err));
    }
  }
  const scope = await resolveRhelScope(store, manifests);
  warnings.push(...scope.warnings);
  return scope.cpes;
}
