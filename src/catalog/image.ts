/**
 * Catalog an image (or read an SBOM in its place): open, read the layers with every cataloger's file
 * requests, detect the OS, run the catalogers. The data behind `sbom` and the first half of `scan`.
 */
import type { FileRequest } from "../image/file-request.js";
import type { ImageFilesystem } from "../image/filesystem.js";
import {
  type ImageSourceFacts,
  type InspectOptions,
  imageSourceFacts,
  readOptionsFrom,
} from "../image/inspect.js";
import type { ImageConfig } from "../image/oci.js";
import { openImage } from "../image/open.js";
import { readSbomReference } from "../sbom-input/reference.js";
import { VERSION } from "../version.js";
import type { CatalogResult } from "./catalog.js";
import { CATALOG_REQUEST_VERSIONS } from "./request-versions.js";

export interface CatalogImageOptions extends InspectOptions {
  /** Report language packages that an OS package owns as packages of their own too. */
  includeOsOwned?: boolean;
}

export interface CatalogedImage<T = never> {
  source: ImageSourceFacts;
  result: CatalogResult;
  /** The catalog (and the analysis) came from the cache (an unchanged image: no layer was read). */
  cached?: boolean;
  /** The image's config; absent when the input was an SBOM. */
  config?: ImageConfig;
  /** What the analysis passed to catalogImageResult returned; absent when the input was an SBOM. */
  analysis?: T;
}

/**
 * Another reader of the same single pass over the layers (the image hygiene checks): its requests
 * join the catalog's, and it runs on the filesystem once the catalog is done. Its result is cached
 * next to the catalog's document (same key, plus its id and version) and comes back from there for
 * an unchanged image; when only the catalog is cached, the image is read again.
 */
export interface FilesystemAnalysis<T> {
  id: string;
  /** Bump when what it reports can change. */
  version: string;
  requests: FileRequest[];
  /**
   * What of the image's config the result depends on (e.g. its PATH), as text for the cache key:
   * the same layers under another config (an ENV-only change adds no layer) must not reuse a result.
   */
  configKey?(config: ImageConfig): string;
  run(fs: ImageFilesystem, catalog: CatalogResult, config: ImageConfig): Promise<T>;
  /** A cached document back into a result; null when it is not one (treated as a miss). */
  revive(value: unknown): T | null;
}

/** Open an image and catalog its packages (the data behind `sbom`), optionally with `analysis` on the same read. */
export async function catalogImageResult<T = never>(
  reference: string,
  options: CatalogImageOptions = {},
  analysis?: FilesystemAnalysis<T>,
): Promise<CatalogedImage<T>> {
  // `sbom:PATH` or an existing `*.json` file: an SBOM to read, not an image to open.
  const fromSbom = await readSbomReference(reference, { includeOsOwned: options.includeOsOwned ?? false });
  if (fromSbom) return { source: fromSbom.source, result: fromSbom.result };
  const image = await openImage(reference, options);
  try {
    await options.onStart?.(image.layers.reduce((sum, l) => sum + (l.size ?? 0), 0));
    const cacheKey = catalogCacheKey(
      image.layers.map((l) => l.diffID),
      options.includeOsOwned ?? false,
    );
    const analysisKey =
      cacheKey && analysis
        ? JSON.stringify({
            kind: "analysis",
            id: analysis.id,
            version: analysis.version,
            config: analysis.configKey?.(image.config) ?? null,
            catalog: cacheKey,
          })
        : null;
    const found = (result: CatalogResult, extra: { cached?: boolean; analysis?: T }): CatalogedImage<T> => ({
      source: imageSourceFacts(image),
      result,
      config: image.config,
      ...extra,
    });
    if (options.cache && cacheKey) {
      const hit = await options.cache.getDocument(cacheKey);
      if (isCatalogResult(hit)) {
        if (!analysis) return found(hit, { cached: true });
        const done = analysisKey ? analysis.revive(await options.cache.getDocument(analysisKey)) : null;
        if (done !== null) return found(hit, { cached: true, analysis: done });
      }
    }
    // A miss: only now are the catalogers needed.
    const [{ CATALOGERS, OS_DETECTOR }, { catalogFilesystem, catalogRequests }, { readFilesystem }] =
      await Promise.all([import("./all.js"), import("./catalog.js"), import("../image/filesystem.js")]);
    const fs = await readFilesystem(image, {
      ...readOptionsFrom(options),
      requests: [
        ...catalogRequests({ catalogers: CATALOGERS, osDetector: OS_DETECTOR }),
        ...(analysis?.requests ?? []),
      ],
    });
    const result = await catalogFilesystem(fs, {
      catalogers: CATALOGERS,
      osDetector: OS_DETECTOR,
      includeOsOwned: options.includeOsOwned ?? false,
    });
    const value = analysis ? await analysis.run(fs, result, image.config) : undefined;
    // Only a complete catalog is worth remembering: an incomplete one must be retried.
    if (options.cache && cacheKey && result.incomplete.length === 0) {
      await options.cache.putDocument(cacheKey, result).catch(() => undefined);
      if (analysisKey && value !== undefined) {
        await options.cache.putDocument(analysisKey, value).catch(() => undefined);
      }
    }
    return found(result, value !== undefined ? { analysis: value } : {});
  } finally {
    await image.close();
  }
}

/**
 * The catalog of an image is a function of its layers (verified diffIDs), the catalogers' versions
 * and the options — and of the day, since end-of-life status depends on it. Null when a layer has
 * no diffID to vouch for it (dir:, some docker archives).
 */
function catalogCacheKey(diffIDs: (string | null)[], includeOsOwned: boolean): string | null {
  if (diffIDs.length === 0 || diffIDs.some((d) => d === null)) return null;
  const requests = CATALOG_REQUEST_VERSIONS;
  const day = new Date().toISOString().slice(0, 10);
  return JSON.stringify({ kind: "catalog", shipshape: VERSION, requests, diffIDs, includeOsOwned, day });
}

/** Enough of a shape check that a stale or foreign document is a miss, not a crash. */
function isCatalogResult(value: unknown): value is CatalogResult {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Partial<CatalogResult>;
  return Array.isArray(v.packages) && Array.isArray(v.warnings) && Array.isArray(v.incomplete) && "os" in v;
}
