/**
 * A rule's `output`: text with `%field` and `%field[arg]` placeholders, compiled once into parts.
 * A field the event lacks prints as `<NA>`; a list field as `(a,b)` (at most 1023 bytes), as Falco
 * prints them.
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
      out += v === undefined ? "<NA>" : typeof v === "string" ? v : v.length === 0 ? "<NA>" : listText(v);
      out += literals[i + 1]!;
    }
    return out;
  };
}

/**
 * A list as libsinsp's sinsp_filter_check::tostring prints it: "(a,b)", copied with strlcpy into a
 * 1024-byte buffer (STRPROPERTY_STORAGE_SIZE), so at most 1023 bytes of it.
 */
function listText(values: readonly string[]): string {
  const text = `(${values.join(",")})`;
  if (text.length * 3 <= LIST_TEXT_MAX) return text;
  const bytes = Buffer.from(text, "utf8");
  return bytes.length <= LIST_TEXT_MAX ? text : bytes.subarray(0, LIST_TEXT_MAX).toString("utf8");
}
const LIST_TEXT_MAX = 1023;
