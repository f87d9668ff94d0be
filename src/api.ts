/**
 * shipshape's programmatic API (`import { … } from "shipshape"`). Re-exports and thin compositions
 * only; the logic lives in the layers below.
 */
import { type CatalogImageOptions, catalogImageResult } from "./catalog/image.js";
import { type SbomJson, sbomJson } from "./report/sbom-json.js";

export type { AuditEvent, EventOrigin } from "./audit/event.js";
export {
  type EventInputOptions,
  type EventInputProblem,
  openAuditInput,
  parseAuditEvents,
  type ReadEvent,
  readAuditEvents,
  toAuditEvent,
} from "./audit/event-input.js";
export {
  type AuditAlert,
  AuditRuleEngine,
  atOrAbove,
  builtinRulesFiles,
  compileRulesTexts,
  loadAuditRules,
} from "./audit/rules/engine.js";
export { type Priority, parsePriority } from "./audit/rules/priority.js";
export type { CatalogResult } from "./catalog/catalog.js";
export { type CatalogedImage, type CatalogImageOptions, catalogImageResult } from "./catalog/image.js";
export type { OsInfo } from "./catalog/os.js";
export type { Package, PackageType } from "./catalog/package.js";
export type { LintConfig } from "./dockerfile/config.js";
export { type LintFinding, type LintOptions, lintDockerfile } from "./dockerfile/lint.js";
export { ShipshapeError } from "./errors.js";
export {
  GRADE_LETTERS,
  type Grade,
  type GradeFinding,
  type GradeLetter,
  type GradeOptions,
  HEALTH_INDEX_BANDS,
  healthIndexGrade,
} from "./grade/health-index.js";
export type { FileRequest } from "./image/file-request.js";
export { type ImageFilesystem, PathError, readFilesystem } from "./image/filesystem.js";
export { type InspectOptions, type InspectReport, inspectImage } from "./image/inspect.js";
export { defaultCacheDir, LayerCache } from "./image/layer-cache.js";
export { DEFAULT_LIMITS, type ReadLimits } from "./image/limits.js";
export { openImage } from "./image/open.js";
export { formatPlatform, parsePlatform } from "./image/platform.js";
export { parseReference } from "./image/reference.js";
export type { OpenedImage, OpenOptions } from "./image/source.js";
export type { Finding, FindingJson } from "./match/finding.js";
export {
  type EvaluateOptions,
  evaluatePolicies,
  type HygieneFinding,
  type PolicySubject,
} from "./policy/evaluate.js";
export type { GateOptions, PolicyResult, PolicyViolation } from "./policy/gate.js";
export { type ImageName, imageNameOf } from "./policy/image-name.js";
export type { Policy, PolicyException, WaivedViolation } from "./policy/model.js";
export { BUILTIN_POLICIES, parsePolicyFile, readPolicyFile } from "./policy/policy-file.js";
export type { SbomSubject, SbomWriteOptions } from "./report/sbom-identity.js";
export type { ScanJson } from "./report/scan-json.js";
export type { ReadSbomOptions } from "./sbom-input/open.js";
export type { SbomReadResult, SbomSourceFacts } from "./sbom-input/result.js";
export type { DetectionPriority, ScanOptions } from "./scan/pipeline.js";
export { VERSION } from "./version.js";
export {
  compareVersions,
  isValidVersion,
  type Ordering,
  VERSION_SCHEMES,
  type VersionScheme,
} from "./versions/index.js";
export { chooseStore, defaultDbPath, type OpenStoreOptions, openStore } from "./vulndb/open-store.js";
export type { BuildSession, StoreStatus, VulnStore } from "./vulndb/store.js";

/** The `sbom --format json` object for an image (DESIGN.md contract). */
export async function catalogImage(reference: string, options: CatalogImageOptions = {}): Promise<SbomJson> {
  const { source, result } = await catalogImageResult(reference, options);
  return sbomJson(source, result);
}

/**
 * The `scan --format json` object for an image or SBOM (DESIGN.md contract): packages, vulnerability
 * findings after VEX / ignore-file suppression, image hygiene `findings`, the A–F `grade` and the
 * `policy` verdict (gate flags and `options.policy`: a file, `builtin:default`, or a parsed Policy).
 * The pipeline loads on first use.
 */
export async function scanImage(
  reference: string,
  options: import("./scan/pipeline.js").ScanOptions = {},
): Promise<import("./report/scan-json.js").ScanJson> {
  const [{ scanImage: scan }, { scanJson }] = await Promise.all([
    import("./scan/pipeline.js"),
    import("./report/scan-json.js"),
  ]);
  return scanJson(await scan(reference, options));
}

// SBOM documents: the writers and readers load on first use (the CycloneDX library costs ~60 ms).

/** CycloneDX 1.6 JSON of an sbom (catalogImage's result, or a catalog result via sbomSubject). */
export async function renderCycloneDx(
  sbom: import("./report/cyclonedx.js").CycloneDxSubject,
  options?: import("./report/sbom-identity.js").SbomWriteOptions,
): Promise<string> {
  return (await import("./report/cyclonedx.js")).renderCycloneDxJson(sbom, options);
}

/** SPDX 2.3 JSON of an sbom. */
export async function renderSpdx(
  sbom: import("./report/spdx.js").SpdxSubject,
  options?: import("./report/sbom-identity.js").SbomWriteOptions,
): Promise<string> {
  return (await import("./report/spdx.js")).renderSpdxJson(sbom, options);
}

/** Read an existing CycloneDX or SPDX 2.x JSON SBOM (told apart by content) as packages, OS and image facts. */
export async function readSbomFile(
  path: string,
  options?: import("./sbom-input/open.js").ReadSbomOptions,
): Promise<import("./sbom-input/result.js").SbomReadResult> {
  return (await import("./sbom-input/open.js")).readSbomFile(path, options);
}
