/**
 * DL3022 (hadolint): `COPY --from=` naming no earlier stage. Fine: an earlier stage's name, the
 * index of an earlier stage (`--from=0`), an image reference with a tag (`--from=nginx:1.25`), and
 * values with variables (not judged). Stage names compare case-insensitively, as Docker's do.
 */
import type { Rule, RuleHit } from "../rule.js";
import { flagValue } from "../words.js";

export const DL3022: Rule = {
  code: "DL3022",
  severity: "warning",
  message: "`COPY --from` should reference a previously defined `FROM` alias",
  onbuild: true,
  *check(stream) {
    const names = new Set<string>();
    let stages = 0;
    for (const i of stream) {
      if (i.from !== null) {
        stages++;
        if (i.from.alias !== null) names.add(i.from.alias.toLowerCase());
        continue;
      }
      if (i.keyword !== "COPY") continue;
      const source = flagValue(i, "from");
      if (source === null || source.includes(":") || source.includes("$")) continue;
      const known = /^\d+$/.test(source) ? Number(source) < stages : names.has(source.toLowerCase());
      if (!known) yield { line: i.line } satisfies RuleHit;
    }
  },
};
