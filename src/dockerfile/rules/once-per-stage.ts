/** DL4003/DL4004's shape: an instruction that only counts once per stage, reported when repeated. */
import type { Rule, RuleHit, Severity } from "../rule.js";

export function oncePerStage(code: string, severity: Severity, keyword: string, message: string): Rule {
  return {
    code,
    severity,
    message,
    onbuild: false,
    *check(stream) {
      let seen = false;
      for (const i of stream) {
        if (i.from !== null) seen = false;
        else if (i.keyword === keyword) {
          if (seen) yield { line: i.line } satisfies RuleHit;
          seen = true;
        }
      }
    },
  };
}
