/**
 * Image hygiene findings in SARIF, as both `scan --format sarif` and `check --format sarif` write
 * them: one rule per check id that found something (its title, remediation as help, Dockle's code as
 * a tag, a representative security-severity of its most severe finding: 9.5 / 8.0 / 5.5 / 2.0, info
 * none) and one result per finding, level from severity (critical/high → error, medium → warning,
 * else note), located at the file in the image it is about (relative to IMAGE_ROOT, which GitHub
 * requires) or at the image root for config findings, fingerprinted by rule, path, layer and title.
 */
import { createHash } from "node:crypto";
import { ALL_RULES } from "../checks/all.js";
import type { HygieneFinding } from "../checks/rule.js";
import { type CheckSeverity, checkSeverityRank } from "../checks/severity.js";

export type SarifLevel = "error" | "warning" | "note";

const SCORE: Partial<Record<CheckSeverity, number>> = { critical: 9.5, high: 8.0, medium: 5.5, low: 2.0 };

export function hygieneSarifLevel(s: CheckSeverity): SarifLevel {
  return s === "critical" || s === "high" ? "error" : s === "medium" ? "warning" : "note";
}

export interface HygieneSarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string; markdown: string };
  defaultConfiguration: { level: SarifLevel };
  properties: { "security-severity"?: string; tags: string[]; precision: string };
}

/** One rule per check id in `findings`, sorted by id. */
export function hygieneSarifRules(findings: readonly HygieneFinding[]): HygieneSarifRule[] {
  return [...new Set(findings.map((f) => f.rule))].sort().map((id) => {
    const worst = findings
      .filter((f) => f.rule === id)
      .reduce((a, b) => (checkSeverityRank(b.severity) > checkSeverityRank(a.severity) ? b : a));
    const rule = ALL_RULES.find((r) => r.id === id);
    const title = rule?.title ?? worst.title;
    const remediation = rule?.remediation ?? worst.remediation;
    const dockle = rule?.dockle ?? worst.dockle;
    const sarifRule: HygieneSarifRule = {
      id,
      name: title.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : "")),
      shortDescription: { text: `${id}: ${title}` },
      fullDescription: { text: `${title}${dockle ? ` (Dockle ${dockle})` : ""}` },
      help: {
        text: `${title}\nFix: ${remediation}`,
        markdown: `**${id}: ${title}**${dockle ? ` (Dockle \`${dockle}\`)` : ""}\n\n${remediation}`,
      },
      defaultConfiguration: { level: hygieneSarifLevel(rule?.severity ?? worst.severity) },
      properties: { tags: ["security", "image-hygiene", ...(dockle ? [dockle] : [])], precision: "high" },
    };
    const score = SCORE[worst.severity];
    if (score !== undefined) sarifRule.properties["security-severity"] = score.toFixed(1);
    return sarifRule;
  });
}

/** A path in the image as a URI relative to IMAGE_ROOT ("." for the root). */
export function imageRootUri(path: string): string {
  const relative = path.replace(/^\/+/, "") || ".";
  return relative
    .split("/")
    .map((s) => encodeURIComponent(s))
    .join("/");
}

/**
 * One result per finding. `ruleIndex` maps a check id to its rule's index in the run's rules;
 * `message` is the result's text for a finding.
 */
export function hygieneSarifResults(
  findings: readonly HygieneFinding[],
  ruleIndex: (id: string) => number | undefined,
  imageName: string,
  message: (f: HygieneFinding) => string,
): Record<string, unknown>[] {
  return findings.map((f) => ({
    ruleId: f.rule,
    ruleIndex: ruleIndex(f.rule),
    level: hygieneSarifLevel(f.severity),
    message: { text: message(f) },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: imageRootUri(f.path ?? "/"), uriBaseId: "IMAGE_ROOT" },
          region: { startLine: 1 },
        },
        logicalLocations: [{ name: f.rule, fullyQualifiedName: `${imageName}:${f.rule}`, kind: "check" }],
      },
    ],
    partialFingerprints: {
      "shipshapeCheck/v1": createHash("sha256")
        .update([f.rule, f.path ?? "", String(f.layer ?? ""), f.title].join("\0"))
        .digest("hex")
        .slice(0, 32),
    },
    properties: {
      severity: f.severity,
      ...(f.layer !== undefined ? { layer: f.layer } : {}),
      ...(f.dockle ? { dockle: f.dockle } : {}),
      ...(f.tool ? { tool: f.tool } : {}),
    },
  }));
}
