/**
 * CVSS base scores for v2, v3.0, v3.1 and v4.0 vectors. The arithmetic is ae-cvss-calculator's (it
 * re-scores all 7,607 official test vectors of RedHatProductSecurity/cvss); this wrapper adds what a
 * scanner needs from untrusted feed data: a strict syntax check first (the library itself accepts
 * unknown or missing metrics silently and logs to the console), one error type, and the rating.
 */
import calculator from "ae-cvss-calculator";
import { ShipshapeError } from "../errors.js";
import type { Severity } from "./records.js";

export type CvssVersion = "2.0" | "3.0" | "3.1" | "4.0";

/** The qualitative rating of the specification (v2 has only low/medium/high, as NVD rates it). */
export type CvssRating = "none" | "low" | "medium" | "high" | "critical";

export interface CvssResult {
  version: CvssVersion;
  /** v2/v3: the base score; v4: the score of the vector as given (CVSS-B, -BT, -BE or -BTE). */
  score: number;
  severity: CvssRating;
}

/** Longer than any valid vector (a v4.0 vector naming every metric is about 250 characters). */
const MAX_VECTOR_LENGTH = 512;

type VectorClass =
  | typeof calculator.Cvss2
  | typeof calculator.Cvss3P0
  | typeof calculator.Cvss3P1
  | typeof calculator.Cvss4P0;

const PREFIXED: Record<string, { version: CvssVersion; Vector: VectorClass }> = {
  "CVSS:3.0/": { version: "3.0", Vector: calculator.Cvss3P0 },
  "CVSS:3.1/": { version: "3.1", Vector: calculator.Cvss3P1 },
  "CVSS:4.0/": { version: "4.0", Vector: calculator.Cvss4P0 },
};

function fail(vector: string, problem: string): never {
  const shown = vector.length > 80 ? `${vector.slice(0, 80)}…` : vector;
  throw new ShipshapeError("input", `CVSS vector ${JSON.stringify(shown)} ${problem}`);
}

/** The CVSS version a vector is written in, or null when it is none of 2.0/3.0/3.1/4.0. */
export function cvssVersionOf(vector: string): CvssVersion | null {
  const text = vector.trim();
  for (const [prefix, { version }] of Object.entries(PREFIXED)) if (text.startsWith(prefix)) return version;
  return /^\(?(CVSS:2\.0\/)?AV:[LAN]\//.test(text) ? "2.0" : null;
}

/**
 * Score a vector. Throws a ShipshapeError naming the vector and the problem when it is not a
 * complete, well-formed vector of a known version (unknown or repeated metric, bad value, missing
 * base metric).
 */
export function scoreVector(vector: string): CvssResult {
  if (typeof vector !== "string") fail(String(vector), "is not a string");
  if (vector.length > MAX_VECTOR_LENGTH) fail(vector, `is longer than ${MAX_VECTOR_LENGTH} characters`);
  let text = vector.trim();
  let version: CvssVersion;
  let Vector: VectorClass;
  const prefix = Object.keys(PREFIXED).find((p) => text.startsWith(p));
  if (prefix) {
    ({ version, Vector } = PREFIXED[prefix]!);
    text = text.slice(prefix.length);
  } else if (text.startsWith("CVSS:") && !text.startsWith("CVSS:2.0/")) {
    fail(vector, "has an unknown CVSS version (expected 2.0, 3.0, 3.1 or 4.0)");
  } else {
    version = "2.0";
    Vector = calculator.Cvss2;
    // NVD wrote v2 vectors in parentheses once; some tools prefix them with CVSS:2.0/.
    if (text.startsWith("(") && text.endsWith(")")) text = text.slice(1, -1);
    if (text.startsWith("CVSS:2.0/")) text = text.slice("CVSS:2.0/".length);
  }
  const instance = new Vector();
  const seen = new Set<string>();
  for (const part of text.split("/")) {
    const match = /^([A-Za-z]{1,4}):([A-Za-z]{1,6})$/.exec(part);
    if (!match)
      fail(vector, `has a malformed metric ${JSON.stringify(part.slice(0, 20))} (expected KEY:VALUE)`);
    const [, key, value] = match as unknown as [string, string, string];
    if (seen.has(key)) fail(vector, `repeats metric ${key}`);
    seen.add(key);
    const component = instance.findComponent(key);
    if (!component || component.shortName !== key)
      fail(vector, `has unknown metric ${key} for CVSS ${version}`);
    const chosen = component.values.find((v) => v.shortName === value);
    if (!chosen) fail(vector, `has invalid value ${value} for metric ${key}`);
    instance.applyComponent(component, chosen, false);
  }
  if (!instance.isBaseFullyDefined()) {
    const base = [...instance.getRegisteredComponents()].find(([category]) => category.name === "base");
    const missing = (base?.[1] ?? [])
      .filter((c) => {
        const v = instance.getComponent(c).shortName;
        return v === "X" || v === "ND";
      })
      .map((c) => c.shortName);
    fail(vector, `lacks base metric${missing.length === 1 ? "" : "s"} ${missing.join(", ")}`);
  }
  const scores = instance.calculateScores();
  const score = version === "4.0" ? scores.overall : "base" in scores ? scores.base : undefined;
  if (typeof score !== "number" || !Number.isFinite(score)) fail(vector, "could not be scored");
  // v2 vectors score -0 for "no impact" in some tools; the sign means nothing.
  const clean = Math.abs(score);
  return { version, score: clean, severity: ratingOf(version, clean) };
}

/** The specification's rating of a score (v2 as NVD rates it: low below 4, high from 7). */
export function ratingOf(version: CvssVersion, score: number): CvssRating {
  if (version === "2.0") return score >= 7 ? "high" : score >= 4 ? "medium" : "low";
  if (score === 0) return "none";
  if (score >= 9) return "critical";
  if (score >= 7) return "high";
  if (score >= 4) return "medium";
  return "low";
}

/** A rating as the database's severity ("none" is "negligible"). */
export function severityOfRating(rating: CvssRating): Severity {
  return rating === "none" ? "negligible" : rating;
}
