/**
 * Version requirements as intervals, for feeds that publish "vulnerable"/"patched" requirement strings
 * instead of OSV ranges: npm ranges (the Node.js security WG's `vulnerable_versions`/`patched`) and
 * Cargo requirements (RustSec's `patched`/`unaffected`). The `semver` package desugars a range into
 * primitive comparators (`^1.2.3` → `>=1.2.3 <2.0.0-0`); this module does the set arithmetic (union,
 * complement, intersection) and writes the result as OSV-style ranges. An exclusive lower bound
 * (`>1.2.3`) becomes the next version in semver order (`1.2.4-0`), since an OSV `introduced` is
 * inclusive.
 */
import semver from "semver";
import { ShipshapeError } from "../../errors.js";
import type { VersionRange } from "../records.js";

interface Bound {
  version: string;
  inclusive: boolean;
}

/** A convex set of versions; a null bound is unbounded on that side. */
export interface Interval {
  lo: Bound | null;
  hi: Bound | null;
}

const cmp = (a: string, b: string) => semver.compare(a, b);

/** Lower bounds: unbounded first; at one version, inclusive before exclusive. */
function compareLo(a: Bound | null, b: Bound | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  return cmp(a.version, b.version) || (a.inclusive === b.inclusive ? 0 : a.inclusive ? -1 : 1);
}

/** Upper bounds: unbounded last; at one version, exclusive before inclusive. */
function compareHi(a: Bound | null, b: Bound | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  return cmp(a.version, b.version) || (a.inclusive === b.inclusive ? 0 : a.inclusive ? 1 : -1);
}

function isEmpty(i: Interval): boolean {
  if (i.lo === null || i.hi === null) return false;
  const c = cmp(i.lo.version, i.hi.version);
  return c > 0 || (c === 0 && !(i.lo.inclusive && i.hi.inclusive));
}

/** Does the interval ending at `hi` touch or overlap the one starting at `lo`? */
function touches(hi: Bound | null, lo: Bound | null): boolean {
  if (hi === null || lo === null) return true;
  const c = cmp(hi.version, lo.version);
  return c > 0 || (c === 0 && (hi.inclusive || lo.inclusive));
}

/** Sorted, merged, non-empty intervals. */
export function normalize(intervals: Interval[]): Interval[] {
  const sorted = intervals.filter((i) => !isEmpty(i)).sort((a, b) => compareLo(a.lo, b.lo));
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out.at(-1);
    if (last && touches(last.hi, i.lo)) {
      if (compareHi(i.hi, last.hi) > 0) last.hi = i.hi;
    } else {
      out.push({ lo: i.lo, hi: i.hi });
    }
  }
  return out;
}

/** Every version not in the intervals. */
export function complement(intervals: Interval[]): Interval[] {
  const merged = normalize(intervals);
  const out: Interval[] = [];
  let lo: Bound | null = null;
  let open = true;
  for (const i of merged) {
    if (i.lo !== null) out.push({ lo, hi: { version: i.lo.version, inclusive: !i.lo.inclusive } });
    if (i.hi === null) {
      open = false;
      break;
    }
    lo = { version: i.hi.version, inclusive: !i.hi.inclusive };
  }
  if (open) out.push({ lo, hi: null });
  return normalize(out);
}

export function intersect(a: Interval[], b: Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const x of a) {
    for (const y of b) {
      out.push({
        lo: compareLo(x.lo, y.lo) >= 0 ? x.lo : y.lo,
        hi: compareHi(x.hi, y.hi) <= 0 ? x.hi : y.hi,
      });
    }
  }
  return normalize(out);
}

/** The smallest semver strictly greater than `version`. */
export function successor(version: string): string {
  const v = semver.parse(version);
  if (!v) throw new ShipshapeError("input", `not a semantic version: ${version}`);
  if (v.prerelease.length > 0) return `${v.major}.${v.minor}.${v.patch}-${[...v.prerelease, 0].join(".")}`;
  return `${v.major}.${v.minor}.${v.patch + 1}-0`;
}

