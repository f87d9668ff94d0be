/**
 * The one policy model behind `scan --policy`, the CI gate flags (`--fail-on`, `--exit-code`,
 * `--fail-on-kev`: a small policy built from the command line, see gate.ts), `lint --policy` and,
 * later, the admission webhook. A Policy is a set of rules; evaluating it (evaluate.ts) turns what an
 * image or a Dockerfile is into violations, and the policy passes when none is left after exceptions.
 *
 * Rule ids are the policy file's own key paths ("image.allowedRegistries",
 * "vulnerabilities.maxFixableSeverity"), so a violation names the line a user wrote and an exception's
 * `rule:` uses the same words. The flags keep their historical ids: "fail-on", "exit-code", "kev".
 */
import type { GradeLetter } from "../grade/health-index.js";
import type { Severity } from "../vulndb/records.js";
import type { RegistryPattern } from "./registry-pattern.js";

/** Every rule a policy file can set. */
export const POLICY_RULE_IDS = [
  "image.allowedRegistries",
  "image.disallowedTags",
  "image.digestRequired",
  "image.maxAgeDays",
  "image.requiredLabels",
  "vulnerabilities.forbidden",
  "vulnerabilities.kevForbidden",
  "vulnerabilities.maxSeverity",
  "vulnerabilities.maxFixableSeverity",
  "vulnerabilities.maxCvss",
  "vulnerabilities.maxFixableCvss",
  "minimumGrade",
  "forbidden.packages",
  "forbidden.tools",
  "forbidden.rules",
  "hygiene.maxSeverity",
  "lint.failureThreshold",
] as const;

export type PolicyRuleId = (typeof POLICY_RULE_IDS)[number];

/** Rules only the gate flags set (`--exit-code N`: any shown finding fails). */
export type GateOnlyRuleId = "vulnerabilities.anyFinding";

/** A severity ceiling: findings above it violate; "none" allows no finding at all. */
export type SeverityLimit = Severity | "none";

/** hadolint's levels, most severe first (its `failure-threshold`). */
export const LINT_LEVELS = ["error", "warning", "info", "style"] as const;
export type LintLevel = (typeof LINT_LEVELS)[number];

export interface LabelRequirement {
  name: string;
  /** The value must match this (anchored) regular expression; absent: any non-empty value. */
  value?: RegExp;
  /** The expression as written. */
  valueText?: string;
}

export interface PolicyException {
  /** Which rule's violations it waives (a PolicyRuleId); absent: any rule. */
  rule?: PolicyRuleId;
  /** A vulnerability id or alias (case-insensitive). */
  vulnerability?: string;
  /** A package name. */
  package?: string;
  /** Images under this registry/path (same syntax as allowedRegistries). */
  image?: RegistryPattern;
  /** A file path a hygiene finding names. */
  path?: string;
  /** A hygiene or lint check id (e.g. DL3007, CIS-DI-0001). */
  check?: string;
  reason: string;
  /** `YYYY-MM-DD` (00:00 UTC) or an RFC 3339 date-time: from then on the exception no longer applies. */
  expires: string;
  /** 1-based line in the policy file. */
  line: number;
}

export interface Policy {
  /** Where it came from: the file path, or "command line" for the gate flags. */
  origin: string;
  name?: string;
  /**
   * A policy "file", or the gate "flags". This decides which vulnerability findings the rules judge:
   * a file judges every unsuppressed finding (`--severity` / `--ignore-unfixed` narrow the report,
   * never an organisation's policy); the flags judge only the shown ones, as in Trivy.
   */
  kind: "file" | "flags";
  image: {
    allowedRegistries?: RegistryPattern[];
    disallowedTags?: string[];
    digestRequired?: boolean;
    maxAgeDays?: number;
    requiredLabels?: LabelRequirement[];
  };
  vulnerabilities: {
    /** Vulnerability ids (or aliases) that may never be present (StackRox's Log4Shell, Spring4Shell…). */
    forbidden?: string[];
    kevForbidden?: boolean;
    maxSeverity?: SeverityLimit;
    maxFixableSeverity?: SeverityLimit;
    maxCvss?: number;
    maxFixableCvss?: number;
    /** Any finding at all violates (the gate's `--exit-code N`). */
    anyFinding?: boolean;
  };
  minimumGrade?: GradeLetter;
  forbidden: {
    /** Package names (`*` and `?` wildcards). */
    packages?: string[];
    /** Executables the hygiene checks found, by file name (`curl`, `nc`, `strace`). */
    tools?: string[];
    /** Hygiene or lint check ids (`CIS-DI-0001`, `DL3007`, wildcards allowed). */
    rules?: string[];
  };
  /** On the hygiene checks' own scale: critical, high, medium, low, info (or none). */
  hygiene: { maxSeverity?: "critical" | "high" | "medium" | "low" | "info" | "none" };
  lint: { failureThreshold?: LintLevel };
  exceptions: PolicyException[];
  /**
   * The file's `inform:` rules: evaluated like the others, their violations are reported as
   * `warnings` and never fail (StackRox's policies without enforcement). Shares `exceptions`.
   */
  inform?: Policy;
  /** Set on an `inform` rule set. */
  informOnly?: boolean;
  /** Line of each rule in the policy file, for messages ("policy.yaml:12"). */
  lines: Partial<Record<PolicyRuleId, number>>;
  /** How rules are named when they are not the file's keys (the gate flags). */
  ruleNames?: Partial<Record<PolicyRuleId | GateOnlyRuleId, { id: string; flag: string; text: string }>>;
}

