/** DL4000 (hadolint): MAINTAINER (deprecated; use a label such as org.opencontainers.image.authors). */
import { instructionRule } from "../rule.js";

export const DL4000 = instructionRule({
  code: "DL4000",
  severity: "error",
  message: "MAINTAINER is deprecated",
  test: (i) => i.keyword === "MAINTAINER",
});
