/**
 * DL3037 (hadolint): `zypper install`/`in` of a package without a version: pinned are `name=1.2`,
 * `name>=1.2`, `name>1.2`, `name<=1.2`, `name<1.2` and `.rpm` files.
 */
import { runRule } from "../rule.js";
import { argsNoFlags, cmdHasArgs, type ShellCommand } from "../shell.js";

const pinned = (p: string) => /[=<>]/.test(p) || p.endsWith(".rpm");

function forgotToPin(cmd: ShellCommand): boolean {
  if (!cmdHasArgs(cmd, "zypper", ["install", "in"])) return false;
  return !argsNoFlags(cmd)
    .filter((a) => a !== "install" && a !== "in")
    .every(pinned);
}

export const DL3037 = runRule({
  code: "DL3037",
  severity: "warning",
  message: "Specify version with `zypper install -y <package>=<version>`.",
  test: (shell) => shell.commands.some(forgotToPin),
});
