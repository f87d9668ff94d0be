/**
 * Falco rules files, read unchanged: `- rule:`, `- macro:`, `- list:`, `- required_engine_version:`,
 * `- required_plugin_versions:`. Files are applied in order; a later item with `append: true` or an
 * `override:` map (append/replace per field) changes an earlier definition, a later full definition
 * of the same name replaces it. Rules whose source is not k8s_audit are kept aside as notes (Falco's
 * default source is syscall). Every error names the file and line.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type YAMLMap } from "yaml";
import { ShipshapeError } from "../../errors.js";
import { type Priority, parsePriority } from "./priority.js";

/** The Falco rules engine version whose file format and semantics this loader follows. */
export const ENGINE_VERSION = { major: 0, minor: 50, patch: 0 } as const;

export interface Location {
  file: string;
  line: number;
}

export interface ExceptionDef {
  name: string;
  /** One field (values are plain values) or several (values are tuples). */
  fields: string | string[];
  comps?: string | string[];
  values: unknown[];
}

export interface RuleDef {
  name: string;
  desc: string;
  condition: string;
  output: string;
  priority: Priority;
  source: string;
  enabled: boolean;
  tags: string[];
  exceptions: ExceptionDef[];
  skipIfUnknownFilter: boolean;
  at: Location;
  conditionAt: Location;
}

export interface MacroDef {
  name: string;
  condition: string;
  at: Location;
}

export interface ListDef {
  name: string;
  items: string[];
  at: Location;
}

export interface RuleSetDefinition {
  /** In definition order (a replaced rule keeps its first place). */
  rules: RuleDef[];
  macros: Map<string, MacroDef>;
  lists: Map<string, ListDef>;
  notes: string[];
}

export interface RulesText {
  /** Shown in errors: usually the file path. */
  name: string;
  text: string;
}

export class RulesFileError extends ShipshapeError {
  constructor(at: Location, message: string) {
    super("input", `${at.file}:${at.line}: ${message}`);
    this.name = "RulesFileError";
  }
}

const RULE_KEYS = new Set([
  "rule",
  "desc",
  "condition",
  "output",
  "priority",
  "source",
  "enabled",
  "tags",
  "exceptions",
  "append",
  "override",
  "skip-if-unknown-filter",
  "warn_evttypes",
  "capture",
  "capture_duration",
]);
const RULE_APPENDABLE = new Set(["condition", "exceptions", "output", "desc", "tags"]);
const RULE_REPLACEABLE = new Set([
  "condition",
  "exceptions",
  "output",
  "desc",
  "priority",
  "tags",
  "enabled",
  "source",
  "skip-if-unknown-filter",
  "warn_evttypes",
  "capture",
  "capture_duration",
]);

function asStringList(value: unknown, at: Location, what: string): string[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) throw new RulesFileError(at, `${what} must be a list`);
  return value.map((v) => {
    if (typeof v === "string") return v;
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    throw new RulesFileError(at, `${what} may hold only strings, found ${JSON.stringify(v)}`);
  });
}

function requireString(obj: Record<string, unknown>, key: string, at: Location, what: string): string {
  const v = obj[key];
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  throw new RulesFileError(at, `${what}: "${key}" must be a string`);
}

function parseExceptions(value: unknown, at: Location, rule: string): ExceptionDef[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value))
    throw new RulesFileError(at, `rule ${JSON.stringify(rule)}: exceptions must be a list`);
  return value.map((e) => {
    if (typeof e !== "object" || e === null || Array.isArray(e)) {
      throw new RulesFileError(at, `rule ${JSON.stringify(rule)}: each exception must be a map`);
    }
    const x = e as Record<string, unknown>;
    if (typeof x.name !== "string")
      throw new RulesFileError(at, `rule ${JSON.stringify(rule)}: exception without a name`);
    const fields = x.fields;
    const okFields =
      typeof fields === "string" || (Array.isArray(fields) && fields.every((f) => typeof f === "string"));
    if (fields !== undefined && !okFields) {
      throw new RulesFileError(
        at,
        `rule ${JSON.stringify(rule)}: exception ${x.name}: fields must be a string or a list of strings`,
      );
    }
    const comps = x.comps;
    const okComps =
      comps === undefined ||
      typeof comps === "string" ||
      (Array.isArray(comps) && comps.every((c) => typeof c === "string"));
    if (!okComps)
      throw new RulesFileError(
        at,
        `rule ${JSON.stringify(rule)}: exception ${x.name}: comps must be a string or a list`,
      );
    if (x.values !== undefined && x.values !== null && !Array.isArray(x.values)) {
      throw new RulesFileError(
        at,
        `rule ${JSON.stringify(rule)}: exception ${x.name}: values must be a list`,
      );
    }
    const def: ExceptionDef = {
      name: x.name,
      fields: (fields as string | string[] | undefined) ?? [],
      values: (x.values as unknown[] | null | undefined) ?? [],
    };
    if (comps !== undefined) def.comps = comps as string | string[];
    return def;
  });
}

