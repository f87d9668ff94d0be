/**
 * Reading a policy file: YAML 1.2 (the `yaml` package, with its line counter), validated against
 * policy-schema.ts with valibot, turned into the Policy model (model.ts). Every problem is ONE line
 * naming the file, the line and column, the key and what it must be:
 * `policy file p.yaml:7:3: image.digestRequired must be true or false`.
 * `parsePolicyFile` is pure over the text; `readPolicyFile` adds the size cap and the built-in
 * policies (`builtin:default` is policies/default.yaml, shipped with shipshape).
 */
import { readFile, stat } from "node:fs/promises";
import * as v from "valibot";
import { type Document, isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import { describeError, ShipshapeError } from "../errors.js";
import type { GradeLetter } from "../grade/health-index.js";
import { packageFile } from "../package-files.js";
import {
  emptyPolicy,
  type LabelRequirement,
  type LintLevel,
  POLICY_RULE_IDS,
  type Policy,
  type PolicyException,
  type PolicyRuleId,
  rulesOf,
  type SeverityLimit,
} from "./model.js";
import {
  EXCEPTION_KEYS,
  type PolicyDocument,
  type PolicyRulesDocument,
  PolicySchema,
} from "./policy-schema.js";
import { parseRegistryPattern, type RegistryPattern } from "./registry-pattern.js";

/** Policy files are hand-written; anything bigger is not one. */
export const MAX_POLICY_FILE_BYTES = 1024 * 1024;

/** Policies shipped with shipshape, by the name `builtin:NAME` gives. */
export const BUILTIN_POLICIES: Record<string, string> = {
  get default(): string {
    return packageFile("policies", "default.yaml");
  },
};
export const BUILTIN_PREFIX = "builtin:";

/** The keys each mapping of the file allows, for "unknown key" errors. */
const ALLOWED_KEYS: Record<string, string[]> = {
  "": [
    "version",
    "name",
    "description",
    "image",
    "vulnerabilities",
    "minimumGrade",
    "forbidden",
    "hygiene",
    "lint",
    "inform",
    "exceptions",
  ],
  image: ["allowedRegistries", "disallowedTags", "digestRequired", "maxAgeDays", "requiredLabels"],
  vulnerabilities: [
    "forbidden",
    "kevForbidden",
    "maxSeverity",
    "maxFixableSeverity",
    "maxCvss",
    "maxFixableCvss",
  ],
  forbidden: ["packages", "tools", "rules"],
  hygiene: ["maxSeverity"],
  lint: ["failureThreshold"],
  inform: ["image", "vulnerabilities", "minimumGrade", "forbidden", "hygiene", "lint"],
  "exceptions[]": EXCEPTION_KEYS,
  "image.requiredLabels[]": ["name", "value"],
};

type PathKey = string | number;

/** `image.requiredLabels[2].value` */
function displayPath(path: readonly PathKey[]): string {
  let out = "";
  for (const k of path) out += typeof k === "number" ? `[${k}]` : out === "" ? k : `.${k}`;
  return out;
}

interface Position {
  line: number;
  col: number;
}

/**
 * Where the deepest node of the document on `path` starts (for a mapping key: the key itself, so
 * an error about `digestRequired: yes` points at `digestRequired`), 1-based line and column.
 */
function positionOf(doc: Document, lines: LineCounter, path: readonly PathKey[]): Position {
  const at = (node: { range?: [number, number, number] | null } | null | undefined): Position | null =>
    node?.range ? lines.linePos(node.range[0]) : null;
  let node: unknown = doc.contents;
  let pos = at(doc.contents as Node | null) ?? { line: 1, col: 1 };
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === key);
      if (!pair) break;
      pos = at(pair.key as Node) ?? pos;
      node = pair.value;
    } else if (isSeq(node) && typeof key === "number") {
      const item = node.items[key];
      if (item === undefined) break;
      pos = at(item as Node) ?? pos;
      node = item;
    } else {
      break;
    }
    if (isPair(node)) break;
  }
  return pos;
}

