/** DL3003 (hadolint): `cd` in RUN instead of WORKDIR. */
import { runRule } from "../rule.js";
import { usingProgram } from "../shell.js";

export const DL3003 = runRule({
  code: "DL3003",
  severity: "warning",
  message: "Use WORKDIR to switch to a directory",
  test: (shell) => usingProgram(shell, "cd"),
});
