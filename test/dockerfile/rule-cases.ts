/**
 * Table-driven rule tests in hadolint's own terms (its test/Helpers.hs):
 *  - `catches`     ruleCatches: at least one finding with the code, every line number > 0;
 *  - `catchesNot`  ruleCatchesNot: no finding with the code;
 *  - `onbuild`     onBuildRuleCatches / onBuildRuleCatchesNot: the same Dockerfile with every RUN
 *                  wrapped in ONBUILD must give exactly one finding (catches) or none.
 * Findings are hadolint's Process.run result (analyzeDockerfile): after inline pragmas, before the
 * configuration's ignore list and before dropping severity `ignore` — so DL1001 is visible.
 *
 * A case file exports `RuleSpec[]`, one per rule, citing where the cases come from; a test file
 * calls `describeRuleSpecs(specs)`. Texts follow hadolint's: lines joined with "\n" plus "\n".
 */
import { describe, expect, it } from "vitest";
import type { LintConfig } from "../../src/dockerfile/config.js";
import { analyzeDockerfile } from "../../src/dockerfile/lint.js";
import { parseDockerfile } from "../../src/dockerfile/parse.js";

export interface RuleCase {
  /** hadolint's `it` description. */
  readonly name: string;
  /** One line, or hadolint's list of lines (Text.unlines). */
  readonly dockerfile: string | readonly string[];
  readonly expect: "catches" | "catchesNot";
  /** Also check with each RUN wrapped in ONBUILD: "catches" (exactly one) or "catchesNot". */
  readonly onbuild?: "catches" | "catchesNot";
  readonly config?: LintConfig;
}

export interface RuleSpec {
  readonly code: string;
  /** Where the cases come from, e.g. "hadolint/hadolint test/Hadolint/Rule/DL3000Spec.hs". */
  readonly source: string;
  readonly cases: readonly RuleCase[];
}

export function dockerfileText(d: string | readonly string[]): string {
  return typeof d === "string" ? `${d}\n` : `${d.join("\n")}\n\n`;
}

/** hadolint's wrapInOnBuild: every RUN instruction becomes ONBUILD RUN (same lines). */
export function wrapRunsInOnbuild(text: string): string {
  const lines = text.split("\n");
  for (const i of parseDockerfile(text).instructions) {
    if (i.keyword !== "RUN") continue;
    lines[i.line - 1] = lines[i.line - 1]!.replace(/^(\s*)/, "$1ONBUILD ");
  }
  return lines.join("\n");
}

async function count(
  code: string,
  text: string,
  config?: LintConfig,
): Promise<{ n: number; lines: number[] }> {
  const found = (await analyzeDockerfile(text, config)).filter((f) => f.rule === code);
  return { n: found.length, lines: found.map((f) => f.line) };
}

export function describeRuleSpecs(specs: readonly RuleSpec[]): void {
  for (const spec of specs) {
    describe(`${spec.code} (${spec.source})`, () => {
      it.each(spec.cases.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
        const text = dockerfileText(c.dockerfile);
        const { n, lines } = await count(spec.code, text, c.config);
        if (c.expect === "catches") {
          expect(n, `${spec.code} should catch:\n${text}`).toBeGreaterThan(0);
          for (const line of lines) expect(line).toBeGreaterThan(0);
        } else {
          expect(n, `${spec.code} should not catch:\n${text}`).toBe(0);
        }
        if (c.onbuild !== undefined) {
          const wrapped = wrapRunsInOnbuild(text);
          const onbuild = await count(spec.code, wrapped, c.config);
          expect(onbuild.n, `${spec.code} on ONBUILD:\n${wrapped}`).toBe(c.onbuild === "catches" ? 1 : 0);
        }
      });
    });
  }
}
