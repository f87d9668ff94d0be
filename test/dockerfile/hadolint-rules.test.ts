/** hadolint's own rule tests (ruleCatches / ruleCatchesNot / onBuild… / failsWith) for DL1001–DL4006. */
import { describe, expect, it } from "vitest";
import { analyzeDockerfile } from "../../src/dockerfile/lint.js";
import { HADOLINT_DL1001_DL3030 } from "./cases/hadolint-dl1001-dl3030.js";
import { HADOLINT_DL3031_DL4006, HADOLINT_EXACT_COUNTS } from "./cases/hadolint-dl3031-dl4006.js";
import { describeRuleSpecs, dockerfileText } from "./rule-cases.js";

describeRuleSpecs(HADOLINT_DL1001_DL3030);
describeRuleSpecs(HADOLINT_DL3031_DL4006);

for (const spec of HADOLINT_EXACT_COUNTS) {
  describe(`${spec.code} finding counts (${spec.source})`, () => {
    it.each(spec.cases.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
      const text = dockerfileText(c.dockerfile);
      const found = (await analyzeDockerfile(text, c.config)).filter((f) => f.rule === spec.code);
      expect(found.length, `${spec.code} findings in:\n${text}`).toBe(c.count);
      for (const f of found) expect(f.line).toBeGreaterThan(0);
    });
  });
}
