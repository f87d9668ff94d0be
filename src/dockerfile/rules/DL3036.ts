/**
 * DL3036 (hadolint): `zypper install`/`in` without a later `zypper clean`/`cc` in the same RUN.
 * A cache/tmpfs mount at /var/cache/zypp keeps the cache out of the image.
 */
import { runRule } from "../rule.js";
import { cmdHasArgs } from "../shell.js";
import { cleansAfterInstall, mountsCache } from "./package-cleanup.js";

export const DL3036 = runRule({
  code: "DL3036",
  severity: "warning",
  message: "`zypper clean` missing after zypper use.",
  test: (shell, instruction) =>
    !mountsCache(instruction, ["/var/cache/zypp"]) &&
    !cleansAfterInstall(
      shell,
      (c) => cmdHasArgs(c, "zypper", ["install", "in"]),
      (c) => cmdHasArgs(c, "zypper", ["clean", "cc"]),
    ),
});
