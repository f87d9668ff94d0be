/**
 * `lint --format json` (DESIGN.md): one array of `{rule, line, severity, message}` for all files,
 * each also with `column` and `file`, in file order then line order.
 */
import type { LintFileResult } from "./lint-report.js";

export interface LintFindingJson {
  rule: string;
  line: number;
  severity: string;
  message: string;
  column: number;
  file: string;
}

export function lintJson(results: readonly LintFileResult[]): LintFindingJson[] {
  return results.flatMap((r) =>
    r.findings.map((f) => ({
      rule: f.rule,
      line: f.line,
      severity: f.severity,
      message: f.message,
      column: f.column,
      file: r.file,
    })),
  );
}

export function renderLintJson(results: readonly LintFileResult[]): string {
  return `${JSON.stringify(lintJson(results), null, 2)}\n`;
}
