/** DL3063 (hadolint): a stage named `scratch` or `context`, names BuildKit gives a meaning of its own. */
import { instructionRule } from "../rule.js";

export const DL3063 = instructionRule({
  code: "DL3063",
  severity: "warning",
  message: "stage name should not be a reserved word",
  test: (i) => i.from !== null && (i.from.alias === "scratch" || i.from.alias === "context"),
});
