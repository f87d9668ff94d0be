/**
 * DL4006 (hadolint): a RUN with a pipe while the stage's shell does not have `-o pipefail` (a
 * failing command before `|` would go unnoticed). A `SHELL ["/bin/bash", "-o", "pipefail", "-c"]`
 * (bash, zsh or ash; `-eo pipefail` too) sets it until the next SHELL or FROM; plain sh has no
 * pipefail. Non-POSIX shells (pwsh, powershell, cmd) are not judged.
 */
import type { Instruction } from "../parse.js";
import type { Rule, RuleContext, RuleHit } from "../rule.js";
import { hasArg, hasFlag } from "../shell.js";
import { instructionWords } from "../words.js";

const PIPEFAIL_SHELLS = new Set(["/bin/bash", "/bin/zsh", "/bin/ash", "bash", "zsh", "ash"]);

/** The shell program's base name, lower-cased, without `.exe`. */
function program(words: readonly string[]): string {
  const first = words[0] ?? "";
  return (first.split(/[/\\]/).pop() ?? "").toLowerCase().replace(/\.exe$/, "");
}

type ShellState = "pipefail" | "no-pipefail" | "not-posix";

function stateOf(shellInstruction: Instruction, ctx: RuleContext): ShellState {
  const words = instructionWords(shellInstruction);
  if (["pwsh", "powershell", "cmd"].includes(program(words))) return "not-posix";
  const sets = ctx
    .shell(shellInstruction)
    .commands.some((c) => PIPEFAIL_SHELLS.has(c.name) && hasFlag(c, "o") && hasArg(c, "pipefail"));
  return sets ? "pipefail" : "no-pipefail";
}

export const DL4006: Rule = {
  code: "DL4006",
  severity: "warning",
  message:
    "Set the SHELL option -o pipefail before RUN with a pipe in it. If you are using /bin/sh in an alpine image or if your shell is symlinked to busybox then consider explicitly setting your SHELL to /bin/ash, or disable this check",
  onbuild: false,
  *check(stream, ctx) {
    let state: ShellState = "no-pipefail";
    for (const i of stream) {
      if (i.from !== null) state = "no-pipefail";
      else if (i.keyword === "SHELL") state = stateOf(i, ctx);
      else if (i.keyword === "RUN" && state === "no-pipefail" && ctx.shell(i).hasPipes)
        yield { line: i.line } satisfies RuleHit;
    }
  },
};
