/**
 * Condition AST → JavaScript closures, once per rule at load time. Macros are compiled once and
 * shared; list references inside `(…)` values are expanded here; every field gets a cache slot so
 * the many rules that test the same field extract it once per event.
 *
 * Semantics follow libsinsp's filter checks: a comparison on a field the event does not have is
 * false (so `not x = y` is true for it); on a list field `in` (and `pmatch`) means every value is in
 * the set and `intersects` means at least one is; other operators hold when any value satisfies them
 * (`!=` when none equals the value).
 */
import {
  type BinaryOp,
  type ConditionNode,
  type ListOp,
  parseCondition,
  type ValueToken,
} from "./condition-parser.js";
import type { EventContext, FieldValue } from "./event-context.js";
import { checkFieldArg, type FieldSpec, fieldSpec } from "./fields.js";

export type Predicate = (ctx: EventContext) => boolean;
export type FieldAccessor = (ctx: EventContext) => FieldValue;

/** A compile error at an offset of the condition text being compiled. */
export class ConditionCompileError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    /** The macro whose condition the offset refers to (undefined: the rule's own condition). */
    readonly macro?: string,
  ) {
    super(message);
    this.name = "ConditionCompileError";
  }
}

export interface MacroSource {
  /** The macro's condition text (after appends); undefined when no such macro. */
  condition(name: string): string | undefined;
}

export interface CompileScope {
  macros: MacroSource;
  /** A list's items with nested list references already expanded; undefined when no such list. */
  list(name: string): readonly string[] | undefined;
}

/** Thrown for a field the k8s_audit source does not have (rules may ask to be skipped instead). */
export class UnknownFieldError extends ConditionCompileError {}

export class ConditionCompiler {
  private readonly slots = new Map<string, number>();
  private readonly macroCache = new Map<string, Predicate>();
  private readonly macroNodes = new Map<string, ConditionNode>();
  private readonly compiling = new Set<string>();

  constructor(private readonly scope: CompileScope) {}

  /** How many field slots an EventContext needs. */
  get slotCount(): number {
    return this.slots.size;
  }

  /** A cached accessor for a field (also used by output formats). Throws ConditionCompileError. */
  field(
    name: string,
    arg: string | undefined,
    offset = 0,
  ): { spec: FieldSpec; get: FieldAccessor; key: string } {
    const spec = fieldSpec(name);
    if (spec === undefined) throw new UnknownFieldError(`unknown field ${name} for source k8s_audit`, offset);
    const argError = checkFieldArg(spec, arg);
    if (argError !== undefined) throw new ConditionCompileError(argError, offset);
    const key = arg === undefined ? name : `${name}[${arg}]`;
    let slot = this.slots.get(key);
    if (slot === undefined) {
      slot = this.slots.size;
      this.slots.set(key, slot);
    }
    const extract = spec.make(arg);
    const s = slot;
    return { spec, get: (ctx) => ctx.get(s, extract), key };
  }

  /** A macro's parsed condition (after it compiled), for analyses of conditions such as the prefilter. */
  macroNode(name: string): ConditionNode | undefined {
    return this.macroNodes.get(name);
  }

  compileText(text: string): Predicate {
    return this.compile(parseCondition(text));
  }

  compile(node: ConditionNode, macro?: string): Predicate {
    switch (node.kind) {
      case "and": {
        const parts = node.items.map((n) => this.compile(n, macro));
        if (parts.length === 2) {
          const [a, b] = parts as [Predicate, Predicate];
          return (ctx) => a(ctx) && b(ctx);
        }
        return (ctx) => {
          for (const p of parts) if (!p(ctx)) return false;
          return true;
        };
      }
      case "or": {
        const parts = node.items.map((n) => this.compile(n, macro));
        if (parts.length === 2) {
          const [a, b] = parts as [Predicate, Predicate];
          return (ctx) => a(ctx) || b(ctx);
        }
        return (ctx) => {
          for (const p of parts) if (p(ctx)) return true;
          return false;
        };
      }
      case "not": {
        const inner = this.compile(node.item, macro);
        return (ctx) => !inner(ctx);
      }
      case "macro":
        return this.compileMacro(node.name, node.offset, macro);
      case "exists": {
        const { spec, get } = this.fieldAt(node.field, node.arg, node.offset, macro);
        if (spec.alwaysPresent) return () => true;
        return (ctx) => {
          const v = get(ctx);
          return v !== undefined && (typeof v === "string" || v.length > 0);
        };
      }
      case "binary":
        return this.compileBinary(node.field, node.arg, node.op, node.value, node.offset, macro);
      case "list":
        return this.compileList(node.field, node.arg, node.op, node.values, node.offset, macro);
    }
  }

