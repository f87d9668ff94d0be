/**
 * The Dockerfile linter: parse, run every rule (hadolint's, rules/index.ts, then shipshape's own
 * SS2xxx, shipshape-rules/index.ts) over the instructions and, for rules
 * that ask, over the ONBUILD triggers; add ShellCheck's findings when a binary is there; then, as
 * hadolint does: drop findings an inline pragma ignores (unless `disable-ignore-pragma`), apply the
 * configured severity overrides, drop `ignored` codes and anything left at severity `ignore`, and
 * sort by line. `lintDockerfile(text, config)` is the API (`config` takes the keys of
 * .hadolint.yaml); `shipshape lint --format json` prints exactly its result.
 */

import { ShipshapeError } from "../errors.js";
import type { LintPolicyContext } from "../policy/lint-policy.js";
import type { Policy } from "../policy/model.js";
import { type LintConfig, type ResolvedLintConfig, resolveLintConfig } from "./config.js";
import { type Instruction, type ParsedDockerfile, parseDockerfile } from "./parse.js";
import { isIgnoredByPragma, type Pragmas, readPragmas } from "./pragmas.js";
import type { ReportedSeverity, Rule, RuleContext, Severity } from "./rule.js";
import { RULES } from "./rules/index.js";
import { runScript } from "./run-script.js";
import { loadShellParser, type ParsedShell, type ShellParser } from "./shell.js";
import { findShellcheck, runShellcheck } from "./shellcheck.js";
import { pulledBaseImages } from "./shipshape-rules/final-stage.js";
import { SHIPSHAPE_RULES } from "./shipshape-rules/index.js";
import { finalStageContents, keptPackages } from "./shipshape-rules/stage-contents.js";

export interface LintFinding {
  /** hadolint's code (`DL3008`, `SC2086`) or shipshape's (`SSxxxx`). */
  readonly rule: string;
  readonly line: number;
  /** Always 1 for instruction rules (hadolint's column). */
  readonly column: number;
  readonly severity: ReportedSeverity;
  readonly message: string;
}

export interface LintOptions {
  /** The file's name in error messages. */
  readonly file?: string;
  /**
   * ShellCheck: true/undefined → the `shellcheck` on PATH when there is one; false → never;
   * a string → that executable.
   */
  readonly shellcheck?: boolean | string;
  /** The stage the final-stage rules judge (`docker build --target`); default: the last one. */
  readonly target?: string;
  /** Policy files (readPolicyFile) whose Dockerfile rules SS2009/SS2012–SS2014 apply. */
  readonly policy?: Policy | readonly Policy[];
  /** Told once per run when ShellCheck is wanted but not installed (the CLI writes it to stderr). */
  readonly onShellcheckMissing?: () => void;
}

export interface RawFinding {
  rule: string;
  line: number;
  severity: Severity;
  message: string;
}

function isResolved(config: LintConfig | ResolvedLintConfig): config is ResolvedLintConfig {
  return config.override instanceof Map;
}

/** Lint a Dockerfile's text. Throws a ShipshapeError for an invalid `config`. */
export async function lintDockerfile(
  text: string,
  config: LintConfig | ResolvedLintConfig = {},
  options: LintOptions = {},
): Promise<LintFinding[]> {
  const base = isResolved(config) ? config : resolveLintConfig(config);
  const policies = options.policy === undefined ? base.policies : ([] as Policy[]).concat(options.policy);
  const resolved: ResolvedLintConfig = { ...base, target: options.target ?? base.target, policies };
  const file = parseDockerfile(text, options.file);
  if (options.target !== undefined) checkTarget(file, options.target, options.file ?? "Dockerfile");
  const pragmas = readPragmas(file.comments);
  const raw = runRules(file, resolved, await loadShellParser());
  const binary =
    options.shellcheck === false
      ? null
      : typeof options.shellcheck === "string"
        ? options.shellcheck
        : findShellcheck();
  if (binary === null && options.shellcheck !== false) options.onShellcheckMissing?.();
  raw.push(...(await runShellcheck(file, pragmas, binary)));
  return finish(raw, resolved, pragmas);
}

