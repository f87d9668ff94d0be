/**
 * Loads ../shared/data/version-vectors/*.json, validated with valibot so a changed file fails loudly
 * instead of silently testing less. Counts are asserted by the tests, from the README's table.
 */
import { readFileSync } from "node:fs";
import * as v from "valibot";
import { dataPath } from "../helpers/shared.js";

const Cmp = v.picklist([-1, 0, 1]);

const basePair = { a: v.string(), b: v.string() };

const schemas = {
  dpkg: v.object({ vectors: v.array(v.object({ ...basePair, cmp: Cmp, src: v.string() })) }),
  rpm: v.object({
    vectors: v.array(v.object({ ...basePair, cmp: Cmp, kind: v.picklist(["rpmvercmp", "evr"]) })),
  }),
  apk: v.object({
    vectors: v.array(v.object({ ...basePair, cmp: Cmp, comment: v.optional(v.string()) })),
    fuzzy: v.array(v.object({ a: v.string(), op: v.string(), b: v.string(), expect: v.boolean() })),
    validity: v.array(v.object({ version: v.string(), valid: v.boolean() })),
  }),
  "semver-npm": v.object({
    vectors: v.array(v.object({ ...basePair, cmp: Cmp, options: v.optional(v.unknown()) })),
    ranges: v.array(
      v.object({
        range: v.string(),
        // One fixture passes `false` as the version, to check that non-strings are not included.
        version: v.union([v.string(), v.boolean()]),
        included: v.boolean(),
        options: v.optional(v.unknown()),
      }),
    ),
  }),
  pep440: v.object({
    vectors: v.array(v.object({ ...basePair, cmp: Cmp })),
    invalid: v.array(v.string()),
  }),
  maven: v.object({ vectors: v.array(v.object({ ...basePair, cmp: Cmp, src: v.string() })) }),
  golang: v.object({
    vectors: v.array(v.object({ ...basePair, cmp: Cmp, invalid: v.optional(v.literal(true)) })),
    canonical: v.array(v.object({ in: v.string(), out: v.string() })),
  }),
  rubygems: v.object({ vectors: v.array(v.object({ ...basePair, cmp: v.union([Cmp, v.literal("ne")]) })) }),
};

export type VectorFile = keyof typeof schemas;

export function loadVectors<K extends VectorFile>(name: K): v.InferOutput<(typeof schemas)[K]> {
  const text = readFileSync(dataPath("version-vectors", `${name}.json`), "utf8");
  return v.parse(schemas[name], JSON.parse(text)) as v.InferOutput<(typeof schemas)[K]>;
}

/** Runs `check` on every item and returns a description of each failure, naming the item. */
export function collectFailures<T>(items: readonly T[], check: (item: T) => string | null): string[] {
  const failures: string[] = [];
  for (const [i, item] of items.entries()) {
    let problem: string | null;
    try {
      problem = check(item);
    } catch (err) {
      problem = `threw ${err instanceof Error ? err.message : String(err)}`;
    }
    if (problem !== null) failures.push(`#${i} ${JSON.stringify(item)}: ${problem}`);
  }
  return failures;
}

/** fast-check runs: short by default (CI), more with SHIPSHAPE_FUZZ_RUNS=N for a deeper local run. */
export function fuzzRuns(defaultRuns: number): { numRuns: number } {
  const n = Number(process.env.SHIPSHAPE_FUZZ_RUNS);
  return { numRuns: Number.isInteger(n) && n > 0 ? n : defaultRuns };
}
