/** `sbom --format json` (DESIGN.md contract): source, os, packages — plus warnings and incomplete sources. */
import type { CatalogResult, IncompleteSource } from "../catalog/catalog.js";
import { type OsJson, osJson } from "../catalog/os.js";
import { type PackageJson, packageJson } from "../catalog/package.js";
import type { ImageSourceFacts } from "../image/inspect.js";

export interface SbomJson {
  source: ImageSourceFacts;
  os: OsJson | null;
  packages: PackageJson[];
  /** Odd but survivable facts met while cataloging. */
  warnings: string[];
  /** Package databases that could not be read fully: the list may miss their packages. */
  incomplete: IncompleteSource[];
}

export function sbomJson(source: ImageSourceFacts, result: CatalogResult): SbomJson {
  return {
    source,
    os: result.os ? osJson(result.os) : null,
    packages: result.packages.map(packageJson),
    warnings: result.warnings,
    incomplete: result.incomplete,
  };
}
