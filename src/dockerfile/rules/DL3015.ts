/** DL3015 (hadolint): `apt-get install` without `--no-install-recommends` (or `-o APT::Install-Recommends=false`). */
import { runRule } from "../rule.js";
import { cmdHasArgs, hasArg, hasFlag } from "../shell.js";

export const DL3015 = runRule({
  code: "DL3015",
  severity: "info",
  message: "Avoid additional packages by specifying `--no-install-recommends`",
  test: (shell) =>
    shell.commands.some(
      (c) =>
        cmdHasArgs(c, "apt-get", ["install"]) &&
        !(hasFlag(c, "no-install-recommends") || hasArg(c, "APT::Install-Recommends=false")),
    ),
});
