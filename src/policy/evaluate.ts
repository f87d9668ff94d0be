/**
 * Evaluating policies (model.ts) against what an image is: its names, creation time, labels,
 * packages, vulnerability findings, hygiene findings and grade. The gate flags and a policy file are
 * evaluated together, as one list of rules; the result is one PolicyResult.
 *
 * Semantics (documented in policies/README.md):
 * - One violation per finding (vulnerability, package, hygiene finding): when a finding breaks
 *   several rules, the most specific one is reported (a forbidden id, then KEV, then the severity
 *   ceilings, then CVSS, then `--exit-code`'s "any finding"), after exceptions have waived what they
 *   waive. Image-level rules (registry, tag, digest, age, labels, grade) give one violation per name
 *   or label.
 * - Requirements that cannot be verified fail: an allow-list of registries when the image has no
 *   registry name (an OCI archive's ref name is only a tag), a required digest for a name without one,
 *   a maximum age when the creation time is unknown (absent, or the Unix epoch that reproducible
 *   builds write), required labels when the labels are unknown (an SBOM input), a minimum grade
 *   without a grade or with an incomplete one (not every package checked: the letter is only a best
 *   case), and hygiene rules when the hygiene checks did not run. Prohibitions fail on
 *   evidence: a finding without a CVSS score is not over a CVSS ceiling (as `unknown` severity ranks
 *   lowest), an image without a tag does not use a disallowed tag.
 * - A policy file's vulnerability rules judge every unsuppressed finding; the gate flags only the
 *   shown ones (see model.ts). VEX and ignore-file suppression come first: suppressed findings never
 *   reach a policy.
 * - Exceptions apply to the rules of the file they are in; expired ones apply no more and are listed.
 */
import type { Grade } from "../grade/health-index.js";
import { ageInDays, gradeRank, parseDatabaseDate } from "../grade/health-index.js";
import type { Finding } from "../match/finding.js";
import { SEVERITY_ORDER, type Severity } from "../vulndb/records.js";
import {
  exceptionMatches,
  expiredException,
  isExceptionExpired,
  type ViolationContext,
} from "./exceptions.js";
import type { ImageName } from "./image-name.js";
import {
  type ExpiredException,
  type GateOnlyRuleId,
  type Policy,
  type PolicyResult,
  type PolicyRuleId,
  type PolicyViolation,
  rulesOf,
  type SeverityLimit,
  type WaivedViolation,
} from "./model.js";
import { anyGlob } from "./name-glob.js";
import { registryPatternMatches } from "./registry-pattern.js";

/**
 * An image hygiene finding as the checks/ layer reports it (src/checks/rule.ts; the scan JSON's
 * `findings`). The policy reads `rule` and `dockle` (the check ids that forbidden.rules and an
 * exception's `check` name), `severity` (hygiene.maxSeverity, on the checks' own scale), `path` (an
 * exception's `path`) and, for forbidden.tools, `tool` when the check names the program (else the
 * file name of `path`).
 */
export interface HygieneFinding {
  rule: string;
  /** critical, high, medium, low, info (src/checks/severity.ts). */
  severity: string;
  title: string;
  path?: string;
  /** Dockle's checkpoint code for the same check (CIS-DI-0001…), when it has one. */
  dockle?: string;
  /** The program a tool check found ("nc" for /usr/bin/nc.openbsd), when it says. */
  tool?: string;
}

/** The hygiene checks' severity scale, lowest first (src/checks/severity.ts). */
export const HYGIENE_SEVERITY_ORDER = ["info", "low", "medium", "high", "critical"] as const;
export type HygieneSeverityLimit = (typeof HYGIENE_SEVERITY_ORDER)[number] | "none";

/** Rank on the hygiene scale; a level we do not know ranks highest (it must not slip under a ceiling). */
export function hygieneRank(severity: string): number {
  const i = (HYGIENE_SEVERITY_ORDER as readonly string[]).indexOf(severity.trim().toLowerCase());
  return i < 0 ? HYGIENE_SEVERITY_ORDER.length : i;
}

