/** DL3050 (hadolint): with `strict-labels`, a LABEL that sets a label outside the `label-schema`. */
import { instructionRule } from "../rule.js";
import { labelPairs } from "./labels.js";

export const DL3050 = instructionRule({
  code: "DL3050",
  severity: "info",
  message: "Superfluous label(s) present.",
  onbuild: true,
  test: (i, ctx) =>
    ctx.config.strictLabels && labelPairs(i, ctx).some((p) => !ctx.config.labelSchema.has(p.name)),
});
