/**
 * DL3049 (hadolint): a label of the configured `label-schema` missing from a stage, reported at the
 * stage's FROM (one finding per label). A stage has the label when it or the stage it builds on
 * (`FROM <alias>`) sets it. A stage without it is not reported when it only feeds another stage:
 * it is COPY --from'd, or a later stage built on it sets the label.
 */
import type { FromImage } from "../parse.js";
import type { Rule, RuleHit } from "../rule.js";
import { labelPairs } from "./labels.js";
import { stageName } from "./stage-names.js";

interface StageId {
  readonly from: FromImage;
  readonly line: number;
}

export const DL3049: Rule = {
  code: "DL3049",
  severity: "info",
  message: "Label `<label>` is missing.",
  onbuild: false,
  *check(stream, ctx) {
    for (const label of ctx.config.labelSchema.keys()) {
      const good = new Set<StageId>();
      const bad = new Set<StageId>();
      let current: StageId | null = null;
      const silenceAlias = (name: string) => {
        for (const s of bad) if (s.from.alias === name) bad.delete(s);
      };
      for (const i of stream) {
        if (i.from !== null) {
          const from = i.from;
          current = { from, line: i.line };
          const inherits = [...good].some((s) => s.from.alias !== null && s.from.alias === from.image);
          (inherits ? good : bad).add(current);
        } else if (i.keyword === "COPY") {
          const source = i.flags.find((f) => f.name === "from")?.value;
          if (source !== undefined && source !== null) silenceAlias(source.replace(/^["']|["']$/g, ""));
        } else if (current !== null && labelPairs(i, ctx).some((p) => p.name === label)) {
          silenceAlias(stageName(current.from));
          good.add(current);
          bad.delete(current);
        }
      }
      const message = `Label \`${label}\` is missing.`;
      for (const s of [...bad].sort((a, b) => a.line - b.line))
        yield { line: s.line, message } satisfies RuleHit;
    }
  },
};