export interface PolicySubject {
  /** The names the image is known by (image-name.ts); empty when it has none. */
  names: readonly ImageName[];
  /** How it was read ("registry", "oci-archive"…), for messages. */
  transport: string;
  /** The manifest digest the scan read, for the digest rule's hint. */
  resolvedDigest?: string | null;
  /** The config's `created`; null: unknown. */
  created: string | null;
  /** The config's labels; null: unknown (an SBOM input). */
  labels: Readonly<Record<string, string>> | null;
  packages: readonly { name: string; version: string; type: string }[];
  /** Every unsuppressed vulnerability finding. */
  vulnerabilities: readonly Finding[];
  /** The findings the report shows (after --severity / --ignore-unfixed); the gate flags judge these. */
  shown: readonly Finding[];
  /** Hygiene findings; null when the checks did not run. */
  hygiene: readonly HygieneFinding[] | null;
  grade: Grade | null;
}

export interface EvaluateOptions {
  /** "Today", for image age and exception expiry. */
  now?: Date;
}

type RuleKey = PolicyRuleId | GateOnlyRuleId;

interface Candidate {
  policy: Policy;
  key: RuleKey;
  /** Violations of one item compete: only the most specific is reported. */
  item: string;
  priority: number;
  violation: PolicyViolation;
  ctx: ViolationContext;
}

const VULN_PRIORITY: Partial<Record<RuleKey, number>> = {
  "vulnerabilities.forbidden": 0,
  "vulnerabilities.kevForbidden": 1,
  "vulnerabilities.maxFixableSeverity": 2,
  "vulnerabilities.maxSeverity": 3,
  "vulnerabilities.maxFixableCvss": 4,
  "vulnerabilities.maxCvss": 5,
  "vulnerabilities.anyFinding": 6,
};

const HYGIENE_PRIORITY: Partial<Record<RuleKey, number>> = {
  "forbidden.rules": 0,
  "forbidden.tools": 1,
  "hygiene.maxSeverity": 2,
};

export function severityRank(s: Severity): number {
  return SEVERITY_ORDER.indexOf(s);
}

/** Is a severity over a ceiling? ("none" allows nothing.) */
export function overLimit(severity: Severity, limit: SeverityLimit): boolean {
  return limit === "none" || severityRank(severity) > severityRank(limit);
}

export function ruleIdOf(policy: Policy, key: RuleKey): string {
  return policy.ruleNames?.[key]?.id ?? key;
}

/** Where a rule is set: "policy.yaml:12", or the flag. */
export function ruleWhere(policy: Policy, key: RuleKey): string {
  const named = policy.ruleNames?.[key];
  if (named) return named.flag;
  const line = key in policy.lines ? policy.lines[key as PolicyRuleId] : undefined;
  return line ? `${policy.origin}:${line}` : policy.origin;
}

/** "… is over vulnerabilities.maxSeverity medium (p.yaml:7)", or the flag's own words. */
function phrase(policy: Policy, key: RuleKey, words: string): string {
  const named = policy.ruleNames?.[key];
  return named ? named.text : `${words} (${ruleWhere(policy, key)})`;
}

export function describeFinding(f: Finding): string {
  const fix = f.fixedVersion ? `, fixed in ${f.fixedVersion}` : ", no fix yet";
  return `${f.id} (${f.severity}) in ${f.pkgName} ${f.installedVersion}${fix}`;
}