function fail(file: string, pos: Position | null, message: string): never {
  throw new ShipshapeError("input", `policy file ${file}${pos ? `:${pos.line}:${pos.col}` : ""}: ${message}`);
}

/** The schema's first issue as one line. */
function describeIssue(issue: v.BaseIssue<unknown>, path: PathKey[]): string {
  const where = displayPath(path);
  if (issue.type === "strict_object" && issue.expected === "never") {
    const parent = path.slice(0, -1);
    // A list where a mapping belongs reaches the schema as an object with keys "0", "1"…
    if (Array.isArray(issue.path?.[issue.path.length - 1]?.input)) {
      return `${displayPath(parent) || "the policy"} must be a mapping (key: value lines), not a list`;
    }
    const key = path[path.length - 1];
    const allowed = ALLOWED_KEYS[displayPath(parent).replace(/\[\d+\]/g, "[]")];
    return `unknown key "${String(key)}"${parent.length > 0 ? ` in ${displayPath(parent)}` : ""}${allowed ? ` (allowed: ${allowed.join(", ")})` : ""}`;
  }
  if (issue.type === "strict_object" && issue.received === "undefined") return `${where} is missing`;
  if (issue.type === "strict_object") return `${where || "the policy"} must be a mapping`;
  return `${where || "the policy"} ${issue.message}`;
}

const severity = (s: string | undefined) => s as SeverityLimit | undefined;

export function parsePolicyFile(text: string, file: string): Policy {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const firstError = doc.errors[0];
  if (firstError) {
    const pos = lines.linePos(firstError.pos[0]);
    fail(file, pos.line ? pos : null, `not valid YAML: ${firstError.message.split("\n")[0]}`);
  }
  let js: unknown;
  try {
    js = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    fail(file, null, describeError(err));
  }
  if (js === null || js === undefined) js = {};
  if (typeof js !== "object" || Array.isArray(js))
    fail(file, { line: 1, col: 1 }, "expected a mapping of policy rules (image, vulnerabilities, …)");
  const result = v.safeParse(PolicySchema, js);
  if (!result.success) {
    const issue = result.issues[0]!;
    const path = (issue.path ?? []).map((p) => p.key as PathKey);
    fail(file, positionOf(doc, lines, path), describeIssue(issue, path));
  }
  return toPolicy(result.output, file, (path) => positionOf(doc, lines, path).line);
}

const RULE_PATHS: Record<PolicyRuleId, PathKey[]> = Object.fromEntries(
  POLICY_RULE_IDS.map((id) => [id, id.split(".")]),
) as Record<PolicyRuleId, PathKey[]>;

function toPolicy(d: PolicyDocument, file: string, lineAt: (path: PathKey[]) => number): Policy {
  const policy = emptyPolicy(file, "file");
  if (d.name !== undefined) policy.name = d.name;
  setRules(policy, d, [], lineAt);
  policy.exceptions = (d.exceptions ?? []).map((e, n) => {
    const out: PolicyException = {
      reason: e.reason,
      expires: e.expires,
      line: lineAt(["exceptions", n]),
    };
    if (e.rule !== undefined) out.rule = e.rule;
    if (e.vulnerability !== undefined) out.vulnerability = e.vulnerability;
    if (e.package !== undefined) out.package = e.package;
    if (e.image !== undefined) out.image = registryPattern(e.image);
    if (e.path !== undefined) out.path = e.path;
    if (e.check !== undefined) out.check = e.check;
    return out;
  });
  if (d.inform) {
    const inform = emptyPolicy(file, "file");
    inform.informOnly = true;
    inform.exceptions = policy.exceptions;
    setRules(inform, d.inform, ["inform"], lineAt);
    policy.inform = inform;
  }
  return policy;
}