/** One reason a policy failed. The gate's violations (vulnerability, package…) are a subset. */
export interface PolicyViolation {
  /** The rule: a PolicyRuleId, or the gate flags' "fail-on", "exit-code", "kev". */
  rule: string;
  message: string;
  /** Where the rule is set: `FILE:LINE`, or the flag. */
  policy?: string;
  vulnerability?: string;
  package?: string;
  installedVersion?: string;
  severity?: Severity;
  /** The image name judged (registry, tag, digest rules). */
  image?: string;
  /** A hygiene finding's or lint finding's check id. */
  check?: string;
  /** A hygiene finding's path. */
  path?: string;
  /** A lint finding's or FROM line. */
  line?: number;
}

export interface WaivedViolation extends PolicyViolation {
  exception: { reason: string; expires: string; line: number; file: string };
}

export interface ExpiredException {
  file: string;
  line: number;
  reason: string;
  expires: string;
  /** What it named, e.g. "vulnerability CVE-2019-14697, package musl". */
  scope: string;
}

export interface PolicyResult {
  passed: boolean;
  violations: PolicyViolation[];
  /** Policy files evaluated (absent: only the gate flags, or nothing). */
  files?: string[];
  /** The rules that were checked (absent when none). */
  rules?: string[];
  /** Violations of inform-only rules: reported, never a failure (absent when none). */
  warnings?: PolicyViolation[];
  /** Violations an unexpired exception waived (absent when none). */
  waived?: WaivedViolation[];
  /** Exceptions past their expiry: they waived nothing and are due for review (absent when none). */
  expiredExceptions?: ExpiredException[];
}

/** An empty policy (every rule off) from an origin. */
export function emptyPolicy(origin: string, kind: Policy["kind"]): Policy {
  return {
    origin,
    kind,
    image: {},
    vulnerabilities: {},
    forbidden: {},
    hygiene: {},
    lint: {},
    exceptions: [],
    lines: {},
  };
}

/** The rule ids a policy sets. */
export function rulesOf(policy: Policy): (PolicyRuleId | GateOnlyRuleId)[] {
  const out: (PolicyRuleId | GateOnlyRuleId)[] = [];
  const set = (id: PolicyRuleId | GateOnlyRuleId, value: unknown) => {
    if (value === undefined || value === false || (Array.isArray(value) && value.length === 0)) return;
    out.push(id);
  };
  const i = policy.image;
  set("image.allowedRegistries", i.allowedRegistries);
  set("image.disallowedTags", i.disallowedTags);
  set("image.digestRequired", i.digestRequired);
  set("image.maxAgeDays", i.maxAgeDays);
  set("image.requiredLabels", i.requiredLabels);
  const v = policy.vulnerabilities;
  set("vulnerabilities.forbidden", v.forbidden);
  set("vulnerabilities.kevForbidden", v.kevForbidden);
  set("vulnerabilities.maxSeverity", v.maxSeverity);
  set("vulnerabilities.maxFixableSeverity", v.maxFixableSeverity);
  set("vulnerabilities.maxCvss", v.maxCvss);
  set("vulnerabilities.maxFixableCvss", v.maxFixableCvss);
  set("vulnerabilities.anyFinding", v.anyFinding);
  set("minimumGrade", policy.minimumGrade);
  set("forbidden.packages", policy.forbidden.packages);
  set("forbidden.tools", policy.forbidden.tools);
  set("forbidden.rules", policy.forbidden.rules);
  set("hygiene.maxSeverity", policy.hygiene.maxSeverity);
  set("lint.failureThreshold", policy.lint.failureThreshold);
  return out;
}
