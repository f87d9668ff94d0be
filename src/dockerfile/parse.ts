/**
 * A Dockerfile/Containerfile as the lint rules see it: instructions with their line ranges, leading
 * `--flags`, argument text, exec-form arguments, heredoc bodies, ONBUILD triggers, build stages with
 * their parsed FROM image, and the comments (for pragmas).
 *
 * dockerfile-ast (npm) finds the instructions, their ranges and the escape directive; this wrapper
 * fixes what it gets wrong for linting:
 *  - exec form: dockerfile-ast splits `["a  b"]` on whitespace and loses the spaces, so the argument
 *    list is `JSON.parse` of the argument text (continuations joined), as Docker reads it;
 *  - heredocs: dockerfile-ast mis-reads `<< 'EOF'` (a space before the quoted word, which BuildKit
 *    accepts) and then takes the body's lines for instructions; bodies are read here from the lines
 *    after the instruction up to the delimiter, and anything dockerfile-ast found inside is dropped;
 *  - argument text: continuation lines (escape character at the end of a line, `\` or the
 *    `# escape=` one) are joined as Docker joins them, dropping comment and empty lines between them.
 * Line numbers are 1-based. Pure function of the text; bad input is an instruction list, never a
 * throw (except a text over MAX_DOCKERFILE_CHARS, a ShipshapeError "limit").
 */
import { DockerfileParser } from "dockerfile-ast";
import { ShipshapeError } from "../errors.js";
import { matchReference } from "../image/reference.js";

export const MAX_DOCKERFILE_CHARS = 8 * 1024 * 1024;

/** A leading `--name[=value]` of an instruction; `value` as written (quotes kept), null without `=`. */
export interface InstructionFlag {
  readonly name: string;
  readonly value: string | null;
}

export interface Heredoc {
  /** The delimiter word, quotes removed. */
  readonly delimiter: string;
  /** `<<-`: leading tabs are stripped from the body lines. */
  readonly stripTabs: boolean;
  /** `<<'EOF'` / `<<"EOF"`: the body is not expanded. */
  readonly quoted: boolean;
  readonly body: string;
  /** First body line and the delimiter's line (the last line when the delimiter never came). */
  readonly startLine: number;
  readonly endLine: number;
}

export interface FromImage {
  /** The image as written, without tag and digest: `debian`, `registry:5000/team/app`, `${BASE}`. */
  readonly image: string;
  readonly tag: string | null;
  readonly digest: string | null;
  /** The registry when the name names one (`quay.io/x` → `quay.io`); null for Docker Hub short names. */
  readonly registry: string | null;
  /** `AS name`, as written. */
  readonly alias: string | null;
  /** `--platform=` value as written. */
  readonly platform: string | null;
  /** The whole image text (`debian:12@sha256:…`). */
  readonly text: string;
  /** Whether the text is a valid reference (false for variables and typos). */
  readonly valid: boolean;
}

export interface Instruction {
  /** Upper-case keyword (`RUN`); unknown words are kept as written, upper-cased. */
  readonly keyword: string;
  readonly line: number;
  readonly endLine: number;
  /** Leading `--flags` (RUN --mount, COPY --from, FROM --platform, …). */
  readonly flags: readonly InstructionFlag[];
  /** Argument text after the flags, continuations joined, trimmed. For heredocs, the first line only. */
  readonly args: string;
  /** The JSON array form of the arguments (`CMD ["a", "b"]`), or null when they are not one. */
  readonly execForm: readonly string[] | null;
  readonly heredocs: readonly Heredoc[];
  /** Index into `ParsedDockerfile.stages`; -1 before the first FROM. */
  readonly stage: number;
  /** For ONBUILD, the trigger instruction (same lines), else null. */
  readonly trigger: Instruction | null;
  /** FROM only. */
  readonly from: FromImage | null;
}

export interface Stage {
  readonly index: number;
  readonly line: number;
  readonly from: FromImage;
}

export interface Comment {
  readonly line: number;
  /** The text after `#`, untrimmed. */
  readonly text: string;
}

export interface ParsedDockerfile {
  readonly instructions: readonly Instruction[];
  readonly comments: readonly Comment[];
  readonly stages: readonly Stage[];
  readonly escape: string;
  readonly lineCount: number;
}

