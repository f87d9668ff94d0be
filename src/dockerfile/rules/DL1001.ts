/** DL1001 (hadolint): inline `# hadolint ignore=` pragmas are discouraged. Off by default (severity ignore). */
import { parseIgnorePragma } from "../pragmas.js";
import type { Rule } from "../rule.js";

export const DL1001: Rule = {
  code: "DL1001",
  severity: "ignore",
  message: "Please refrain from using inline ignore pragmas `# hadolint ignore=DLxxxx`.",
  onbuild: false,
  *check(_stream, ctx) {
    if (ctx.onbuild) return;
    for (const c of ctx.file.comments) if (parseIgnorePragma(c.text) !== null) yield { line: c.line };
  },
};
