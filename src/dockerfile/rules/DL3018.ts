/**
 * DL3018 (hadolint): `apk add` packages without `=version`. `.apk` files need none; values of `-t`,
 * `--virtual`, `--repository`, `-X` are no packages.
 */
import { runRule } from "../rule.js";
import { argsNoFlags, cmdHasArgs, dropFlagArg } from "../shell.js";

export const DL3018 = runRule({
  code: "DL3018",
  severity: "warning",
  message: "Pin versions in apk add. Instead of `apk add <package>` use `apk add <package>=<version>`",
  test: (shell) =>
    shell.commands
      .filter((c) => cmdHasArgs(c, "apk", ["add"]))
      .flatMap((c) => argsNoFlags(dropFlagArg(c, ["t", "virtual", "repository", "X"])))
      .some((p) => p !== "add" && !p.includes("=") && !p.endsWith(".apk")),
});