function vulnerabilityCandidates(subject: PolicySubject, policy: Policy, out: Candidate[]): void {
  const rules = policy.vulnerabilities;
  const judged = policy.kind === "flags" ? new Set(subject.shown) : null;
  const forbidden = new Set((rules.forbidden ?? []).map((x) => x.toUpperCase()));
  subject.vulnerabilities.forEach((f, index) => {
    if (judged && !judged.has(f)) return;
    const ids = [f.id, ...f.aliases];
    const add = (key: RuleKey, words: string) => {
      out.push({
        policy,
        key,
        item: `vulnerability\0${index}`,
        priority: VULN_PRIORITY[key] ?? 9,
        violation: {
          rule: ruleIdOf(policy, key),
          message: `${describeFinding(f)} ${phrase(policy, key, words)}`,
          policy: ruleWhere(policy, key),
          vulnerability: f.id,
          package: f.pkgName,
          installedVersion: f.installedVersion,
          severity: f.severity,
        },
        ctx: { ids, package: f.pkgName, images: subject.names },
      });
    };
    if (forbidden.size > 0) {
      const hit = ids.find((id) => forbidden.has(id.toUpperCase()));
      if (hit) add("vulnerabilities.forbidden", `is forbidden (${hit}, vulnerabilities.forbidden)`);
    }
    if (rules.kevForbidden && f.kev) {
      add(
        "vulnerabilities.kevForbidden",
        "is a known exploited vulnerability (CISA KEV; vulnerabilities.kevForbidden)",
      );
    }
    if (
      rules.maxFixableSeverity !== undefined &&
      f.fixable &&
      overLimit(f.severity, rules.maxFixableSeverity)
    ) {
      add(
        "vulnerabilities.maxFixableSeverity",
        `has a fix and is over vulnerabilities.maxFixableSeverity ${rules.maxFixableSeverity}`,
      );
    }
    if (rules.maxSeverity !== undefined && overLimit(f.severity, rules.maxSeverity)) {
      add("vulnerabilities.maxSeverity", `is over vulnerabilities.maxSeverity ${rules.maxSeverity}`);
    }
    const score = f.cvss?.score;
    if (
      rules.maxFixableCvss !== undefined &&
      f.fixable &&
      score !== undefined &&
      score > rules.maxFixableCvss
    ) {
      add(
        "vulnerabilities.maxFixableCvss",
        `has a fix and CVSS ${score}, over vulnerabilities.maxFixableCvss ${rules.maxFixableCvss}`,
      );
    }
    if (rules.maxCvss !== undefined && score !== undefined && score > rules.maxCvss) {
      add("vulnerabilities.maxCvss", `has CVSS ${score}, over vulnerabilities.maxCvss ${rules.maxCvss}`);
    }
    if (rules.anyFinding) add("vulnerabilities.anyFinding", "remains");
  });
}

/** Candidates for one image-level rule (not competing with others: each has its own item). */
function imageCandidate(
  policy: Policy,
  key: RuleKey,
  item: string,
  message: string,
  extra: Partial<PolicyViolation>,
  ctx: ViolationContext,
): Candidate {
  return {
    policy,
    key,
    item: `${key}\0${item}`,
    priority: 0,
    violation: {
      rule: ruleIdOf(policy, key),
      message: `${message} (${ruleWhere(policy, key)})`,
      policy: ruleWhere(policy, key),
      ...extra,
    },
    ctx,
  };
}

/** Why an image has no name a rule can judge. */
function namelessWhy(subject: PolicySubject): string {
  const tagOnly = subject.names.filter((n) => n.ref === null).map((n) => n.text);
  if (tagOnly.length > 0) {
    return `its ${subject.transport} names (${tagOnly.map((t) => JSON.stringify(t)).join(", ")}) name no registry`;
  }
  return `a ${subject.transport} image has no registry name`;
}

const EPOCH_ZERO = 0;

