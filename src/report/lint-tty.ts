/**
 * `lint --format tty` (the default): hadolint's terminal lines, `FILE:LINE RULE SEVERITY: message`,
 * the severity coloured only when writing to a terminal (and NO_COLOR is unset).
 */
import type { LintFileResult } from "./lint-report.js";

const COLOURS: Record<string, string> = {
  error: "\x1b[31m",
  warning: "\x1b[33m",
  info: "\x1b[32m",
  style: "\x1b[36m",
};
const RESET = "\x1b[0m";

export function renderLintTty(results: readonly LintFileResult[], colour: boolean): string {
  let out = "";
  for (const r of results) {
    for (const f of r.findings) {
      const severity = colour ? `${COLOURS[f.severity] ?? ""}${f.severity}${RESET}` : f.severity;
      out += `${r.file}:${f.line} ${f.rule} ${severity}: ${f.message.replace(/\s*\n\s*/g, " ")}\n`;
    }
  }
  return out;
}
