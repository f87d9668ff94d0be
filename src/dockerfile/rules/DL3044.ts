/**
 * DL3044 (hadolint): an ENV that refers to a variable it defines itself (`ENV A=1 B=$A/x`: Docker
 * expands `$A` from before this ENV). Fine: a variable an earlier ENV or ARG defined, and a variable
 * on its own right-hand side (`ENV PATH=/x:$PATH`). `$AB` is no reference to `A`.
 */
import type { Rule, RuleHit } from "../rule.js";
import { argDeclarations, nameValuePairs } from "../words.js";

const VAR_CHAR = /[0-9A-Za-z_]/;

/** `${name}` anywhere, or `$name` not followed by a character that would continue the name. */
function refersTo(name: string, text: string): boolean {
  if (text.includes(`\${${name}}`)) return true;
  const bare = `$${name}`;
  let at = text.indexOf(bare);
  while (at >= 0) {
    const next = text[at + bare.length];
    if (next === undefined || !VAR_CHAR.test(next)) return true;
    at = text.indexOf(bare, at + 1);
  }
  return false;
}

export const DL3044: Rule = {
  code: "DL3044",
  severity: "error",
  message: "Do not refer to an environment variable within the same `ENV` statement where it is defined.",
  onbuild: false,
  *check(stream, ctx) {
    const known = new Set<string>();
    for (const i of stream) {
      if (i.keyword === "ARG") {
        for (const a of argDeclarations(i.args, ctx.file.escape)) known.add(a.name);
      } else if (i.keyword === "ENV") {
        const pairs = nameValuePairs(i.args, ctx.file.escape);
        const selfRef = pairs.some(
          (p, n) => !known.has(p.name) && pairs.some((q, m) => m !== n && refersTo(p.name, q.value ?? "")),
        );
        for (const p of pairs) known.add(p.name);
        if (selfRef) yield { line: i.line } satisfies RuleHit;
      }
    }
  },
};
