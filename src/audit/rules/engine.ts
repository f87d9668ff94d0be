/**
 * The audit rule engine: rules files → compiled rules → alerts per event.
 *
 *   const engine = await loadAuditRules(["k8s_audit_rules.yaml"]);   // or builtinRulesFiles()
 *   for (const alert of engine.evaluate(event)) …                     // { rule, priority, time, output, auditID }
 *
 * Every condition (with its macros, lists and exceptions) and every output format is compiled to
 * closures once, here; evaluating an event runs those closures and nothing else.
 */
import { readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describeError, ShipshapeError } from "../../errors.js";
import { packageFile } from "../../package-files.js";
import type { AuditEvent } from "../event.js";
import { ConditionCompileError, ConditionCompiler, type Predicate, UnknownFieldError } from "./compile.js";
import {
  type ConditionNode,
  ConditionSyntaxError,
  lineColumn,
  parseCondition,
  type ValueToken,
} from "./condition-parser.js";
import { EventContext, formatNanos } from "./event-context.js";
import { compileOutput, type OutputFormatter } from "./output-format.js";
import { type Constraints, necessaryValues, RulePrefilter } from "./prefilter.js";
import { type Priority, priorityRank } from "./priority.js";
import {
  type ExceptionDef,
  type Location,
  type RuleDef,
  type RuleSetDefinition,
  RulesFileError,
  type RulesText,
  readRulesFiles,
} from "./rules-file.js";

/** One alert, as `audit scan --format json` prints it (DESIGN.md contract), plus the rule's tags. */
export interface AuditAlert {
  rule: string;
  priority: Priority;
  time: string;
  output: string;
  auditID: string;
  tags: readonly string[];
}

export interface CompiledRule {
  name: string;
  priority: Priority;
  enabled: boolean;
  tags: readonly string[];
  desc: string;
  at: Location;
  matches: Predicate;
  format: OutputFormatter;
}

export class AuditRuleEngine {
  /** Every k8s_audit rule, in definition order (disabled ones included, never evaluated). */
  readonly rules: readonly CompiledRule[];
  /** Things worth telling the user: skipped syscall rules, missing plugins. */
  readonly notes: readonly string[];
  private readonly active: readonly CompiledRule[];
  private readonly prefilter: RulePrefilter<CompiledRule>;
  /** Reused for every event evaluate() sees (evaluation is synchronous and never re-entered). */
  private ctx: EventContext | undefined;

  constructor(
    rules: CompiledRule[],
    notes: string[],
    private readonly slots: number,
    constraints: ReadonlyMap<CompiledRule, Constraints> = new Map(),
  ) {
    this.rules = rules;
    this.notes = notes;
    this.active = rules.filter((r) => r.enabled);
    this.prefilter = new RulePrefilter(
      this.active.map((rule) => ({ rule, constraints: constraints.get(rule) ?? new Map() })),
    );
  }

  /** The fields whose values select the rules worth evaluating for an event (see prefilter.ts). */
  get indexFields(): readonly string[] {
    return this.prefilter.indexFields;
  }

  /** The alerts an event raises, in rule order. */
  evaluate(event: AuditEvent): AuditAlert[] {
    let ctx = this.ctx;
    if (ctx === undefined) ctx = this.ctx = new EventContext(event, this.slots);
    else ctx.reset(event);
    const candidates = this.prefilter.candidates(ctx);
    const alerts: AuditAlert[] = [];
    for (let i = 0; i < candidates.length; i++) {
      const rule = candidates[i]!;
      if (rule.matches(ctx)) alerts.push(alertOf(rule, ctx));
    }
    return alerts;
  }

  /**
   * The same alerts as evaluate(), the plain way: every enabled rule in order, a fresh context.
   * The reference the prefilter and the context reuse are tested against.
   */
  evaluateUnindexed(event: AuditEvent): AuditAlert[] {
    const ctx = new EventContext(event, this.slots);
    const alerts: AuditAlert[] = [];
    for (const rule of this.active) if (rule.matches(ctx)) alerts.push(alertOf(rule, ctx));
    return alerts;
  }
}

function alertOf(rule: CompiledRule, ctx: EventContext): AuditAlert {
  const event = ctx.event;
  return {
    rule: rule.name,
    priority: rule.priority,
    time: event.time === "" ? formatNanos(ctx.rawtime()) : event.time,
    output: rule.format(ctx),
    auditID: event.auditID,
    tags: rule.tags,
  };
}

