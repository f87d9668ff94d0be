/**
 * The policy applied to a Dockerfile (`lint --policy`): the same policy file as `scan`, reading the
 * rules that a Dockerfile can break before anything is built.
 * - `forbidden.rules`: lint findings with these check ids (DL3007, SC2086, SS… wildcards allowed);
 * - `lint.failureThreshold`: lint findings at or above this hadolint level (error > warning > info >
 *   style) fail. Our own severities map onto hadolint's (critical/high → error, medium → warning,
 *   low → info, negligible → style); a level we do not know counts as error;
 * - `image.allowedRegistries`, `image.disallowedTags`, `image.digestRequired`: every base image a
 *   FROM names (not `scratch`, not an earlier stage), judged exactly as a scanned image's name is
 *   (normalised registry and path, Docker's implicit `latest`). A reference that still holds a
 *   `$VARIABLE` cannot be judged: a registry allow-list or a digest requirement then fails.
 * - `forbidden.packages`, `forbidden.tools`: packages the final stage installs (apt-get/apk/dnf …
 *   install, not removed again) and the tools they provide (curl, nc, strace …), at the RUN's line.
 * Exceptions of the file apply (`check:` for lint ids, `image:` for base images, `package:` for
 * packages). The other rules (vulnerabilities, grade, hygiene, age, labels) are about built images:
 * `scan` checks them.
 */
import type { Severity } from "../vulndb/records.js";
import {
  type Candidate,
  imageCandidates,
  type RuleKey,
  ruleIdOf,
  ruleSets,
  ruleWhere,
  settle,
} from "./evaluate.js";
import { imageNameOf } from "./image-name.js";
import { LINT_LEVELS, type LintLevel, type Policy, type PolicyResult } from "./model.js";
import { anyGlob } from "./name-glob.js";

/** A lint finding (DESIGN.md `lint --format json`). */
export interface LintFinding {
  rule: string;
  line: number;
  severity: string;
  message: string;
}

/** A base image as a FROM line names it (ARGs substituted where they have values). */
export interface BaseImage {
  reference: string;
  line: number;
}

/** A package the final stage installs, and the tool it provides when it is one. */
export interface InstalledPackage {
  name: string;
  line: number;
  tool?: string;
}

export interface LintPolicyContext {
  /** The FROM images (the linter leaves out `scratch` and references to earlier stages). */
  baseImages?: readonly BaseImage[];
  /** Packages the final stage installs (and does not remove again). */
  finalStagePackages?: readonly InstalledPackage[];
  now?: Date;
}

const OUR_SEVERITY_AS_LEVEL: Partial<Record<Severity, LintLevel>> = {
  critical: "error",
  high: "error",
  medium: "warning",
  low: "info",
  negligible: "style",
};

/** 0 = error … 3 = style; a level we do not know ranks as error (it must not slip under a threshold). */
export function lintLevelRank(level: string): number {
  const l = level.trim().toLowerCase();
  const mapped = (LINT_LEVELS as readonly string[]).includes(l)
    ? (l as LintLevel)
    : (OUR_SEVERITY_AS_LEVEL[l as Severity] ?? "error");
  return LINT_LEVELS.indexOf(mapped);
}

const LINT_RULES: ReadonlySet<RuleKey> = new Set<RuleKey>([
  "forbidden.rules",
  "lint.failureThreshold",
  "image.allowedRegistries",
  "image.disallowedTags",
  "image.digestRequired",
  "forbidden.packages",
  "forbidden.tools",
]);

