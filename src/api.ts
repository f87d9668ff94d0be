/**
 * shipshape's programmatic API (`import { … } from "shipshape"`). Re-exports and thin compositions
 * only; the logic lives in the layers below.
 */
import { CATALOGERS, OS_DETECTOR } from "./catalog/all.js";
import { type CatalogResult, catalogFilesystem, catalogRequests } from "./catalog/catalog.js";
import { type ReadFilesystemOptions, readFilesystem } from "./image/filesystem.js";
import {
  buildInspectReport,
  type ImageSourceFacts,
  type InspectReport,
  imageSourceFacts,
} from "./image/inspect.js";
import { openImage } from "./image/open.js";
import type { OpenOptions } from "./image/source.js";
import { type SbomJson, sbomJson } from "./report/sbom-json.js";
import { readSbomReference } from "./sbom-input/reference.js";

export type { CatalogResult } from "./catalog/catalog.js";
export type { OsInfo } from "./catalog/os.js";
export type { Package, PackageType } from "./catalog/package.js";
export { ShipshapeError } from "./errors.js";
export type { FileRequest } from "./image/file-request.js";
export { type ImageFilesystem, PathError, readFilesystem } from "./image/filesystem.js";
export type { InspectReport } from "./image/inspect.js";
export { defaultCacheDir, LayerCache } from "./image/layer-cache.js";
export { DEFAULT_LIMITS, type ReadLimits } from "./image/limits.js";
export { openImage } from "./image/open.js";
export { formatPlatform, parsePlatform } from "./image/platform.js";
export { parseReference } from "./image/reference.js";
export type { OpenedImage, OpenOptions } from "./image/source.js";
export type { Finding, FindingJson } from "./match/finding.js";
export type { GateOptions, PolicyResult, PolicyViolation } from "./policy/gate.js";
export type { SbomSubject, SbomWriteOptions } from "./report/sbom-identity.js";
export type { ScanJson } from "./report/scan-json.js";
export type { ReadSbomOptions } from "./sbom-input/open.js";
export type { SbomReadResult, SbomSourceFacts } from "./sbom-input/result.js";
export type { DetectionPriority, ScanOptions } from "./scan/pipeline.js";
export { VERSION } from "./version.js";

export interface InspectOptions extends OpenOptions, Omit<ReadFilesystemOptions, "requests" | "signal"> {
  /** Called once the layers are known, with the total stored bytes to read (for progress bars). */
  onStart?: (totalBytes: number) => void | Promise<void>;
}

function readOptionsFrom(options: InspectOptions): ReadFilesystemOptions {
  const readOptions: ReadFilesystemOptions = {};
  if (options.limits) readOptions.limits = options.limits;
  if (options.cache !== undefined) readOptions.cache = options.cache;
  if (options.concurrency) readOptions.concurrency = options.concurrency;
  if (options.onProgress) readOptions.onProgress = options.onProgress;
  if (options.signal) readOptions.signal = options.signal;
  return readOptions;
}

/** Open an image, read every layer once (digests verified), and report its facts. */
export async function inspectImage(reference: string, options: InspectOptions = {}): Promise<InspectReport> {
  const image = await openImage(reference, options);
  try {
    await options.onStart?.(image.layers.reduce((sum, l) => sum + (l.size ?? 0), 0));
    const fs = await readFilesystem(image, readOptionsFrom(options));
    return buildInspectReport(image, fs);
  } finally {
    await image.close();
  }
}

export interface CatalogImageOptions extends InspectOptions {
  /** Report language packages that an OS package owns as packages of their own too. */
  includeOsOwned?: boolean;
}

export interface CatalogedImage {
  source: ImageSourceFacts;
  result: CatalogResult;
}

/** Open an image and catalog its packages (the data behind `sbom`). */
export async function catalogImageResult(
  reference: string,
  options: CatalogImageOptions = {},
): Promise<CatalogedImage> {
  // `sbom:PATH` or an existing `*.json` file: an SBOM to read, not an image to open.
  const fromSbom = await readSbomReference(reference, { includeOsOwned: options.includeOsOwned ?? false });
  if (fromSbom) return { source: fromSbom.source, result: fromSbom.result };
  const image = await openImage(reference, options);
  try {
    await options.onStart?.(image.layers.reduce((sum, l) => sum + (l.size ?? 0), 0));
    const fs = await readFilesystem(image, {
      ...readOptionsFrom(options),
      requests: catalogRequests({ catalogers: CATALOGERS, osDetector: OS_DETECTOR }),
    });
    const result = await catalogFilesystem(fs, {
      catalogers: CATALOGERS,
      osDetector: OS_DETECTOR,
      includeOsOwned: options.includeOsOwned ?? false,
    });
    return { source: imageSourceFacts(image), result };
  } finally {
    await image.close();
  }
}

/** The `sbom --format json` object for an image (DESIGN.md contract). */
export async function catalogImage(reference: string, options: CatalogImageOptions = {}): Promise<SbomJson> {
  const { source, result } = await catalogImageResult(reference, options);
  return sbomJson(source, result);
}

/**
 * The `scan --format json` object for an image or SBOM (DESIGN.md contract): packages, vulnerability
 * findings after VEX / ignore-file suppression, and the CI gate's verdict. The pipeline loads on first use.
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
