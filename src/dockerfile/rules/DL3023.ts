/** DL3023 (hadolint): `COPY --from=` naming the stage the COPY is in. */
import type { Rule, RuleHit } from "../rule.js";
import { flagValue } from "../words.js";

export const DL3023: Rule = {
  code: "DL3023",
  severity: "error",
  message: "`COPY --from` cannot reference its own `FROM` alias",
  onbuild: true,
  *check(stream) {
    let alias: string | null = null;
    for (const i of stream) {
      if (i.from !== null) alias = i.from.alias;
      else if (i.keyword === "COPY" && alias !== null) {
        const source = flagValue(i, "from");
        if (source !== null && source.toLowerCase() === alias.toLowerCase())
          yield { line: i.line } satisfies RuleHit;
      }
    }
  },
};
