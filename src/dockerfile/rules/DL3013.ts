/**
 * DL3013 (hadolint): `pip install` (pip, pip3, pip3.11, `python -m pip`) of packages without a
 * version. Not judged: requirement files (`-r`, `--requirement`), `.`, constraint files (`-c`,
 * `--constraint`). A package counts as pinned with a version operator (`==`, `>=`, `~=`, `!=`, `<` …),
 * as a git URL with `@ref`, a local or remote file or directory (`./pkg`, `x.whl`, `x.tar.gz`,
 * `https://…/x.zip`). Values of pip's options that take one (`-i URL`, `--target DIR`) are no packages.
 */
import { runRule } from "../rule.js";
import { argsNoFlags, argValues, dropFlagArg, hasFlag, type ShellCommand } from "../shell.js";

const OPTIONS_WITH_VALUE = [
  "abi",
  "b",
  "build",
  "e",
  "editable",
  "extra-index-url",
  "f",
  "find-links",
  "i",
  "index-url",
  "implementation",
  "no-binary",
  "only-binary",
  "platform",
  "prefix",
  "progress-bar",
  "proxy",
  "python-version",
  "root",
  "src",
  "t",
  "target",
  "trusted-host",
  "upgrade-strategy",
];

const VERSION_SYMBOLS = ["==", ">=", "<=", ">", "<", "!=", "~=", "==="];

function containsSequence(haystack: readonly string[], needle: readonly string[]): boolean {
  for (let i = 0; i + needle.length <= haystack.length; i++) {
    if (needle.every((n, j) => haystack[i + j] === n)) return true;
  }
  return false;
}

/** `pip install …`, `pip3 install …`, `python3 -m pip install …`. */
export function isPipInstall(cmd: ShellCommand): boolean {
  const args = argValues(cmd);
  if (/^pip[0-9.]*$/.test(cmd.name)) return args.includes("install");
  if (/^python[0-9.]*$/.test(cmd.name)) return containsSequence(args, ["-m", "pip", "install"]);
  return false;
}

/** hadolint's stripInstallPrefix: everything after the (last consecutive) `install`. */
export function afterInstall(args: readonly string[]): string[] {
  const at = args.indexOf("install");
  if (at < 0) return [];
  let i = at;
  while (args[i] === "install") i++;
  return args.slice(i);
}

function pinned(pkg: string): boolean {
  if (pkg.startsWith("git+")) return pkg.slice(4).includes("@");
  if (VERSION_SYMBOLS.some((s) => pkg.includes(s))) return true;
  if (pkg.endsWith(".whl") || pkg.endsWith(".tar.gz")) return true;
  return pkg.includes("/");
}

function forgotToPin(cmd: ShellCommand): boolean {
  if (!isPipInstall(cmd)) return false;
  const args = argValues(cmd);
  if (args.includes("--requirement") || args.includes("-r") || args.includes(".")) return false;
  if (hasFlag(cmd, "constraint") || hasFlag(cmd, "c")) return false;
  return !afterInstall(argsNoFlags(dropFlagArg(cmd, OPTIONS_WITH_VALUE))).every(pinned);
}

export const DL3013 = runRule({
  code: "DL3013",
  severity: "warning",
  message:
    "Pin versions in pip. Instead of `pip install <package>` use `pip install <package>==<version>` or `pip install --requirement <requirements file>`",
  test: (shell) => shell.commands.some(forgotToPin),
});
