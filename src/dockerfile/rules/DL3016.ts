/**
 * DL3016 (hadolint): `npm install <package>` without a version (`pkg@1.2.3`, `@scope/pkg@^1`).
 * Not judged: `npm install` alone (package.json), tarballs (`.tar`, `.tar.gz`, `.tgz`), folders
 * (`/`, `./`, `../`, `~/`); git URLs need a `#commit`/`#semver:` suffix. `--loglevel` takes a value.
 */
import { runRule } from "../rule.js";
import { argsNoFlags, cmdHasArgs, dropFlagArg, type ShellCommand } from "../shell.js";
import { afterInstall } from "./DL3013.js";

const GIT_PREFIXES = ["git://", "git+ssh://", "git+http://", "git+https://"];
const PATH_PREFIXES = ["/", "./", "../", "~/"];
const TARBALL_SUFFIXES = [".tar", ".tar.gz", ".tgz"];

/** hadolint's dropScope: `@scope/name@v` → `/name@v` (drops leading characters above `/`). */
function dropScope(pkg: string): string {
  if (!pkg.startsWith("@")) return pkg;
  let i = 0;
  while (i < pkg.length && pkg.charCodeAt(i) > 0x2f) i++;
  return pkg.slice(i);
}

function pinned(pkg: string): boolean {
  if (GIT_PREFIXES.some((p) => pkg.startsWith(p))) return pkg.includes("#");
  if (TARBALL_SUFFIXES.some((s) => pkg.endsWith(s))) return true;
  if (PATH_PREFIXES.some((p) => pkg.startsWith(p))) return true;
  return dropScope(pkg).includes("@");
}

function forgotToPin(cmd: ShellCommand): boolean {
  if (!cmdHasArgs(cmd, "npm", ["install"])) return false;
  const args = argsNoFlags(dropFlagArg(cmd, ["loglevel"]));
  if (args[0] !== "install") return false;
  return !afterInstall(args).every(pinned);
}

export const DL3016 = runRule({
  code: "DL3016",
  severity: "warning",
  message: "Pin versions in npm. Instead of `npm install <package>` use `npm install <package>@<version>`",
  test: (shell) => shell.commands.some(forgotToPin),
});
