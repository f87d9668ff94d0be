/**
 * DL3002 (hadolint): the last USER of a stage should not be root. Reported at that USER line, for
 * every stage whose last USER is root (`root`, `0`, `root:…`, `0:…`) — a later stage built FROM it
 * inherits the user.
 */
import type { Rule, RuleHit } from "../rule.js";

function isRoot(user: string): boolean {
  return user === "root" || user === "0" || user.startsWith("root:") || user.startsWith("0:");
}

export const DL3002: Rule = {
  code: "DL3002",
  severity: "warning",
  message: "Last USER should not be root",
  onbuild: true,
  check(stream) {
    const rootUserOfStage = new Map<number, number>(); // FROM line → root USER line
    let stageLine: number | null = null;
    for (const i of stream) {
      if (i.keyword === "FROM") stageLine = i.line;
      else if (i.keyword === "USER" && stageLine !== null) {
        if (isRoot(i.args.trim())) rootUserOfStage.set(stageLine, i.line);
        else rootUserOfStage.delete(stageLine);
      }
    }
    return [...rootUserOfStage.values()].map((line): RuleHit => ({ line }));
  },
};
