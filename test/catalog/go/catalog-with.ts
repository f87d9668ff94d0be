/**
 * Catalog an image (or a synthetic image) with only the given catalogers: the same path as
 * `catalogImage` (readFilesystem with the catalogers' requests, then catalogFilesystem), so tests
 * see exactly what the sbom command would report for those package types.
 */
import { type CatalogResult, catalogFilesystem, catalogRequests } from "../../../src/catalog/catalog.js";
import type { Cataloger } from "../../../src/catalog/cataloger.js";
import type { OsDetector } from "../../../src/catalog/os.js";
import { readFilesystem } from "../../../src/image/filesystem.js";
import type { ReadLimits } from "../../../src/image/limits.js";
import { openImage } from "../../../src/image/open.js";
import type { OpenedImage } from "../../../src/image/source.js";

const noOs: OsDetector = { id: "no-os", version: "0", request: {}, detect: async () => null };

export async function catalogWith(
  image: string | OpenedImage,
  catalogers: Cataloger[],
  limits: Partial<ReadLimits> = {},
): Promise<CatalogResult> {
  const opened = typeof image === "string" ? await openImage(image) : image;
  try {
    const fs = await readFilesystem(opened, {
      cache: null,
      limits,
      requests: catalogRequests({ catalogers, osDetector: noOs }),
    });
    return await catalogFilesystem(fs, { catalogers, osDetector: noOs, includeOsOwned: true });
  } finally {
    if (typeof image === "string") await opened.close();
  }
}
