/** DL3025 (hadolint): CMD or ENTRYPOINT in shell form (signals do not reach the program). */
import { instructionRule } from "../rule.js";

export const DL3025 = instructionRule({
  code: "DL3025",
  severity: "warning",
  message: "Use arguments JSON notation for CMD and ENTRYPOINT arguments",
  test: (i) => (i.keyword === "CMD" || i.keyword === "ENTRYPOINT") && i.args !== "" && i.execForm === null,
});