/** Whether an alert's priority is `threshold` or more severe. */
export function atOrAbove(priority: Priority, threshold: Priority): boolean {
  return priorityRank(priority) <= priorityRank(threshold);
}

const FIELD_WITH_ARG = /^([^[\]]+)(?:\[(.*)\])?$/;

/** Falco compiles a rule's exceptions into `and not (…)`; so do we, as AST. */
function exceptionNode(
  e: ExceptionDef,
  rule: RuleDef,
  lists: ReadonlySet<string>,
): ConditionNode | undefined {
  const token = (v: unknown): ValueToken => ({
    text: String(v),
    quoted: typeof v !== "string" || !lists.has(v),
  });
  const listTokens = (v: unknown): ValueToken[] => (Array.isArray(v) ? v.map(token) : [token(v)]);
  const check = (field: string, comp: string, value: unknown): ConditionNode => {
    const m = FIELD_WITH_ARG.exec(field.trim());
    if (!m)
      throw new RulesFileError(
        rule.at,
        `rule ${JSON.stringify(rule.name)}: exception ${e.name}: bad field ${JSON.stringify(field)}`,
      );
    const base = m[2] === undefined ? { field: m[1]!, offset: 0 } : { field: m[1]!, arg: m[2], offset: 0 };
    const op = comp.trim() === "==" ? "=" : comp.trim();
    if (op === "in" || op === "intersects" || op === "pmatch")
      return { kind: "list", ...base, op, values: listTokens(value) };
    const binary = [
      "=",
      "!=",
      "<",
      "<=",
      ">",
      ">=",
      "contains",
      "icontains",
      "bcontains",
      "startswith",
      "bstartswith",
      "endswith",
      "glob",
      "iglob",
      "regex",
    ];
    if (!binary.includes(op))
      throw new RulesFileError(
        rule.at,
        `rule ${JSON.stringify(rule.name)}: exception ${e.name}: unknown comparison ${JSON.stringify(comp)}`,
      );
    return { kind: "binary", ...base, op: op as "=", value: { text: String(value), quoted: true } };
  };
  if (e.values.length === 0) return undefined;
  if (typeof e.fields === "string") {
    const comp = typeof e.comps === "string" ? e.comps : "in";
    if (comp === "in" || comp === "intersects" || comp === "pmatch")
      return { kind: "not", item: check(e.fields, comp, e.values) };
    return {
      kind: "not",
      item: { kind: "or", items: e.values.map((v) => check(e.fields as string, comp, v)) },
    };
  }
  const fields = e.fields;
  const comps = Array.isArray(e.comps)
    ? e.comps
    : fields.map(() => (typeof e.comps === "string" ? e.comps : "="));
  if (comps.length !== fields.length) {
    throw new RulesFileError(
      rule.at,
      `rule ${JSON.stringify(rule.name)}: exception ${e.name}: fields and comps differ in length`,
    );
  }
  const tuples = e.values.map((tuple) => {
    if (!Array.isArray(tuple) || tuple.length !== fields.length) {
      throw new RulesFileError(
        rule.at,
        `rule ${JSON.stringify(rule.name)}: exception ${e.name}: each value must be a list of ${fields.length} item(s)`,
      );
    }
    const checks = fields.map((f, i) => check(f, comps[i]!, tuple[i]));
    return checks.length === 1 ? checks[0]! : ({ kind: "and", items: checks } as ConditionNode);
  });
  return { kind: "not", item: tuples.length === 1 ? tuples[0]! : { kind: "or", items: tuples } };
}

function where(at: Location): string {
  return `${at.file}:${at.line}`;
}

/** The condition line an offset falls on (block scalars start one line below their key). */
function lineOf(at: Location, text: string, offset: number): Location {
  return { file: at.file, line: at.line + lineColumn(text, offset).line - 1 };
}

