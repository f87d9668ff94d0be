/** DL3027 (hadolint): `apt` (the interactive front end) in RUN. */
import { runRule } from "../rule.js";
import { usingProgram } from "../shell.js";

export const DL3027 = runRule({
  code: "DL3027",
  severity: "warning",
  message: "Do not use apt as it is meant to be a end-user tool, use apt-get or apt-cache instead",
  test: (shell) => usingProgram(shell, "apt"),
});