function parseVersion(value: unknown): [number, number, number] | undefined {
  if (typeof value === "number" && Number.isInteger(value)) return [0, value, 0];
  if (typeof value !== "string") return undefined;
  const t = value.trim();
  if (/^\d+$/.test(t)) return [0, Number(t), 0];
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(t);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** Merges exceptions by name: values of a same-named exception are appended, new ones added. */
function appendExceptions(existing: ExceptionDef[], added: ExceptionDef[]): ExceptionDef[] {
  const out = existing.map((e) => ({ ...e, values: [...e.values] }));
  for (const a of added) {
    const same = out.find((e) => e.name === a.name);
    if (same) same.values.push(...a.values);
    else out.push(a);
  }
  return out;
}

/** A single rules file's items applied onto the definition built so far. */
function applyFile(set: RuleSetDefinition, file: RulesText): void {
  const lineCounter = new LineCounter();
  const doc = parseDocument(file.text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const line = err.linePos?.[0]?.line ?? lineCounter.linePos(err.pos[0]).line;
    throw new RulesFileError({ file: file.name, line }, `not valid YAML (${err.message.split("\n")[0]})`);
  }
  const root = doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ""))) return;
  if (!isSeq(root))
    throw new RulesFileError({ file: file.name, line: 1 }, "a rules file must be a YAML list of items");
  for (const node of root.items) {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    const at: Location = { file: file.name, line: range ? lineCounter.linePos(range[0]).line : 1 };
    // An empty "-" item (k8saudit 0.6.0's rules file has one) is nothing, as Falco reads it.
    if (node === null || (isScalar(node) && node.value === null)) continue;
    if (!isMap(node)) throw new RulesFileError(at, "each item must be a map (rule, macro, list, …)");
    const obj = node.toJSON() as Record<string, unknown>;
    const keyLine = (key: string): Location => {
      const pair = (node as YAMLMap).items.find((p) => isScalar(p.key) && p.key.value === key);
      const range = (pair?.value as { range?: [number, number, number] } | null | undefined)?.range;
      return range ? { file: file.name, line: lineCounter.linePos(range[0]).line } : at;
    };
    if ("required_engine_version" in obj) {
      const wanted = parseVersion(obj.required_engine_version);
      if (wanted === undefined)
        throw new RulesFileError(
          at,
          `required_engine_version ${JSON.stringify(obj.required_engine_version)} is not a version`,
        );
      const have = [ENGINE_VERSION.major, ENGINE_VERSION.minor, ENGINE_VERSION.patch];
      for (let i = 0; i < 3; i++) {
        if (wanted[i]! < have[i]!) break;
        if (wanted[i]! > have[i]!) {
          throw new RulesFileError(
            at,
            `the file needs Falco engine version ${wanted.join(".")}; shipshape implements ${have.join(".")}`,
          );
        }
      }
      continue;
    }
    if ("required_plugin_versions" in obj) {
      const plugins = obj.required_plugin_versions;
      if (!Array.isArray(plugins)) throw new RulesFileError(at, "required_plugin_versions must be a list");
      for (const p of plugins) {
        const names = [
          p?.name,
          ...(Array.isArray(p?.alternatives) ? p.alternatives.map((a: { name?: unknown }) => a?.name) : []),
        ];
        if (!names.some((n) => typeof n === "string" && (n.startsWith("k8saudit") || n === "json"))) {
          set.notes.push(
            `${at.file}:${at.line}: plugin ${String(p?.name)} is not built in; rules that need its fields will fail to load`,
          );
        }
      }
      continue;
    }
    if ("list" in obj) applyList(set, obj, at);
    else if ("macro" in obj) applyMacro(set, obj, at, keyLine("condition"));
    else if ("rule" in obj) applyRule(set, obj, at, keyLine("condition"));
    else
      throw new RulesFileError(
        at,
        `unknown item (keys: ${Object.keys(obj).join(", ")}); expected rule, macro or list`,
      );
  }
}

