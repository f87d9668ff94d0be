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
