/**
 * One entry point over the version schemes: `compareVersions(scheme, a, b)` → -1 | 0 | 1 (DESIGN.md's
 * public API contract), plus each scheme's own module for its richer API (parsing, validity, ranges).
 *
 * Where a scheme has a notion of an invalid version, `compareVersions` refuses one with a usage
 * ShipshapeError naming the scheme and the version, rather than inventing an order for it:
 * deb (dpkg's parse errors; its warnings are accepted, as dpkg accepts them), rpm (only ""), apk,
 * semver (strict npm parsing), pep440, go (with or without the `v` OSV leaves off) and gem.
 * Maven accepts every string.
 */
import { ShipshapeError } from "../errors.js";
import { compareApk, isValidApk } from "./apk.js";
import { compareDeb, isValidDeb } from "./deb.js";
import { compareGem, isValidGem } from "./gem.js";
import { compareGoStrict, isValidGo, withGoPrefix } from "./go.js";
import { quoteVersion, type VersionScheme } from "./invalid-version.js";
import { compareMaven } from "./maven.js";
import type { Ordering } from "./ordering.js";
import { comparePep440, isValidPep440 } from "./pep440.js";
import { compareRpmEvr, isValidRpm } from "./rpm.js";
import { compareSemver, isValidSemver } from "./semver.js";

export type { VersionScheme } from "./invalid-version.js";
export type { Ordering } from "./ordering.js";

interface SchemeOps {
  compare(a: string, b: string): Ordering;
  isValid(v: string): boolean;
}

const SCHEMES: Readonly<Record<VersionScheme, SchemeOps>> = {
  deb: { compare: compareDeb, isValid: isValidDeb },
  rpm: { compare: compareRpmEvr, isValid: isValidRpm },
  apk: { compare: compareApk, isValid: isValidApk },
  semver: { compare: (a, b) => compareSemver(a, b), isValid: (v) => isValidSemver(v) },
  pep440: { compare: comparePep440, isValid: isValidPep440 },
  maven: { compare: compareMaven, isValid: () => true },
  go: { compare: compareGoStrict, isValid: (v) => isValidGo(withGoPrefix(v)) },
  gem: { compare: compareGem, isValid: isValidGem },
};

export const VERSION_SCHEMES = Object.freeze(Object.keys(SCHEMES) as VersionScheme[]);

function opsFor(scheme: string): SchemeOps {
  if (!Object.hasOwn(SCHEMES, scheme)) {
    throw new ShipshapeError(
      "usage",
      `unknown version scheme ${quoteVersion(String(scheme))}: use one of ${VERSION_SCHEMES.join(", ")}`,
    );
  }
  return SCHEMES[scheme as VersionScheme];
}

function requireString(scheme: string, value: unknown): string {
  if (typeof value !== "string") {
    throw new ShipshapeError("usage", `invalid ${scheme} version: expected a string, got ${typeof value}`);
  }
  return value;
}

/**
 * Orders two versions of one scheme: -1 when a is older than b, 0 when they are equal in that
 * scheme's sense (1.0 and 1.0.0 for Maven, 1.0 and 0:1.0 for deb), 1 when a is newer.
 * Throws a usage ShipshapeError for an unknown scheme or a version the scheme rejects.
 */
export function compareVersions(scheme: VersionScheme, a: string, b: string): Ordering {
  const ops = opsFor(scheme);
  return ops.compare(requireString(scheme, a), requireString(scheme, b));
}

/** True when `compareVersions(scheme, version, …)` would accept the version. */
export function isValidVersion(scheme: VersionScheme, version: string): boolean {
  return typeof version === "string" && opsFor(scheme).isValid(version);
}
