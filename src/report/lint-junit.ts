/**
 * `lint --format junit`: JUnit XML for CI test reports. One <testsuite> per file; one <testcase>
 * per finding (name `RULE line N`, classname the file) failing with the severity as its type and the
 * message; a file without findings has one passing testcase, so a clean file shows as green, not
 * as missing.
 */
import { xmlAttr, xmlText } from "./junit.js";
import type { LintFileResult } from "./lint-report.js";

function attrs(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([k, v]) => ` ${k}="${xmlAttr(String(v))}"`)
    .join("");
}

export function renderLintJunit(results: readonly LintFileResult[]): string {
  const total = results.reduce((n, r) => n + Math.max(1, r.findings.length), 0);
  const failures = results.reduce((n, r) => n + r.findings.length, 0);
  let out = `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites${attrs({ name: "shipshape lint", tests: total, failures, errors: 0 })}>\n`;
  for (const r of results) {
    const tests = Math.max(1, r.findings.length);
    out += `  <testsuite${attrs({ name: r.file, tests, failures: r.findings.length, errors: 0, skipped: 0 })}>\n`;
    if (r.findings.length === 0) {
      out += `    <testcase${attrs({ name: "no findings", classname: r.file })}/>\n`;
    }
    for (const f of r.findings) {
      out += `    <testcase${attrs({ name: `${f.rule} line ${f.line}`, classname: r.file })}>\n`;
      out += `      <failure${attrs({ message: `${f.rule}: ${f.message}`, type: f.severity })}>${xmlText(`${r.file}:${f.line} ${f.rule} ${f.severity}: ${f.message}`)}</failure>\n`;
      out += "    </testcase>\n";
    }
    out += "  </testsuite>\n";
  }
  return `${out}</testsuites>\n`;
}
