/**
 * DL3057 (hadolint, off by default): a stage without HEALTHCHECK, reported at its FROM. A stage
 * built on one with a HEALTHCHECK has it; a HEALTHCHECK (or `HEALTHCHECK NONE`) also clears the
 * stages the current one descends from, so a chain `FROM a AS b` … ending in a HEALTHCHECK is fine.
 */
import type { Rule, RuleHit } from "../rule.js";
import { stageName } from "./stage-names.js";

interface StageId {
  /** The image or stage it is built FROM. */
  readonly source: string;
  readonly name: string;
  readonly line: number;
}

/** The stages in `bad` that `stage` descends from, transitively. */
function ancestors(bad: ReadonlySet<StageId>, stage: StageId): Set<StageId> {
  const found = new Set<StageId>();
  let frontier = [stage];
  while (frontier.length > 0) {
    const next: StageId[] = [];
    for (const s of frontier) {
      for (const b of bad) {
        if (!found.has(b) && b.name === s.source) {
          found.add(b);
          next.push(b);
        }
      }
    }
    frontier = next;
  }
  return found;
}

export const DL3057: Rule = {
  code: "DL3057",
  severity: "ignore",
  message: "`HEALTHCHECK` instruction missing.",
  onbuild: false,
  *check(stream) {
    const good = new Set<StageId>();
    const bad = new Set<StageId>();
    let current: StageId | null = null;
    for (const i of stream) {
      if (i.from !== null) {
        const stage: StageId = { source: i.from.image, name: stageName(i.from), line: i.line };
        current = stage;
        ([...good].some((g) => g.name === stage.source) ? good : bad).add(stage);
      } else if (i.keyword === "HEALTHCHECK" && current !== null) {
        for (const s of ancestors(bad, current)) {
          bad.delete(s);
          good.add(s);
        }
        bad.delete(current);
        good.add(current);
      }
    }
    for (const s of [...bad].sort((a, b) => a.line - b.line)) yield { line: s.line } satisfies RuleHit;
  },
};