export function imageCandidates(subject: PolicySubject, policy: Policy, now: Date, out: Candidate[]): void {
  const rules = policy.image;
  const all = { images: subject.names };
  const named = subject.names.filter((n) => n.ref !== null);

  if (rules.allowedRegistries && rules.allowedRegistries.length > 0) {
    const allowed = rules.allowedRegistries;
    const list = allowed.map((p) => p.text).join(", ");
    if (named.length === 0) {
      out.push(
        imageCandidate(
          policy,
          "image.allowedRegistries",
          "",
          `the image's registry cannot be checked: ${namelessWhy(subject)} (allowed: ${list})`,
          {},
          all,
        ),
      );
    }
    for (const n of named) {
      if (allowed.some((p) => registryPatternMatches(p, n.ref!))) continue;
      out.push(
        imageCandidate(
          policy,
          "image.allowedRegistries",
          n.text,
          `${n.text} is not from an allowed registry (${n.ref!.domain}/${n.ref!.path}; allowed: ${list})`,
          { image: n.text },
          { images: [n] },
        ),
      );
    }
  }

  if (rules.disallowedTags && rules.disallowedTags.length > 0) {
    const bad = anyGlob(rules.disallowedTags);
    for (const n of subject.names) {
      if (n.tag === null || !bad(n.tag)) continue;
      const implicit = n.ref !== null && n.ref.tag === undefined;
      out.push(
        imageCandidate(
          policy,
          "image.disallowedTags",
          n.text,
          `${n.text} uses the disallowed tag "${n.tag}"${implicit ? " (no tag given: Docker pulls latest)" : ""}`,
          { image: n.text },
          { images: [n] },
        ),
      );
    }
  }

  if (rules.digestRequired) {
    const hint = subject.resolvedDigest ? ` (the scan read ${subject.resolvedDigest})` : "";
    if (subject.names.length === 0) {
      out.push(
        imageCandidate(
          policy,
          "image.digestRequired",
          "",
          `the image is not named by a digest-pinned reference: ${namelessWhy(subject)}${hint}`,
          {},
          all,
        ),
      );
    }
    for (const n of subject.names) {
      if (n.digest !== null) continue;
      out.push(
        imageCandidate(
          policy,
          "image.digestRequired",
          n.text,
          `${n.text} is not pinned by digest${hint}; refer to images as NAME@sha256:…`,
          { image: n.text },
          { images: [n] },
        ),
      );
    }
  }

  if (rules.maxAgeDays !== undefined) {
    const created = parseDatabaseDate(subject.created);
    if (created === null || created.getTime() === EPOCH_ZERO) {
      const why =
        created === null
          ? subject.created === null
            ? "the image has no creation time"
            : `the image's creation time ${JSON.stringify(subject.created)} is not a date`
          : "the image's creation time is the Unix epoch (a reproducible build erased it)";
      out.push(
        imageCandidate(
          policy,
          "image.maxAgeDays",
          "",
          `${why}: its age cannot be checked against ${rules.maxAgeDays} days`,
          {},
          all,
        ),
      );
    } else {
      const days = ageInDays(created, now);
      if (days > rules.maxAgeDays) {
        out.push(
          imageCandidate(
            policy,
            "image.maxAgeDays",
            "",
            `the image was created ${subject.created}, ${days} days ago: older than image.maxAgeDays ${rules.maxAgeDays}`,
            {},
            all,
          ),
        );
      }
    }
  }

  for (const req of rules.requiredLabels ?? []) {
    const key: RuleKey = "image.requiredLabels";
    if (subject.labels === null) {
      out.push(
        imageCandidate(
          policy,
          key,
          req.name,
          `label ${req.name} cannot be checked: the image's labels are unknown (${subject.transport} input)`,
          {},
          all,
        ),
      );
      continue;
    }
    const value = Object.hasOwn(subject.labels, req.name) ? subject.labels[req.name] : undefined;
    if (value === undefined || value.trim() === "") {
      out.push(
        imageCandidate(
          policy,
          key,
          req.name,
          `the required label ${req.name} is ${value === undefined ? "missing" : "empty"}`,
          {},
          all,
        ),
      );
    } else if (req.value && !req.value.test(value.slice(0, MAX_LABEL_MATCH))) {
      out.push(
        imageCandidate(
          policy,
          key,
          req.name,
          `label ${req.name} is ${JSON.stringify(value.slice(0, 200))}, which does not match ${req.valueText ?? req.value.source}`,
          {},
          all,
        ),
      );
    }
  }
}

/** Label values come from the image (hostile in admission): match a bounded prefix only. */
const MAX_LABEL_MATCH = 4096;

