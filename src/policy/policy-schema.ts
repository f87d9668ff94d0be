/**
 * The policy file's schema (valibot): every key, its type and its bounds. Unknown keys are errors at
 * every level — a misspelt `digestRequierd: true` must not silently turn a rule off. policy-file.ts
 * turns the first issue into a one-line error naming file:line:col, the key and what it must be.
 *
 *     version: 1                      # optional; the only version so far
 *     name: production                # optional
 *     image:
 *       allowedRegistries: [registry.example.com/team, docker.io/library, "localhost:5000"]
 *       disallowedTags: [latest]      # exact, or with * and ? wildcards
 *       digestRequired: true
 *       maxAgeDays: 90                # from the config's `created`
 *       requiredLabels:               # a name, or {name, value: anchored regular expression}
 *         - org.opencontainers.image.source
 *         - { name: org.opencontainers.image.licenses, value: "Apache-2.0|MIT" }
 *     vulnerabilities:
 *       forbidden: [CVE-2021-44228]   # ids or aliases that may never be present
 *       kevForbidden: true            # CISA Known Exploited Vulnerabilities
 *       maxSeverity: critical         # ceiling for all findings: critical…negligible, unknown, none
 *       maxFixableSeverity: medium    # ceiling for findings that have a fix
 *       maxCvss: 9.9                  # ceiling for the finding's CVSS base score
 *       maxFixableCvss: 6.9
 *     minimumGrade: C                 # the A–F health index (src/grade/health-index.ts)
 *     forbidden:
 *       packages: [apk-tools, apt, dpkg]   # package names, wildcards allowed
 *       tools: [curl, wget, nc]            # executables the hygiene checks found, by file name
 *       rules: [CIS-DI-0001, DL3007]       # hygiene or lint check ids
 *     hygiene:
 *       maxSeverity: high             # ceiling for image hygiene findings: critical…low, info, none
 *     lint:
 *       failureThreshold: warning     # lint findings at or above this hadolint level fail
 *     inform:                         # the same rules, reported as warnings, never failing
 *       image: { maxAgeDays: 90 }
 *     exceptions:
 *       - vulnerability: CVE-2019-14697
 *         package: musl
 *         rule: vulnerabilities.maxFixableSeverity   # optional: one rule only
 *         image: docker.io/library/alpine            # optional: only for these images
 *         reason: not reachable; upgrade scheduled
 *         expires: 2026-12-31                        # required
 */
import * as v from "valibot";
import { GRADE_LETTERS } from "../grade/health-index.js";
import { SEVERITY_ORDER } from "../vulndb/records.js";
import { expiryInstant } from "./ignore-file.js";
import { LINT_LEVELS, POLICY_RULE_IDS } from "./model.js";
import { parseRegistryPattern } from "./registry-pattern.js";

/* Maps and lists may be null (`image:` with every rule commented out): null is "none". Scalars may not:
 * `digestRequired:` with no value is a mistake to name, not a rule to switch off. */

/** Lists in a hand-written policy are short; a limit keeps a hostile file's cost bounded. */
const MAX_LIST = 1000;
const MAX_NAME = 256;
const MAX_PATTERN = 512;

const text = (max = MAX_NAME) =>
  v.pipe(
    v.string("must be a string"),
    v.trim(),
    v.minLength(1, "must not be empty"),
    v.maxLength(max, `must be at most ${max} characters`),
  );

const list = <const S extends v.GenericSchema>(item: S) =>
  v.pipe(v.array(item, "must be a list"), v.maxLength(MAX_LIST, `must have at most ${MAX_LIST} entries`));

const severityLimit = v.pipe(
  v.string("must be a severity"),
  v.trim(),
  v.toLowerCase(),
  v.picklist(
    [...[...SEVERITY_ORDER].reverse(), "none"] as const,
    `must be one of ${[...SEVERITY_ORDER].reverse().join(", ")}, none`,
  ),
);

/** Hygiene findings have their own scale (src/checks/severity.ts): info instead of negligible/unknown. */
const hygieneLimit = v.pipe(
  v.string("must be a severity"),
  v.trim(),
  v.toLowerCase(),
  v.picklist(
    ["critical", "high", "medium", "low", "info", "none"] as const,
    "must be one of critical, high, medium, low, info, none",
  ),
);

