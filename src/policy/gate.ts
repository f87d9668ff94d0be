/**
 * The CI gate for vulnerability findings: which findings are shown (`--severity`, `--ignore-unfixed`)
 * and whether the build fails (`--fail-on SEVERITY` with `--fixable-only`, Trivy's `--exit-code N`,
 * `--fail-on-kev`). The flags are a small policy (model.ts): `gatePolicy` turns them into one, and
 * evaluate.ts evaluates it — alone here, or together with a policy file in `scan --policy`. Rule ids
 * stay the flags' own: "fail-on", "exit-code", "kev".
 *
 * Semantics (documented in `scan --help`):
 * - The gate sees only the shown findings: `--severity` and `--ignore-unfixed` narrow both the report
 *   and what can fail the build (as in Trivy); suppressed findings (VEX, ignore file) never count.
 * - `--fail-on S`: a shown finding of severity S or higher is a violation; with `--fixable-only` only
 *   when a fixed version exists (unfixed ones are still shown, they just do not fail the build).
 * - `--exit-code N` (N > 0): any shown finding is a violation, and a failed gate exits N instead of 1.
 *   `--exit-code 0` (Trivy's default) turns that rule off.
 * - `--fail-on-kev`: a shown finding listed in CISA's KEV catalog is a violation, whatever its severity.
 * - `unknown` severity ranks lowest: `--fail-on low` does not catch it (Trivy ranks it the same way).
 */
import { EXIT_OK, EXIT_POLICY, ShipshapeError } from "../errors.js";
import type { Finding } from "../match/finding.js";
import { SEVERITY_ORDER, type Severity } from "../vulndb/records.js";
import { evaluatePolicies, severityRank } from "./evaluate.js";
import { emptyPolicy, type Policy, type PolicyResult, type SeverityLimit } from "./model.js";

export type { PolicyResult, PolicyViolation } from "./model.js";
export { severityRank };

export interface GateOptions {
  /** Severities to show; absent or empty: all. */
  severities?: readonly Severity[];
  /** Leave out findings without a fixed version. */
  ignoreUnfixed?: boolean;
  /** Fail on a shown finding at or over this severity. */
  failOn?: Severity;
  /** With failOn: only findings that have a fix fail the gate. */
  fixableOnly?: boolean;
  /** Trivy's --exit-code: fail with this code when any shown finding remains (0: off). */
  exitCode?: number;
  /** Fail on any shown finding in CISA's Known Exploited Vulnerabilities catalog. */
  failOnKev?: boolean;
}

export interface GateResult {
  /** The findings the report shows (and the gate flags judged). */
  shown: Finding[];
  /** Left out by --severity / --ignore-unfixed (not suppressed: just not shown). */
  hidden: number;
  policy: PolicyResult;
  /** 0 passed; 1, or the --exit-code value, failed. */
  exitCode: number;
}

/** Whether a finding is shown under these options. */
export function isShown(f: Finding, options: GateOptions): boolean {
  if (options.severities && options.severities.length > 0 && !options.severities.includes(f.severity)) {
    return false;
  }
  if (options.ignoreUnfixed && !f.fixable) return false;
  return true;
}

/** "At or over S" is "over the severity just below S" (nothing below the lowest: "none"). */
function ceilingBelow(s: Severity): SeverityLimit {
  return SEVERITY_ORDER[severityRank(s) - 1] ?? "none";
}

/** The gate flags as a policy; null when they set no rule (only display filters, or nothing). */
export function gatePolicy(options: GateOptions): Policy | null {
  const p = emptyPolicy("command line", "flags");
  p.ruleNames = {};
  if (options.failOn !== undefined) {
    const key = options.fixableOnly ? "vulnerabilities.maxFixableSeverity" : "vulnerabilities.maxSeverity";
    p.vulnerabilities[options.fixableOnly ? "maxFixableSeverity" : "maxSeverity"] = ceilingBelow(
      options.failOn,
    );
    p.ruleNames[key] = {
      id: "fail-on",
      flag: `--fail-on ${options.failOn}${options.fixableOnly ? " --fixable-only" : ""}`,
      text: `is at or over --fail-on ${options.failOn}`,
    };
  }
  if (options.failOnKev) {
    p.vulnerabilities.kevForbidden = true;
    p.ruleNames["vulnerabilities.kevForbidden"] = {
      id: "kev",
      flag: "--fail-on-kev",
      text: "is a known exploited vulnerability (CISA KEV)",
    };
  }
  if ((options.exitCode ?? 0) > 0) {
    p.vulnerabilities.anyFinding = true;
    p.ruleNames["vulnerabilities.anyFinding"] = {
      id: "exit-code",
      flag: `--exit-code ${options.exitCode}`,
      text: `remains (--exit-code ${options.exitCode})`,
    };
  }
  return Object.keys(p.ruleNames).length > 0 ? p : null;
}

/** The process exit code for a policy result: 0 passed; --exit-code N (when set) or 1 failed. */
export function gateExitCode(policy: PolicyResult, options: GateOptions): number {
  if (policy.passed) return EXIT_OK;
  return (options.exitCode ?? 0) > 0 ? (options.exitCode as number) : EXIT_POLICY;
}

/** The gate flags alone over vulnerability findings (scan without --policy; tests). */
export function evaluateGate(findings: readonly Finding[], options: GateOptions = {}): GateResult {
  const shown = findings.filter((f) => isShown(f, options));
  const flags = gatePolicy(options);
  const policy = evaluatePolicies(
    {
      names: [],
      transport: "findings",
      created: null,
      labels: null,
      packages: [],
      vulnerabilities: findings,
      shown,
      hygiene: [],
      grade: null,
    },
    flags ? [flags] : [],
  );
  return { shown, hidden: findings.length - shown.length, policy, exitCode: gateExitCode(policy, options) };
}

const SEVERITIES: ReadonlySet<string> = new Set(SEVERITY_ORDER);

/** "HIGH" / "high" → "high"; anything else is a usage error naming the flag. */
export function parseSeverity(text: string, flag: string): Severity {
  const s = text.trim().toLowerCase();
  if (!SEVERITIES.has(s)) {
    throw new ShipshapeError(
      "usage",
      `${flag}: unknown severity "${text}" (expected one of ${[...SEVERITY_ORDER].reverse().join(", ")})`,
    );
  }
  return s as Severity;
}

/** "CRITICAL,HIGH" → ["critical", "high"]. */
export function parseSeverityList(text: string, flag: string): Severity[] {
  const parts = text
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
  if (parts.length === 0) throw new ShipshapeError("usage", `${flag}: expected a list such as CRITICAL,HIGH`);
  return [...new Set(parts.map((p) => parseSeverity(p, flag)))];
}
