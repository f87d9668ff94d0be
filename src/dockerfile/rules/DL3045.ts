/**
 * DL3045 (hadolint): COPY to a relative destination in a stage without WORKDIR (the destination
 * then depends on the base image's working directory). A WORKDIR in the stage it builds on
 * (`FROM base`) counts. Not judged: absolute destinations (`/x`, `c:\x`, `c:/x`) and destinations
 * starting with a variable.
 */
import type { Rule, RuleHit } from "../rule.js";
import { copyOperands } from "../words.js";
import { StageFacts } from "./stage-names.js";

function relative(dest: string): boolean {
  const d = dest.replace(/^["']+|["']+$/g, "");
  if (d.startsWith("/") || d.startsWith("$")) return false;
  const afterDrive = d.slice(1);
  return !(afterDrive.startsWith(":\\") || afterDrive.startsWith(":/"));
}

export const DL3045: Rule = {
  code: "DL3045",
  severity: "warning",
  message: "`COPY` to a relative destination without `WORKDIR` set.",
  onbuild: true,
  *check(stream) {
    const workdir = new StageFacts<boolean>(() => false);
    for (const i of stream) {
      if (i.from !== null) workdir.enter(i.from);
      else if (i.keyword === "WORKDIR") workdir.set(true);
      else if (i.keyword === "COPY" && !workdir.get()) {
        const operands = copyOperands(i);
        if (operands !== null && relative(operands.target)) yield { line: i.line } satisfies RuleHit;
      }
    }
  },
};
