/**
 * hadolint's inline pragmas (src/Hadolint/Pragma.hs), read from the Dockerfile's comments with the
 * same grammar:
 *   # hadolint ignore=DL3008,SC2086     the rules are not reported on the NEXT line (the instruction
 *                                       that starts right below the comment)
 *   # hadolint global ignore=DL3003     not reported anywhere in the file
 *   # hadolint shell=bash               the shell ShellCheck checks the following RUNs as
 * Grammar: optional blanks, `hadolint`, blanks, [`global` blanks], `ignore`, blanks?, `=`, blanks?,
 * codes of the characters D L S C 0-9 separated by `,` (blanks allowed around it), then optional
 * blanks and an optional `# comment`; nothing else may follow. Blanks are spaces and tabs.
 */
import type { Comment } from "./parse.js";

const BLANKS = "[ \\t]*";
const BLANKS1 = "[ \\t]+";
const CODE = "[DLSC0-9]+";
const TAIL = `${BLANKS}(?:#.*)?$`;
const IGNORE = new RegExp(
  `^${BLANKS}hadolint${BLANKS1}ignore${BLANKS}=${BLANKS}(${CODE}(?:${BLANKS},${BLANKS}${CODE})*)${TAIL}`,
);
const GLOBAL_IGNORE = new RegExp(
  `^${BLANKS}hadolint${BLANKS1}global${BLANKS1}ignore${BLANKS}=${BLANKS}(${CODE}(?:${BLANKS},${BLANKS}${CODE})*)${TAIL}`,
);
const SHELL = new RegExp(`^${BLANKS}hadolint${BLANKS1}shell${BLANKS}=${BLANKS}([^\\n\\t ]+)${TAIL}`);

function codes(list: string): string[] {
  return list.split(",").map((c) => c.trim());
}

/** The codes of a `hadolint ignore=` comment (text after `#`), or null when it is no such pragma. */
export function parseIgnorePragma(comment: string): string[] | null {
  const m = IGNORE.exec(comment);
  return m === null ? null : codes(m[1]!);
}

export function parseGlobalIgnorePragma(comment: string): string[] | null {
  const m = GLOBAL_IGNORE.exec(comment);
  return m === null ? null : codes(m[1]!);
}

/** The shell named by a `hadolint shell=` comment, or null. */
export function parseShellPragma(comment: string): string | null {
  const m = SHELL.exec(comment);
  if (m === null) return null;
  // hadolint's shellName stops at blanks; `#` right after the name starts the inline comment.
  const name = m[1]!.split("#")[0]!;
  return name === "" ? null : name;
}

export interface Pragmas {
  /** Line → codes not reported on that line. */
  readonly ignoredOnLine: ReadonlyMap<number, ReadonlySet<string>>;
  readonly ignoredEverywhere: ReadonlySet<string>;
  /** `shell=` pragmas in line order. */
  readonly shells: readonly { line: number; shell: string }[];
}

export function readPragmas(comments: readonly Comment[]): Pragmas {
  const ignoredOnLine = new Map<number, Set<string>>();
  const ignoredEverywhere = new Set<string>();
  const shells: { line: number; shell: string }[] = [];
  for (const c of comments) {
    const local = parseIgnorePragma(c.text);
    if (local !== null) ignoredOnLine.set(c.line + 1, new Set(local));
    const global = parseGlobalIgnorePragma(c.text);
    if (global !== null) for (const code of global) ignoredEverywhere.add(code);
    const shell = parseShellPragma(c.text);
    if (shell !== null) shells.push({ line: c.line, shell });
  }
  return { ignoredOnLine, ignoredEverywhere, shells };
}

export function isIgnoredByPragma(pragmas: Pragmas, code: string, line: number): boolean {
  return pragmas.ignoredEverywhere.has(code) || (pragmas.ignoredOnLine.get(line)?.has(code) ?? false);
}
