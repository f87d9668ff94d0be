/**
 * What every `lint` renderer reads: the findings of each linted file, and where a rule is explained
 * (hadolint's wiki for DLxxxx, ShellCheck's for SCxxxx, the rule's own title and remediation for
 * shipshape's SS2xxx).
 */
import type { LintFinding } from "../dockerfile/lint.js";
import { SHIPSHAPE_RULES } from "../dockerfile/shipshape-rules/index.js";

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

/** shipshape's own rules (SS2xxx): their title and remediation (docs/lint.md has the same words). */
export function shipshapeRuleDocs(rule: string): { title: string; remediation: string } | null {
  const found = SHIPSHAPE_RULES.find((r) => r.code === rule);
  return found === undefined ? null : { title: found.title, remediation: found.remediation };
}
