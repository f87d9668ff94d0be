/** DL3038 (hadolint): `dnf`/`microdnf` install, groupinstall or localinstall without `-y`/`--assumeyes`. */
import { runRule } from "../rule.js";
import { cmdsHaveArgs, hasAnyFlag } from "../shell.js";

export const DL3038 = runRule({
  code: "DL3038",
  severity: "warning",
  message: "Use the -y switch to avoid manual input `dnf install -y <package>`.",
  test: (shell) =>
    shell.commands.some(
      (c) =>
        cmdsHaveArgs(c, ["dnf", "microdnf"], ["install", "groupinstall", "localinstall"]) &&
        !hasAnyFlag(c, ["y", "assumeyes"]),
    ),
});
