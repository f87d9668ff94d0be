/**
 * The shell model the lint rules ask questions of: every simple command of a RUN line with its argv,
 * flags, the operator that joins it to what came before (`&&`, `||`, `;`, `&`, `|`), and whether it
 * runs in a subshell or a command substitution — from a real parser, never from regexes over text.
 *
 * Parser: tree-sitter's bash grammar (npm `tree-sitter-bash`, the grammar GitHub and editors use)
 * run by `web-tree-sitter` (WASM; both ship in their npm packages, so it works offline). Chosen over
 *  - sh-syntax (mvdan/sh in WASM): its JSON AST carries statement positions only — `Cmd` is
 *    `{Pos, End}` with no type or words — so argv cannot be had from it, and each call starts a new Go
 *    runtime (~6 ms a RUN line here);
 *  - mvdan-sh (mvdan/sh via GopherJS): full AST but ~120 ms to import and unmaintained;
 *  - bash-parser: ~1.5 ms a line, unmaintained, throws on much real-world bash.
 * tree-sitter: ~17 ms to load once (lazily, only when `lint` runs), ~0.1–0.2 ms a RUN line, and it
 * never throws: broken input yields ERROR nodes, reported as `parseErrors` while the commands it could
 * read are kept.
 *
 * The command model follows hadolint's (src/Hadolint/Shell.hs), so hadolint's rules port directly:
 *  - `commands` lists EVERY simple command anywhere in the script, in source order — inside `&&`
 *    chains, pipelines, subshells, `$(…)`, backticks, if/for/while/case bodies and functions;
 *  - a command's `name` is its first word when that word is literal (no `$…` expansion): `"apt-get"`
 *    counts, `$PM install` is no command (as ShellCheck's getCommandName);
 *  - `args` are the words after the name, each simplified as ShellCheck's `oversimplify`: quotes
 *    removed, any expansion (`$X`, `${X}`, `$(…)`, backticks, `$((…))`) replaced by `${VAR}`;
 *  - `flags` are hadolint's getAllFlags: `--name=value` → `name`, `-abc` → `a`, `b`, `c` (`-`/`--`
 *    are no flags), each remembering which argument it came from.
 * Extending: add helpers beside `cmdHasArgs`/`hasFlag`/`argsNoFlags`/`dropFlagArg` rather than
 * re-reading the text; `ShellCommand.connector`/`subshell`/`substitution` answer structural questions
 * ("is `apt-get update` chained with `&&` to the install?").
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Node as TsNode, Parser as TsParser } from "web-tree-sitter";

/** One word after the command name: `value` as hadolint sees it, `raw` as written. */
export interface ShellArg {
  readonly value: string;
  readonly raw: string;
  /** Position among the command's arguments (0 = first word after the name). */
  readonly index: number;
}

/** A flag as hadolint's getAllFlags splits it, with the argument it came from. */
export interface ShellFlag {
  readonly name: string;
  readonly argIndex: number;
}

/** How a command is joined to the command before it in its list or pipeline (null: first one). */
export type Connector = "&&" | "||" | ";" | "&" | "|" | "|&" | null;

export interface ShellCommand {
  /** The literal command word, e.g. `apt-get` or `/usr/bin/apt-get` (as written, quotes removed). */
  readonly name: string;
  readonly args: readonly ShellArg[];
  readonly flags: readonly ShellFlag[];
  /** `NAME=value` words before the command name, as written. */
  readonly assignments: readonly string[];
  readonly connector: Connector;
  /** Inside `( … )`. */
  readonly subshell: boolean;
  /** Inside `$( … )` or backticks. */
  readonly substitution: boolean;
  /** The command's source text. */
  readonly text: string;
}

export interface ParsedShell {
  readonly source: string;
  readonly commands: readonly ShellCommand[];
  /** Any pipeline (`|` or `|&`) anywhere in the script. */
  readonly hasPipes: boolean;
  /** The parser met text it could not read as shell; `commands` holds what it could. */
  readonly parseErrors: boolean;
}

export interface ShellParser {
  parse(script: string): ParsedShell;
}

