/**
 * `check --format json`: where the image came from, its OS, the hygiene findings (most severe
 * first; the same objects as `scan`'s `findings`), counts per severity, the `--fail-on` verdict and
 * warnings. The table and SARIF renderers read this object.
 */
import { type OsJson, osJson } from "../catalog/os.js";
import type { HygieneFinding } from "../checks/rule.js";
import type { CheckResult } from "../checks/run.js";
import { findingsAtOrOver } from "../checks/run.js";
import { CHECK_SEVERITY_ORDER, type CheckSeverity } from "../checks/severity.js";
import type { ImageSourceFacts } from "../image/inspect.js";

export interface CheckJson {
  source: ImageSourceFacts;
  os: OsJson | null;
  findings: HygieneFinding[];
  summary: { total: number; bySeverity: Record<CheckSeverity, number> };
  /** The `--fail-on` threshold; null: never fail. */
  failOn: CheckSeverity | null;
  /** No finding at or over `failOn`. */
  passed: boolean;
  warnings: string[];
}

export function checkJson(result: CheckResult, failOn: CheckSeverity | null): CheckJson {
  const bySeverity = Object.fromEntries(
    [...CHECK_SEVERITY_ORDER]
      .reverse()
      .map((s) => [s, result.findings.filter((f) => f.severity === s).length]),
  ) as Record<CheckSeverity, number>;
  return {
    source: result.source,
    os: result.os ? osJson(result.os) : null,
    findings: result.findings,
    summary: { total: result.findings.length, bySeverity },
    failOn,
    passed: failOn === null || findingsAtOrOver(result.findings, failOn).length === 0,
    warnings: result.warnings,
  };
}
