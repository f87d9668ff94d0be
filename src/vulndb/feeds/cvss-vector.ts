/**
 * CVSS vectors as feeds publish them (OSV `severity[].score`, RustSec `cvss`, npm advisories'
 * `cvss_vector`) → a scored `CvssScore`. The base score is computed by ae-cvss-calculator; a vector
 * that is not well formed for its version (missing or out-of-order base metrics, as the CVSS
 * specifications require them in order) is refused rather than half-scored.
 */
import calculator from "ae-cvss-calculator";
import type { CvssScore } from "../records.js";

/** The base metrics each version requires, in the order the specification fixes. */
const BASE_METRICS: Record<string, readonly string[]> = {
  "2.0": ["AV", "AC", "Au", "C", "I", "A"],
  "3.0": ["AV", "AC", "PR", "UI", "S", "C", "I", "A"],
  "3.1": ["AV", "AC", "PR", "UI", "S", "C", "I", "A"],
  "4.0": ["AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA"],
};

interface Scorer {
  calculateScores(): { base?: number | undefined };
}
type ScorerClass = new (vector: string) => Scorer;

const SCORERS: Record<string, ScorerClass> = {
  "2.0": calculator.Cvss2 as unknown as ScorerClass,
  "3.0": calculator.Cvss3P0 as unknown as ScorerClass,
  "3.1": calculator.Cvss3P1 as unknown as ScorerClass,
  "4.0": calculator.Cvss4P0 as unknown as ScorerClass,
};

/** "3.1" for "CVSS:3.1/…", "2.0" for a bare v2 vector ("AV:N/AC:L/Au:N/…", optionally in parentheses). */
function versionOf(vector: string): { version: string; metrics: string } | null {
  const m = /^CVSS:(\d\.\d)\/(.*)$/.exec(vector);
  if (m) return { version: m[1]!, metrics: m[2]! };
  if (/^\(?AV:[LAN]\//.test(vector)) return { version: "2.0", metrics: vector.replace(/^\((.*)\)$/, "$1") };
  return null;
}

/** Is `vector` a well-formed CVSS vector of a version we score? */
export function cvssVersionOf(vector: string): string | null {
  const parsed = versionOf(vector.trim());
  if (!parsed) return null;
  const base = BASE_METRICS[parsed.version];
  if (!base) return null;
  const parts = parsed.metrics.split("/");
  const seen = new Set<string>();
  for (const [i, part] of parts.entries()) {
    const m = /^([A-Za-z]{1,3}):([A-Za-z0-9]{1,2})$/.exec(part);
    if (!m || seen.has(m[1]!)) return null;
    seen.add(m[1]!);
    if (i < base.length && m[1] !== base[i]) return null;
  }
  return parts.length >= base.length ? parsed.version : null;
}

/** Score a vector; null when it is malformed or the calculator cannot score it. */
export function scoreCvss(vector: string, source: string): CvssScore | null {
  // A trailing "/" (seen in GitHub's data: "…/RC:C/") ends no metric: dropped.
  const trimmed = vector.trim().replace(/\/$/, "");
  if (trimmed.length > 512) return null;
  const version = cvssVersionOf(trimmed);
  if (!version) return null;
  const Scorer = SCORERS[version];
  if (!Scorer) return null;
  let base: number | undefined;
  try {
    base = new Scorer(version === "2.0" ? trimmed.replace(/^\((.*)\)$/, "$1") : trimmed).calculateScores()
      .base;
  } catch {
    return null;
  }
  if (typeof base !== "number" || !Number.isFinite(base)) return null;
  return { version, vector: trimmed, score: base, source };
}