/** Nodes whose value is only known at run time: oversimplified to `${VAR}` (ShellCheck's text). */
const EXPANSIONS = new Set(["simple_expansion", "expansion", "command_substitution", "arithmetic_expansion"]);

/** Bounds: a RUN line longer than this is not parsed (tree-sitter is linear, but keep memory flat). */
const MAX_SCRIPT_CHARS = 1_000_000;
/** Deeper nesting than this is not walked (each level is a JS stack frame). */
const MAX_DEPTH = 400;

/** What an expansion reads as (ShellCheck's oversimplify gives this text). */
export const EXPANDED = "$" + "{VAR}";

let loading: Promise<ShellParser> | null = null;

/** The shared parser, loaded on first use (~17 ms: two small WASM modules from node_modules). */
export function loadShellParser(): Promise<ShellParser> {
  loading ??= load();
  return loading;
}

async function load(): Promise<ShellParser> {
  const { Parser, Language } = await import("web-tree-sitter");
  await Parser.init();
  const require = createRequire(import.meta.url);
  const wasm = readFileSync(require.resolve("tree-sitter-bash/tree-sitter-bash.wasm"));
  const language = await Language.load(wasm);
  const parser = new Parser();
  parser.setLanguage(language);
  return { parse: (script) => parseWith(parser, script) };
}

function parseWith(parser: TsParser, script: string): ParsedShell {
  if (script.length > MAX_SCRIPT_CHARS) {
    return { source: script, commands: [], hasPipes: false, parseErrors: true };
  }
  const tree = parser.parse(script);
  if (tree === null) return { source: script, commands: [], hasPipes: false, parseErrors: true };
  try {
    const walk = new Walk();
    walk.visit(tree.rootNode, { connector: null, subshell: false, substitution: false }, 0);
    return {
      source: script,
      commands: walk.commands,
      hasPipes: walk.hasPipes,
      parseErrors: tree.rootNode.hasError || walk.truncated,
    };
  } finally {
    tree.delete();
  }
}

interface Context {
  connector: Connector;
  subshell: boolean;
  substitution: boolean;
}

const CONNECTORS = new Set<string>(["&&", "||", ";", "&", "|", "|&"]);

class Walk {
  readonly commands: ShellCommand[] = [];
  hasPipes = false;
  truncated = false;

  visit(node: TsNode, ctx: Context, depth: number): void {
    if (depth > MAX_DEPTH) {
      this.truncated = true;
      return;
    }
    switch (node.type) {
      case "command":
        this.command(node, ctx, depth);
        return;
      case "declaration_command":
      case "unset_command":
        this.declaration(node, ctx, depth);
        return;
      case "pipeline":
        this.hasPipes = true;
        break;
      case "subshell":
        ctx = { ...ctx, subshell: true };
        break;
      case "command_substitution":
        ctx = { ...ctx, substitution: true };
        break;
    }
    // Children in order; an operator token sets the connector of the next command found.
    let connector: Connector = ctx.connector;
    for (const child of node.children) {
      if (child === null) continue;
      if (!child.isNamed && CONNECTORS.has(child.type)) {
        connector = child.type as Connector;
        continue;
      }
      const before = this.commands.length;
      this.visit(child, { ...ctx, connector }, depth + 1);
      if (this.commands.length > before) connector = ";";
    }
  }

  private command(node: TsNode, ctx: Context, depth: number): void {
    const assignments: string[] = [];
    const argNodes: TsNode[] = [];
    let nameNode: TsNode | null = null;
    const count = node.childCount;
    for (let i = 0; i < count; i++) {
      const child = node.child(i);
      if (child === null) continue;
      const field = node.fieldNameForChild(i);
      if (child.type === "variable_assignment") assignments.push(child.text);
      else if (field === "name") nameNode = child;
      else if (field === "argument") argNodes.push(child);
    }
    const name = nameNode === null ? null : literalValue(nameNode);
    if (name !== null) {
      const args = argNodes.map((n, index) => ({ value: oversimplify(n), raw: n.text, index }));
      this.commands.push({
        name,
        args,
        flags: flagsOf(args),
        assignments,
        connector: ctx.connector,
        subshell: ctx.subshell,
        substitution: ctx.substitution,
        text: node.text,
      });
    }
    // Commands inside the words themselves: `echo $(apt-get install x)`, `FOO=$(cmd) bar`.
    const inner: Context = { connector: null, subshell: ctx.subshell, substitution: ctx.substitution };
    for (let i = 0; i < count; i++) {
      const child = node.child(i);
      if (child !== null && child.type !== "command_name") this.visitWords(child, inner, depth + 1);
    }
    if (nameNode !== null) this.visitWords(nameNode, inner, depth + 1);
  }

