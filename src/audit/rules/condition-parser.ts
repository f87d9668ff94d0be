/**
 * Falco's filter language, parsed by recursive descent into an AST:
 *
 *   expr    := and ("or" and)*
 *   and     := not ("and" not)*
 *   not     := "not" not | primary
 *   primary := "(" expr ")" | check | MACRO
 *   check   := FIELD ["[" arg "]"] ( "exists" | binop value | listop "(" [value ("," value)*] ")" )
 *   value   := "quoted" | 'quoted' | bare-word
 *
 * Operators: = == != < <= > >= contains icontains bcontains startswith bstartswith endswith glob
 * iglob regex (binary); in intersects pmatch (list); exists (unary). Field names contain a dot;
 * a bare identifier without one is a macro reference. Values in lists that name a list are
 * expanded later (compile.ts). Errors carry the offset where the parser stopped.
 */

export type BinaryOp =
  | "="
  | "!="
  | "<"
  | "<="
  | ">"
  | ">="
  | "contains"
  | "icontains"
  | "bcontains"
  | "startswith"
  | "bstartswith"
  | "endswith"
  | "glob"
  | "iglob"
  | "regex";
export type ListOp = "in" | "intersects" | "pmatch";

export interface ValueToken {
  text: string;
  /** Quoted values are never list references. */
  quoted: boolean;
}

export type ConditionNode =
  | { kind: "and"; items: ConditionNode[] }
  | { kind: "or"; items: ConditionNode[] }
  | { kind: "not"; item: ConditionNode }
  | { kind: "macro"; name: string; offset: number }
  | { kind: "exists"; field: string; arg?: string; offset: number }
  | { kind: "binary"; field: string; arg?: string; op: BinaryOp; value: ValueToken; offset: number }
  | { kind: "list"; field: string; arg?: string; op: ListOp; values: ValueToken[]; offset: number };

export class ConditionSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = "ConditionSyntaxError";
  }
}

const BINARY_WORDS = new Set<string>([
  "contains",
  "icontains",
  "bcontains",
  "startswith",
  "bstartswith",
  "endswith",
  "glob",
  "iglob",
  "regex",
]);
const LIST_WORDS = new Set<string>(["in", "intersects", "pmatch"]);
const KEYWORDS = new Set(["and", "or", "not"]);

