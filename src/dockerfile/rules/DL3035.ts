/** DL3035 (hadolint): `zypper dist-upgrade` / `zypper dup` in a RUN. */
import { runRule } from "../rule.js";
import { cmdHasArgs } from "../shell.js";

export const DL3035 = runRule({
  code: "DL3035",
  severity: "warning",
  message: "Do not use `zypper dist-upgrade`.",
  test: (shell) => shell.commands.some((c) => cmdHasArgs(c, "zypper", ["dist-upgrade", "dup"])),
});
