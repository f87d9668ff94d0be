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
import { CATALOGERS, OS_DETECTOR } from "./all.js";
import { type CatalogResult, catalogFilesystem, catalogRequests } from "./catalog.js";

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