  /** `export A=1`, `local x`, `unset y`: ShellCheck's simple commands named by their keyword. */
  private declaration(node: TsNode, ctx: Context, depth: number): void {
    const keyword = node.child(0);
    if (keyword === null) return;
    const argNodes = node.children.slice(1).filter((c): c is TsNode => c?.isNamed === true);
    const args = argNodes.map((n, index) => ({ value: oversimplify(n), raw: n.text, index }));
    this.commands.push({
      name: keyword.text,
      args,
      flags: flagsOf(args),
      assignments: [],
      connector: ctx.connector,
      subshell: ctx.subshell,
      substitution: ctx.substitution,
      text: node.text,
    });
    for (const child of argNodes) this.visitWords(child, { ...ctx, connector: null }, depth + 1);
  }

  /** Only substitutions inside words hold commands. */
  private visitWords(node: TsNode, ctx: Context, depth: number): void {
    if (depth > MAX_DEPTH) {
      this.truncated = true;
      return;
    }
    if (node.type === "command_substitution" || node.type === "process_substitution") {
      this.visit(node, { ...ctx, connector: null }, depth);
      return;
    }
    for (const child of node.children) if (child !== null) this.visitWords(child, ctx, depth + 1);
  }
}

/** hadolint's getAllFlags. */
function flagsOf(args: readonly ShellArg[]): ShellFlag[] {
  const flags: ShellFlag[] = [];
  for (const a of args) {
    const v = a.value;
    if (v === "-" || v === "--" || !v.startsWith("-")) continue;
    if (v.startsWith("--")) {
      const eq = v.indexOf("=");
      flags.push({ name: v.slice(2, eq < 0 ? undefined : eq), argIndex: a.index });
    } else {
      // Code points, as Haskell's Text.chunksOf 1.
      for (const ch of v.slice(1)) flags.push({ name: ch, argIndex: a.index });
    }
  }
  return flags;
}

function containsExpansion(node: TsNode): boolean {
  if (EXPANSIONS.has(node.type) || node.type === "process_substitution") return true;
  for (const child of node.children) if (child !== null && containsExpansion(child)) return true;
  return false;
}

/** The word's value when it holds no expansion (ShellCheck's getLiteralString), else null. */
function literalValue(node: TsNode): string | null {
  if (containsExpansion(node)) return null;
  return oversimplify(node);
}

/** ShellCheck's `oversimplify`: the word with quotes removed and expansions as `${VAR}`. */
export function oversimplify(node: TsNode): string {
  if (EXPANSIONS.has(node.type)) return EXPANDED;
  switch (node.type) {
    case "raw_string":
      return node.text.slice(1, -1);
    case "ansi_c_string":
      return unescapeAnsiC(node.text.slice(2, -1));
    case "word":
      return unescapeUnquoted(node.text);
    case "string_content":
      return unescapeDoubleQuoted(node.text);
    case "process_substitution":
      return "";
    case "string":
    case "translated_string":
    case "concatenation":
    case "command_name": {
      let out = "";
      for (const child of node.children) {
        if (child === null) continue;
        if (!child.isNamed && (child.type === '"' || child.type === '$"')) continue;
        out += oversimplify(child);
      }
      return out;
    }
    default:
      if (node.childCount === 0) return node.text;
      return node.children.map((c) => (c === null ? "" : oversimplify(c))).join("");
  }
}

/** Outside quotes a backslash quotes the next character; backslash-newline disappears. */
function unescapeUnquoted(text: string): string {
  if (!text.includes("\\")) return text;
  return text.replace(/\\(\n|[\s\S])/g, (_, c: string) => (c === "\n" ? "" : c));
}

