/**
 * Composer's record of what it installed, `<vendor-dir>/composer/installed.json`: Composer 1 writes
 * an array of packages, Composer 2 `{"packages": [...], "dev": bool, "dev-package-names": [...]}`.
 * `version` is kept as Composer prints it (`composer show`: `v1.2.3`, `2.0.0-beta.1`), not
 * `version_normalized` (`1.2.3.0`), which is Composer's internal sort key. A package entry without a
 * `vendor/name` or a version is skipped and counted.
 */
import { ShipshapeError } from "../errors.js";
import { cleanLicenses, isObject, parseJsonBytes } from "./lang-files.js";

export interface ComposerPackage {
  name: string;
  version: string;
  licenses: string[];
  /** Listed in `dev-package-names` (installed with require-dev). */
  dev: boolean;
}

export interface ComposerInstalled {
  packages: ComposerPackage[];
  /** Entries that named no package or version. */
  skipped: number;
}

/** `vendor/name`, loosely (old packages have capitals); no nested quantifiers, so no backtracking blow-up. */
const NAME = /^[a-z0-9][a-z0-9_.-]{0,127}\/[a-z0-9][a-z0-9_.-]{0,127}$/i;

export function parseComposerInstalled(bytes: Uint8Array): ComposerInstalled {
  const doc = parseJsonBytes(bytes, "installed.json");
  let entries: unknown[];
  const dev = new Set<string>();
  if (Array.isArray(doc)) entries = doc;
  else if (isObject(doc) && Array.isArray(doc.packages)) {
    entries = doc.packages;
    if (Array.isArray(doc["dev-package-names"])) {
      for (const n of doc["dev-package-names"]) if (typeof n === "string") dev.add(n);
    }
  } else {
    throw new ShipshapeError("input", 'installed.json is neither a package array nor {"packages": [...]}');
  }
  const packages: ComposerPackage[] = [];
  let skipped = 0;
  for (const e of entries) {
    const name = isObject(e) && typeof e.name === "string" ? e.name.trim() : "";
    const version = isObject(e) && typeof e.version === "string" ? e.version.trim() : "";
    if (!isObject(e) || !NAME.test(name) || version === "" || version.length > 256 || /\s/.test(version)) {
      skipped++;
      continue;
    }
    const license = e.license;
    packages.push({
      name,
      version,
      licenses: cleanLicenses(Array.isArray(license) ? license.slice(0, 64) : [license]),
      dev: dev.has(name),
    });
  }
  return { packages, skipped };
}
