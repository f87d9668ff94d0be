/**
 * `check --format table`: one line per finding (severity, rule, Dockle code, what, where), the
 * counts, the `--fail-on` verdict, and warnings. Plain text: CI logs keep it readable. Remediations
 * are printed once per rule under the table, not repeated on every line.
 */
import type { CheckJson } from "./check-json.js";
import { columns, truncate } from "./text-columns.js";

const TITLE_WIDTH = 100;

export function renderCheckTable(doc: CheckJson): string {
  const out: string[] = [];
  const os = doc.os ? `${doc.os.prettyName}${doc.os.eol ? " (end of life)" : ""}` : "unknown OS";
  out.push(`${doc.source.reference}: ${os}`);
  out.push("");
  if (doc.findings.length === 0) {
    out.push("No image hygiene findings.");
  } else {
    const rows = [["SEVERITY", "RULE", "DOCKLE", "FINDING"]];
    for (const f of doc.findings) {
      rows.push([f.severity.toUpperCase(), f.rule, f.dockle ?? "", truncate(f.title, TITLE_WIDTH)]);
    }
    out.push(...columns(rows));
    const counts = Object.entries(doc.summary.bySeverity)
      .filter(([, n]) => n > 0)
      .map(([s, n]) => `${n} ${s}`)
      .join(", ");
    out.push("", `Total: ${doc.summary.total} (${counts})`, "", "How to fix:");
    const seen = new Set<string>();
    for (const f of doc.findings) {
      if (seen.has(f.rule)) continue;
      seen.add(f.rule);
      out.push(`  ${f.rule}: ${f.remediation}`);
    }
  }
  if (doc.failOn !== null) {
    out.push(
      "",
      doc.passed
        ? `PASSED: no finding at or over ${doc.failOn}`
        : `FAILED: findings at or over ${doc.failOn} (--fail-on ${doc.failOn})`,
    );
  }
  if (doc.warnings.length > 0) {
    out.push("", "Warnings:");
    for (const w of doc.warnings) out.push(`  ${w}`);
  }
  return `${out.join("\n")}\n`;
}
