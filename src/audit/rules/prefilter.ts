/**
 * The rule prefilter: which rules can match an event, from a few field values read once.
 *
 * Most k8s_audit rules require a verb, a resource or a stage (`kevt and pod and kcreate and …`,
 * where the macros are `ka.target.resource=pods`, `ka.verb=create`, `jevt.value[/stage] in (…)`).
 * At load time each rule's condition is analysed for such necessary conditions: a scalar field that
 * must equal one of a set of strings for the condition to hold (`=` and `in` in the and-chain,
 * unions across `or`, through macros). The fields most rules constrain become the index; per event
 * their values select the rules worth evaluating, and that list is cached per combination of values.
 *
 * Skipping a rule whose necessary condition fails changes no result: evaluating a condition has no
 * side effects and never fails — a missing field makes a comparison false, as in libsinsp; the
 * operators libsinsp would throw on at evaluation (list fields with =, contains …) are refused at
 * load; a value too deep to extract is unavailable (EventContext.get) — so the order in which the
 * parts of a condition run is not observable, and Falco's left-to-right short-circuit needs no
 * imitation. The unindexed path (every rule, in order) stays in the engine as the reference the
 * tests compare with.
 */
import type { ConditionCompiler, FieldAccessor } from "./compile.js";
import type { ConditionNode } from "./condition-parser.js";
import type { EventContext } from "./event-context.js";

/** Field key → the accessor and the values the field must have (any other value, or none, fails). */
export type Constraints = Map<string, { get: FieldAccessor; values: ReadonlySet<string> }>;

const NONE: Constraints = new Map();

/** The necessary `field ∈ values` conditions of a compiled condition (macros already compiled). */
export function necessaryValues(
  node: ConditionNode,
  compiler: ConditionCompiler,
  macros: Map<string, Constraints> = new Map(),
): Constraints {
  switch (node.kind) {
    case "and": {
      const out: Constraints = new Map();
      for (const item of node.items) {
        for (const [key, c] of necessaryValues(item, compiler, macros)) {
          const have = out.get(key);
          out.set(key, have ? { get: c.get, values: intersect(have.values, c.values) } : c);
        }
      }
      return out;
    }
    case "or": {
      const parts = node.items.map((item) => necessaryValues(item, compiler, macros));
      const out: Constraints = new Map();
      for (const [key, c] of parts[0] ?? NONE) {
        if (!parts.every((p) => p.has(key))) continue;
        const values = new Set<string>();
        for (const p of parts) for (const v of p.get(key)!.values) values.add(v);
        out.set(key, { get: c.get, values });
      }
      return out;
    }
    case "macro": {
      const cached = macros.get(node.name);
      if (cached) return cached;
      const inner = compiler.macroNode(node.name);
      // Marked first: a macro cannot refer to itself (the compiler refused it), this is only a guard.
      macros.set(node.name, NONE);
      const found = inner === undefined ? NONE : necessaryValues(inner, compiler, macros);
      macros.set(node.name, found);
      return found;
    }
    case "binary": {
      if (node.op !== "=") return NONE;
      const f = compiler.field(node.field, node.arg);
      if (f.spec.list || f.spec.numeric) return NONE;
      return new Map([[f.key, { get: f.get, values: new Set([node.value.text]) }]]);
    }
    case "list": {
      if (node.op !== "in" && node.op !== "intersects") return NONE;
      const f = compiler.field(node.field, node.arg);
      // On a scalar field both are set membership; list and numeric fields compare otherwise.
      if (f.spec.list || f.spec.numeric) return NONE;
      return new Map([[f.key, { get: f.get, values: new Set(compiler.expand(node.values)) }]]);
    }
    default:
      // not, exists: nothing is necessary about a value.
      return NONE;
  }
}

function intersect(a: ReadonlySet<string>, b: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  for (const v of a) if (b.has(v)) out.add(v);
  return out;
}

/** Values longer than this are not cached (a hostile verb must not pin megabytes in the cache). */
const MAX_CACHED_VALUE = 256;
/** Combinations cached before the cache starts over. */
const MAX_CACHED = 4096;
/** How many fields the index uses: each one costs a field read per event. */
const MAX_INDEX_FIELDS = 3;

type Node<R> = Map<string | undefined, Node<R> | readonly R[]>;

export class RulePrefilter<R> {
  private readonly fields: FieldAccessor[];
  /** Per rule, per index field: the values it needs (undefined: any). */
  private readonly needs: (ReadonlySet<string> | undefined)[][];
  private root: Node<R> = new Map();
  private cached = 0;
  private readonly everyRule: readonly R[];
  private readonly values: (string | undefined)[];
  /** The index fields' keys, most constraining first (for tests and notes). */
  readonly indexFields: readonly string[];

  constructor(private readonly rules: readonly { rule: R; constraints: Constraints }[]) {
    const counts = new Map<string, { n: number; get: FieldAccessor }>();
    for (const r of rules) {
      for (const [key, c] of r.constraints) {
        const have = counts.get(key);
        counts.set(key, { n: (have?.n ?? 0) + 1, get: c.get });
      }
    }
    const chosen = [...counts]
      .filter(([, c]) => c.n >= 2)
      .sort((a, b) => b[1].n - a[1].n || (a[0] < b[0] ? -1 : 1))
      .slice(0, MAX_INDEX_FIELDS);
    this.indexFields = chosen.map(([key]) => key);
    this.fields = chosen.map(([, c]) => c.get);
    this.needs = rules.map((r) => this.indexFields.map((key) => r.constraints.get(key)?.values));
    this.everyRule = rules.map((r) => r.rule);
    this.values = new Array<string | undefined>(this.fields.length).fill(undefined);
  }

  /** The rules that may match the event in ctx, in their original order. */
  candidates(ctx: EventContext): readonly R[] {
    const n = this.fields.length;
    if (n === 0) return this.everyRule;
    const values = this.values;
    let cacheable = true;
    let node: Node<R> | readonly R[] | undefined = this.root;
    for (let i = 0; i < n; i++) {
      const v = this.fields[i]!(ctx);
      const s = typeof v === "string" ? v : undefined;
      if (s !== undefined && s.length > MAX_CACHED_VALUE) cacheable = false;
      values[i] = s;
      node = node === undefined ? undefined : (node as Node<R>).get(s);
    }
    if (node !== undefined) return node as readonly R[];
    const list = this.select(values);
    if (cacheable) this.remember(values, list);
    return list;
  }

  private select(values: readonly (string | undefined)[]): R[] {
    const out: R[] = [];
    for (let r = 0; r < this.rules.length; r++) {
      const needs = this.needs[r]!;
      let ok = true;
      for (let i = 0; i < needs.length && ok; i++) {
        const need = needs[i];
        const v = values[i];
        if (need !== undefined && (v === undefined || !need.has(v))) ok = false;
      }
      if (ok) out.push(this.rules[r]!.rule);
    }
    return out;
  }

  private remember(values: readonly (string | undefined)[], list: readonly R[]): void {
    if (this.cached >= MAX_CACHED) {
      this.root = new Map();
      this.cached = 0;
    }
    let node = this.root;
    for (let i = 0; i < values.length - 1; i++) {
      let next = node.get(values[i]) as Node<R> | undefined;
      if (next === undefined) {
        next = new Map();
        node.set(values[i], next);
      }
      node = next;
    }
    node.set(values[values.length - 1], list);
    this.cached++;
  }
}
