/** DL3000 (hadolint): WORKDIR must be absolute (`/…`, a variable, or a Windows drive path). */
import { dropQuotes, instructionRule } from "../rule.js";

export const DL3000 = instructionRule({
  code: "DL3000",
  severity: "error",
  message: "Use absolute WORKDIR",
  test: (i) => {
    if (i.keyword !== "WORKDIR") return false;
    const path = dropQuotes(i.args);
    return !(path.startsWith("$") || path.startsWith("/") || /^[\p{L}]:/u.test(path));
  },
});