function overrideOf(
  obj: Record<string, unknown>,
  at: Location,
  what: string,
): Map<string, "append" | "replace"> | undefined {
  const o = obj.override;
  if (o === undefined) return undefined;
  if (obj.append !== undefined)
    throw new RulesFileError(at, `${what}: "append" and "override" cannot be used together`);
  if (typeof o !== "object" || o === null || Array.isArray(o))
    throw new RulesFileError(at, `${what}: override must be a map of field: append|replace`);
  const out = new Map<string, "append" | "replace">();
  for (const [k, v] of Object.entries(o)) {
    if (v !== "append" && v !== "replace")
      throw new RulesFileError(at, `${what}: override.${k} must be "append" or "replace"`);
    if (!(k in obj))
      throw new RulesFileError(at, `${what}: override.${k} names a key the item does not have`);
    out.set(k, v);
  }
  return out;
}

function applyList(set: RuleSetDefinition, obj: Record<string, unknown>, at: Location): void {
  const name = requireString(obj, "list", at, "list");
  const what = `list ${JSON.stringify(name)}`;
  const items = asStringList(obj.items, at, `${what}: items`);
  const override = overrideOf(obj, at, what);
  const mode = override?.get("items") ?? (obj.append === true ? "append" : undefined);
  const existing = set.lists.get(name);
  if (mode !== undefined || override !== undefined) {
    if (!existing)
      throw new RulesFileError(at, `${what}: cannot ${mode ?? "override"} a list that is not defined yet`);
    existing.items = mode === "append" ? [...existing.items, ...items] : items;
    return;
  }
  if (!("items" in obj)) throw new RulesFileError(at, `${what}: items missing`);
  set.lists.set(name, { name, items, at });
}

function applyMacro(
  set: RuleSetDefinition,
  obj: Record<string, unknown>,
  at: Location,
  condAt: Location,
): void {
  const name = requireString(obj, "macro", at, "macro");
  const what = `macro ${JSON.stringify(name)}`;
  const condition = requireString(obj, "condition", at, what);
  const override = overrideOf(obj, at, what);
  const mode = override?.get("condition") ?? (obj.append === true ? "append" : undefined);
  const existing = set.macros.get(name);
  if (mode !== undefined) {
    if (!existing) throw new RulesFileError(at, `${what}: cannot ${mode} a macro that is not defined yet`);
    existing.condition = mode === "append" ? `${existing.condition} ${condition}` : condition;
    if (mode === "replace") existing.at = condAt;
    return;
  }
  set.macros.set(name, { name, condition, at: condAt });
}

