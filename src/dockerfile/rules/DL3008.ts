/**
 * DL3008 (hadolint): `apt-get install` packages without a pinned version. A package counts as pinned
 * with `=` (`curl=7.88*`), a `/` (a release or a path) or a `.deb` file; `-t/--target-release`
 * values are not packages.
 */
import { runRule } from "../rule.js";
import { argsNoFlags, cmdHasArgs, dropFlagArg, type ParsedShell } from "../shell.js";

export function aptGetPackages(shell: ParsedShell): string[] {
  return shell.commands
    .filter((c) => cmdHasArgs(c, "apt-get", ["install"]))
    .flatMap((c) => argsNoFlags(dropFlagArg(c, ["t", "target-release"])))
    .filter((a) => a !== "install");
}

const pinned = (p: string) => p.includes("=") || p.includes("/") || p.endsWith(".deb");

export const DL3008 = runRule({
  code: "DL3008",
  severity: "warning",
  message:
    "Pin versions in apt get install. Instead of `apt-get install <package>` use `apt-get install <package>=<version>`",
  test: (shell) => !aptGetPackages(shell).every(pinned),
});
