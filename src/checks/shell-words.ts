/**
 * A small POSIX-shell word splitter for history `created_by` lines: quotes (single, double with
 * backslash escapes), backslash escapes and line continuations, and the control operators that
 * separate commands (`&&`, `||`, `;`, `|`, `&`, newlines). No expansion, no comments (`#(nop)` is
 * part of Docker's history text, not a comment). Enough to find commands, their subcommands and
 * flags; Dockerfile linting uses a full shell parser. Bounded: at most `maxChars` characters read.
 */

export interface ShellCommand {
  /** The words of one simple command, quotes removed. */
  words: string[];
}

const MAX_CHARS = 256 * 1024;

/** Split a command line into simple commands (words per command). */
export function splitCommands(line: string, maxChars = MAX_CHARS): ShellCommand[] {
  const text = line.length > maxChars ? line.slice(0, maxChars) : line;
  const commands: ShellCommand[] = [];
  let words: string[] = [];
  let word = "";
  let inWord = false;
  const endWord = () => {
    if (inWord) words.push(word);
    word = "";
    inWord = false;
  };
  const endCommand = () => {
    endWord();
    if (words.length > 0) commands.push({ words });
    words = [];
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\\") {
      if (text[i + 1] === "\n") {
        i++;
        continue;
      }
      if (i + 1 < text.length) {
        word += text[i + 1];
        inWord = true;
        i++;
      }
      continue;
    }
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      const stop = end === -1 ? text.length : end;
      word += text.slice(i + 1, stop);
      inWord = true;
      i = stop;
      continue;
    }
    if (c === '"') {
      inWord = true;
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === "\\" && j + 1 < text.length && '"\\$`\n'.includes(text[j + 1]!)) {
          if (text[j + 1] !== "\n") word += text[j + 1];
          j++;
        } else {
          word += text[j];
        }
      }
      i = j;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r") {
      endWord();
      continue;
    }
    if (c === "\n" || c === ";" || c === "&" || c === "|") {
      endCommand();
      if ((c === "&" || c === "|") && text[i + 1] === c) i++;
      continue;
    }
    word += c;
    inWord = true;
  }
  endCommand();
  return commands;
}

/** `NAME=value` as a shell assignment word. */
export function assignmentOf(word: string): { name: string; value: string } | null {
  const eq = word.indexOf("=");
  if (eq <= 0) return null;
  const name = word.slice(0, eq);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return null;
  return { name, value: word.slice(eq + 1) };
}

const WRAPPERS = new Set(["sudo", "env", "command", "exec", "nice", "nohup", "time", "xargs"]);

/** Wrapper options whose value is the next word (`sudo -u root cmd`: root is not the program). */
const WRAPPER_OPTIONS_WITH_VALUE: Readonly<Record<string, ReadonlySet<string>>> = {
  sudo: new Set(["-u", "-g", "-C", "-D", "-h", "-p", "-R", "-r", "-t", "-T", "-U"]),
  env: new Set(["-u", "-C", "-S", "--unset", "--chdir"]),
  nice: new Set(["-n"]),
  time: new Set(["-f", "-o"]),
  xargs: new Set(["-a", "-d", "-E", "-I", "-L", "-n", "-P", "-s"]),
};

/**
 * The program a command runs and its arguments, after leading assignments and wrappers (`sudo`,
 * `env`, …; their own options are skipped). The program is the base name (`/usr/bin/apt-get` → `apt-get`).
 */
export function programOf(
  command: ShellCommand,
): { program: string; args: string[]; wrappers: string[] } | null {
  const w = command.words;
  const wrappers: string[] = [];
  let i = 0;
  for (;;) {
    while (i < w.length && assignmentOf(w[i]!)) i++;
    if (i >= w.length) return null;
    const name = w[i]!.slice(w[i]!.lastIndexOf("/") + 1);
    if (!WRAPPERS.has(name)) return { program: name, args: w.slice(i + 1), wrappers };
    wrappers.push(name);
    i++;
    const withValue = WRAPPER_OPTIONS_WITH_VALUE[name];
    while (i < w.length && w[i]!.startsWith("-")) i += withValue?.has(w[i]!) ? 2 : 1;
  }
}

/** The first argument that is not an option (skipping the values of options that take one). */
export function subcommandOf(
  args: string[],
  optionsWithValue: ReadonlySet<string> = new Set(),
): string | null {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith("-")) {
      if (optionsWithValue.has(a)) i++;
      continue;
    }
    return a;
  }
  return null;
}

/** The next whitespace-separated word of `text` from `at`: [word, index after it], or null at the end. */
function nextWord(text: string, at: number): [string, number] | null {
  let i = at;
  while (i < text.length && /\s/.test(text[i]!)) i++;
  if (i >= text.length) return null;
  let j = i;
  while (j < text.length && !/\s/.test(text[j]!)) j++;
  return [text.slice(i, j), j];
}

const SHELL_PROGRAM = /^(?:\S{0,64}\/)?(?:sh|bash|dash|ash|zsh|ksh|mksh)$/;

/**
 * The command a history `created_by` line ran, without the wrapping the builders add: BuildKit's
 * `RUN ` prefix and its `|N NAME=value…` build-argument prefix, and the shell invocation
 * (`/bin/sh -c`, `/bin/bash -o pipefail -c`, `sh -ec`). Without this the first command of every
 * RUN would be `sh` with arguments; `#(nop)` lines are left as they are.
 */
export function historyCommandText(createdBy: string): string {
  let text = createdBy.length > MAX_CHARS ? createdBy.slice(0, MAX_CHARS) : createdBy;
  text = text.replace(/^\s*RUN\s+/, "");
  const args = /^\s*\|(\d{1,3})\s/.exec(text);
  if (args) {
    let at = args[0].length;
    for (let n = Number(args[1]); n > 0; n--) {
      const w = nextWord(text, at);
      if (!w || !assignmentOf(w[0])) break;
      at = w[1];
    }
    text = text.slice(at);
  }
  const shell = nextWord(text, 0);
  if (!shell || !SHELL_PROGRAM.test(shell[0])) return text;
  let at = shell[1];
  for (let options = 0; options < 16; options++) {
    const w = nextWord(text, at);
    if (!w?.[0].startsWith("-")) return text;
    at = w[1];
    if (/^-[a-zA-Z]*c$/.test(w[0])) return text.slice(at).replace(/^\s+/, "");
    if (w[0] === "-o") {
      const value = nextWord(text, at);
      if (!value) return text;
      at = value[1];
    }
  }
  return text;
}
