/**
 * Python package versions (PEP 440, as pypa/packaging's `Version` implements it), delegated to
 * @renovatebot/pep440, a port of packaging's version and specifier code (DESIGN.md's preferred
 * dependency). It orders every one of the 4,208 pypa/packaging vectors and rejects the 16 invalid
 * ones, so there was no reason to hand-write it.
 *
 * What this wrapper adds: packaging strips surrounding whitespace (Python's `\s`) before matching
 * and the library does not, so we strip it here; -1/0/1 results; and a usage ShipshapeError naming
 * the input where the library returns null or throws.
 *
 * Known limit: release, pre/post/dev numbers and epochs are JavaScript numbers, so two numbers that
 * differ only beyond 2^53 (16+ digit components) compare equal; Python's ints would not.
 */
import {
  type Pep440Version,
  compare as pepCompare,
  parse as pepParse,
  satisfies as pepSatisfies,
  validRange as pepValidRange,
} from "@renovatebot/pep440";
import { ShipshapeError } from "../errors.js";
import { invalidVersion, quoteVersion } from "./invalid-version.js";
import { type Ordering, sign } from "./ordering.js";

export type { Pep440Version };

/** Python's str.isspace(): the characters packaging's `^\s*` and `\s*$` skip. */
function isPySpace(c: number): boolean {
  return (
    (c >= 0x09 && c <= 0x0d) ||
    (c >= 0x1c && c <= 0x20) ||
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

/** Strips Python whitespace with a scan (a regex trim is quadratic on long inner runs of spaces). */
function strip(version: string): string {
  let start = 0;
  let end = version.length;
  while (start < end && isPySpace(version.charCodeAt(start))) start++;
  while (end > start && isPySpace(version.charCodeAt(end - 1))) end--;
  return version.slice(start, end);
}

export function parsePep440OrNull(version: string): Pep440Version | null {
  if (typeof version !== "string") return null;
  return pepParse(strip(version));
}

export function parsePep440(version: string): Pep440Version {
  const parsed = parsePep440OrNull(version);
  if (parsed === null) throw invalidVersion("pep440", version, "not a PEP 440 version");
  return parsed;
}

export function isValidPep440(version: string): boolean {
  return parsePep440OrNull(version) !== null;
}

/** packaging's Version ordering (local versions, post/dev releases, epochs); throws for invalid versions. */
export function comparePep440(a: string, b: string): Ordering {
  parsePep440(a);
  parsePep440(b);
  return sign(pepCompare(strip(a), strip(b)));
}

/**
 * packaging's SpecifierSet.contains ("~=1.4.2", ">=1,<2", "==1.*", "!=1.3"): pre-releases only when
 * asked for or when the specifier names one, as packaging does. Throws for an invalid version or specifier.
 */
export function satisfiesPep440(
  version: string,
  specifier: string,
  options?: { prereleases?: boolean },
): boolean {
  parsePep440(version);
  if (!pepValidRange(specifier)) {
    throw new ShipshapeError("usage", `invalid PEP 440 specifier ${quoteVersion(specifier)}`);
  }
  return pepSatisfies(
    strip(version),
    specifier,
    options?.prereleases === undefined ? {} : { prereleases: options.prereleases },
  );
}
