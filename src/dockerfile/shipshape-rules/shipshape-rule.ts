/**
 * shipshape's own lint rules (SS2xxx; the image checks are SS1xxx) are hadolint-style rules (../rule.ts)
 * with a title and a remediation, which docs/lint.md and the SARIF output show.
 */
import type { Rule } from "../rule.js";

export interface ShipshapeRule extends Rule {
  /** What the rule is about, in a few words. */
  readonly title: string;
  /** What to do about a finding. */
  readonly remediation: string;
}
