/**
 * What reading an SBOM gives: the same `{source, result}` a scanned image gives (so sbom/scan treat
 * both alike), with `transport: "sbom"` and the document's format.
 */
import type { CatalogResult, IncompleteSource } from "../catalog/catalog.js";
import type { OsInfo } from "../catalog/os.js";
import { comparePackages, type Package } from "../catalog/package.js";
import { compareText } from "../compare-text.js";
import type { ImageSourceFacts } from "../image/inspect.js";

export type SbomFormat = "cyclonedx" | "spdx";

/** ImageSourceFacts of an image known only through an SBOM. */
export type SbomSourceFacts = Omit<ImageSourceFacts, "transport"> & { transport: "sbom" };

export interface SbomDocumentInfo {
  format: SbomFormat;
  /** `1.6` for CycloneDX, `SPDX-2.3` for SPDX. */
  specVersion: string;
  /** The document was written by shipshape (its own properties/annotations were read). */
  ours: boolean;
}

export interface SbomReadResult {
  source: SbomSourceFacts;
  result: CatalogResult;
  document: SbomDocumentInfo;
}

export interface SbomReadOptions {
  /** Keep language packages the SBOM marks as owned by an OS package (as `--include-os-owned`). */
  includeOsOwned?: boolean;
}

/** Counts entries left out, to report them in one warning each instead of one per entry. */
export class SkipTally {
  private readonly reasons = new Map<string, number>();

  add(reason: string): void {
    this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + 1);
  }

  warnings(what: string): string[] {
    if (this.reasons.size === 0) return [];
    const total = [...this.reasons.values()].reduce((a, b) => a + b, 0);
    const list = [...this.reasons]
      .sort((a, b) => b[1] - a[1] || compareText(a[0], b[0]))
      .slice(0, 12)
      .map(([r, n]) => `${r} (${n})`)
      .join(", ");
    return [
      `sbom: ${what}: left out ${total} ${total === 1 ? "entry" : "entries"} shipshape cannot scan: ${list}`,
    ];
  }
}

export function finishResult(
  parts: {
    os: OsInfo | null;
    packages: Package[];
    warnings: string[];
    incomplete: IncompleteSource[];
  },
  options: SbomReadOptions,
): CatalogResult {
  const owned = parts.packages.filter((p) => p.ownedBy !== undefined).length;
  const packages = options.includeOsOwned
    ? parts.packages
    : parts.packages.filter((p) => p.ownedBy === undefined);
  packages.sort(comparePackages);
  return { os: parts.os, packages, folded: owned, warnings: parts.warnings, incomplete: parts.incomplete };
}
