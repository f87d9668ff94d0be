/**
 * hadolint's configuration (`.hadolint.yaml`), the same keys and meaning, schema-checked with one-line
 * errors:
 *   ignored: [DL3008, SC2086]              rules never reported
 *   override: {error: [...], warning: [...], info: [...], style: [...]}   severity per rule
 *   trustedRegistries: [docker.io, "*.corp.example"]   DL3026 (also hadolint's `trusted-registries`)
 *   label-schema: {maintainer: email, org.opencontainers.image.created: rfc3339}   DL3049–DL3058
 *   strict-labels: true                     DL3050: labels outside the schema
 *   failure-threshold: error|warning|info|style|ignore|none   exit 1 at/over it (default info)
 *   disable-ignore-pragma: true             `# hadolint ignore=` pragmas have no effect
 * (hadolint's no-fail, no-color, verbose, format/output-format are accepted; the CLI's flags rule.)
 * Discovery as hadolint: `--config FILE`, else the first of lintConfigCandidates (below).
 */
import { readFile, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { parse as parseYaml } from "yaml";
import { describeError, ShipshapeError } from "../errors.js";
import type { Policy } from "../policy/model.js";
import { validate } from "../validate.js";
import type { ReportedSeverity, Severity } from "./rule.js";

export const LABEL_TYPES = ["text", "url", "spdx", "hash", "rfc3339", "semver", "email"] as const;
export type LabelType = (typeof LABEL_TYPES)[number];

/** `failure-threshold`: `none` is hadolint's other name for `ignore` (every finding fails). */
export const THRESHOLDS = ["error", "warning", "info", "style", "ignore", "none"] as const;
export type FailureThreshold = (typeof THRESHOLDS)[number];

const MAX_CONFIG_BYTES = 1024 * 1024;

const RuleCode = v.pipe(
  v.string(),
  v.regex(/^(DL|SC|SS)\d{4}$/, "expected a rule code such as DL3008, SC2086 or SS2001"),
);
const RuleList = v.pipe(
  v.nullish(v.array(RuleCode)),
  v.transform((x) => x ?? []),
);

const ConfigSchema = v.strictObject({
  ignored: v.optional(RuleList),
  override: v.optional(
    v.nullish(
      v.strictObject({
        error: v.optional(RuleList),
        warning: v.optional(RuleList),
        info: v.optional(RuleList),
        style: v.optional(RuleList),
      }),
    ),
  ),
  trustedRegistries: v.optional(v.nullish(v.array(v.pipe(v.string(), v.minLength(1))))),
  "trusted-registries": v.optional(v.nullish(v.array(v.pipe(v.string(), v.minLength(1))))),
  "label-schema": v.optional(
    v.nullish(v.record(v.string(), v.picklist(LABEL_TYPES, `expected one of ${LABEL_TYPES.join(", ")}`))),
  ),
  "strict-labels": v.optional(v.nullish(v.boolean())),
  "failure-threshold": v.optional(
    v.nullish(v.picklist(THRESHOLDS, `expected one of ${THRESHOLDS.join(", ")}`)),
  ),
  "disable-ignore-pragma": v.optional(v.nullish(v.boolean())),
  "no-fail": v.optional(v.nullish(v.boolean())),
  "no-color": v.optional(v.nullish(v.boolean())),
  verbose: v.optional(v.nullish(v.boolean())),
  format: v.optional(v.nullish(v.string())),
  "output-format": v.optional(v.nullish(v.string())),
});

/** The `.hadolint.yaml` keys, as `lintDockerfile(text, config)` takes them. */
export type LintConfig = v.InferInput<typeof ConfigSchema>;

export interface ResolvedLintConfig {
  readonly ignored: ReadonlySet<string>;
  /** Rule code → severity from `override` (error wins over warning over info over style). */
  readonly override: ReadonlyMap<string, ReportedSeverity>;
  readonly trustedRegistries: readonly string[];
  readonly labelSchema: ReadonlyMap<string, LabelType>;
  readonly strictLabels: boolean;
  readonly failureThreshold: FailureThreshold;
  readonly disableIgnorePragma: boolean;
  readonly noFail: boolean;
  /**
   * Not a .hadolint.yaml key: the stage the "final stage" rules (SS2xxx) judge, as `docker build
   * --target`; null: the last stage. Set by `lint --target` / LintOptions.target.
   */
  readonly target: string | null;
  /**
   * Not a .hadolint.yaml key: the policy files (`lint --policy`) whose base-image and final-stage
   * rules the SS2009/SS2012–SS2014 rules apply; empty: those rules are off.
   */
  readonly policies: readonly Policy[];
}

export const DEFAULT_FAILURE_THRESHOLD: FailureThreshold = "info";

/** Validate a configuration object (from YAML or the API) into the form the engine uses. */
export function resolveLintConfig(config: unknown = {}, what = "lint configuration"): ResolvedLintConfig {
  const c = validate(ConfigSchema, config ?? {}, what);
  const override = new Map<string, ReportedSeverity>();
  // Applied weakest first so that a code listed twice keeps the more severe level (hadolint's order).
  for (const level of ["style", "info", "warning", "error"] as const) {
    for (const code of c.override?.[level] ?? []) override.set(code, level);
  }
  return {
    ignored: new Set(c.ignored ?? []),
    override,
    trustedRegistries: [...(c.trustedRegistries ?? []), ...(c["trusted-registries"] ?? [])],
    labelSchema: new Map(Object.entries(c["label-schema"] ?? {})),
    strictLabels: c["strict-labels"] ?? false,
    failureThreshold: c["failure-threshold"] ?? DEFAULT_FAILURE_THRESHOLD,
    disableIgnorePragma: c["disable-ignore-pragma"] ?? false,
    noFail: c["no-fail"] ?? false,
    target: null,
    policies: [],
  };
}

/** Read and validate a `.hadolint.yaml`. */
export async function readLintConfigFile(path: string): Promise<LintConfig> {
  let text: string;
  try {
    const info = await stat(path);
    if (info.size > MAX_CONFIG_BYTES) {
      throw new ShipshapeError("limit", `${path}: ${info.size} bytes is too large for a lint configuration`);
    }
    text = await readFile(path, "utf8");
  } catch (err) {
    if (err instanceof ShipshapeError) throw err;
    throw new ShipshapeError("input", `${path}: cannot read the lint configuration (${describeError(err)})`);
  }
  let value: unknown;
  try {
    value = parseYaml(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new ShipshapeError("input", `${path}: not valid YAML (${describeError(err).split("\n")[0]})`);
  }
  if (value === null || value === undefined) return {};
  // Validate here so the message names the file; the engine validates again (cheap) on use.
  resolveLintConfig(value, path);
  return value as LintConfig;
}

/**
 * hadolint's search order when no `--config` is given (its README): `$PWD/.hadolint.yaml`,
 * `$XDG_CONFIG_HOME/hadolint.yaml` (when set), `$HOME/.config/hadolint.yaml`,
 * `$HOME/.hadolint/hadolint.yaml`, `$HOME/hadolint/config.yaml`, `$HOME/.hadolint.yaml` — each also
 * with `.yml`; the first that exists is used. null when there is none.
 */
export function lintConfigCandidates(cwd: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const home = env.HOME && env.HOME !== "" ? env.HOME : homedir();
  const bases = [join(cwd, ".hadolint")];
  if (env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME !== "") bases.push(join(env.XDG_CONFIG_HOME, "hadolint"));
  bases.push(
    join(home, ".config", "hadolint"),
    join(home, ".hadolint", "hadolint"),
    join(home, "hadolint", "config"),
    join(home, ".hadolint"),
  );
  return bases.flatMap((b) => [`${b}.yaml`, `${b}.yml`]);
}

export async function findLintConfig(
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | null> {
  for (const path of lintConfigCandidates(cwd, env)) {
    try {
      if ((await stat(path)).isFile()) return path;
    } catch {
      // not there: next one
    }
  }
  return null;
}

/** A finding at this severity fails a run with this threshold. */
export function failsThreshold(severity: Severity, threshold: FailureThreshold): boolean {
  const order: readonly string[] = ["error", "warning", "info", "style", "ignore"];
  const t = threshold === "none" ? "ignore" : threshold;
  return order.indexOf(severity) <= order.indexOf(t);
}
