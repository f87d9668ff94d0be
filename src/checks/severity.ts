/**
 * How bad an image hygiene finding is. Its own scale, not the vulnerability one: hygiene has an
 * `info` level (Dockle's INFO: worth knowing, nothing to fix by itself) and no `negligible`/`unknown`.
 */
import { ShipshapeError } from "../errors.js";

export type CheckSeverity = "critical" | "high" | "medium" | "low" | "info";

/** Lowest first. */
export const CHECK_SEVERITY_ORDER: readonly CheckSeverity[] = ["info", "low", "medium", "high", "critical"];

export function checkSeverityRank(s: CheckSeverity): number {
  return CHECK_SEVERITY_ORDER.indexOf(s);
}

export function isCheckSeverity(text: string): text is CheckSeverity {
  return (CHECK_SEVERITY_ORDER as readonly string[]).includes(text);
}

/** `--fail-on` and policy values: a severity, case-insensitive; `flag` names the input in the error. */
export function parseCheckSeverity(text: string, flag: string): CheckSeverity {
  const s = text.trim().toLowerCase();
  if (isCheckSeverity(s)) return s;
  throw new ShipshapeError(
    "usage",
    `${flag}: unknown severity ${JSON.stringify(text)} (expected one of ${[...CHECK_SEVERITY_ORDER].reverse().join(", ")})`,
  );
}
