/**
 * The shell script a RUN instruction runs, as BuildKit forms it:
 *  - shell form: the argument text (continuations joined);
 *  - a heredoc alone (`RUN <<EOF` … `EOF`): the heredoc's body is the script;
 *  - a command with heredocs (`RUN python3 <<EOF` …): the command line followed by the heredoc
 *    bodies and their delimiters, a script with here-documents;
 *  - exec form (`RUN ["apt-get", "install", "x"]`): its words joined by spaces — no shell runs it,
 *    but the rules still read its command (hadolint does the same); ShellCheck skips it.
 */
import type { Instruction } from "./parse.js";

const ONLY_HEREDOCS = /^(?:\s*<<-?[ \t]*(["']?)[A-Za-z0-9_.-]+\1)+\s*$/;

export function runScript(instruction: Instruction): string {
  if (instruction.execForm !== null) return instruction.execForm.join(" ");
  const heredocs = instruction.heredocs;
  if (heredocs.length === 0) return instruction.args;
  if (heredocs.length === 1 && ONLY_HEREDOCS.test(instruction.args)) return heredocs[0]!.body;
  let script = `${instruction.args}\n`;
  for (const h of heredocs) script += `${h.body}${h.delimiter}\n`;
  return script;
}

/** Whether ShellCheck should see this RUN (shell form only, as hadolint). */
export function isShellForm(instruction: Instruction): boolean {
  return instruction.keyword === "RUN" && instruction.execForm === null;
}