function packageCandidates(installed: readonly InstalledPackage[], policy: Policy, out: Candidate[]): void {
  const packages = policy.forbidden.packages ?? [];
  const tools = policy.forbidden.tools ?? [];
  if (packages.length === 0 && tools.length === 0) return;
  const badPackage = anyGlob(packages);
  const badTool = anyGlob(tools);
  installed.forEach((p, index) => {
    const add = (key: RuleKey, priority: number, words: string) => {
      out.push({
        policy,
        key,
        item: `package\0${index}`,
        priority,
        violation: {
          rule: ruleIdOf(policy, key),
          message: `line ${p.line}: the final stage installs ${words} (${ruleWhere(policy, key)})`,
          policy: ruleWhere(policy, key),
          package: p.name,
          line: p.line,
        },
        ctx: { package: p.name, images: [] },
      });
    };
    if (packages.length > 0 && badPackage(p.name))
      add("forbidden.packages", 0, `package ${p.name}, which is forbidden (forbidden.packages)`);
    if (tools.length > 0 && p.tool !== undefined && badTool(p.tool))
      add("forbidden.tools", 1, `${p.tool} (package ${p.name}), a forbidden tool (forbidden.tools)`);
  });
}

function lintCandidates(findings: readonly LintFinding[], policy: Policy, out: Candidate[]): void {
  const forbidden = policy.forbidden.rules ?? [];
  const bad = anyGlob(forbidden);
  const threshold = policy.lint.failureThreshold;
  findings.forEach((f, index) => {
    const add = (key: RuleKey, priority: number, words: string) => {
      out.push({
        policy,
        key,
        item: `lint\0${index}`,
        priority,
        violation: {
          rule: ruleIdOf(policy, key),
          message: `line ${f.line}: ${f.rule} ${f.message} — ${words} (${ruleWhere(policy, key)})`,
          policy: ruleWhere(policy, key),
          check: f.rule,
          line: f.line,
        },
        ctx: { checks: [f.rule], images: [] },
      });
    };
    if (forbidden.length > 0 && bad(f.rule))
      add("forbidden.rules", 0, `check ${f.rule} is forbidden (forbidden.rules)`);
    if (threshold !== undefined && lintLevelRank(f.severity) <= LINT_LEVELS.indexOf(threshold)) {
      add("lint.failureThreshold", 1, `${f.severity} is at or over lint.failureThreshold ${threshold}`);
    }
  });
}

function baseImageCandidates(
  images: readonly BaseImage[],
  policy: Policy,
  now: Date,
  out: Candidate[],
): void {
  const rules = {
    ...policy,
    image: {
      ...(policy.image.allowedRegistries ? { allowedRegistries: policy.image.allowedRegistries } : {}),
      ...(policy.image.disallowedTags ? { disallowedTags: policy.image.disallowedTags } : {}),
      ...(policy.image.digestRequired ? { digestRequired: policy.image.digestRequired } : {}),
    },
  };
  for (const b of images) {
    const unresolved = b.reference.includes("$");
    const name = unresolved
      ? { text: b.reference, ref: null, tag: null, digest: null }
      : imageNameOf(b.reference);
    const found: Candidate[] = [];
    imageCandidates(
      {
        names: [name],
        transport: unresolved ? "FROM with an unresolved build argument" : "FROM",
        created: null,
        labels: null,
        packages: [],
        vulnerabilities: [],
        shown: [],
        hygiene: [],
        grade: null,
      },
      rules,
      now,
      found,
    );
    for (const c of found) {
      c.item = `from\0${b.line}\0${c.item}`;
      c.violation = {
        ...c.violation,
        line: b.line,
        image: b.reference,
        message: `line ${b.line}: FROM ${c.violation.message}`,
      };
      out.push(c);
    }
  }
}

/** Evaluate a policy file against a Dockerfile's lint findings and base images. */
export function evaluateLintPolicy(
  findings: readonly LintFinding[],
  policy: Policy | readonly Policy[],
  context: LintPolicyContext = {},
): PolicyResult {
  const policies: readonly Policy[] = Array.isArray(policy) ? policy : [policy as Policy];
  const now = context.now ?? new Date();
  const candidates: Candidate[] = [];
  const sets = ruleSets(policies);
  for (const p of sets) baseImageCandidates(context.baseImages ?? [], p, now, candidates);
  for (const p of sets) packageCandidates(context.finalStagePackages ?? [], p, candidates);
  for (const p of sets) lintCandidates(findings, p, candidates);
  return settle(candidates, policies, now, (key) => LINT_RULES.has(key));
}
