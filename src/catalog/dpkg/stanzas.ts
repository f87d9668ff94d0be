/**
 * Debian control-file paragraphs (deb822: dpkg's status, distroless status.d files, DEBIAN/control),
 * parsed from bytes. Pure and linear in the input; never throws. Damage is reported, not hidden:
 * odd lines become `problems`, a file that runs into NUL bytes (a zero-filled tail after a crash) is
 * flagged `truncated`, a last line without a newline is dropped, and how the text ended (`ending`)
 * is left for the caller to judge.
 */

export interface Stanza {
  /** Field names lower-cased; continuation lines joined with "\n" (dpkg's own folding). */
  fields: Map<string, string>;
  /** 1-based line of the stanza's first field, for messages. */
  line: number;
}

export type TextEnding = "blank-line" | "newline" | "mid-line" | "empty";

export interface StanzaParse {
  stanzas: Stanza[];
  /** Lines that are neither a field, a continuation nor a separator (capped; `problemCount` has all). */
  problems: string[];
  problemCount: number;
  /** Why the text is cut short (NUL bytes), or null. */
  truncated: string | null;
  /** How the text ended: a blank line (dpkg's own files), a newline, mid-line (that line was dropped), or empty. */
  ending: TextEnding;
  /** Bytes that were not valid UTF-8 (replaced by U+FFFD). */
  invalidUtf8: boolean;
}

const MAX_PROBLEMS = 20;
const REPLACEMENT = "\uFFFD";

/**
 * Decode control-file bytes: stop at a NUL (a zero-filled tail is damage: `truncated`), drop a last
 * line that has no newline (it may be cut short: "Version: 1.2-" — better missing than wrong), flag
 * invalid UTF-8, and say how the text ended so the caller can judge the damage.
 */
export function decodeControlText(bytes: Uint8Array): {
  text: string;
  truncated: string | null;
  ending: TextEnding;
  invalidUtf8: boolean;
} {
  let end = bytes.length;
  let truncated: string | null = null;
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    end = nul;
    truncated = `NUL byte at offset ${nul}`;
  }
  let midLine = false;
  if (end > 0 && bytes[end - 1] !== 0x0a) {
    midLine = true;
    end = bytes.lastIndexOf(0x0a, end - 1) + 1;
  }
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes.subarray(0, end));
  const ending: TextEnding = midLine
    ? "mid-line"
    : text.trim() === ""
      ? "empty"
      : /\n[ \t\r]*\n$/.test(text)
        ? "blank-line"
        : "newline";
  return { text, truncated, ending, invalidUtf8: text.includes(REPLACEMENT) };
}

/** Split decoded control text into stanzas. */
export function parseStanzaText(text: string): Omit<StanzaParse, "truncated" | "ending" | "invalidUtf8"> {
  const stanzas: Stanza[] = [];
  const problems: string[] = [];
  let problemCount = 0;
  const problem = (message: string) => {
    problemCount++;
    if (problems.length < MAX_PROBLEMS) problems.push(message);
  };

  let current: Stanza | null = null;
  let lastField: string | null = null;
  // Continuation lines of the current field, joined once (repeated concatenation would be quadratic).
  let continued: string[] = [];
  const flush = () => {
    if (current && lastField !== null && continued.length > 0) {
      current.fields.set(lastField, [current.fields.get(lastField) ?? "", ...continued].join("\n"));
    }
    continued = [];
  };
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (line.endsWith("\r")) line = line.slice(0, -1);
    const lineNo = i + 1;
    if (line.trim() === "") {
      // Blank (or whitespace-only, which deb822 allows parsers to accept) ends a stanza.
      flush();
      if (current) stanzas.push(current);
      current = null;
      lastField = null;
      continue;
    }
    const first = line.charCodeAt(0);
    if (first === 0x20 || first === 0x09) {
      if (!current || lastField === null) {
        problem(`line ${lineNo}: continuation line without a field`);
        continue;
      }
      const body = line.slice(1);
      // " ." stands for an empty line inside a multi-line value.
      continued.push(body.trim() === "." ? "" : body);
      continue;
    }
    flush();
    if (first === 0x23 /* # */ && !current) continue; // comment between stanzas (deb822)
    const colon = line.indexOf(":");
    if (colon <= 0) {
      problem(`line ${lineNo}: not a "Field: value" line`);
      lastField = null;
      continue;
    }
    const name = line.slice(0, colon).trim().toLowerCase();
    if (name === "" || /\s/.test(name)) {
      problem(`line ${lineNo}: invalid field name`);
      lastField = null;
      continue;
    }
    current ??= { fields: new Map(), line: lineNo };
    if (current.fields.has(name)) {
      problem(`line ${lineNo}: duplicate field ${name} (the first is kept)`);
      lastField = null;
      continue;
    }
    current.fields.set(name, line.slice(colon + 1).trim());
    lastField = name;
  }
  flush();
  if (current) stanzas.push(current);
  return { stanzas, problems, problemCount };
}

/** Bytes → stanzas, with damage flags. */
export function parseStanzas(bytes: Uint8Array): StanzaParse {
  const { text, truncated, ending, invalidUtf8 } = decodeControlText(bytes);
  return { ...parseStanzaText(text), truncated, ending, invalidUtf8 };
}
