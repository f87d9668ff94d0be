/**
 * A package found in an image: what the sbom/scan JSON contract (DESIGN.md) prints, plus what the
 * pipeline needs internally (owned files for OS-owned folding, cataloger-specific facts).
 */
import { compareText } from "../compare-text.js";
export type PackageType =
  | "deb"
  | "apk"
  | "rpm"
  | "npm"
  | "pypi"
  | "maven"
  | "golang"
  | "cargo"
  | "gem"
  | "composer"
  | "nuget";

export const OS_PACKAGE_TYPES: ReadonlySet<PackageType> = new Set(["deb", "apk", "rpm"]);

export interface PackageLocation {
  /** Absolute path in the image of the file that proves the package. */
  path: string;
  /** Index of the layer that last wrote that file. */
  layer?: number;
}

export interface Package {
  type: PackageType;
  name: string;
  /** As the package manager prints it: deb `[epoch:]upstream[-revision]`, rpm `VERSION-RELEASE`, apk `ver-rN`. */
  version: string;
  purl: string;
  arch?: string;
  /** rpm: the epoch as an integer, null when absent. */
  epoch?: number | null;
  /** rpm: the release part of `version`. */
  release?: string;
  /** The source package (deb Source:, rpm SOURCERPM, apk origin) and its version. */
  sourceName?: string;
  sourceVersion?: string;
  licenses?: string[];
  locations: PackageLocation[];
  /** Which cataloger found it (not printed in the contract JSON). */
  foundBy: string;
  /** Files the package installed (OS packages), for folding language packages they own. */
  files?: string[];
  /** Set when an OS package owns this (language) package's files. */
  ownedBy?: { type: PackageType; name: string };
  /** Cataloger-specific facts kept for later stages (e.g. maven groupId, Go module kind, rpm modularity). */
  metadata?: Record<string, string | number | boolean | null>;
}

/** The JSON contract's view of a package (DESIGN.md: `sbom --format json`). */
export interface PackageJson {
  name: string;
  version: string;
  type: PackageType;
  purl: string;
  arch?: string;
  epoch?: number | null;
  release?: string;
  sourceName?: string;
  sourceVersion?: string;
  licenses?: string[];
  locations: PackageLocation[];
}

export function packageJson(p: Package): PackageJson {
  const out: PackageJson = {
    name: p.name,
    version: p.version,
    type: p.type,
    purl: p.purl,
    locations: p.locations,
  };
  if (p.arch !== undefined) out.arch = p.arch;
  if (p.epoch !== undefined) out.epoch = p.epoch;
  if (p.release !== undefined) out.release = p.release;
  if (p.sourceName !== undefined) out.sourceName = p.sourceName;
  if (p.sourceVersion !== undefined) out.sourceVersion = p.sourceVersion;
  if (p.licenses !== undefined && p.licenses.length > 0) out.licenses = p.licenses;
  return out;
}

/** Stable order for output: type, name, version, first location. */
export function comparePackages(a: Package, b: Package): number {
  return (
    compareText(a.type, b.type) ||
    compareText(a.name, b.name) ||
    compareText(a.version, b.version) ||
    compareText(a.locations[0]?.path ?? "", b.locations[0]?.path ?? "")
  );
}
