/**
 * Condition AST → JavaScript closures, once per rule at load time. Macros are compiled once and
 * shared; list references inside `(…)` values are expanded here; every field gets a cache slot so
 * the many rules that test the same field extract it once per event.
 *
 * Semantics follow libsinsp's filter checks (falcosecurity/libs userspace/libsinsp
 * sinsp_filtercheck.cpp compare_rhs, filter_compare.cpp flt_compare): a comparison on a field the
 * event does not have — or a list field with no values, which the plugin SDK reports as not
 * extracted — is false (so `not x = y` is true for it); on a list field `in` means every value is
 * in the set and `intersects` that at least one is; other operators on list fields are refused at
 * load time, as Falco does (see operatorProblem).
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
import { asciiLower, globMatcher } from "./glob.js";
import { pathPrefixMatcher } from "./path-prefix.js";
import { compileFalcoRegex } from "./regex-re2.js";

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
    const refused = operatorProblem(spec, op);
    if (refused !== undefined) throw new ConditionCompileError(`${name} ${op}: ${refused}`, offset, macro);
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
    if (spec.rawtime) {
      // The event time: compared as the number it is, not through its decimal text.
      const compare = rawtimeComparison(op, value.text);
      if (compare !== undefined) return compare;
    }
    // operatorProblem refused binary operators on list fields: the value is one string or none.
    return (ctx) => {
      const v = get(ctx);
      return typeof v === "string" && test(v);
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
    const refused = operatorProblem(spec, op);
    if (refused !== undefined) throw new ConditionCompileError(`${name} ${op}: ${refused}`, offset, macro);
    const items = this.expand(values);
    if (op === "pmatch") {
      // On a list field (a shipshape extension, see operatorProblem) every value must match.
      const test = pathPrefixMatcher(items);
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

/**
 * Which operators a field's type takes, as libsinsp's flt_is_comparable decides when Falco loads a
 * rule (filter_compare.cpp): a list field only `exists`, `in` and `intersects`; a number (the event
 * time) the comparisons, `in` and `intersects`; a string (every ka.* field: the plugin declares them
 * all as strings) everything but `bcontains` and `bstartswith`, which are for byte buffers.
 * Refusing these at load time beats guessing: Falco refuses them too.
 *
 * One extension: `pmatch` on a list field holds when every value matches. Falco refuses it; the
 * built-in rule for unapproved registries uses it on ka.req.pod.*.image (documented there).
 */
function operatorProblem(spec: FieldSpec, op: BinaryOp | ListOp): string | undefined {
  if (spec.list) {
    return op === "in" || op === "intersects" || op === "pmatch"
      ? undefined
      : "a list field takes only exists, in and intersects in Falco (libsinsp flt_is_comparable)";
  }
  if (spec.numeric) {
    return ["=", "!=", "<", "<=", ">", ">=", "in", "intersects"].includes(op)
      ? undefined
      : `'${op}' is not supported for numeric fields in Falco (libsinsp flt_is_comparable)`;
  }
  return op === "bcontains" || op === "bstartswith"
    ? `'${op}' is for byte buffers; Falco refuses it on string fields (libsinsp flt_is_comparable)`
    : undefined;
}

/**
 * strcmp order (libsinsp compares C strings): bytes of UTF-8, which is code point order. JavaScript
 * compares UTF-16 units, which differs only when a surrogate (a code point above U+FFFF) meets
 * U+E000–U+FFFF; such strings are compared as UTF-8 bytes.
 */
function byteOrder(a: string, b: string): number {
  if (!SURROGATE.test(a) && !SURROGATE.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}
const SURROGATE = /[\ud800-\udfff]/;

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

/** `jevt.rawtime op N` as a predicate over the event time's seconds and nanoseconds. */
function rawtimeComparison(op: BinaryOp, text: string): Predicate | undefined {
  const want = wholeNumber(text);
  let seconds = want / 1_000_000_000n;
  let nanos = want % 1_000_000_000n;
  if (nanos < 0n) {
    nanos += 1_000_000_000n;
    seconds -= 1n;
  }
  // Beyond ±2^53 s no event time can be equal; clamping keeps the order right.
  const limit = 2n ** 53n;
  const s = Number(seconds > limit ? limit : seconds < -limit ? -limit : seconds);
  const ns = Number(nanos);
  const test = ((): ((sign: number) => boolean) | undefined => {
    switch (op) {
      case "=":
        return (c) => c === 0;
      case "!=":
        return (c) => c !== 0;
      case "<":
        return (c) => c < 0;
      case "<=":
        return (c) => c <= 0;
      case ">":
        return (c) => c > 0;
      case ">=":
        return (c) => c >= 0;
      default:
        return undefined;
    }
  })();
  return test === undefined ? undefined : (ctx) => test(ctx.compareRawtime(s, ns));
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

function stringTest(op: BinaryOp, want: string): (s: string) => boolean {
  switch (op) {
    case "=":
      return (s) => s === want;
    case "!=":
      return (s) => s !== want;
    case "<":
      return (s) => byteOrder(s, want) < 0;
    case "<=":
      return (s) => byteOrder(s, want) <= 0;
    case ">":
      return (s) => byteOrder(s, want) > 0;
    case ">=":
      return (s) => byteOrder(s, want) >= 0;
    case "contains":
      return (s) => s.includes(want);
    case "icontains": {
      // strcasestr in the C locale: ASCII letters only fold.
      const lower = asciiLower(want);
      return (s) => asciiLower(s).includes(lower);
    }
    case "startswith":
      return (s) => s.startsWith(want);
    case "endswith":
      return (s) => s.endsWith(want);
    case "bcontains":
    case "bstartswith":
      // operatorProblem refuses these before a test is made (no k8s_audit field is a byte buffer).
      throw new Error(`'${op}' is for byte buffers`);
    case "glob":
    case "iglob":
      return globMatcher(want, op === "iglob");
    case "regex": {
      const re = compileFalcoRegex(want);
      return (s) => re.test(s);
    }
  }
}
