/**
 * The shared check behind SS2003–SS2005: packages installed in the final stage (and not removed
 * again by a later command) that provide a tool of one kind (tool-packages.ts).
 */
import type { RuleContext, RuleHit } from "../rule.js";
import { finalStageContents, isRemovedAgain } from "./stage-contents.js";
import { type ToolKind, toolOfPackage } from "./tool-packages.js";

export function* installedToolHits(ctx: RuleContext, kind: ToolKind): Iterable<RuleHit> {
  if (ctx.onbuild) return;
  const contents = finalStageContents(ctx);
  for (const p of contents.installed) {
    const tool = toolOfPackage(p.name);
    if (tool === null || tool.kind !== kind || isRemovedAgain(contents, p)) continue;
    const pkg = tool.tool === p.name ? "" : ` (package ${p.name})`;
    yield { line: p.line, message: `The final stage installs ${tool.tool}${pkg}, a ${kind}` };
  }
}