export function parseDockerfile(input: string, name = "Dockerfile"): ParsedDockerfile {
  if (input.length > MAX_DOCKERFILE_CHARS) {
    throw new ShipshapeError(
      "limit",
      `${name}: ${input.length} characters is more than a Dockerfile may have here (${MAX_DOCKERFILE_CHARS})`,
    );
  }
  const text = input.replace(/\r\n?/g, "\n").replace(/^\uFEFF/, "");
  const lines = text.split("\n");
  let document: ReturnType<typeof DockerfileParser.parse>;
  try {
    document = DockerfileParser.parse(text);
  } catch (err) {
    // dockerfile-ast is not known to throw; if it does, the text is no Dockerfile we can read.
    const why = err instanceof Error ? err.message : String(err);
    throw new ShipshapeError("input", `${name}: cannot read as a Dockerfile (${why})`);
  }
  const escapeChar = document.getEscapeCharacter() || "\\";

  const instructions: Instruction[] = [];
  const stages: Stage[] = [];
  const covered: boolean[] = new Array<boolean>(lines.length).fill(false);
  let consumedUntil = -1; // 0-based last line taken by a heredoc body
  for (const found of document.getInstructions()) {
    const range = found.getRange();
    const start = range.start.line;
    if (start <= consumedUntil) continue; // a heredoc body line that dockerfile-ast took for an instruction
    const keyword = found.getKeyword().toUpperCase();
    let end = Math.max(start, Math.min(range.end.line, lines.length - 1));
    const logical = logicalLines(lines, start, escapeChar);
    let heredocs: Heredoc[] = [];
    if (keyword === "RUN" || keyword === "COPY" || keyword === "ADD") {
      heredocs = readHeredocs(lines, logical.end, stripKeyword(logical.text));
      if (heredocs.length > 0) {
        end = heredocs[heredocs.length - 1]!.endLine - 1;
        consumedUntil = end;
      }
    }
    if (heredocs.length === 0) end = Math.max(end, logical.end);
    for (let i = start; i <= end && i < lines.length; i++) covered[i] = true;
    const argsText =
      heredocs.length > 0
        ? stripKeyword(logical.text)
        : stripKeyword(joinLines(lines, start, end, escapeChar));
    const stage = keyword === "FROM" ? stages.length : stages.length - 1;
    const instruction = makeInstruction(
      keyword,
      argsText,
      start + 1,
      end + 1,
      heredocs,
      stage,
      0,
      escapeChar,
    );
    if (instruction.from !== null)
      stages.push({ index: stages.length, line: start + 1, from: instruction.from });
    instructions.push(instruction);
  }

  const comments: Comment[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (covered[i]) continue;
    const trimmed = lines[i]!.trimStart();
    if (trimmed.startsWith("#")) comments.push({ line: i + 1, text: trimmed.slice(1) });
  }
  return { instructions, comments, stages, escape: escapeChar, lineCount: lines.length };
}

