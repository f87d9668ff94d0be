/** DL3061 (hadolint): an instruction other than ARG before the first FROM (comments and parser directives are fine). */
import type { Rule, RuleHit } from "../rule.js";

export const DL3061: Rule = {
  code: "DL3061",
  severity: "error",
  message: "Invalid instruction order. Dockerfile must begin with `FROM`, `ARG` or comment.",
  onbuild: false,
  *check(stream) {
    for (const i of stream) {
      if (i.keyword === "FROM") return;
      if (i.keyword !== "ARG") yield { line: i.line } satisfies RuleHit;
    }
  },
};
