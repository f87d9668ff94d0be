/**
 * npm's semver (SemVer 2.0.0 plus npm's ranges), delegated to the `semver` package that npm itself
 * uses (DESIGN.md's preferred dependency): our vectors come from its own test fixtures, and no other
 * implementation matches npm's range grammar (`^`, `~`, x-ranges, hyphen ranges, `||`) exactly.
 *
 * What this wrapper adds: typed options, -1/0/1 results, and a usage ShipshapeError naming the input
 * instead of semver's TypeError. semver refuses inputs over 256 characters before any regular
 * expression runs, so hostile lengths cost nothing.
 */
// The parts used, not the package's index: it requires all of semver (120 KB once bundled).

import type { RangeOptions } from "semver";
import Range from "semver/classes/range.js";
import type SemVer from "semver/classes/semver.js";
import parse from "semver/functions/parse.js";
import satisfies from "semver/functions/satisfies.js";
import { ShipshapeError } from "../errors.js";
import { invalidVersion, quoteVersion } from "./invalid-version.js";
import { type Ordering, sign } from "./ordering.js";

export interface SemverOptions {
  /** npm's loose parsing: "=1.2.3", "v 1.2.3", "1.2.3beta". */
  loose?: boolean;
  /** Let ranges match pre-releases of other [major, minor, patch] tuples. */
  includePrerelease?: boolean;
}

function opts(options: SemverOptions | undefined): RangeOptions {
  return { loose: options?.loose === true, includePrerelease: options?.includePrerelease === true };
}

/** The parsed version, or null when semver rejects it. */
export function parseSemverOrNull(version: string, options?: SemverOptions): SemVer | null {
  if (typeof version !== "string") return null;
  return parse(version, opts(options));
}

/** The parsed version; throws a usage ShipshapeError when semver rejects it. */
export function parseSemver(version: string, options?: SemverOptions): SemVer {
  const parsed = parseSemverOrNull(version, options);
  if (parsed === null) {
    throw invalidVersion(
      "semver",
      version,
      "not a SemVer 2.0.0 version (MAJOR.MINOR.PATCH[-prerelease][+build])",
    );
  }
  return parsed;
}

export function isValidSemver(version: string, options?: SemverOptions): boolean {
  return parseSemverOrNull(version, options) !== null;
}

/** npm's compare: precedence per SemVer 2.0.0 (build metadata ignored); throws for invalid versions. */
export function compareSemver(a: string, b: string, options?: SemverOptions): Ordering {
  return sign(parseSemver(a, options).compare(parseSemver(b, options)));
}

/** A parsed npm range; throws a usage ShipshapeError when semver cannot read it. */
export function parseSemverRange(range: string, options?: SemverOptions): Range {
  try {
    return new Range(range, opts(options));
  } catch {
    throw new ShipshapeError("usage", `invalid semver range ${quoteVersion(String(range))}`);
  }
}

/**
 * npm's `satisfies`: false when the version is outside the range, and also (as npm does) when either
 * side cannot be parsed. Use parseSemverRange/parseSemver first where a bad input must be an error.
 */
export function satisfiesSemver(version: string, range: string, options?: SemverOptions): boolean {
  // JavaScript callers may pass anything; npm answers false for a non-string, and so do we.
  if (typeof version !== "string") return false;
  return satisfies(version, range, opts(options));
}