function applyRule(
  set: RuleSetDefinition,
  obj: Record<string, unknown>,
  at: Location,
  condAt: Location,
): void {
  const name = requireString(obj, "rule", at, "rule");
  const what = `rule ${JSON.stringify(name)}`;
  for (const key of Object.keys(obj)) {
    if (!RULE_KEYS.has(key)) throw new RulesFileError(at, `${what}: unknown key ${JSON.stringify(key)}`);
  }
  const existing = set.rules.find((r) => r.name === name);
  const override = overrideOf(obj, at, what);
  if (override !== undefined || obj.append === true) {
    if (!existing)
      throw new RulesFileError(at, `${what}: cannot append to or override a rule that is not defined yet`);
    const modes =
      override ??
      new Map<string, "append" | "replace">(
        Object.keys(obj)
          .filter((k) => k === "condition" || k === "exceptions")
          .map((k) => [k, "append"] as const),
      );
    if (obj.append === true && obj.enabled !== undefined) modes.set("enabled", "replace");
    for (const [key, mode] of modes) {
      if (mode === "append" && !RULE_APPENDABLE.has(key))
        throw new RulesFileError(at, `${what}: ${key} cannot be appended`);
      if (mode === "replace" && !RULE_REPLACEABLE.has(key))
        throw new RulesFileError(at, `${what}: ${key} cannot be replaced`);
      applyRuleField(existing, key, mode, obj, at, condAt, what);
    }
    return;
  }
  // `- rule: X` with only `enabled:` switches an existing rule on or off.
  const keys = Object.keys(obj).filter((k) => k !== "rule");
  if (keys.length === 1 && keys[0] === "enabled") {
    if (!existing)
      throw new RulesFileError(at, `${what}: cannot enable or disable a rule that is not defined yet`);
    if (typeof obj.enabled !== "boolean")
      throw new RulesFileError(at, `${what}: enabled must be true or false`);
    existing.enabled = obj.enabled;
    return;
  }
  for (const key of ["condition", "output", "desc", "priority"]) {
    if (!(key in obj)) throw new RulesFileError(at, `${what}: ${key} missing`);
  }
  const priority = parsePriority(requireString(obj, "priority", at, what));
  if (priority === undefined)
    throw new RulesFileError(at, `${what}: unknown priority ${JSON.stringify(obj.priority)}`);
  if (obj.enabled !== undefined && typeof obj.enabled !== "boolean")
    throw new RulesFileError(at, `${what}: enabled must be true or false`);
  const def: RuleDef = {
    name,
    desc: requireString(obj, "desc", at, what).trim(),
    condition: requireString(obj, "condition", at, what),
    output: requireString(obj, "output", at, what).trim(),
    priority,
    source: obj.source === undefined ? "syscall" : requireString(obj, "source", at, what),
    enabled: obj.enabled === undefined ? true : (obj.enabled as boolean),
    tags: asStringList(obj.tags, at, `${what}: tags`),
    exceptions: parseExceptions(obj.exceptions, at, name),
    skipIfUnknownFilter: obj["skip-if-unknown-filter"] === true,
    at,
    conditionAt: condAt,
  };
  if (existing) set.rules[set.rules.indexOf(existing)] = def;
  else set.rules.push(def);
}

function applyRuleField(
  rule: RuleDef,
  key: string,
  mode: "append" | "replace",
  obj: Record<string, unknown>,
  at: Location,
  condAt: Location,
  what: string,
): void {
  const value = obj[key];
  switch (key) {
    case "condition": {
      const text = requireString(obj, key, at, what);
      rule.condition = mode === "append" ? `${rule.condition} ${text}` : text;
      if (mode === "replace") rule.conditionAt = condAt;
      return;
    }
    case "output":
    case "desc": {
      const text = requireString(obj, key, at, what).trim();
      rule[key] = mode === "append" ? `${rule[key]} ${text}` : text;
      return;
    }
    case "exceptions": {
      const added = parseExceptions(value, at, rule.name);
      rule.exceptions = mode === "append" ? appendExceptions(rule.exceptions, added) : added;
      return;
    }
    case "tags": {
      const tags = asStringList(value, at, `${what}: tags`);
      rule.tags = mode === "append" ? [...rule.tags, ...tags] : tags;
      return;
    }
    case "priority": {
      const p = parsePriority(requireString(obj, key, at, what));
      if (p === undefined) throw new RulesFileError(at, `${what}: unknown priority ${JSON.stringify(value)}`);
      rule.priority = p;
      return;
    }
    case "enabled":
      if (typeof value !== "boolean") throw new RulesFileError(at, `${what}: enabled must be true or false`);
      rule.enabled = value;
      return;
    case "source":
      rule.source = requireString(obj, key, at, what);
      return;
    case "skip-if-unknown-filter":
      rule.skipIfUnknownFilter = value === true;
      return;
    default:
      return; // capture, warn_evttypes: accepted, no effect on audit events
  }
}

/** Builds the definition from rules files in order (later files append to or override earlier ones). */
export function readRulesFiles(files: readonly RulesText[]): RuleSetDefinition {
  const set: RuleSetDefinition = { rules: [], macros: new Map(), lists: new Map(), notes: [] };
  for (const f of files) applyFile(set, f);
  return set;
}
