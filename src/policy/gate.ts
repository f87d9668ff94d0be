/**
 * The CI gate for vulnerability findings: which findings are shown (`--severity`, `--ignore-unfixed`)
 * and whether the build fails (`--fail-on SEVERITY` with `--fixable-only`, Trivy's `--exit-code N`,
 * `--fail-on-kev`). A small model that the policy file (issue 5) extends: every rule turns findings
 * into violations, and the gate passes when there are none.
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

/** One reason the gate failed. Issue 5's policy rules produce the same shape. */
export interface PolicyViolation {
  /** Which rule: "fail-on", "exit-code", "kev" (policy rules add their own ids). */
  rule: string;
  message: string;
  vulnerability?: string;
  package?: string;
  installedVersion?: string;
  severity?: Severity;
}

export interface PolicyResult {
  passed: boolean;
  violations: PolicyViolation[];
}

export interface GateResult {
  /** The findings the report shows (and the gate judged). */
  shown: Finding[];
  /** Left out by --severity / --ignore-unfixed (not suppressed: just not shown). */
  hidden: number;
  policy: PolicyResult;
  /** 0 passed; 1, or the --exit-code value, failed. */
  exitCode: number;
}

export function severityRank(s: Severity): number {
  return SEVERITY_ORDER.indexOf(s);
}

/** Whether a finding is shown under these options. */
export function isShown(f: Finding, options: GateOptions): boolean {
  if (options.severities && options.severities.length > 0 && !options.severities.includes(f.severity)) {
    return false;
  }
  if (options.ignoreUnfixed && !f.fixable) return false;
  return true;
}

function describe(f: Finding): string {
  const fix = f.fixedVersion ? `, fixed in ${f.fixedVersion}` : ", no fix yet";
  return `${f.id} (${f.severity}) in ${f.pkgName} ${f.installedVersion}${fix}`;
}

function violation(rule: string, f: Finding, message: string): PolicyViolation {
  return {
    rule,
    message,
    vulnerability: f.id,
    package: f.pkgName,
    installedVersion: f.installedVersion,
    severity: f.severity,
  };
}

export function evaluateGate(findings: readonly Finding[], options: GateOptions = {}): GateResult {
  const shown = findings.filter((f) => isShown(f, options));
  const violations: PolicyViolation[] = [];
  const threshold = options.failOn === undefined ? null : severityRank(options.failOn);
  const exitCodeRule = (options.exitCode ?? 0) > 0;
  for (const f of shown) {
    // One violation per finding: the most specific rule that caught it.
    if (options.failOnKev && f.kev) {
      violations.push(violation("kev", f, `${describe(f)} is a known exploited vulnerability (CISA KEV)`));
    } else if (
      threshold !== null &&
      severityRank(f.severity) >= threshold &&
      (!options.fixableOnly || f.fixable)
    ) {
      violations.push(violation("fail-on", f, `${describe(f)} is at or over --fail-on ${options.failOn}`));
    } else if (exitCodeRule) {
      violations.push(violation("exit-code", f, `${describe(f)} remains (--exit-code ${options.exitCode})`));
    }
  }
  const passed = violations.length === 0;
  const failCode = exitCodeRule ? (options.exitCode as number) : EXIT_POLICY;
  return {
    shown,
    hidden: findings.length - shown.length,
    policy: { passed, violations },
    exitCode: passed ? EXIT_OK : failCode,
  };
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