/** Inside double quotes only `\$`, `` \` ``, `\"`, `\\` and backslash-newline are escapes. */
function unescapeDoubleQuoted(text: string): string {
  if (!text.includes("\\")) return text;
  return text.replace(/\\([$`"\\\n])/g, (_, c: string) => (c === "\n" ? "" : c));
}

function unescapeAnsiC(text: string): string {
  const simple: Record<string, string> = { n: "\n", t: "\t", r: "\r", "\\": "\\", "'": "'", '"': '"' };
  return text.replace(/\\(.)/g, (m, c: string) => simple[c] ?? m);
}

// ---- Questions rules ask (hadolint's Shell.hs helpers) -------------------------------------------

/** The command is `name` and has one of `args` among its arguments. */
export function cmdHasArgs(cmd: ShellCommand, name: string, args: readonly string[]): boolean {
  return cmd.name === name && cmd.args.some((a) => args.includes(a.value));
}

/** The command is `name` and an argument starts with `prefix`. */
export function cmdHasPrefixArg(cmd: ShellCommand, name: string, prefix: string): boolean {
  return cmd.name === name && cmd.args.some((a) => a.value.startsWith(prefix));
}

export function hasFlag(cmd: ShellCommand, flag: string): boolean {
  return cmd.flags.some((f) => f.name === flag);
}

export function hasAnyFlag(cmd: ShellCommand, flags: readonly string[]): boolean {
  return cmd.flags.some((f) => flags.includes(f.name));
}

export function hasArg(cmd: ShellCommand, arg: string): boolean {
  return cmd.args.some((a) => a.value === arg);
}

/** Argument values. */
export function argValues(cmd: ShellCommand): string[] {
  return cmd.args.map((a) => a.value);
}

/** Arguments that are not flags (flag values stay: drop them with dropFlagArg first). */
export function argsNoFlags(cmd: ShellCommand): string[] {
  const flagArgs = new Set(cmd.flags.map((f) => f.argIndex));
  return cmd.args.filter((a) => !flagArgs.has(a.index)).map((a) => a.value);
}

/**
 * hadolint's dropFlagArg: for each flag named in `names`, drop the argument right after the one the
 * flag came from (its value, as in `-t jessie-backports`).
 */
export function dropFlagArg(cmd: ShellCommand, names: readonly string[]): ShellCommand {
  const drop = new Set<number>();
  for (const f of cmd.flags) if (names.includes(f.name)) drop.add(f.argIndex + 1);
  if (drop.size === 0) return cmd;
  return { ...cmd, args: cmd.args.filter((a) => !drop.has(a.index)) };
}

/** Some command of the script is `name`. */
export function usingProgram(shell: ParsedShell, name: string): boolean {
  return shell.commands.some((c) => c.name === name);
}

export function commandNames(shell: ParsedShell): string[] {
  return shell.commands.map((c) => c.name);
}

export function anyCommand(shell: ParsedShell, test: (cmd: ShellCommand) => boolean): boolean {
  return shell.commands.some(test);
}

export function noCommand(shell: ParsedShell, test: (cmd: ShellCommand) => boolean): boolean {
  return !shell.commands.some(test);
}

/** hadolint's cmdsHaveArgs: the command is one of `names` and has one of `args`. */
export function cmdsHaveArgs(cmd: ShellCommand, names: readonly string[], args: readonly string[]): boolean {
  return names.includes(cmd.name) && cmd.args.some((a) => args.includes(a.value));
}

/** hadolint's getFlagArg: the values of `flag` (the argument right after the one it came from). */
export function flagArgs(cmd: ShellCommand, flag: string): string[] {
  const values: string[] = [];
  for (const f of cmd.flags) {
    if (f.name !== flag) continue;
    const next = cmd.args.find((a) => a.index === f.argIndex + 1);
    if (next !== undefined) values.push(next.value);
  }
  return values;
}

/** hadolint's findCommandIndex: position of the first command that passes `test`, or -1. */
export function commandIndex(shell: ParsedShell, test: (cmd: ShellCommand) => boolean): number {
  return shell.commands.findIndex(test);
}
