/**
 * A rule's `output`: text with `%field` and `%field[arg]` placeholders, compiled once into parts.
 * A field the event lacks prints as `<NA>`; a list field as `(a,b)`, as Falco prints them.
 */
import type { ConditionCompiler, FieldAccessor } from "./compile.js";
import type { EventContext } from "./event-context.js";

const PLACEHOLDER = /%([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)+)(?:\[([^\]]*)\])?/g;

export type OutputFormatter = (ctx: EventContext) => string;

/** Compiles an output format; throws the compiler's ConditionCompileError for an unknown field. */
export function compileOutput(format: string, compiler: ConditionCompiler): OutputFormatter {
  const text = format.trim();
  const literals: string[] = [];
  const fields: FieldAccessor[] = [];
  let last = 0;
  for (const m of text.matchAll(PLACEHOLDER)) {
    literals.push(text.slice(last, m.index));
    fields.push(compiler.field(m[1]!, m[2], m.index).get);
    last = m.index + m[0].length;
  }
  literals.push(text.slice(last));
  return (ctx) => {
    let out = literals[0]!;
    for (let i = 0; i < fields.length; i++) {
      const v = fields[i]!(ctx);
      out +=
        v === undefined ? "<NA>" : typeof v === "string" ? v : v.length === 0 ? "<NA>" : `(${v.join(",")})`;
      out += literals[i + 1]!;
    }
    return out;
  };
}
