/**
 * `lint --policy`: the policy's verdict per linted file, as text for standard error (standard output
 * carries the chosen format, which stays valid JSON/SARIF/XML). One line per violation, waived
 * violation and expired exception; the Dockerfile findings the policy turned into SS2009/SS2012–
 * SS2014 are in the report itself.
 */
import type { PolicyResult } from "../policy/model.js";

export interface LintPolicyOutcome {
  /** As given on the command line (`-` for standard input). */
  readonly file: string;
  readonly result: PolicyResult;
}

export function renderLintPolicyText(outcomes: readonly LintPolicyOutcome[], policyName: string): string {
  let out = "";
  for (const { file, result } of outcomes) {
    const n = result.violations.length;
    out += result.passed
      ? `policy ${policyName}: ${file} passed\n`
      : `policy ${policyName}: ${file} failed with ${n} violation${n === 1 ? "" : "s"}\n`;
    for (const v of result.violations) out += `  ${v.rule}: ${v.message}\n`;
    for (const w of result.warnings ?? []) out += `  (inform) ${w.rule}: ${w.message}\n`;
    for (const w of result.waived ?? []) {
      out += `  waived until ${w.exception.expires} (${w.exception.reason}): ${w.rule}: ${w.message}\n`;
    }
    for (const e of result.expiredExceptions ?? []) {
      out += `  expired exception ${e.file}:${e.line} (${e.scope}, expired ${e.expires}): due for review\n`;
    }
  }
  return out;
}
