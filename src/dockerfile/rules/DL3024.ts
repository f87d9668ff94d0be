/** DL3024 (hadolint): two stages with the same name (reported at the later FROM). */
import type { Rule, RuleHit } from "../rule.js";

export const DL3024: Rule = {
  code: "DL3024",
  severity: "error",
  message: "FROM aliases (stage names) must be unique",
  onbuild: false,
  *check(stream) {
    const seen = new Set<string>();
    for (const i of stream) {
      const alias = i.from?.alias?.toLowerCase();
      if (alias === undefined) continue;
      if (seen.has(alias)) yield { line: i.line } satisfies RuleHit;
      seen.add(alias);
    }
  },
};
