/** What the label rules (DL3048–DL3058) share: a LABEL's pairs and a rule per schema label. */
import type { LabelType } from "../config.js";
import type { Instruction } from "../parse.js";
import type { Rule, RuleContext, RuleHit, Severity } from "../rule.js";
import { type NameValue, nameValuePairs } from "../words.js";

export function labelPairs(instruction: Instruction, ctx: RuleContext): NameValue[] {
  return instruction.keyword === "LABEL" ? nameValuePairs(instruction.args, ctx.file.escape) : [];
}

/**
 * A check of one value format, run for every label the schema gives that type (hadolint builds one
 * rule per label): a LABEL setting that label to a value `valid` refuses is reported, with the
 * label's name in the message (`message` has `<label>` where the name goes).
 */
export function labelFormatRule(head: {
  code: string;
  severity: Severity;
  message: string;
  /** null: every label in the schema, whatever its type. */
  type: LabelType | null;
  valid: (value: string) => boolean;
}): Rule {
  return {
    code: head.code,
    severity: head.severity,
    message: head.message,
    onbuild: true,
    *check(stream, ctx) {
      const names = [...ctx.config.labelSchema]
        .filter(([, type]) => head.type === null || type === head.type)
        .map(([name]) => name);
      if (names.length === 0) return;
      for (const i of stream) {
        const pairs = labelPairs(i, ctx);
        for (const name of names) {
          if (pairs.some((p) => p.name === name && !head.valid(p.value ?? ""))) {
            yield { line: i.line, message: head.message.replace("<label>", name) } satisfies RuleHit;
          }
        }
      }
    },
  };
}