function gradeCandidates(subject: PolicySubject, policy: Policy, out: Candidate[]): void {
  const min = policy.minimumGrade;
  if (min === undefined) return;
  const all = { images: subject.names };
  if (subject.grade === null) {
    out.push(
      imageCandidate(
        policy,
        "minimumGrade",
        "",
        `no grade could be computed, so minimumGrade ${min} cannot be checked`,
        {},
        all,
      ),
    );
    return;
  }
  const g = subject.grade;
  if (gradeRank(g.letter) <= gradeRank(min)) {
    // An incomplete grade is a best case: it cannot show that the minimum is met.
    if (g.complete) return;
    out.push(
      imageCandidate(
        policy,
        "minimumGrade",
        "",
        `grade ${g.letter} is incomplete (not every package could be checked), so minimumGrade ${min} cannot be verified`,
        {},
        all,
      ),
    );
    return;
  }
  // The first CVE that set the letter (an incomplete grade's first reason is the caveat).
  const lead = g.reasons[g.complete ? 0 : 1];
  const first = lead ? `: ${lead}` : "";
  const more = g.basis.length > 1 ? ` (and ${g.basis.length - 1} more)` : "";
  out.push(
    imageCandidate(
      policy,
      "minimumGrade",
      "",
      `grade ${g.letter} is below minimumGrade ${min}${first}${more}`,
      {},
      all,
    ),
  );
}

function packageCandidates(subject: PolicySubject, policy: Policy, out: Candidate[]): void {
  const patterns = policy.forbidden.packages;
  if (!patterns || patterns.length === 0) return;
  const bad = anyGlob(patterns);
  const seen = new Set<string>();
  for (const p of subject.packages) {
    if (!bad(p.name)) continue;
    const item = `${p.type}\0${p.name}\0${p.version}`;
    if (seen.has(item)) continue;
    seen.add(item);
    const key: RuleKey = "forbidden.packages";
    out.push({
      policy,
      key,
      item: `package\0${item}`,
      priority: 0,
      violation: {
        rule: ruleIdOf(policy, key),
        message: `package ${p.name} ${p.version} (${p.type}) is forbidden (forbidden.packages, ${ruleWhere(policy, key)})`,
        policy: ruleWhere(policy, key),
        package: p.name,
        installedVersion: p.version,
      },
      ctx: { package: p.name, images: subject.names },
    });
  }
}

