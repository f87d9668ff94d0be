/**
 * `scan`: catalog + match → suppression → CI gate. One function, `scanImage(ref, options)`, that the
 * CLI, the API and (later) the server call; rendering is the report/ layer's job.
 *
 * Order: the VEX and ignore files are read first and the database is opened and its age checked
 * before the image is read, so a malformed input or a stale database in CI mode fails in
 * milliseconds, not after reading a 2 GB image. Then catalog (OS-owned language packages are matched
 * only through their OS package, Trivy's rule, unless detectionPriority is "comprehensive"), match,
 * VEX, ignore file (a finding a VEX statement suppressed is recorded once, as VEX's), gate.
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
import { ShipshapeError } from "../errors.js";
import type { ImageSourceFacts } from "../image/inspect.js";
import type { Finding } from "../match/finding.js";
import { matchPackages } from "../match/match.js";
import { parseContentManifest, resolveRhelScope } from "../match/rhel-scope.js";
import { evaluateGate, type GateOptions, type GateResult } from "../policy/gate.js";
import { applyIgnoreFile, type IgnoreEntry, type IgnoreFile, readIgnoreFile } from "../policy/ignore-file.js";
import type { SuppressedFinding } from "../policy/suppression.js";
import { imageIdentity } from "../report/sbom-identity.js";
import { readVexFile } from "../vex/read.js";
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
  /** The gate: which findings are shown, and whether the policy passed. */
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
    now: _now,
    ...rest
  } = options;
  return rest;
}

export async function scanImage(reference: string, options: ScanOptions = {}): Promise<ScanResult> {
  const now = options.now ?? new Date();
  const ignore = await loadIgnoreFile(options.ignoreFile);
  const vexDocuments: VexDocument[] = [];
  for (const path of options.vex ?? []) vexDocuments.push(await readVexFile(path));

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
    const cataloged: CatalogedImage = await catalogImageResult(reference, {
      ...catalogOptionsOf(options),
      includeOsOwned: detectionPriority === "comprehensive",
    });
    const { source, result: catalog } = cataloged;

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
    if (ignore) {
      const outcome = applyIgnoreFile(findings, ignore, now);
      findings = outcome.kept;
      suppressed.push(...outcome.suppressed);
      expiredIgnores = outcome.expired;
      for (const e of expiredIgnores) {
        warnings.push(
          `${ignore.path}:${e.line}: the ignore entry for ${e.id}${e.package ? ` (${e.package})` : ""} expired on ${e.expires}; it no longer suppresses anything`,
        );
      }
    }

    return {
      source,
      catalog,
      detectionPriority,
      database: { ...freshness, missingNamespaces: match.missingNamespaces },
      findings,
      suppressed,
      gate: evaluateGate(findings, options.gate),
      gateOptions: options.gate ?? {},
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
