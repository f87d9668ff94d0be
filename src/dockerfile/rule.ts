/**
 * What a lint rule is, and the helpers that make most rules a few lines.
 *
 * A rule has a code (hadolint's `DLxxxx` where hadolint has the rule, `SSxxxx` for shipshape's own),
 * a default severity, a default message and a `check` that reads ONE stream of instructions from the
 * top and returns hits (line, optionally a message of its own). As in hadolint (src/Hadolint/Rule.hs,
 * its `onbuild` wrapper), the engine runs every rule twice: over the file's instructions, and — for
 * rules with `onbuild: true` — over the ONBUILD triggers alone, unwrapped, with fresh state (so
 * `ONBUILD RUN sudo x` is caught by the RUN rules; FROMs are not part of that second stream).
 * `ctx.onbuild` says which stream a check is reading.
 *
 * Writing a rule (rules/DLxxxx.ts, one per file; add it to rules/index.ts):
 *  - per-instruction test        → `instructionRule({ code, severity, message, onbuild, test })`
 *  - per-RUN test on the shell   → `runRule({ …, test: (shell, instr, ctx) => violates })`; the shell
 *    model is ./shell.ts (`shell.commands`, `cmdHasArgs`, `hasFlag`, `argsNoFlags`, `dropFlagArg` …)
 *  - anything stateful (stages, "last USER", duplicates) → implement `check` with a loop over the
 *    stream; `ctx.file` has the stages, comments and every instruction.
 * Test it with test/dockerfile/rule-cases.ts's `ruleCases` (hadolint's ruleCatches/ruleCatchesNot).
 */
import type { ResolvedLintConfig } from "./config.js";
import type { Instruction, ParsedDockerfile } from "./parse.js";
import type { ParsedShell } from "./shell.js";

/** hadolint's severities, most severe first; `ignore` means "not reported" (DL1001's default). */
export const SEVERITIES = ["error", "warning", "info", "style", "ignore"] as const;
export type Severity = (typeof SEVERITIES)[number];
export type ReportedSeverity = Exclude<Severity, "ignore">;

/** Lower is more severe. */
export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

export interface RuleHit {
  readonly line: number;
  /** Replaces the rule's default message (for messages that name a label, a package …). */
  readonly message?: string;
}

export interface RuleContext {
  readonly file: ParsedDockerfile;
  readonly config: ResolvedLintConfig;
  /** true while reading the ONBUILD-trigger stream. */
  readonly onbuild: boolean;
  /** The parsed shell of a RUN (shell form: its script; exec form: its words joined), cached. */
  shell(instruction: Instruction): ParsedShell;
}

export interface Rule {
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  /** Also run over the ONBUILD triggers (hadolint wraps most RUN rules so). */
  readonly onbuild: boolean;
  check(stream: readonly Instruction[], ctx: RuleContext): Iterable<RuleHit>;
}

interface RuleHead {
  code: string;
  severity: Severity;
  message: string;
  onbuild?: boolean;
}

/** A rule that judges each instruction alone: `test` returns true for a violation. */
export function instructionRule(
  head: RuleHead & { test: (instruction: Instruction, ctx: RuleContext) => boolean },
): Rule {
  return {
    code: head.code,
    severity: head.severity,
    message: head.message,
    onbuild: head.onbuild ?? false,
    *check(stream, ctx) {
      for (const instruction of stream) if (head.test(instruction, ctx)) yield { line: instruction.line };
    },
  };
}

/** A rule that judges each RUN by its shell commands: `test` returns true for a violation. */
export function runRule(
  head: RuleHead & { test: (shell: ParsedShell, instruction: Instruction, ctx: RuleContext) => boolean },
): Rule {
  return instructionRule({
    ...head,
    onbuild: head.onbuild ?? true,
    test: (instruction, ctx) =>
      instruction.keyword === "RUN" && head.test(ctx.shell(instruction), instruction, ctx),
  });
}

/** hadolint's dropQuotes: surrounding `"` and `'` characters removed. */
export function dropQuotes(text: string): string {
  return text.replace(/^["']+/, "").replace(/["']+$/, "");
}

/** The value of a RUN --mount flag's options (`type=cache,target=/x`) as a map. */
export function mountOptions(value: string): Map<string, string> {
  const options = new Map<string, string>();
  for (const part of dropQuotes(value).split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) options.set(part.trim().toLowerCase(), "");
    else options.set(part.slice(0, eq).trim().toLowerCase(), dropQuotes(part.slice(eq + 1).trim()));
  }
  return options;
}

/** `RUN --mount=type=cache,target=…` targets (`dst`/`destination` accepted as BuildKit does). */
export function cacheMountTargets(instruction: Instruction): string[] {
  const targets: string[] = [];
  for (const f of instruction.flags) {
    if (f.name !== "mount" || f.value === null) continue;
    const o = mountOptions(f.value);
    if (o.get("type") !== "cache") continue;
    const target = o.get("target") ?? o.get("dst") ?? o.get("destination");
    if (target !== undefined) targets.push(target);
  }
  return targets;
}

/** hadolint's hasCacheDirectory: some cache mount's target starts with `dir`. */
export function hasCacheMount(instruction: Instruction, dir: string): boolean {
  return cacheMountTargets(instruction).some((t) => t.startsWith(dir));
}

/** Targets of `RUN --mount=type=cache|tmpfs,target=…` (hadolint's cache-or-tmpfs mounts). */
export function cacheOrTmpfsMountTargets(instruction: Instruction): string[] {
  const targets: string[] = [];
  for (const f of instruction.flags) {
    if (f.name !== "mount" || f.value === null) continue;
    const o = mountOptions(f.value);
    const type = o.get("type");
    if (type !== "cache" && type !== "tmpfs") continue;
    const target = o.get("target") ?? o.get("dst") ?? o.get("destination");
    if (target !== undefined) targets.push(target);
  }
  return targets;
}

/** hadolint's hasCacheOrTmpfsMountWith: a cache or tmpfs mount whose target contains `fragment`. */
export function hasCacheOrTmpfsMountWith(instruction: Instruction, fragment: string): boolean {
  return cacheOrTmpfsMountTargets(instruction).some((t) => t.includes(fragment));
}
