/**
 * DL3041 (hadolint): `dnf`/`microdnf install` of a package without a version, and `dnf module
 * install` of a module without a stream (`name:stream`). A package is pinned when what follows its
 * first `-` looks like a version (parts of letters, digits and `.~^_:+`, one starting with a digit:
 * `rpm-sign-4.16.1.3`, `openssl-1:1.1.1k`; `rpm-sign` is not), is an `.rpm` file, or uses a
 * variable that an ENV of this stage (or of the stage it builds on) or an ARG defines.
 */
import type { Rule, RuleHit } from "../rule.js";
import { cmdsHaveArgs, type ParsedShell, type ShellCommand } from "../shell.js";
import { argDeclarations, nameValuePairs } from "../words.js";
import { StageFacts } from "./stage-names.js";

const DNF = ["dnf", "microdnf"];

/** Non-flag arguments of an install, as [value, raw] (raw keeps the variable names). */
function installArgs(cmd: ShellCommand): [string, string][] {
  if (!cmdsHaveArgs(cmd, DNF, ["install"])) return [];
  const flagArgs = new Set(cmd.flags.map((f) => f.argIndex));
  return cmd.args
    .filter((a) => !flagArgs.has(a.index) && a.value !== "install" && a.value !== "module")
    .map((a) => [a.value, a.raw]);
}

function variablesIn(raw: string): string[] {
  return [...raw.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!);
}

const VERSION_PART = /^[0-9A-Za-z.~^_:+]*$/;

function packagePinned(value: string, raw: string, defined: (name: string) => boolean): boolean {
  const parts = value.split("-");
  if (parts.length <= 1) return false;
  if (value.endsWith(".rpm")) return true;
  if (value.includes("$")) return variablesIn(raw).some(defined);
  const version = parts.slice(1);
  return version.every((p) => VERSION_PART.test(p)) && version.some((p) => /^[0-9]/.test(p));
}

function forgotToPin(shell: ParsedShell, defined: (name: string) => boolean): boolean {
  for (const cmd of shell.commands) {
    const args = installArgs(cmd);
    if (cmdsHaveArgs(cmd, DNF, ["module"])) {
      if (!args.every(([m]) => m.includes(":"))) return true;
    } else if (!cmdsHaveArgs(cmd, DNF, ["group"])) {
      if (!args.every(([v, raw]) => packagePinned(v, raw, defined))) return true;
    }
  }
  return false;
}

export const DL3041: Rule = {
  code: "DL3041",
  severity: "warning",
  message: "Specify version with `dnf install -y <package>-<version>`.",
  onbuild: true,
  *check(stream, ctx) {
    const envs = new StageFacts<Set<string>>(() => new Set());
    const args = new Set<string>();
    const defined = (name: string) => envs.get().has(name) || args.has(name);
    for (const i of stream) {
      if (i.from !== null) envs.enter(i.from);
      else if (i.keyword === "ENV")
        for (const p of nameValuePairs(i.args, ctx.file.escape)) envs.get().add(p.name);
      else if (i.keyword === "ARG")
        for (const a of argDeclarations(i.args, ctx.file.escape)) args.add(a.name);
      else if (i.keyword === "RUN" && forgotToPin(ctx.shell(i), defined))
        yield { line: i.line } satisfies RuleHit;
    }
  },
};
