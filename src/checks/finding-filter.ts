/**
 * What `check --severity` and `--ignore` leave out of the report. `--ignore` takes shipshape rule ids
 * (SS1010) or Dockle checkpoint codes (CIS-DI-0010 ignores every rule mapped to it, as a
 * `.dockleignore` would); an id no rule has is a usage error, so a typo cannot silently ignore nothing.
 */
import { ShipshapeError } from "../errors.js";
import { ALL_RULES } from "./all.js";
import type { CheckRule, HygieneFinding } from "./rule.js";
import { CHECK_SEVERITY_ORDER, type CheckSeverity, isCheckSeverity } from "./severity.js";

export interface FindingFilter {
  /** Severities to show; null: all. */
  severities: ReadonlySet<CheckSeverity> | null;
  /** Rule ids and Dockle codes to leave out (upper case). */
  ignored: ReadonlySet<string>;
}

function listItems(values: readonly string[]): string[] {
  return values
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter((v) => v !== "");
}

/** `--severity critical,high` (repeatable, comma-separated, case-insensitive). */
export function parseSeverityFilter(values: readonly string[], flag = "--severity"): Set<CheckSeverity> {
  const out = new Set<CheckSeverity>();
  for (const item of listItems(values)) {
    const s = item.toLowerCase();
    if (!isCheckSeverity(s)) {
      throw new ShipshapeError(
        "usage",
        `${flag}: unknown severity ${JSON.stringify(item)} (expected a comma-separated list of ${[...CHECK_SEVERITY_ORDER].reverse().join(", ")})`,
      );
    }
    out.add(s);
  }
  if (out.size === 0) throw new ShipshapeError("usage", `${flag}: expected at least one severity`);
  return out;
}

/** `--ignore SS1021,CIS-DI-0006` (repeatable): every id must name a rule or a Dockle code one maps to. */
export function parseIgnoreList(
  values: readonly string[],
  rules: readonly CheckRule[] = ALL_RULES,
  flag = "--ignore",
): Set<string> {
  const known = new Set(rules.flatMap((r) => [r.id, ...(r.dockle ? [r.dockle] : [])]));
  const out = new Set<string>();
  for (const item of listItems(values)) {
    const id = item.toUpperCase();
    if (!known.has(id)) {
      throw new ShipshapeError(
        "usage",
        `${flag}: unknown rule ${JSON.stringify(item)} (expected a rule id such as SS1021 or a Dockle code such as CIS-DI-0001; see docs/checks.md)`,
      );
    }
    out.add(id);
  }
  return out;
}

export function filterFindings(findings: readonly HygieneFinding[], filter: FindingFilter): HygieneFinding[] {
  return findings.filter(
    (f) =>
      (filter.severities === null || filter.severities.has(f.severity)) &&
      !filter.ignored.has(f.rule) &&
      !(f.dockle !== undefined && filter.ignored.has(f.dockle)),
  );
}
