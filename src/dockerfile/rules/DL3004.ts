/** DL3004 (hadolint): `sudo` in RUN. */
import { runRule } from "../rule.js";
import { usingProgram } from "../shell.js";

export const DL3004 = runRule({
  code: "DL3004",
  severity: "error",
  message: "Do not use sudo as it leads to unpredictable behavior. Use a tool like gosu to enforce root",
  test: (shell) => usingProgram(shell, "sudo"),
});
