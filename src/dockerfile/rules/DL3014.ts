/**
 * DL3014 (hadolint): `apt-get install` without `-y`/`--yes`/`--assume-yes`. Quiet level 2 (`-qq`,
 * `-q -q`, `-q=2`, `--quiet --quiet`) implies assume-yes; a single `-q` does not.
 */
import { runRule } from "../rule.js";
import { cmdHasArgs, hasAnyFlag, type ShellCommand } from "../shell.js";

function quietLevel(cmd: ShellCommand): number {
  let level = cmd.flags.filter((f) => f.name === "q" || f.name === "quiet").length;
  for (const a of cmd.args) {
    const m = /^(?:-q|--quiet)=(\d+)$/.exec(a.value);
    if (m !== null) level = Math.max(level, Number(m[1]));
  }
  return level;
}

export const DL3014 = runRule({
  code: "DL3014",
  severity: "warning",
  message: "Use the `-y` switch to avoid manual input `apt-get -y install <package>`",
  test: (shell) =>
    shell.commands.some(
      (c) =>
        cmdHasArgs(c, "apt-get", ["install"]) &&
        !hasAnyFlag(c, ["y", "yes", "assume-yes"]) &&
        quietLevel(c) < 2,
    ),
});
