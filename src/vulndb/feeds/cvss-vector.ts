/**
 * CVSS vectors as feeds publish them (OSV `severity[].score`, RustSec `cvss`, npm advisories'
 * `cvss_vector`) → a scored `CvssScore`, by the project's CVSS engine (src/vulndb/cvss.ts). Feed data
 * is checked once more here: the specifications fix the order of the base metrics, and a vector that
 * breaks it (trivy-db keeps such a CVSS v4.0 vector in its OSV test data, to be refused) is left out
 * rather than scored; a trailing "/" (GitHub's "…/RC:C/") ends no metric and is dropped.
 */
import { cvssVersionOf, scoreVector } from "../cvss.js";
import type { CvssScore } from "../records.js";

/** The base metrics each version requires, in the order the specification fixes. */
const BASE_METRICS: Record<string, readonly string[]> = {
  "2.0": ["AV", "AC", "Au", "C", "I", "A"],
  "3.0": ["AV", "AC", "PR", "UI", "S", "C", "I", "A"],
  "3.1": ["AV", "AC", "PR", "UI", "S", "C", "I", "A"],
  "4.0": ["AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA"],
};

/** Do the vector's first metrics name the version's base metrics in their specified order? */
export function hasBaseMetricsInOrder(vector: string, version: string): boolean {
  const base = BASE_METRICS[version];
  if (!base) return false;
  const metrics = vector
    .replace(/^\((.*)\)$/, "$1")
    .replace(/^CVSS:\d\.\d\//, "")
    .split("/")
    .map((m) => m.split(":")[0]);
  return base.every((name, i) => metrics[i] === name);
}

/** Score a vector; null when it is malformed, out of order, or cannot be scored. */
export function scoreCvss(vector: string, source: string): CvssScore | null {
  const trimmed = vector.trim().replace(/\/$/, "");
  const version = cvssVersionOf(trimmed);
  if (!version || !hasBaseMetricsInOrder(trimmed, version)) return null;
  try {
    const { score } = scoreVector(trimmed);
    return { version, vector: trimmed, score, source };
  } catch {
    return null;
  }
}
