/** DL3012 (hadolint): more than one HEALTHCHECK in a stage (each extra one is reported). */
import type { Rule, RuleHit } from "../rule.js";

export const DL3012: Rule = {
  code: "DL3012",
  severity: "error",
  message: "Multiple `HEALTHCHECK` instructions",
  onbuild: true,
  *check(stream) {
    let seen = false;
    for (const i of stream) {
      if (i.keyword === "FROM") seen = false;
      else if (i.keyword === "HEALTHCHECK") {
        if (seen) yield { line: i.line } satisfies RuleHit;
        seen = true;
      }
    }
  },
};
