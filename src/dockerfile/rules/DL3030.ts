/** DL3030 (hadolint): `yum install`/`groupinstall`/`localinstall` without `-y`/`--assumeyes`. */
import { runRule } from "../rule.js";
import { cmdHasArgs, hasAnyFlag } from "../shell.js";

export const DL3030 = runRule({
  code: "DL3030",
  severity: "warning",
  message: "Use the -y switch to avoid manual input `yum install -y <package`",
  test: (shell) =>
    shell.commands.some(
      (c) =>
        cmdHasArgs(c, "yum", ["install", "groupinstall", "localinstall"]) &&
        !hasAnyFlag(c, ["y", "assumeyes"]),
    ),
});
