/**
 * Does an affected record apply to an installed version? OSV semantics for ranges (introduced
 * inclusive, fixed exclusive, last_affected inclusive, limit exclusive); a record without ranges is
 * decided by its status and fixed version. Versions compare with the record's scheme.
 */
import { compareVersions, type VersionScheme } from "../versions/index.js";
import type { AffectedRecord, VersionRange } from "../vulndb/records.js";

export type Comparator = (a: string, b: string) => number;

export function comparatorFor(scheme: VersionScheme): Comparator {
  return (a, b) => compareVersions(scheme, a, b);
}

/** "0" (and an absent introduced) means "from the very first version". */
function introducedAt(range: VersionRange): string | null {
  return range.introduced === undefined || range.introduced === "0" ? null : range.introduced;
}

export function inRange(version: string, range: VersionRange, cmp: Comparator): boolean {
  const intro = introducedAt(range);
  if (intro !== null && cmp(version, intro) < 0) return false;
  if (range.fixed !== undefined && cmp(version, range.fixed) >= 0) return false;
  if (range.lastAffected !== undefined && cmp(version, range.lastAffected) > 0) return false;
  if (range.limit !== undefined && range.limit !== "*" && cmp(version, range.limit) >= 0) return false;
  return true;
}

/**
 * Whether `record` says `version` is affected. Throws (from the comparator) when a version is not
 * valid in the scheme; the caller reports that instead of guessing.
 */
export function isAffected(version: string, record: AffectedRecord, cmp: Comparator): boolean {
  if (record.status === "not-affected") return false;
  if (record.ranges.length > 0) return record.ranges.some((r) => inRange(version, r, cmp));
  if (record.fixedVersion !== null) {
    // Debian/Alpine "0" fix: never affected.
    if (record.fixedVersion === "0") return false;
    return cmp(version, record.fixedVersion) < 0;
  }
  // No ranges, no fix: affected, will-not-fix, deferred, end-of-life cover every version.
  return record.status !== "fixed";
}

/** The smallest fixed version above `version` among the records that affect it. */
export function firstFixAbove(version: string, records: AffectedRecord[], cmp: Comparator): string | null {
  const fixes: string[] = [];
  for (const r of records) {
    if (r.fixedVersion && r.fixedVersion !== "0" && cmp(r.fixedVersion, version) > 0)
      fixes.push(r.fixedVersion);
    for (const range of r.ranges) {
      if (range.fixed !== undefined && cmp(range.fixed, version) > 0 && inRange(version, range, cmp))
        fixes.push(range.fixed);
    }
  }
  fixes.sort(cmp);
  return fixes[0] ?? null;
}