function baseName(path: string): string {
  const trimmed = path.replace(/\/+$/, "");
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

function hygieneCandidates(subject: PolicySubject, policy: Policy, out: Candidate[]): void {
  const tools = policy.forbidden.tools ?? [];
  const rules = policy.forbidden.rules ?? [];
  const max = policy.hygiene.maxSeverity;
  if (tools.length === 0 && rules.length === 0 && max === undefined) return;
  if (subject.hygiene === null) {
    const which = [
      tools.length > 0 ? "forbidden.tools" : "",
      rules.length > 0 ? "forbidden.rules" : "",
      max !== undefined ? "hygiene.maxSeverity" : "",
    ].filter((x) => x !== "");
    for (const key of which as RuleKey[]) {
      out.push(
        imageCandidate(
          policy,
          key,
          "",
          `the image hygiene checks did not run, so ${key} cannot be checked`,
          {},
          { images: subject.names },
        ),
      );
    }
    return;
  }
  const badTool = anyGlob(tools);
  const badRule = anyGlob(rules);
  subject.hygiene.forEach((h, index) => {
    const add = (key: RuleKey, words: string) => {
      out.push({
        policy,
        key,
        item: `hygiene\0${index}`,
        priority: HYGIENE_PRIORITY[key] ?? 9,
        violation: {
          rule: ruleIdOf(policy, key),
          message: `${h.rule}${h.path ? ` ${h.path}` : ""}: ${h.title} — ${words} (${ruleWhere(policy, key)})`,
          policy: ruleWhere(policy, key),
          check: h.rule,
          ...(h.path !== undefined ? { path: h.path } : {}),
        },
        ctx: {
          checks: h.dockle !== undefined ? [h.rule, h.dockle] : [h.rule],
          images: subject.names,
          ...(h.path !== undefined ? { path: h.path } : {}),
        },
      });
    };
    const check = [h.rule, h.dockle].find((id) => id !== undefined && rules.length > 0 && badRule(id));
    if (check !== undefined) add("forbidden.rules", `check ${check} is forbidden (forbidden.rules)`);
    const tool = h.tool ?? (h.path !== undefined ? baseName(h.path) : undefined);
    if (tools.length > 0 && tool !== undefined && badTool(tool)) {
      add("forbidden.tools", `${tool} is a forbidden tool (forbidden.tools)`);
    }
    if (max !== undefined && (max === "none" || hygieneRank(h.severity) > hygieneRank(max))) {
      add("hygiene.maxSeverity", `${h.severity} is over hygiene.maxSeverity ${max}`);
    }
  });
}

/**
 * Judge the enforced and the inform-only candidates apart (inform-only violations are `warnings`,
 * never a failure) and assemble the result. Shared with lint-policy.ts.
 */
export function settle(
  candidates: readonly Candidate[],
  policies: readonly Policy[],
  now: Date,
  applies: (key: RuleKey) => boolean,
): PolicyResult {
  const enforced = judge(
    candidates.filter((c) => !c.policy.informOnly),
    now,
  );
  const informed = judge(
    candidates.filter((c) => c.policy.informOnly),
    now,
  );
  const expired: ExpiredException[] = [];
  for (const p of policies) {
    for (const e of p.exceptions) if (isExceptionExpired(e, now)) expired.push(expiredException(e, p.origin));
  }
  const result: PolicyResult = { passed: enforced.violations.length === 0, violations: enforced.violations };
  const files = policies.filter((p) => p.kind === "file").map((p) => p.origin);
  if (files.length > 0) result.files = files;
  const rules = [
    ...new Set(
      policies.flatMap((p) =>
        rulesOf(p)
          .filter(applies)
          .map((k) => ruleIdOf(p, k)),
      ),
    ),
  ];
  if (rules.length > 0) result.rules = rules;
  if (informed.violations.length > 0) result.warnings = informed.violations;
  const waived = [...enforced.waived, ...informed.waived];
  if (waived.length > 0) result.waived = waived;
  if (expired.length > 0) result.expiredExceptions = expired;
  return result;
}

/** Waive what unexpired exceptions cover, then keep the most specific violation per item. */
function judge(
  candidates: readonly Candidate[],
  now: Date,
): { violations: PolicyViolation[]; waived: WaivedViolation[] } {
  const kept: Candidate[] = [];
  const waived: { c: Candidate; e: Policy["exceptions"][number] }[] = [];
  for (const c of candidates) {
    const e = c.policy.exceptions.find(
      (x) => !isExceptionExpired(x, now) && exceptionMatches(x, c.key, c.ctx),
    );
    if (e) waived.push({ c, e });
    else kept.push(c);
  }
  const best = new Map<string, Candidate>();
  for (const c of kept) {
    const prev = best.get(c.item);
    if (!prev || c.priority < prev.priority) best.set(c.item, c);
  }
  const violations = kept.filter((c) => best.get(c.item) === c).map((c) => c.violation);
  const waivedOut: WaivedViolation[] = [];
  const waivedItems = new Set<string>();
  for (const { c, e } of waived) {
    // An item still failing another rule is reported as that violation; list each waived item once.
    if (best.has(c.item) || waivedItems.has(c.item)) continue;
    waivedItems.add(c.item);
    waivedOut.push({
      ...c.violation,
      exception: { reason: e.reason, expires: e.expires, line: e.line, file: c.policy.origin },
    });
  }
  return { violations, waived: waivedOut };
}

/** A policy and its inform-only rules, as separate rule sets. */
export function ruleSets(policies: readonly Policy[]): Policy[] {
  return policies.flatMap((p) => (p.inform ? [p, p.inform] : [p]));
}

export type { Candidate, RuleKey };

/** Evaluate the policies (gate flags and/or files) against an image. */
export function evaluatePolicies(
  subject: PolicySubject,
  policies: readonly Policy[],
  options: EvaluateOptions = {},
): PolicyResult {
  const now = options.now ?? new Date();
  const candidates: Candidate[] = [];
  const sets = ruleSets(policies);
  for (const p of sets) imageCandidates(subject, p, now, candidates);
  for (const p of sets) vulnerabilityCandidates(subject, p, candidates);
  for (const p of sets) gradeCandidates(subject, p, candidates);
  for (const p of sets) packageCandidates(subject, p, candidates);
  for (const p of sets) hygieneCandidates(subject, p, candidates);
  return settle(candidates, policies, now, (key) => key !== "lint.failureThreshold");
}
