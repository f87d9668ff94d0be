/**
 * What every `lint` renderer reads: the findings of each linted file, and where a rule is explained
 * (hadolint's wiki for DLxxxx, ShellCheck's for SCxxxx).
 */
import type { LintFinding } from "../dockerfile/lint.js";

export interface LintFileResult {
  /** As given on the command line (`-` for standard input). */
  readonly file: string;
  readonly findings: readonly LintFinding[];
}

export function ruleHelpUri(rule: string): string | null {
  if (/^DL\d{4}$/.test(rule)) return `https://github.com/hadolint/hadolint/wiki/${rule}`;
  if (/^SC\d{4}$/.test(rule)) return `https://www.shellcheck.net/wiki/${rule}`;
  return null;
}
