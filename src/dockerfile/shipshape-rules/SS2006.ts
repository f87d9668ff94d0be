/**
 * SS2006: the final stage never sets USER, so the container runs as root — unless its base image is
 * known to default to a non-root user (a `nonroot` tag, as distroless names them). Complements
 * DL3002, which reports a last `USER root`; this rule reports the USER that is missing, and a last
 * USER whose value is an ARG/ENV that resolves to root.
 */

import { splitWords } from "../words.js";
import { defaultsToNonRoot, judgeBaseImage } from "./base-images.js";
import { finalStageOf, substituteArgs } from "./final-stage.js";
import type { ShipshapeRule } from "./shipshape-rule.js";

function isRoot(user: string): boolean {
  const name = user.split(":")[0]!.trim();
  return name === "root" || name === "0";
}

export const SS2006: ShipshapeRule = {
  code: "SS2006",
  severity: "warning",
  message: "The final stage sets no USER: the container runs as root",
  title: "No non-root USER in the final stage",
  remediation:
    "Create an unprivileged user (or use a numeric UID such as 65532) and end the final stage with USER <name|uid>; Kubernetes can then enforce runAsNonRoot.",
  onbuild: false,
  *check(_stream, ctx) {
    const final = finalStageOf(ctx);
    if (final === null) return;
    const vars = new Map<string, string>();
    let last: { line: number; user: string } | null = null;
    for (const i of final.instructions) {
      if (i.keyword === "ARG" || i.keyword === "ENV") {
        for (const word of splitWords(i.args)) {
          const eq = word.indexOf("=");
          if (eq > 0) vars.set(word.slice(0, eq), word.slice(eq + 1));
        }
      } else if (i.keyword === "USER") {
        last = { line: i.line, user: i.args.trim() };
      }
    }
    if (last === null) {
      const base = final.baseText === null ? null : judgeBaseImage(final.baseText);
      if (base !== null && defaultsToNonRoot(base)) return;
      yield { line: final.stage.line };
      return;
    }
    // A literal `USER root` is DL3002's; a variable that resolves to root is this rule's.
    if (!last.user.includes("$")) return;
    const resolved = substituteArgs(last.user, vars);
    if (resolved !== null && isRoot(resolved)) {
      yield { line: last.line, message: `The final USER ${last.user} resolves to root (${resolved})` };
    }
  },
};
