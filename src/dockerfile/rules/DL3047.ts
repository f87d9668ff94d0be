/**
 * DL3047 (hadolint): `wget` without `--progress` (its default progress output floods build logs).
 * Fine when the output is quiet or goes elsewhere: `-q`/`--quiet`, `-nv`/`--no-verbose`,
 * `-o`/`--output-file`, `-a`/`--append-output`.
 */
import { runRule } from "../rule.js";
import { cmdHasArgs, hasAnyFlag, hasFlag, type ShellCommand } from "../shell.js";

const quiet = (c: ShellCommand) =>
  hasAnyFlag(c, ["q", "quiet", "o", "output-file", "a", "append-output", "no-verbose"]) ||
  cmdHasArgs(c, "wget", ["-nv"]);

export const DL3047 = runRule({
  code: "DL3047",
  severity: "info",
  // hadolint's text, its missing blank after `.` included.
  message:
    "Avoid use of wget without progress bar. Use `wget --progress=dot:giga <url>`.Or consider using `-q` or `-nv` (shorthands for `--quiet` or `--no-verbose`).",
  test: (shell) => shell.commands.some((c) => c.name === "wget" && !hasFlag(c, "progress") && !quiet(c)),
});