/** `docker build --target X` fails when no stage is named X; so does lint. */
function checkTarget(file: ParsedDockerfile, target: string, name: string): void {
  const names = file.stages.flatMap((s) => (s.from.alias === null ? [] : [s.from.alias]));
  if (names.some((n) => n.toLowerCase() === target.toLowerCase())) return;
  const known = names.length === 0 ? "it names no stage" : `its stages are ${names.join(", ")}`;
  throw new ShipshapeError("usage", `${name}: no build stage named ${target} for --target (${known})`);
}

/**
 * hadolint's `Process.run`: every rule's findings at the rules' default severities after inline
 * pragmas, before `ignored`/`override` and before dropping severity `ignore` (no ShellCheck). The
 * rule tests use it, as hadolint's ruleCatches/ruleCatchesNot do.
 */
export async function analyzeDockerfile(text: string, config: LintConfig = {}): Promise<RawFinding[]> {
  const resolved = resolveLintConfig(config);
  const file = parseDockerfile(text);
  const pragmas = readPragmas(file.comments);
  const raw = runRules(file, resolved, await loadShellParser());
  return raw.filter((f) => !keptOutByPragma(f, resolved, pragmas));
}

function keptOutByPragma(f: RawFinding, config: ResolvedLintConfig, pragmas: Pragmas): boolean {
  return !config.disableIgnorePragma && isIgnoredByPragma(pragmas, f.rule, f.line);
}

/** Every rule's hits, before pragmas and configuration (severities are the rules' defaults). */
export function runRules(
  file: ParsedDockerfile,
  config: ResolvedLintConfig,
  parser: ShellParser,
): RawFinding[] {
  const main = ruleContext(file, config, parser);
  const onbuild: RuleContext = { ...main, onbuild: true };
  const triggers = file.instructions.flatMap((i) => (i.trigger === null ? [] : [i.trigger]));
  const findings: RawFinding[] = [];
  const rules: readonly Rule[] = [...RULES, ...SHIPSHAPE_RULES];
  for (const rule of rules) {
    const streams: [readonly Instruction[], RuleContext][] = [[file.instructions, main]];
    if (rule.onbuild && triggers.length > 0) streams.push([triggers, onbuild]);
    for (const [stream, ctx] of streams) {
      for (const hit of rule.check(stream, ctx)) {
        findings.push({
          rule: rule.code,
          line: hit.line,
          severity: rule.severity,
          message: hit.message ?? rule.message,
        });
      }
    }
  }
  return findings;
}

/** The context rules read: the file, the configuration and each RUN's shell, parsed once. */
function ruleContext(file: ParsedDockerfile, config: ResolvedLintConfig, parser: ShellParser): RuleContext {
  const shells = new Map<Instruction, ParsedShell>();
  const shell = (i: Instruction): ParsedShell => {
    let parsed = shells.get(i);
    if (parsed === undefined) {
      parsed = parser.parse(runScript(i));
      shells.set(i, parsed);
    }
    return parsed;
  };
  return { file, config, onbuild: false, shell };
}

/**
 * What a policy file judges in a Dockerfile besides its findings (src/policy/lint-policy.ts): the
 * base images every FROM pulls and the packages the final stage installs and keeps.
 */
export async function dockerfilePolicyContext(
  text: string,
  options: { file?: string; target?: string } = {},
): Promise<Required<Pick<LintPolicyContext, "baseImages" | "finalStagePackages">>> {
  const file = parseDockerfile(text, options.file);
  const config: ResolvedLintConfig = { ...resolveLintConfig({}), target: options.target ?? null };
  const ctx = ruleContext(file, config, await loadShellParser());
  const contents = finalStageContents(ctx);
  return {
    baseImages: pulledBaseImages(file),
    finalStagePackages: keptPackages(contents),
  };
}

function finish(raw: readonly RawFinding[], config: ResolvedLintConfig, pragmas: Pragmas): LintFinding[] {
  const out: LintFinding[] = [];
  for (const f of raw) {
    if (keptOutByPragma(f, config, pragmas)) continue;
    if (config.ignored.has(f.rule)) continue;
    const severity = config.override.get(f.rule) ?? f.severity;
    if (severity === "ignore") continue;
    out.push({ rule: f.rule, line: f.line, column: 1, severity, message: f.message });
  }
  // Stable: within a line, rules keep their order (DL before SC, as hadolint prints them).
  return out
    .map((f, n) => ({ f, n }))
    .sort((a, b) => a.f.line - b.f.line || a.n - b.n)
    .map(({ f }) => f);
}
