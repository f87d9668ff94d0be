/**
 * DL3040 (hadolint): a `dnf`/`microdnf` command that fills the package cache (install/in,
 * upgrade/up, upgrade-minimal/up-min, reinstall/rei) without a later clean by the same program
 * (`dnf clean all`) or an `rm -rf` in the same RUN. Judged per program: `dnf install && microdnf
 * clean all` is not cleaned. A cache/tmpfs mount at /var/cache/libdnf5 (dnf5's cache) is fine.
 */
import { runRule } from "../rule.js";
import { cmdHasArgs, type ParsedShell, type ShellCommand } from "../shell.js";
import { cleansAfterInstall, mountsCache } from "./package-cleanup.js";

const FILLS_CACHE = ["install", "in", "upgrade", "up", "upgrade-minimal", "up-min", "reinstall", "rei"];

const removesCache = (c: ShellCommand) =>
  c.name === "rm" && c.args.some((a) => a.value === "-rf" || a.value.startsWith("/var/cache/libdnf5"));

function forgotToClean(shell: ParsedShell): boolean {
  return ["dnf", "microdnf"].some(
    (name) =>
      !cleansAfterInstall(
        shell,
        (c) => cmdHasArgs(c, name, FILLS_CACHE),
        (c) => cmdHasArgs(c, name, ["clean", "all"]) || removesCache(c),
      ),
  );
}

export const DL3040 = runRule({
  code: "DL3040",
  severity: "warning",
  message: "`dnf clean all` missing after dnf command.",
  test: (shell, instruction) =>
    !mountsCache(instruction, ["/var/cache/libdnf5", ".cache/libdnf5"]) && forgotToClean(shell),
});