/** An npm range ("<=1.5.1", ">=2.0.0 <2.3.1 || ^3.1.0", "*") as intervals; throws on an invalid range. */
export function npmRangeIntervals(range: string, origin: string): Interval[] {
  let parsed: semver.Range;
  try {
    parsed = new semver.Range(range.trim() === "" ? "<0.0.0-0" : range);
  } catch {
    throw new ShipshapeError(
      "input",
      `${origin}: not a valid version range: ${JSON.stringify(range.slice(0, 200))}`,
    );
  }
  const out: Interval[] = [];
  for (const set of parsed.set) {
    let interval: Interval = { lo: null, hi: null };
    for (const c of set) {
      if (c.value === "") continue; // "*": any version
      const version = c.semver.version;
      const pieces: Interval =
        c.operator === ">="
          ? { lo: { version, inclusive: true }, hi: null }
          : c.operator === ">"
            ? { lo: { version, inclusive: false }, hi: null }
            : c.operator === "<="
              ? { lo: null, hi: { version, inclusive: true } }
              : c.operator === "<"
                ? { lo: null, hi: { version, inclusive: false } }
                : { lo: { version, inclusive: true }, hi: { version, inclusive: true } };
      const [merged]: Interval[] = intersect([interval], [pieces]);
      interval = merged ?? {
        lo: { version: "0.0.0", inclusive: false },
        hi: { version: "0.0.0", inclusive: false },
      };
    }
    out.push(interval);
  }
  return normalize(out);
}

/**
 * A Cargo requirement ("^1.2", ">= 1.2.3, < 1.3.0", "= 0.4.1", "1.2.3" which is `^1.2.3`) as
 * intervals: commas join comparators, a bare version is a caret requirement.
 */
export function cargoRequirementIntervals(requirement: string, origin: string): Interval[] {
  const parts = requirement
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
  const npm = parts.map((p) => (/^[0-9]/.test(p) ? `^${p}` : p.replace(/^([<>=^~]+)\s+/, "$1"))).join(" ");
  return npmRangeIntervals(npm === "" ? "*" : npm, origin);
}

/**
 * Intervals → OSV-style ranges (introduced inclusive, fixed exclusive, lastAffected inclusive). An
 * exclusive upper bound is a `fixed` only when `isFix` says a fix starts there (a patched version);
 * otherwise it only ends the affected versions (`limit`): "5.x" vulnerable with no 5.x patch ends at
 * 6.0.0-0, which is no fix to upgrade to.
 */
export function toVersionRanges(
  intervals: Interval[],
  isFix: (version: string) => boolean = () => true,
): VersionRange[] {
  return normalize(intervals).map((i) => {
    const r: VersionRange = {
      introduced: i.lo === null ? "0" : i.lo.inclusive ? i.lo.version : successor(i.lo.version),
    };
    if (i.hi !== null) {
      if (i.hi.inclusive) r.lastAffected = i.hi.version;
      else if (isFix(i.hi.version)) r.fixed = i.hi.version;
      else r.limit = i.hi.version;
    }
    return r;
  });
}

/**
 * The fix to show for ranges derived from patched requirements: the lowest `fixed`; failing that, for
 * a single range ending at a last affected version, the first patched version above it ("<=1.5.1"
 * vulnerable, ">=1.5.2" patched: fixed in 1.5.2).
 */
export function headlineFix(ranges: VersionRange[], patchedStarts: string[]): string | null {
  const fixes = ranges.map((r) => r.fixed).filter((f): f is string => f !== undefined);
  if (fixes.length > 0) return fixes.sort((a, b) => semver.compare(a, b))[0]!;
  const last = ranges.length === 1 ? ranges[0]!.lastAffected : undefined;
  if (last === undefined) return null;
  const above = patchedStarts.filter((p) => semver.compare(p, last) > 0).sort((a, b) => semver.compare(a, b));
  return above[0] ?? null;
}
