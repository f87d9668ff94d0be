/**
 * The words of an instruction's arguments as Docker reads COPY/ADD/EXPOSE/USER-style arguments:
 * the JSON array when it is one, else whitespace-separated words with `'…'`/`"…"` quoting removed
 * (backslashes kept: Windows paths such as `"C:\Program Files\x"` stay one word).
 */
import type { Instruction } from "./parse.js";

export function splitWords(text: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: string | null = null;
  for (const ch of text) {
    if (quote !== null) {
      if (ch === quote) quote = null;
      else word += ch;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (ch === " " || ch === "\t" || ch === "\n") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** The instruction's argument words (exec form or split text). */
export function instructionWords(instruction: Instruction): string[] {
  return instruction.execForm !== null ? [...instruction.execForm] : splitWords(instruction.args);
}

/** COPY/ADD sources and destination, or null without at least a source and a destination. */
export function copyOperands(instruction: Instruction): { sources: string[]; target: string } | null {
  const words = instructionWords(instruction);
  if (words.length < 2) return null;
  return { sources: words.slice(0, -1), target: words[words.length - 1]! };
}

/** The value of a `--name=value` instruction flag with quotes removed, or null. */
export function flagValue(instruction: Instruction, name: string): string | null {
  const flag = instruction.flags.find((f) => f.name === name);
  if (flag === undefined || flag.value === null) return null;
  return splitWords(flag.value).join(" ");
}

/** One `name=value` of ENV, LABEL or ARG, quotes and escapes resolved as Docker resolves them. */
export interface NameValue {
  readonly name: string;
  /** null for `ARG name` without a default. */
  readonly value: string | null;
}

/**
 * Words as Docker's ENV/LABEL parser reads them: split on unquoted blanks; quotes removed; the
 * escape character quotes the next character outside single quotes (and `"`, `$`, itself inside
 * double quotes).
 */
function nameValueWords(text: string, escapeChar: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: string | null = null;
  const chars = [...text];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (ch === escapeChar && quote !== "'" && i + 1 < chars.length) {
      const next = chars[i + 1]!;
      if (quote === null || next === '"' || next === "$" || next === escapeChar) {
        word += next;
        inWord = true;
        i++;
        continue;
      }
    }
    if (quote !== null) {
      if (ch === quote) quote = null;
      else word += ch;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/**
 * The pairs of an ENV or LABEL: `NAME=value NAME2="v 2"`, or the legacy `NAME value with blanks`
 * (first word without `=`: the rest of the line is the value).
 */
export function nameValuePairs(args: string, escapeChar = "\\"): NameValue[] {
  const trimmed = args.trim();
  const first = /^\S+/.exec(trimmed)?.[0] ?? "";
  if (first === "") return [];
  if (!first.includes("=")) {
    const rest = trimmed.slice(first.length).trim();
    return [
      { name: nameValueWords(first, escapeChar).join(""), value: nameValueWords(rest, escapeChar).join(" ") },
    ];
  }
  const pairs: NameValue[] = [];
  for (const word of nameValueWords(trimmed, escapeChar)) {
    const eq = word.indexOf("=");
    if (eq < 0) pairs.push({ name: word, value: "" });
    else pairs.push({ name: word.slice(0, eq), value: word.slice(eq + 1) });
  }
  return pairs;
}

/** `ARG name[=default] …`: each declared name with its default (null when none). */
export function argDeclarations(args: string, escapeChar = "\\"): NameValue[] {
  return nameValueWords(args.trim(), escapeChar).map((word) => {
    const eq = word.indexOf("=");
    return eq < 0 ? { name: word, value: null } : { name: word.slice(0, eq), value: word.slice(eq + 1) };
  });
}
