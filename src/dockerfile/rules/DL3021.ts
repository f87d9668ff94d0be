/** DL3021 (hadolint): COPY of several sources to a destination that does not end with `/`. */
import { instructionRule } from "../rule.js";
import { copyOperands } from "../words.js";

export const DL3021 = instructionRule({
  code: "DL3021",
  severity: "error",
  message: "COPY with more than 2 arguments requires the last argument to end with /",
  test: (i) => {
    if (i.keyword !== "COPY" || i.heredocs.length > 0) return false;
    const ops = copyOperands(i);
    return ops !== null && ops.sources.length > 1 && !ops.target.endsWith("/");
  },
});