/** Compile a rule-set definition. Throws RulesFileError (file:line) for any rule that cannot compile. */
export function compileRuleSet(def: RuleSetDefinition): AuditRuleEngine {
  const notes = [...def.notes];
  const expanded = new Map<string, string[]>();
  const expandList = (name: string, seen: Set<string>): string[] | undefined => {
    const cached = expanded.get(name);
    if (cached) return cached;
    const list = def.lists.get(name);
    if (!list) return undefined;
    if (seen.has(name)) throw new RulesFileError(list.at, `list ${JSON.stringify(name)} contains itself`);
    seen.add(name);
    const out: string[] = [];
    for (const item of list.items)
      out.push(...(item !== name && def.lists.has(item) ? expandList(item, seen)! : [item]));
    seen.delete(name);
    expanded.set(name, out);
    return out;
  };
  const compiler = new ConditionCompiler({
    macros: { condition: (name) => def.macros.get(name)?.condition },
    list: (name) => expandList(name, new Set()),
  });
  const listNames = new Set(def.lists.keys());
  const rules: CompiledRule[] = [];
  const constraints = new Map<CompiledRule, Constraints>();
  const macroConstraints = new Map<string, Constraints>();
  const skipped: string[] = [];
  for (const rule of def.rules) {
    if (rule.source !== "k8s_audit") {
      skipped.push(rule.name);
      continue;
    }
    const label = `rule ${JSON.stringify(rule.name)}`;
    let node: ConditionNode;
    try {
      node = parseCondition(rule.condition);
    } catch (err) {
      if (err instanceof ConditionSyntaxError) {
        throw new RulesFileError(
          lineOf(rule.conditionAt, rule.condition, err.offset),
          `${label}: condition: ${err.message}`,
        );
      }
      throw err;
    }
    const exceptions = rule.exceptions.flatMap((e) => exceptionNode(e, rule, listNames) ?? []);
    if (exceptions.length > 0) node = { kind: "and", items: [node, ...exceptions] };
    let matches: Predicate;
    let format: OutputFormatter;
    try {
      matches = compiler.compile(node);
      format = compileOutput(rule.output, compiler);
    } catch (err) {
      if (err instanceof UnknownFieldError && rule.skipIfUnknownFilter) {
        notes.push(`${where(rule.at)}: ${label} skipped (skip-if-unknown-filter): ${err.message}`);
        continue;
      }
      if (err instanceof ConditionCompileError) {
        if (err.macro !== undefined) {
          const m = def.macros.get(err.macro);
          const at = m ? lineOf(m.at, m.condition, err.offset) : rule.conditionAt;
          throw new RulesFileError(
            at,
            `macro ${JSON.stringify(err.macro)} (used by ${label}): ${err.message}`,
          );
        }
        throw new RulesFileError(
          lineOf(rule.conditionAt, rule.condition, err.offset),
          `${label}: ${err.message}`,
        );
      }
      throw err;
    }
    const compiled: CompiledRule = {
      name: rule.name,
      priority: rule.priority,
      enabled: rule.enabled,
      tags: rule.tags,
      desc: rule.desc,
      at: rule.at,
      matches,
      format,
    };
    rules.push(compiled);
    constraints.set(compiled, necessaryValues(node, compiler, macroConstraints));
  }
  if (skipped.length > 0) {
    const shown = skipped
      .slice(0, 5)
      .map((n) => JSON.stringify(n))
      .join(", ");
    notes.push(
      `skipped ${skipped.length} rule(s) whose source is not k8s_audit: ${shown}${skipped.length > 5 ? ", …" : ""}`,
    );
  }
  return new AuditRuleEngine(rules, notes, compiler.slotCount, constraints);
}

/** Load and compile rules files (paths, in order). Unreadable files and bad rules are ShipshapeErrors. */
export async function loadAuditRules(paths: readonly string[]): Promise<AuditRuleEngine> {
  const texts: RulesText[] = [];
  for (const path of paths) {
    try {
      texts.push({ name: path, text: await readFile(path, "utf8") });
    } catch (err) {
      throw new ShipshapeError("input", `${path}: cannot read the rules file (${describeError(err)})`, {
        cause: err,
      });
    }
  }
  return compileRuleSet(readRulesFiles(texts));
}

/** The same from texts held in memory. */
export function compileRulesTexts(texts: readonly RulesText[]): AuditRuleEngine {
  return compileRuleSet(readRulesFiles(texts));
}

/** shipshape's built-in rules files (rules/audit/*.yaml in the package), in name order. */
export function builtinRulesFiles(): string[] {
  const dir = packageFile("rules", "audit");
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith(".yaml"))
      .sort()
      .map((f) => join(dir, f));
  } catch (err) {
    throw new ShipshapeError("input", `built-in audit rules not found in ${dir} (${describeError(err)})`, {
      cause: err,
    });
  }
}
