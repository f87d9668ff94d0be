/**
 * DL3060 (hadolint): `yarn install` without a later `yarn cache clean` in the same RUN, in a stage
 * that ends up in the image (the last stage, or one a later FROM builds on). A cache/tmpfs mount at
 * a `.cache/yarn` directory keeps the cache out of the layer.
 */
import type { FromImage } from "../parse.js";
import type { Rule, RuleHit } from "../rule.js";
import { cmdHasArgs } from "../shell.js";
import { cleansAfterInstall, mountsCache } from "./package-cleanup.js";

export const DL3060: Rule = {
  code: "DL3060",
  severity: "info",
  message: "`yarn cache clean` missing after `yarn install` was run.",
  onbuild: true,
  *check(stream, ctx) {
    let current: FromImage | null = null;
    const baseImages = new Set<string>();
    const forgets: { line: number; from: FromImage | null }[] = [];
    for (const i of stream) {
      if (i.from !== null) {
        current = i.from;
        baseImages.add(i.from.image);
      } else if (i.keyword === "RUN" && !mountsCache(i, [".cache/yarn"])) {
        const clean = cleansAfterInstall(
          ctx.shell(i),
          (c) => cmdHasArgs(c, "yarn", ["install"]),
          (c) => cmdHasArgs(c, "yarn", ["cache", "clean"]),
        );
        if (!clean) forgets.push({ line: i.line, from: current });
      }
    }
    for (const f of forgets) {
      const final = f.from === current;
      const usedLater = f.from?.alias != null && baseImages.has(f.from.alias);
      if (final || usedLater) yield { line: f.line } satisfies RuleHit;
    }
  },
};
