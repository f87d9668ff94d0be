/**
 * DL3033 (hadolint): `yum install` of a package without a version (`name-version`: any `-` counts,
 * or an `.rpm` file), and `yum module install` of a module without a stream (`name:stream`).
 */
import { runRule } from "../rule.js";
import { argsNoFlags, cmdHasArgs, type ShellCommand } from "../shell.js";

function installed(cmd: ShellCommand): string[] {
  if (!cmdHasArgs(cmd, "yum", ["install"])) return [];
  return argsNoFlags(cmd).filter((a) => a !== "install" && a !== "module");
}

function forgotToPin(cmd: ShellCommand): boolean {
  if (cmdHasArgs(cmd, "yum", ["module"])) return !installed(cmd).every((m) => m.includes(":"));
  return !installed(cmd).every((p) => p.includes("-") || p.endsWith(".rpm"));
}

export const DL3033 = runRule({
  code: "DL3033",
  severity: "warning",
  message: "Specify version with `yum install -y <package>-<version>`.",
  test: (shell) => shell.commands.some(forgotToPin),
});
