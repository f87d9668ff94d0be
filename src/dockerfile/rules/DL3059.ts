/**
 * DL3059 (hadolint): consecutive RUNs of one command each, with the same flags (e.g. the same
 * --mount): they could be one layer. Comments between them do not separate them; any other
 * instruction does. A RUN of several commands (`a && b`) is taken as a deliberate split.
 */
import type { Instruction } from "../parse.js";
import type { Rule, RuleHit } from "../rule.js";

function sameFlags(a: Instruction, b: Instruction): boolean {
  return (
    a.flags.length === b.flags.length &&
    a.flags.every((f, n) => f.name === b.flags[n]?.name && f.value === b.flags[n]?.value)
  );
}

export const DL3059: Rule = {
  code: "DL3059",
  severity: "info",
  message: "Multiple consecutive `RUN` instructions. Consider consolidation.",
  onbuild: false,
  *check(stream, ctx) {
    let previous: { run: Instruction; commands: number } | null = null;
    for (const i of stream) {
      if (i.keyword !== "RUN") {
        previous = null;
        continue;
      }
      const commands = ctx.shell(i).commands.length;
      if (previous !== null && sameFlags(previous.run, i) && commands <= 1 && previous.commands <= 1) {
        yield { line: i.line } satisfies RuleHit;
      }
      previous = { run: i, commands };
    }
  },
};
