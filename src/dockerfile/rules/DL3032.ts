/**
 * DL3032 (hadolint): `yum install` without a later `yum clean all` (or `rm -rf …`) in the same RUN.
 * A cache/tmpfs mount at /var/cache/yum keeps the cache out of the image.
 */
import { runRule } from "../rule.js";
import { cmdHasArgs } from "../shell.js";
import { cleansAfterInstall, mountsCache } from "./package-cleanup.js";

export const DL3032 = runRule({
  code: "DL3032",
  severity: "warning",
  message: "`yum clean all` missing after yum command.",
  test: (shell, instruction) =>
    !mountsCache(instruction, ["/var/cache/yum"]) &&
    !cleansAfterInstall(
      shell,
      (c) => cmdHasArgs(c, "yum", ["install"]),
      (c) => cmdHasArgs(c, "yum", ["clean", "all"]) || cmdHasArgs(c, "rm", ["-rf", "/var/cache/yum/*"]),
    ),
});
