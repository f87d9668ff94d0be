/**
 * OSV `affected[].ranges` and `versions` → our `VersionRange`s, with the OSV specification's
 * evaluation rules: the events of a SEMVER/ECOSYSTEM range are sorted by version and walked, each
 * `introduced` opening an interval that the next `fixed` (exclusive) or `last_affected` (inclusive)
 * closes; one range object may hold several intervals; `limit` bounds every interval of its range;
 * `introduced: "0"` is the start of time. GIT ranges name commits, which an installed package does
 * not carry: they are left out. Explicit `versions` are affected too (each an exact range), except
 * those the ranges already cover (OSV.dev enumerates them from the ranges) and those the scheme
 * cannot parse (they could never compare with an installed version).
 */
import { compareVersions, isValidVersion, type VersionScheme } from "../../versions/index.js";
import type { VersionRange } from "../records.js";

export interface OsvEvent {
  introduced?: string | undefined;
  fixed?: string | undefined;
  last_affected?: string | undefined;
  limit?: string | undefined;
}

export interface OsvRangeInput {
  type: string;
  events: OsvEvent[];
}

export interface RangeConversion {
  ranges: VersionRange[];
  /** Range objects left out: GIT or unknown types. */
  skippedRanges: number;
  /** Range objects or explicit versions left out because a version is not valid in the scheme. */
  invalidVersions: number;
}

type Kind = "introduced" | "fixed" | "last_affected";
interface Bound {
  kind: Kind;
  version: string;
}

/** Ties sort introduced before last_affected before fixed, so [v, v] is kept and [v, v) is empty. */
const KIND_RANK: Record<Kind, number> = { introduced: 0, last_affected: 1, fixed: 2 };

function validIn(scheme: VersionScheme, version: string): boolean {
  return version === "0" || isValidVersion(scheme, version);
}

/** One SEMVER/ECOSYSTEM range object → intervals; null when a version is not valid in the scheme. */
function convertRange(range: OsvRangeInput, scheme: VersionScheme): VersionRange[] | null {
  const bounds: Bound[] = [];
  const limits: string[] = [];
  for (const e of range.events) {
    if (e.introduced !== undefined) bounds.push({ kind: "introduced", version: e.introduced });
    if (e.fixed !== undefined) bounds.push({ kind: "fixed", version: e.fixed });
    if (e.last_affected !== undefined) bounds.push({ kind: "last_affected", version: e.last_affected });
    if (e.limit !== undefined && e.limit !== "*") limits.push(e.limit);
  }
  for (const b of bounds) if (!validIn(scheme, b.version)) return null;
  for (const l of limits) if (!isValidVersion(scheme, l)) return null;
  const cmp = (a: string, b: string) => {
    if (a === "0" || b === "0") return a === b ? 0 : a === "0" ? -1 : 1;
    return compareVersions(scheme, a, b);
  };
  bounds.sort((a, b) => cmp(a.version, b.version) || KIND_RANK[a.kind] - KIND_RANK[b.kind]);
  // Several limits: the lowest bounds the search space.
  const limit = limits.sort(cmp)[0];

  const out: VersionRange[] = [];
  const hasIntroduced = bounds.some((b) => b.kind === "introduced");
  let open: string | null = null;
  for (const b of bounds) {
    if (b.kind === "introduced") {
      open ??= b.version; // an introduced inside an open interval changes nothing
      continue;
    }
    // A range with no introduced event at all (seen in early PyPA/RustSec exports) is taken to start
    // at the beginning; otherwise a bound with nothing open before it closes nothing.
    const start = open ?? (out.length === 0 && !hasIntroduced ? "0" : null);
    if (start === null) continue;
    const r: VersionRange = { introduced: start };
    if (b.kind === "fixed") r.fixed = b.version;
    else r.lastAffected = b.version;
    if (b.kind === "fixed" && cmp(start, b.version) >= 0) {
      open = null; // empty: introduced and fixed at the same version
      continue;
    }
    out.push(r);
    open = null;
  }
  if (open !== null) out.push({ introduced: open });
  if (limit !== undefined) for (const r of out) r.limit = limit;
  return out;
}

function covers(range: VersionRange, version: string, scheme: VersionScheme): boolean {
  const c = (a: string, b: string) => compareVersions(scheme, a, b);
  if (range.introduced !== undefined && range.introduced !== "0" && c(version, range.introduced) < 0)
    return false;
  if (range.fixed !== undefined && c(version, range.fixed) >= 0) return false;
  if (range.lastAffected !== undefined && c(version, range.lastAffected) > 0) return false;
  if (range.limit !== undefined && c(version, range.limit) >= 0) return false;
  return true;
}

/** Convert one affected entry's ranges and versions. */
export function convertAffectedRanges(
  ranges: OsvRangeInput[],
  versions: string[],
  scheme: VersionScheme,
): RangeConversion {
  const out: VersionRange[] = [];
  let skippedRanges = 0;
  let invalidVersions = 0;
  for (const range of ranges) {
    if (range.type !== "SEMVER" && range.type !== "ECOSYSTEM") {
      skippedRanges++;
      continue;
    }
    const converted = convertRange(range, scheme);
    if (converted === null) invalidVersions++;
    else out.push(...converted);
  }
  const fromRanges = out.length;
  const seen = new Set<string>();
  for (const version of versions) {
    if (seen.has(version)) continue;
    seen.add(version);
    if (!isValidVersion(scheme, version)) {
      invalidVersions++;
      continue;
    }
    if (out.slice(0, fromRanges).some((r) => covers(r, version, scheme))) continue;
    out.push({ introduced: version, lastAffected: version });
  }
  return { ranges: out, skippedRanges, invalidVersions };
}

/** The lowest `fixed` among the ranges: the record's headline fix (the matcher finds the right one). */
export function firstFixed(ranges: VersionRange[], scheme: VersionScheme): string | null {
  const fixes = ranges.map((r) => r.fixed).filter((f): f is string => f !== undefined);
  fixes.sort((a, b) => compareVersions(scheme, a, b));
  return fixes[0] ?? null;
}
