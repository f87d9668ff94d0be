/**
 * DL3006 (hadolint): FROM without a tag. Fine: a digest, `scratch`, a variable (`${BASE}`), or the
 * name of an earlier stage.
 */
import type { Rule, RuleHit } from "../rule.js";

export const DL3006: Rule = {
  code: "DL3006",
  severity: "warning",
  message: "Always tag the version of an image explicitly",
  onbuild: false,
  *check(stream) {
    const aliases = new Set<string>();
    for (const i of stream) {
      const from = i.from;
      if (from === null) continue;
      const untagged =
        from.image !== "scratch" &&
        from.digest === null &&
        from.tag === null &&
        !from.image.startsWith("$") &&
        !aliases.has(from.image);
      if (from.alias !== null) aliases.add(from.alias);
      if (untagged) yield { line: i.line } satisfies RuleHit;
    }
  },
};