/** The rules of one section (the top level, or `inform:`) into a policy, with their lines. */
function setRules(
  policy: Policy,
  d: PolicyRulesDocument,
  prefix: PathKey[],
  lineAt: (path: PathKey[]) => number,
): void {
  const i = d.image ?? {};
  if (i.allowedRegistries) policy.image.allowedRegistries = i.allowedRegistries.map(registryPattern);
  if (i.disallowedTags) policy.image.disallowedTags = i.disallowedTags;
  if (i.digestRequired !== undefined) policy.image.digestRequired = i.digestRequired;
  if (i.maxAgeDays !== undefined) policy.image.maxAgeDays = i.maxAgeDays;
  if (i.requiredLabels) policy.image.requiredLabels = i.requiredLabels.map(labelRequirement);
  const vu = d.vulnerabilities ?? {};
  if (vu.forbidden) policy.vulnerabilities.forbidden = vu.forbidden;
  if (vu.kevForbidden !== undefined) policy.vulnerabilities.kevForbidden = vu.kevForbidden;
  if (vu.maxSeverity !== undefined) policy.vulnerabilities.maxSeverity = severity(vu.maxSeverity);
  if (vu.maxFixableSeverity !== undefined)
    policy.vulnerabilities.maxFixableSeverity = severity(vu.maxFixableSeverity);
  if (vu.maxCvss !== undefined) policy.vulnerabilities.maxCvss = vu.maxCvss;
  if (vu.maxFixableCvss !== undefined) policy.vulnerabilities.maxFixableCvss = vu.maxFixableCvss;
  if (d.minimumGrade !== undefined) policy.minimumGrade = d.minimumGrade as GradeLetter;
  const f = d.forbidden ?? {};
  if (f.packages) policy.forbidden.packages = f.packages;
  if (f.tools) policy.forbidden.tools = f.tools;
  if (f.rules) policy.forbidden.rules = f.rules;
  if (d.hygiene?.maxSeverity !== undefined) policy.hygiene.maxSeverity = d.hygiene.maxSeverity;
  if (d.lint?.failureThreshold !== undefined)
    policy.lint.failureThreshold = d.lint.failureThreshold as LintLevel;
  for (const id of rulesOf(policy)) {
    if (id in RULE_PATHS)
      policy.lines[id as PolicyRuleId] = lineAt([...prefix, ...RULE_PATHS[id as PolicyRuleId]]);
  }
}

/** Already validated by the schema: a string here is a bug, not input. */
function registryPattern(text: string): RegistryPattern {
  const p = parseRegistryPattern(text);
  if (typeof p === "string") throw new Error(`registry pattern passed validation but failed: ${p}`);
  return p;
}

function labelRequirement(r: string | { name: string; value?: string | undefined }): LabelRequirement {
  if (typeof r === "string") return { name: r };
  // Anchored: `value: "MIT"` means exactly MIT, not any value containing it.
  if (r.value === undefined) return { name: r.name };
  return { name: r.name, value: new RegExp(`^(?:${r.value})$`, "u"), valueText: r.value };
}

/** Read a policy file (or `builtin:NAME`), size-capped. */
export async function readPolicyFile(path: string): Promise<Policy> {
  let file = path;
  if (path.startsWith(BUILTIN_PREFIX)) {
    const name = path.slice(BUILTIN_PREFIX.length);
    const builtin = BUILTIN_POLICIES[name];
    if (!builtin) {
      throw new ShipshapeError(
        "usage",
        `policy ${path}: no such built-in policy (available: ${Object.keys(BUILTIN_POLICIES)
          .map((n) => BUILTIN_PREFIX + n)
          .join(", ")})`,
      );
    }
    file = builtin;
  }
  let text: string;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new ShipshapeError("input", `policy file ${path} is not a regular file`);
    if (info.size > MAX_POLICY_FILE_BYTES) {
      throw new ShipshapeError(
        "limit",
        `policy file ${path} is ${info.size} bytes, more than the ${MAX_POLICY_FILE_BYTES} a policy file may have`,
      );
    }
    text = await readFile(file, "utf8");
  } catch (err) {
    if (err instanceof ShipshapeError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new ShipshapeError(
      code === "ENOENT" ? "not-found" : "input",
      `policy file ${path} cannot be read (${describeError(err)})`,
    );
  }
  return parsePolicyFile(text, path.startsWith(BUILTIN_PREFIX) ? path : file);
}