  private fieldAt(name: string, arg: string | undefined, offset: number, macro: string | undefined) {
    try {
      return this.field(name, arg, offset);
    } catch (err) {
      if (err instanceof UnknownFieldError) throw new UnknownFieldError(err.message, offset, macro);
      if (err instanceof ConditionCompileError) throw new ConditionCompileError(err.message, offset, macro);
      throw err;
    }
  }

  private compileMacro(name: string, offset: number, within: string | undefined): Predicate {
    const done = this.macroCache.get(name);
    if (done) return done;
    const text = this.scope.macros.condition(name);
    if (text === undefined) {
      const what =
        this.scope.list(name) !== undefined
          ? `${name} is a list, not a macro (lists go in "(…)")`
          : `undefined macro ${name}`;
      throw new ConditionCompileError(what, offset, within);
    }
    if (this.compiling.has(name))
      throw new ConditionCompileError(`macro ${name} refers to itself`, offset, within);
    this.compiling.add(name);
    try {
      let node: ConditionNode;
      try {
        node = parseCondition(text);
      } catch (err) {
        const at = (err as { offset?: number }).offset ?? 0;
        throw new ConditionCompileError((err as Error).message, at, name);
      }
      // Late binding: the macro is compiled at its first use, then shared.
      const compiled = this.compile(node, name);
      this.macroCache.set(name, compiled);
      this.macroNodes.set(name, node);
      return compiled;
    } finally {
      this.compiling.delete(name);
    }
  }

  /** Values of a "(…)" list with list references expanded. */
  expand(values: readonly ValueToken[]): string[] {
    const out: string[] = [];
    for (const v of values) {
      const items = v.quoted ? undefined : this.scope.list(v.text);
      if (items) out.push(...items);
      else out.push(v.text);
    }
    return out;
  }

  private compileBinary(
    name: string,
    arg: string | undefined,
    op: BinaryOp,
    value: ValueToken,
    offset: number,
    macro: string | undefined,
  ): Predicate {
    const { spec, get } = this.fieldAt(name, arg, offset, macro);
    let test: (s: string) => boolean;
    try {
      test = spec.numeric ? numericTest(op, value.text) : stringTest(op, value.text);
    } catch (err) {
      throw new ConditionCompileError(
        `${name} ${op} ${value.text}: ${(err as Error).message}`,
        offset,
        macro,
      );
    }
    if (spec.bigint !== undefined) {
      // The event time: compared as the number it is, not through its decimal text.
      const compare = bigintComparison(op, value.text);
      if (compare !== undefined) {
        const read = spec.bigint;
        return (ctx) => compare(read(ctx));
      }
    }
    if (!spec.list) {
      return (ctx) => {
        const v = get(ctx);
        return typeof v === "string" && test(v);
      };
    }
    if (op === "!=") {
      const eq = stringTest("=", value.text);
      return (ctx) => {
        const v = get(ctx);
        if (v === undefined || typeof v === "string" || v.length === 0)
          return typeof v === "string" && test(v);
        return !v.some(eq);
      };
    }
    return (ctx) => {
      const v = get(ctx);
      if (v === undefined) return false;
      if (typeof v === "string") return test(v);
      return v.some(test);
    };
  }