const IDENT = /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*/y;
const SYMBOL_OP = /==|=|!=|<=|<|>=|>/y;
const WORD = /[A-Za-z_]+/y;
const BARE_VALUE = /[^\s(),"']+/y;

/** Nesting deeper than this is refused (keeps hostile input from exhausting the stack). */
const MAX_DEPTH = 200;

class Parser {
  private pos = 0;
  private depth = 0;

  constructor(private readonly text: string) {}

  parse(): ConditionNode {
    this.skipSpace();
    if (this.pos >= this.text.length) throw new ConditionSyntaxError("empty condition", 0);
    const node = this.parseOr();
    this.skipSpace();
    if (this.pos < this.text.length) {
      throw new ConditionSyntaxError(`unexpected ${this.describeHere()}`, this.pos);
    }
    return node;
  }

  private describeHere(): string {
    if (this.pos >= this.text.length) return "end of condition";
    return JSON.stringify(this.text.slice(this.pos, this.pos + 24));
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  private match(re: RegExp): string | undefined {
    re.lastIndex = this.pos;
    const m = re.exec(this.text);
    return m ? m[0] : undefined;
  }

  /** The keyword at the cursor (and, or, not, an operator word), if it is a whole word. */
  private peekWord(): string | undefined {
    const w = this.match(WORD);
    if (w === undefined) return undefined;
    const next = this.text[this.pos + w.length];
    if (next !== undefined && /[A-Za-z0-9_.\-[]/.test(next)) return undefined;
    return w;
  }

  private parseOr(): ConditionNode {
    const items = [this.parseAnd()];
    for (;;) {
      this.skipSpace();
      if (this.peekWord() !== "or") break;
      this.pos += 2;
      items.push(this.parseAnd());
    }
    return items.length === 1 ? items[0]! : { kind: "or", items };
  }

  private parseAnd(): ConditionNode {
    const items = [this.parseNot()];
    for (;;) {
      this.skipSpace();
      if (this.peekWord() !== "and") break;
      this.pos += 3;
      items.push(this.parseNot());
    }
    return items.length === 1 ? items[0]! : { kind: "and", items };
  }

  private parseNot(): ConditionNode {
    this.skipSpace();
    if (this.peekWord() === "not") {
      this.pos += 3;
      return { kind: "not", item: this.nested(() => this.parseNot()) };
    }
    return this.parsePrimary();
  }

  private nested<T>(f: () => T): T {
    if (++this.depth > MAX_DEPTH) throw new ConditionSyntaxError("condition nested too deeply", this.pos);
    try {
      return f();
    } finally {
      this.depth--;
    }
  }

  private parsePrimary(): ConditionNode {
    this.skipSpace();
    const start = this.pos;
    if (this.text[this.pos] === "(") {
      this.pos++;
      const inner = this.nested(() => this.parseOr());
      this.skipSpace();
      if (this.text[this.pos] !== ")") {
        throw new ConditionSyntaxError(`expected ")" but found ${this.describeHere()}`, this.pos);
      }
      this.pos++;
      return inner;
    }
    const name = this.match(IDENT);
    if (name === undefined || KEYWORDS.has(name)) {
      throw new ConditionSyntaxError(
        `expected a field, a macro or "(" but found ${this.describeHere()}`,
        this.pos,
      );
    }
    this.pos += name.length;
    let arg: string | undefined;
    if (this.text[this.pos] === "[") {
      const close = this.text.indexOf("]", this.pos + 1);
      if (close < 0) throw new ConditionSyntaxError(`unclosed "[" after ${name}`, this.pos);
      arg = this.text.slice(this.pos + 1, close);
      this.pos = close + 1;
    }
    this.skipSpace();
    const symbol = this.match(SYMBOL_OP);
    const word = symbol === undefined ? this.peekWord() : undefined;
    const isOperator =
      symbol !== undefined ||
      (word !== undefined && (BINARY_WORDS.has(word) || LIST_WORDS.has(word) || word === "exists"));
    if (!isOperator) {
      if (arg !== undefined || name.includes(".")) {
        throw new ConditionSyntaxError(
          `expected an operator after ${name} but found ${this.describeHere()}`,
          this.pos,
        );
      }
      return { kind: "macro", name, offset: start };
    }
    const base = arg === undefined ? { field: name, offset: start } : { field: name, arg, offset: start };
    if (symbol !== undefined) {
      this.pos += symbol.length;
      const op = (symbol === "==" ? "=" : symbol) as BinaryOp;
      return { kind: "binary", ...base, op, value: this.parseValue() };
    }
    const op = word!;
    this.pos += op.length;
    if (op === "exists") return { kind: "exists", ...base };
    if (BINARY_WORDS.has(op))
      return { kind: "binary", ...base, op: op as BinaryOp, value: this.parseValue() };
    return { kind: "list", ...base, op: op as ListOp, values: this.parseList() };
  }

  private parseValue(): ValueToken {
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === '"' || c === "'") return this.parseQuoted(c);
    const bare = this.match(BARE_VALUE);
    if (bare === undefined)
      throw new ConditionSyntaxError(`expected a value but found ${this.describeHere()}`, this.pos);
    this.pos += bare.length;
    return { text: bare, quoted: false };
  }

  private parseQuoted(quote: string): ValueToken {
    const start = this.pos;
    this.pos++;
    let out = "";
    while (this.pos < this.text.length) {
      const c = this.text[this.pos]!;
      if (c === "\\" && this.pos + 1 < this.text.length) {
        const n = this.text[this.pos + 1]!;
        out += n === "n" ? "\n" : n === "t" ? "\t" : n === "r" ? "\r" : n;
        this.pos += 2;
        continue;
      }
      if (c === quote) {
        this.pos++;
        return { text: out, quoted: true };
      }
      out += c;
      this.pos++;
    }
    throw new ConditionSyntaxError("unterminated quoted string", start);
  }

  private parseList(): ValueToken[] {
    this.skipSpace();
    if (this.text[this.pos] !== "(") {
      throw new ConditionSyntaxError(
        `expected "(" to open a list but found ${this.describeHere()}`,
        this.pos,
      );
    }
    this.pos++;
    const values: ValueToken[] = [];
    this.skipSpace();
    if (this.text[this.pos] === ")") {
      this.pos++;
      return values;
    }
    for (;;) {
      values.push(this.parseValue());
      this.skipSpace();
      const c = this.text[this.pos];
      if (c === ",") {
        this.pos++;
        continue;
      }
      if (c === ")") {
        this.pos++;
        return values;
      }
      throw new ConditionSyntaxError(
        `expected "," or ")" in a list but found ${this.describeHere()}`,
        this.pos,
      );
    }
  }
}

/** Parse a condition; throws ConditionSyntaxError with the offset of the problem. */
export function parseCondition(text: string): ConditionNode {
  return new Parser(text).parse();
}

/** Line and column (1-based) of an offset in a text. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
