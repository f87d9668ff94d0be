/** DL3019 (hadolint): `apk add` without `--no-cache`, unless /var/cache/apk is a BuildKit cache mount. */
import { hasCacheMount, runRule } from "../rule.js";
import { cmdHasArgs, hasFlag } from "../shell.js";

export const DL3019 = runRule({
  code: "DL3019",
  severity: "info",
  message:
    "Use the `--no-cache` switch to avoid the need to use `--update` and remove `/var/cache/apk/*` when done installing packages",
  test: (shell, instruction) =>
    !hasCacheMount(instruction, "/var/cache/apk") &&
    shell.commands.some((c) => cmdHasArgs(c, "apk", ["add"]) && !hasFlag(c, "no-cache")),
});
