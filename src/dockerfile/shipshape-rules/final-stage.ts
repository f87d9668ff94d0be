/**
 * The final stage of a build, as shipshape's "final stage" rules see it. Docker builds the last
 * stage when no `--target` is given (`lint --target NAME` picks another). What ends up in the image
 * is that stage's instructions plus those of the stages it is built FROM (`FROM builder AS final`
 * inherits everything `builder` did) — the "chain" — and what COPY --from brings from other stages.
 *
 * FROM text is read with the global ARGs (those before the first FROM) substituted, as BuildKit
 * does: `ARG BASE=debian:12` + `FROM ${BASE}` is `FROM debian:12`. A variable without a default
 * stays as written, and rules that need the image then stay silent.
 */
import type { Instruction, ParsedDockerfile, Stage } from "../parse.js";
import type { RuleContext } from "../rule.js";
import { splitWords } from "../words.js";

export interface FinalStage {
  /** The stages whose instructions the final image holds: the chain's root first, the final last. */
  readonly chain: readonly Stage[];
  /** The final stage itself. */
  readonly stage: Stage;
  /** Their instructions in order (FROMs included, ONBUILD triggers not). */
  readonly instructions: readonly Instruction[];
  /** The chain root's FROM image text, global ARGs substituted (null when it is `$VAR` unresolved). */
  readonly baseText: string | null;
  /** The line of the chain root's FROM. */
  readonly baseLine: number;
}

/** The global ARGs (before the first FROM) with their defaults. */
export function globalArgs(file: ParsedDockerfile): Map<string, string> {
  const args = new Map<string, string>();
  for (const i of file.instructions) {
    if (i.stage >= 0) break;
    if (i.keyword !== "ARG") continue;
    for (const word of splitWords(i.args)) {
      const eq = word.indexOf("=");
      if (eq > 0) args.set(word.slice(0, eq), word.slice(eq + 1));
    }
  }
  return args;
}

/** `$NAME`, `${NAME}`, `${NAME:-default}` / `${NAME-default}` replaced; null when one has no value. */
export function substituteArgs(text: string, args: ReadonlyMap<string, string>): string | null {
  let unresolved = false;
  const out = text.replace(
    /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (_m, braced: string | undefined, fallback: string | undefined, bare: string | undefined) => {
      const value = args.get(braced ?? bare ?? "");
      if (value !== undefined && (value !== "" || fallback === undefined)) return value;
      if (fallback !== undefined) return fallback;
      unresolved = true;
      return "";
    },
  );
  return unresolved ? null : out;
}

/** The stage a FROM names when it is an earlier stage (by alias, case-insensitive), else null. */
export function earlierStage(file: ParsedDockerfile, stage: Stage): Stage | null {
  const name = stage.from.image.toLowerCase();
  for (let n = stage.index - 1; n >= 0; n--) {
    const s = file.stages[n]!;
    if (s.from.alias !== null && s.from.alias.toLowerCase() === name) return s;
  }
  return null;
}

/** The stage `--from=NAME` (alias or index) names, or null for an image. */
export function stageNamed(file: ParsedDockerfile, name: string, before: number): Stage | null {
  if (/^\d+$/.test(name)) {
    const s = file.stages[Number(name)];
    return s !== undefined && s.index < before ? s : null;
  }
  const lower = name.toLowerCase();
  for (let n = before - 1; n >= 0; n--) {
    const s = file.stages[n]!;
    if (s.from.alias !== null && s.from.alias.toLowerCase() === lower) return s;
  }
  return null;
}

const cache = new WeakMap<ParsedDockerfile, Map<string, FinalStage | null>>();

/** The final stage (the `target` one when given and present, else the last), or null without FROM. */
export function finalStage(file: ParsedDockerfile, target: string | null = null): FinalStage | null {
  let byTarget = cache.get(file);
  if (byTarget === undefined) {
    byTarget = new Map();
    cache.set(file, byTarget);
  }
  const key = target ?? "";
  if (byTarget.has(key)) return byTarget.get(key)!;
  const result = computeFinalStage(file, target);
  byTarget.set(key, result);
  return result;
}

function computeFinalStage(file: ParsedDockerfile, target: string | null): FinalStage | null {
  const wanted =
    target === null
      ? undefined
      : file.stages.find((s) => s.from.alias !== null && s.from.alias.toLowerCase() === target.toLowerCase());
  const stage = wanted ?? file.stages[file.stages.length - 1];
  if (stage === undefined) return null;
  const chain: Stage[] = [stage];
  for (let s = earlierStage(file, stage); s !== null; s = earlierStage(file, s)) {
    if (chain.includes(s)) break;
    chain.unshift(s);
  }
  const indexes = new Set(chain.map((s) => s.index));
  const instructions = file.instructions.filter((i) => indexes.has(i.stage));
  const root = chain[0]!;
  return {
    chain,
    stage,
    instructions,
    baseText: substituteArgs(root.from.text, globalArgs(file)),
    baseLine: root.line,
  };
}

/** The final stage for a rule's context (the stream's own file; null for the ONBUILD stream). */
export function finalStageOf(ctx: RuleContext): FinalStage | null {
  if (ctx.onbuild) return null;
  return finalStage(ctx.file, ctx.config.target);
}

/**
 * Every image the build pulls: each FROM that is neither `scratch` nor an earlier stage, global ARGs
 * substituted (a variable without a value stays as written, so a policy can say it cannot judge it).
 */
export function pulledBaseImages(file: ParsedDockerfile): { reference: string; line: number }[] {
  const args = globalArgs(file);
  const out: { reference: string; line: number }[] = [];
  for (const stage of file.stages) {
    if (stage.from.text === "" || earlierStage(file, stage) !== null) continue;
    const reference = substituteArgs(stage.from.text, args) ?? stage.from.text;
    if (reference.toLowerCase() === "scratch") continue;
    out.push({ reference, line: stage.line });
  }
  return out;
}
