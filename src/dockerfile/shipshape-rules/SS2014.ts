/**
 * SS2014: the final stage installs a package the policy forbids (`forbidden.packages`) or one that
 * provides a forbidden tool (`forbidden.tools`: curl, nc, strace …). Active only with `lint --policy`.
 */
import { policyHits } from "./policy-violations.js";
import type { ShipshapeRule } from "./shipshape-rule.js";

export const SS2014: ShipshapeRule = {
  code: "SS2014",
  severity: "error",
  message: "The final stage installs a package or tool the policy forbids",
  title: "Forbidden package or tool in the final stage (policy)",
  remediation:
    "Install the package only in a build stage, or remove it before the stage ends; if it is truly needed, add a dated exception with a reason to the policy file.",
  onbuild: false,
  check: (_stream, ctx) => policyHits(ctx, ["forbidden.packages", "forbidden.tools"]),
};
