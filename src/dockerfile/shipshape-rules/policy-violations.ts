/**
 * The policy file's Dockerfile rules (`lint --policy`, LintOptions.policy) as lint findings: the
 * base images every FROM pulls are judged by the policy's image rules, the packages the final stage
 * installs by its forbidden packages/tools — by src/policy/lint-policy.ts, exactly as `scan` judges
 * a built image's name, with the policy's exceptions. SS2009, SS2012, SS2013 and SS2014 each report
 * the violations of their rule; without a policy they are silent.
 */

import { evaluateLintPolicy } from "../../policy/lint-policy.js";
import type { PolicyViolation } from "../../policy/model.js";
import type { RuleContext, RuleHit } from "../rule.js";
import { pulledBaseImages } from "./final-stage.js";
import { finalStageContents, keptPackages } from "./stage-contents.js";

/** Per file: the last evaluation (the three rules of one lint run share it). */
const cache = new WeakMap<object, { config: object; violations: PolicyViolation[] }>();

function violations(ctx: RuleContext): PolicyViolation[] {
  const known = cache.get(ctx.file);
  if (known !== undefined && known.config === ctx.config) return known.violations;
  const finalStagePackages = keptPackages(finalStageContents(ctx));
  const result = evaluateLintPolicy([], ctx.config.policies, {
    baseImages: pulledBaseImages(ctx.file),
    finalStagePackages,
  });
  cache.set(ctx.file, { config: ctx.config, violations: result.violations });
  return result.violations;
}

/** The hits of the policy rules `rules` (their ids), at the violation's line. */
export function* policyHits(ctx: RuleContext, rules: readonly string[]): Iterable<RuleHit> {
  if (ctx.onbuild || ctx.config.policies.length === 0) return;
  for (const v of violations(ctx)) {
    if (!rules.includes(v.rule) || v.line === undefined) continue;
    // The violation's message starts with "line N: " — the finding has its own line.
    yield { line: v.line, message: v.message.replace(/^line \d+: /, "") };
  }
}
