/**
 * DL3046 (hadolint): `useradd -u <UID>` with a UID of more than 5 digits and without `-l`
 * (`--no-log-init`): the sparse lastlog/faillog entry for a high UID makes a huge layer.
 */
import { runRule } from "../rule.js";
import { flagArgs, hasAnyFlag, type ShellCommand } from "../shell.js";

const forgotFlagL = (c: ShellCommand) =>
  c.name === "useradd" &&
  !hasAnyFlag(c, ["l", "no-log-init"]) &&
  hasAnyFlag(c, ["u", "uid"]) &&
  flagArgs(c, "u").some((uid) => uid.length > 5);

export const DL3046 = runRule({
  code: "DL3046",
  severity: "warning",
  message: "`useradd` without flag `-l` and high UID will result in excessively large Image.",
  test: (shell) => shell.commands.some(forgotFlagL),
});
