/** DL4005 (hadolint): `ln … /bin/sh` in a RUN; SHELL is the way to change the shell. */
import { runRule } from "../rule.js";
import { cmdHasArgs } from "../shell.js";

export const DL4005 = runRule({
  code: "DL4005",
  severity: "warning",
  message: "Use SHELL to change the default shell",
  test: (shell) => shell.commands.some((c) => cmdHasArgs(c, "ln", ["/bin/sh"])),
});