const cvss = v.pipe(
  v.number("must be a number from 0 to 10"),
  v.minValue(0, "must be a number from 0 to 10"),
  v.maxValue(10, "must be a number from 0 to 10"),
);

const registryEntry = v.pipe(
  text(MAX_PATTERN),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const parsed = parseRegistryPattern(dataset.value);
    if (typeof parsed === "string") addIssue({ message: parsed });
  }),
);

const regexText = v.pipe(
  text(MAX_PATTERN),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    try {
      new RegExp(dataset.value, "u");
    } catch (err) {
      addIssue({
        message: `is not a regular expression (${err instanceof Error ? err.message : String(err)})`,
      });
    }
  }),
);

const labelRequirement = v.union(
  [text(), v.strictObject({ name: text(), value: v.optional(regexText) })],
  "must be a label name, or a mapping with name and optionally value",
);

const dateText = v.pipe(
  v.string("must be a date (YYYY-MM-DD)"),
  v.trim(),
  v.check((s) => expiryInstant(s) !== null, "is not a valid date (YYYY-MM-DD)"),
);

export const EXCEPTION_KEYS = [
  "rule",
  "vulnerability",
  "package",
  "image",
  "path",
  "check",
  "reason",
  "expires",
];

const exception = v.pipe(
  v.strictObject({
    rule: v.optional(
      v.picklist(POLICY_RULE_IDS, `must be one of the policy's rules: ${POLICY_RULE_IDS.join(", ")}`),
    ),
    vulnerability: v.optional(text()),
    package: v.optional(text()),
    image: v.optional(registryEntry),
    path: v.optional(text(4096)),
    check: v.optional(text()),
    reason: text(4096),
    expires: dateText,
  }),
  v.check(
    (e) => [e.rule, e.vulnerability, e.package, e.image, e.path, e.check].some((x) => x !== undefined),
    "must name what it waives: at least one of rule, vulnerability, package, image, path, check",
  ),
);

/** The rules: at the top level they fail the build, under `inform:` they are only reported. */
const RULES = {
  image: v.nullish(
    v.strictObject({
      allowedRegistries: v.nullish(list(registryEntry)),
      disallowedTags: v.nullish(list(text(128))),
      digestRequired: v.optional(v.boolean("must be true or false")),
      maxAgeDays: v.optional(
        v.pipe(
          v.number("must be a whole number of days"),
          v.integer("must be a whole number of days"),
          v.minValue(0, "must not be negative"),
          v.maxValue(100_000, "must be at most 100000"),
        ),
      ),
      requiredLabels: v.nullish(list(labelRequirement)),
    }),
  ),
  vulnerabilities: v.nullish(
    v.strictObject({
      forbidden: v.nullish(list(text())),
      kevForbidden: v.optional(v.boolean("must be true or false")),
      maxSeverity: v.optional(severityLimit),
      maxFixableSeverity: v.optional(severityLimit),
      maxCvss: v.optional(cvss),
      maxFixableCvss: v.optional(cvss),
    }),
  ),
  minimumGrade: v.optional(
    v.pipe(
      v.string("must be a grade letter"),
      v.trim(),
      v.toUpperCase(),
      v.picklist(GRADE_LETTERS, `must be one of ${GRADE_LETTERS.join(", ")}`),
    ),
  ),
  forbidden: v.nullish(
    v.strictObject({
      packages: v.nullish(list(text())),
      tools: v.nullish(list(text())),
      rules: v.nullish(list(text())),
    }),
  ),
  hygiene: v.nullish(v.strictObject({ maxSeverity: v.optional(hygieneLimit) })),
  lint: v.nullish(
    v.strictObject({
      failureThreshold: v.optional(
        v.pipe(
          v.string("must be a hadolint level"),
          v.trim(),
          v.toLowerCase(),
          v.picklist(LINT_LEVELS, `must be one of ${LINT_LEVELS.join(", ")}`),
        ),
      ),
    }),
  ),
};

export const PolicySchema = v.strictObject({
  version: v.optional(v.literal(1, "must be 1 (the only policy file version)")),
  name: v.optional(text()),
  description: v.optional(v.string("must be a string")),
  ...RULES,
  inform: v.nullish(v.strictObject(RULES)),
  exceptions: v.nullish(list(exception)),
});

export type PolicyDocument = v.InferOutput<typeof PolicySchema>;
export type PolicyRulesDocument = v.InferOutput<v.StrictObjectSchema<typeof RULES, undefined>>;
