/**
 * DL3044 (hadolint): an ENV that refers to a variable it defines itself (`ENV A=1 B=$A/x`: Docker
 * expands `$A` from before this ENV). Fine: a variable an earlier ENV or ARG defined, and a variable
 * on its own right-hand side (`ENV PATH=/x:$PATH`). `$AB` is no reference to `A`.
 */
import type { Rule, RuleHit } from "../rule.js";
import { argDeclarations, nameValuePairs } from "../words.js";

/** `${name}` (braces closed right after the name), or `$name` taken greedily, as Docker reads it. */
const REFERENCE = /\$\{([^}]*)\}|\$([0-9A-Za-z_]+)/g;

/** The variable names a value refers to. */
function referencedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(REFERENCE)) names.add(m[1] ?? m[2] ?? "");
  return names;
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
        // Which pairs refer to each name: one pass over the values, so a long ENV stays linear.
        const referrers = new Map<string, number[]>();
        pairs.forEach((q, m) => {
          for (const name of referencedNames(q.value ?? "")) {
            const list = referrers.get(name);
            if (!list) referrers.set(name, [m]);
            else if (list.length < 2) list.push(m);
          }
        });
        const selfRef = pairs.some(
          (p, n) => !known.has(p.name) && (referrers.get(p.name) ?? []).some((m) => m !== n),
        );
        for (const p of pairs) known.add(p.name);
        if (selfRef) yield { line: i.line } satisfies RuleHit;
      }
    }
  },
};
