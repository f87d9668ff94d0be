/**
 * DL4001 (hadolint): a stage that uses both wget and curl. Reported at each RUN that uses either
 * once both have been seen in the stage.
 */
import type { Rule, RuleHit } from "../rule.js";

export const DL4001: Rule = {
  code: "DL4001",
  severity: "warning",
  message: "Either use Wget or Curl but not both",
  onbuild: false,
  *check(stream, ctx) {
    const seen = new Set<string>();
    for (const i of stream) {
      if (i.from !== null) seen.clear();
      else if (i.keyword === "RUN") {
        const used = ctx.shell(i).commands.filter((c) => c.name === "curl" || c.name === "wget");
        for (const c of used) seen.add(c.name);
        if (used.length > 0 && seen.size >= 2) yield { line: i.line } satisfies RuleHit;
      }
    }
  },
};