  private compileList(
    name: string,
    arg: string | undefined,
    op: ListOp,
    values: readonly ValueToken[],
    offset: number,
    macro: string | undefined,
  ): Predicate {
    const { spec, get } = this.fieldAt(name, arg, offset, macro);
    const items = this.expand(values);
    if (op === "pmatch") {
      // Path-prefix membership; on a list field, like `in`, every value must match.
      const prefixes = items.map((p) => (p.length > 1 && p.endsWith("/") ? p.slice(0, -1) : p));
      const test = (s: string) => prefixes.some((p) => s === p || s.startsWith(p === "/" ? "/" : `${p}/`));
      return (ctx) => {
        const v = get(ctx);
        if (v === undefined) return false;
        return typeof v === "string" ? test(v) : v.length > 0 && v.every(test);
      };
    }
    const set = spec.numeric ? new Set(items.map((i) => canonicalNumber(i))) : new Set(items);
    const has = spec.numeric ? (s: string) => set.has(canonicalNumber(s)) : (s: string) => set.has(s);
    if (!spec.list || op === "intersects") {
      return (ctx) => {
        const v = get(ctx);
        if (v === undefined) return false;
        return typeof v === "string" ? has(v) : v.some(has);
      };
    }
    // `in` on a list field: every value is in the set (and there is at least one).
    return (ctx) => {
      const v = get(ctx);
      if (v === undefined) return false;
      if (typeof v === "string") return has(v);
      return v.length > 0 && v.every(has);
    };
  }
}

function canonicalNumber(text: string): string {
  try {
    return BigInt(text.trim()).toString();
  } catch {
    return `\u0000${text}`;
  }
}

function wholeNumber(text: string): bigint {
  try {
    return BigInt(text.trim());
  } catch {
    throw new Error(`${JSON.stringify(text)} is not a whole number`);
  }
}

/** `a op want` over whole numbers; undefined for operators that are not comparisons. */
function bigintComparison(op: BinaryOp, text: string): ((a: bigint) => boolean) | undefined {
  const want = wholeNumber(text);
  switch (op) {
    case "=":
      return (a) => a === want;
    case "!=":
      return (a) => a !== want;
    case "<":
      return (a) => a < want;
    case "<=":
      return (a) => a <= want;
    case ">":
      return (a) => a > want;
    case ">=":
      return (a) => a >= want;
    default:
      return undefined;
  }
}

function numericTest(op: BinaryOp, text: string): (s: string) => boolean {
  const compare = bigintComparison(op, text);
  if (compare === undefined) {
    wholeNumber(text);
    return stringTest(op, text);
  }
  return (s) => {
    let v: bigint;
    try {
      v = BigInt(s);
    } catch {
      return false;
    }
    return compare(v);
  };
}

function hexBytes(text: string): Buffer {
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(text)) throw new Error("expects an even number of hex digits");
  return Buffer.from(text, "hex");
}

/** fnmatch-style glob (no FNM_PATHNAME: "*" crosses "/") → anchored RegExp. */
export function globToRegExp(glob: string, ignoreCase: boolean): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*") re += "[\\s\\S]*";
    else if (c === "?") re += "[\\s\\S]";
    else if (c === "[") {
      const close = glob.indexOf("]", i + 2);
      if (close < 0) re += "\\[";
      else {
        let body = glob.slice(i + 1, close);
        const negate = body.startsWith("!") || body.startsWith("^");
        if (negate) body = body.slice(1);
        re += `[${negate ? "^" : ""}${body.replace(/[\\\]]/g, "\\$&")}]`;
        i = close;
      }
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  return new RegExp(`^${re}$`, ignoreCase ? "is" : "s");
}

function stringTest(op: BinaryOp, want: string): (s: string) => boolean {
  switch (op) {
    case "=":
      return (s) => s === want;
    case "!=":
      return (s) => s !== want;
    case "<":
      return (s) => s < want;
    case "<=":
      return (s) => s <= want;
    case ">":
      return (s) => s > want;
    case ">=":
      return (s) => s >= want;
    case "contains":
      return (s) => s.includes(want);
    case "icontains": {
      const lower = want.toLowerCase();
      return (s) => s.toLowerCase().includes(lower);
    }
    case "startswith":
      return (s) => s.startsWith(want);
    case "endswith":
      return (s) => s.endsWith(want);
    case "bcontains": {
      const bytes = hexBytes(want);
      return (s) => Buffer.from(s, "utf8").includes(bytes);
    }
    case "bstartswith": {
      const bytes = hexBytes(want);
      return (s) => Buffer.from(s, "utf8").subarray(0, bytes.length).equals(bytes);
    }
    case "glob":
    case "iglob": {
      const re = globToRegExp(want, op === "iglob");
      return (s) => re.test(s);
    }
    case "regex": {
      let re: RegExp;
      try {
        re = new RegExp(`^(?:${want})$`, "s");
      } catch (err) {
        throw new Error(`invalid regular expression (${(err as Error).message})`);
      }
      return (s) => re.test(s);
    }
  }
}
