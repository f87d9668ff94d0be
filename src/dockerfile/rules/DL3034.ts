/**
 * DL3034 (hadolint): a zypper command that asks for confirmation (install/in, remove/rm,
 * source-install/si, patch) without `-y`/`--no-confirm`. hadolint's own tests also accept zypper's
 * global `-n`/`--non-interactive` there, so those count too.
 */
import { runRule } from "../rule.js";
import { cmdHasArgs, hasAnyFlag } from "../shell.js";

const ASKING = ["install", "in", "remove", "rm", "source-install", "si", "patch"];

export const DL3034 = runRule({
  code: "DL3034",
  severity: "warning",
  message: "Non-interactive switch missing from `zypper` command: `zypper install -y`",
  test: (shell) =>
    shell.commands.some(
      (c) => cmdHasArgs(c, "zypper", ASKING) && !hasAnyFlag(c, ["no-confirm", "y", "n", "non-interactive"]),
    ),
});