const FLAG = /^--([A-Za-z][A-Za-z0-9-]*)(?:=((?:"[^"]*"|'[^']*'|[^\s"'])*))?(?=\s|$)/;

function makeInstruction(
  keyword: string,
  argsText: string,
  line: number,
  endLine: number,
  heredocs: readonly Heredoc[],
  stage: number,
  depth: number,
  escapeChar: string,
): Instruction {
  let rest = argsText.trim();
  const flags: InstructionFlag[] = [];
  for (;;) {
    // An escape character before blanks between flags (`--a=1 \    --b=2` on one line) separates them.
    if (rest.startsWith(escapeChar) && /^\s/.test(rest.slice(escapeChar.length)))
      rest = rest.slice(escapeChar.length).trimStart();
    const m = FLAG.exec(rest);
    if (m === null) break;
    flags.push({ name: m[1]!, value: m[2] ?? null });
    rest = rest.slice(m[0].length).trimStart();
  }
  let trigger: Instruction | null = null;
  if (keyword === "ONBUILD" && depth < 4) {
    const m = /^(\S+)\s*([\s\S]*)$/.exec(rest);
    if (m !== null)
      trigger = makeInstruction(m[1]!.toUpperCase(), m[2]!, line, endLine, [], stage, depth + 1, escapeChar);
  }
  return {
    keyword,
    line,
    endLine,
    flags,
    args: rest,
    execForm: execFormOf(rest),
    heredocs,
    stage,
    trigger,
    from: keyword === "FROM" ? fromImageOf(rest, flags) : null,
  };
}

/** `JSON.parse` of the argument text when it is a JSON array of strings (Docker's exec form). */
function execFormOf(args: string): string[] | null {
  if (!args.startsWith("[")) return null;
  try {
    const value: unknown = JSON.parse(args);
    if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value as string[];
  } catch {
    // not JSON: Docker runs it in shell form
  }
  return null;
}

function stripKeyword(logicalText: string): string {
  return logicalText.replace(/^\s*\S+/, "");
}

/** A line ends in a continuation: the escape character, then only blanks. */
function continues(line: string, escapeChar: string): boolean {
  const trimmed = line.replace(/[ \t]+$/, "");
  if (!trimmed.endsWith(escapeChar)) return false;
  // An escaped escape (`\\` at the end) is a literal backslash, not a continuation.
  let n = 0;
  for (let i = trimmed.length - 1; i >= 0 && trimmed[i] === escapeChar; i--) n++;
  return n % 2 === 1;
}

function isSkippedInContinuation(line: string): boolean {
  const t = line.trim();
  return t === "" || t.startsWith("#");
}

/** The instruction's logical line from `start`: its text with continuations joined, and its last line. */
function logicalLines(
  lines: readonly string[],
  start: number,
  escapeChar: string,
): { text: string; end: number } {
  let text = "";
  let i = start;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (i > start && isSkippedInContinuation(line)) continue;
    if (continues(line, escapeChar)) {
      text += line.replace(/[ \t]+$/, "").slice(0, -escapeChar.length);
      continue;
    }
    text += line;
    break;
  }
  return { text, end: Math.min(i, lines.length - 1) };
}

/** Lines start..end joined as Docker joins continuations (comment and empty lines dropped). */
function joinLines(lines: readonly string[], start: number, end: number, escapeChar: string): string {
  let text = "";
  for (let i = start; i <= end && i < lines.length; i++) {
    const line = lines[i]!;
    if (i > start && isSkippedInContinuation(line)) continue;
    if (continues(line, escapeChar)) text += line.replace(/[ \t]+$/, "").slice(0, -escapeChar.length);
    else text += i < end ? `${line}\n` : line;
  }
  return text;
}

const HEREDOC_MARKER = /(?<![<\w])<<(-?)[ \t]*(["']?)([A-Za-z0-9_.-]+)\2(?![\w])/g;

/** Heredocs opened on an instruction's logical line, read from the lines after `lastLine` (0-based). */
function readHeredocs(lines: readonly string[], lastLine: number, args: string): Heredoc[] {
  const heredocs: Heredoc[] = [];
  let next = lastLine + 1;
  for (const m of args.matchAll(HEREDOC_MARKER)) {
    // `<<<` is a here-string, not a heredoc.
    if (m.index !== undefined && args[m.index + 2 + m[1]!.length] === "<") continue;
    const stripTabs = m[1] === "-";
    const delimiter = m[3]!;
    const body: string[] = [];
    let i = next;
    let closed = false;
    for (; i < lines.length; i++) {
      const line = stripTabs ? lines[i]!.replace(/^\t+/, "") : lines[i]!;
      if (line === delimiter) {
        closed = true;
        break;
      }
      body.push(line);
    }
    const endLine = closed ? i : lines.length - 1;
    heredocs.push({
      delimiter,
      stripTabs,
      quoted: m[2] !== "",
      body: body.join("\n") + (body.length > 0 ? "\n" : ""),
      startLine: next + 1,
      endLine: endLine + 1,
    });
    next = endLine + 1;
    if (next >= lines.length) break;
  }
  return heredocs;
}

/** `[--platform=…] image [AS name]` */
function fromImageOf(args: string, flags: readonly InstructionFlag[]): FromImage {
  const words = args.split(/\s+/).filter((w) => w !== "");
  const text = words[0] ?? "";
  const alias = words.length >= 3 && words[1]!.toLowerCase() === "as" ? words[2]! : null;
  const platform = flags.find((f) => f.name === "platform")?.value ?? null;
  return { ...splitImage(text), alias, platform, text };
}

/** Name, tag and digest as written; the reference grammar when it applies, else a plain split. */
export function splitImage(text: string): Pick<FromImage, "image" | "tag" | "digest" | "registry" | "valid"> {
  const m = matchReference(text);
  let image: string;
  let tag: string | null;
  let digest: string | null;
  if (m !== null) {
    image = m.name;
    tag = m.tag === "" ? null : m.tag;
    digest = m.digest === "" ? null : m.digest;
  } else {
    const at = text.indexOf("@");
    const named = at < 0 ? text : text.slice(0, at);
    digest = at < 0 ? null : text.slice(at + 1);
    const colon = named.lastIndexOf(":");
    const tagged = colon > named.lastIndexOf("/");
    image = tagged ? named.slice(0, colon) : named;
    tag = tagged ? named.slice(colon + 1) : null;
  }
  return { image, tag, digest, registry: registryOf(image), valid: m !== null };
}

/** Docker's rule: the first path element is a registry when it has `.` or `:` or is `localhost`. */
function registryOf(image: string): string | null {
  const slash = image.indexOf("/");
  if (slash < 0) return null;
  const first = image.slice(0, slash);
  return first === "localhost" || first.includes(".") || first.includes(":") ? first : null;
}
