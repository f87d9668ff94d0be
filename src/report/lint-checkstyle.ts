/**
 * `lint --format checkstyle`: Checkstyle 4.3 XML as hadolint prints it (src/Hadolint/Formatter/
 * Checkstyle.hs): single-quoted attributes each followed by a space, every character other than
 * ASCII letters, digits, space, `.` and `/` written as a numeric reference (`&#45;`), one `<file>`
 * per file with findings, no trailing newline. Characters XML cannot carry become U+FFFD first.
 */
import type { LintFileResult } from "./lint-report.js";

function isXmlChar(c: number): boolean {
  return (
    c === 0x9 ||
    c === 0xa ||
    c === 0xd ||
    (c >= 0x20 && c <= 0xd7ff) ||
    (c >= 0xe000 && c <= 0xfffd) ||
    (c >= 0x10000 && c <= 0x10ffff)
  );
}

/** hadolint's escape: only [A-Za-z0-9 ./] are written as themselves. */
function checkstyleEscape(text: string): string {
  let out = "";
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (/^[A-Za-z0-9 ./]$/.test(ch)) out += ch;
    else out += `&#${isXmlChar(c) ? c : 0xfffd};`;
  }
  return out;
}

const attr = (name: string, value: string | number) => `${name}='${checkstyleEscape(String(value))}' `;

export function renderLintCheckstyle(results: readonly LintFileResult[]): string {
  let body = "";
  for (const r of results) {
    if (r.findings.length === 0) continue;
    body += `<file ${attr("name", r.file)}>`;
    for (const f of r.findings) {
      body += `<error ${attr("line", f.line)}${attr("column", f.column)}${attr("severity", f.severity)}${attr("message", f.message)}${attr("source", f.rule)}/>`;
    }
    body += "</file>";
  }
  return `<?xml version='1.0' encoding='UTF-8'?><checkstyle version='4.3'>${body}</checkstyle>`;
}
