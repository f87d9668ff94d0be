/**
 * SS2007: a secret in ARG or ENV — a literal value under a secret's name (PASSWORD, TOKEN, SECRET,
 * KEY, ACCESS … as Dockle's CIS-DI-0010 words them) or a value that is a known credential format
 * (AWS keys, GitHub/GitLab/Slack tokens, private keys …), in any stage. ENV values are in the image
 * config and ARG values in its history, for anyone who pulls it; and the Dockerfile is in version
 * control. The judgement is the image checks' own (src/checks/config-secret-rules.ts), so lint and
 * scan agree on what a secret is. Messages name the variable, never its value.
 */
import { credentialAssignment } from "../../checks/config-secret-rules.js";
import type { RuleHit } from "../rule.js";
import { splitWords } from "../words.js";
import type { ShipshapeRule } from "./shipshape-rule.js";

/** `ENV A=1 B=2`, legacy `ENV A some value`, `ARG A=1`: names with literal values. */
function assignments(keyword: string, args: string): { name: string; value: string }[] {
  const words = splitWords(args);
  if (keyword === "ENV" && words.length > 0 && !words[0]!.includes("=")) {
    return [{ name: words[0]!, value: words.slice(1).join(" ") }];
  }
  return words.flatMap((w) => {
    const eq = w.indexOf("=");
    return eq > 0 ? [{ name: w.slice(0, eq), value: w.slice(eq + 1) }] : [];
  });
}

export const SS2007: ShipshapeRule = {
  code: "SS2007",
  severity: "error",
  message: "A secret is set in ARG or ENV",
  title: "Secret in ARG or ENV",
  remediation:
    "Never write credentials into a Dockerfile: use RUN --mount=type=secret (docker build --secret) for build-time secrets and inject run-time ones from the orchestrator's secret store; rotate the exposed secret.",
  onbuild: true,
  *check(stream) {
    for (const i of stream) {
      if (i.keyword !== "ENV" && i.keyword !== "ARG") continue;
      for (const { name, value } of assignments(i.keyword, i.args)) {
        const reason = credentialAssignment(name, value);
        if (reason !== null) {
          yield {
            line: i.line,
            message: `${i.keyword} ${name} holds ${/^an? /.test(reason) ? reason : `a ${reason}`}; pass secrets with RUN --mount=type=secret or at run time`,
          } satisfies RuleHit;
        }
      }
    }
  },
};
