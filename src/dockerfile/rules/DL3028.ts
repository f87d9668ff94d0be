/**
 * DL3028 (hadolint): `gem install`/`gem i` of gems without `:version`. Not judged with `-v`/
 * `--version`. Gem names are the words up to `--` (what follows goes to the gem's build) and up to
 * the first option after a gem name (`--use-system-libraries true` is the build's, not a gem).
 */
import { runRule } from "../rule.js";
import { cmdHasArgs, cmdHasPrefixArg, type ShellCommand } from "../shell.js";

function gems(cmd: ShellCommand): string[] {
  const names: string[] = [];
  let verbSeen = false;
  for (const a of cmd.args) {
    const v = a.value;
    if (v === "--") break;
    if (!verbSeen) {
      if (v === "install" || v === "i") verbSeen = true;
      continue;
    }
    if (v.startsWith("-")) {
      if (names.length > 0) break;
      continue;
    }
    names.push(v);
  }
  return names;
}

function forgotToPin(cmd: ShellCommand): boolean {
  if (!cmdHasArgs(cmd, "gem", ["install", "i"])) return false;
  if (cmdHasArgs(cmd, "gem", ["-v", "--version"]) || cmdHasPrefixArg(cmd, "gem", "--version=")) return false;
  return !gems(cmd).every((g) => g.includes(":"));
}

export const DL3028 = runRule({
  code: "DL3028",
  severity: "warning",
  message: "Pin versions in gem install. Instead of `gem install <gem>` use `gem install <gem>:<version>`",
  test: (shell) => shell.commands.some(forgotToPin),
});
