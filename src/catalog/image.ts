/**
 * Catalog an image (or read an SBOM in its place): open, read the layers with every cataloger's file
 * requests, detect the OS, run the catalogers. The data behind `sbom` and the first half of `scan`.
 */
import { readFilesystem } from "../image/filesystem.js";
import {
  type ImageSourceFacts,
  type InspectOptions,
  imageSourceFacts,
  readOptionsFrom,
} from "../image/inspect.js";
import { openImage } from "../image/open.js";
import { readSbomReference } from "../sbom-input/reference.js";
import { VERSION } from "../version.js";
import { CATALOGERS, OS_DETECTOR } from "./all.js";
import { type CatalogResult, catalogFilesystem, catalogRequests } from "./catalog.js";

export interface CatalogImageOptions extends InspectOptions {
  /** Report language packages that an OS package owns as packages of their own too. */
  includeOsOwned?: boolean;
}

export interface CatalogedImage {
  source: ImageSourceFacts;
  result: CatalogResult;
  /** The catalog came from the cache (an unchanged image: no layer was read). */
  cached?: boolean;
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
    const cacheKey = catalogCacheKey(
      image.layers.map((l) => l.diffID),
      options.includeOsOwned ?? false,
    );
    if (options.cache && cacheKey) {
      const hit = await options.cache.getDocument(cacheKey);
      if (isCatalogResult(hit)) return { source: imageSourceFacts(image), result: hit, cached: true };
    }
    const fs = await readFilesystem(image, {
      ...readOptionsFrom(options),
      requests: catalogRequests({ catalogers: CATALOGERS, osDetector: OS_DETECTOR }),
    });
    const result = await catalogFilesystem(fs, {
      catalogers: CATALOGERS,
      osDetector: OS_DETECTOR,
      includeOsOwned: options.includeOsOwned ?? false,
    });
    // Only a complete catalog is worth remembering: an incomplete one must be retried.
    if (options.cache && cacheKey && result.incomplete.length === 0) {
      await options.cache.putDocument(cacheKey, result).catch(() => undefined);
    }
    return { source: imageSourceFacts(image), result };
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
  const requests = catalogRequests({ catalogers: CATALOGERS, osDetector: OS_DETECTOR })
    .map((r) => `${r.id}@${r.version}`)
    .sort();
  const day = new Date().toISOString().slice(0, 10);
  return JSON.stringify({ kind: "catalog", shipshape: VERSION, requests, diffIDs, includeOsOwned, day });
}

/** Enough of a shape check that a stale or foreign document is a miss, not a crash. */
function isCatalogResult(value: unknown): value is CatalogResult {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Partial<CatalogResult>;
  return Array.isArray(v.packages) && Array.isArray(v.warnings) && Array.isArray(v.incomplete) && "os" in v;
}
