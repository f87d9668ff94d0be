/**
 * DL3042 (hadolint): `pip install` without `--no-cache-dir` (pipx and pipenv are no pip). Not when
 * pip's cache is off by PIP_NO_CACHE_DIR set to a true value (1, true, on, yes in any of hadolint's
 * casings): by an ENV of this stage or of the stage it builds on, as an assignment before the
 * command (`PIP_NO_CACHE_DIR=1 pip install`), or exported in the same RUN.
 */
import type { Rule, RuleHit } from "../rule.js";
import { hasArg, type ParsedShell, type ShellCommand } from "../shell.js";
import { nameValuePairs } from "../words.js";
import { isPipInstall } from "./DL3013.js";
import { StageFacts } from "./stage-names.js";

const TRUTHY = new Set(["1", "true", "True", "TRUE", "on", "On", "ON", "yes", "Yes", "YES"]);

function assignsTruthy(assignment: string): boolean {
  const eq = assignment.indexOf("=");
  if (eq < 0 || assignment.slice(0, eq) !== "PIP_NO_CACHE_DIR") return false;
  return TRUTHY.has(assignment.slice(eq + 1).replace(/^["']|["']$/g, ""));
}

function noCacheInScript(shell: ParsedShell): boolean {
  return shell.commands.some(
    (c) =>
      c.assignments.some(assignsTruthy) ||
      (c.name === "export" && c.args.some((a) => assignsTruthy(a.value))),
  );
}

function isPipWrapper(cmd: ShellCommand): boolean {
  return ["pipx", "pipenv"].some(
    (w) =>
      cmd.name.includes(w) ||
      (cmd.name.startsWith("python") &&
        cmd.args.some((a, n) => a.value === "-m" && cmd.args[n + 1]?.value === w)),
  );
}

const forgotNoCacheDir = (cmd: ShellCommand) =>
  isPipInstall(cmd) && !hasArg(cmd, "--no-cache-dir") && !isPipWrapper(cmd);

export const DL3042: Rule = {
  code: "DL3042",
  severity: "warning",
  message: "Avoid use of cache directory with pip. Use `pip install --no-cache-dir <package>`",
  onbuild: true,
  *check(stream, ctx) {
    const noCache = new StageFacts<boolean>(() => false);
    for (const i of stream) {
      if (i.from !== null) noCache.enter(i.from);
      else if (i.keyword === "ENV") {
        const pair = nameValuePairs(i.args, ctx.file.escape).find((p) => p.name === "PIP_NO_CACHE_DIR");
        if (pair !== undefined && TRUTHY.has(pair.value ?? "")) noCache.set(true);
      } else if (i.keyword === "RUN") {
        if (noCache.get()) continue;
        const shell = ctx.shell(i);
        if (noCacheInScript(shell)) continue;
        if (shell.commands.some(forgotNoCacheDir)) yield { line: i.line } satisfies RuleHit;
      }
    }
  },
};
