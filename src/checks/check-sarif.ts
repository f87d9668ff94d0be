/**
 * `check --format sarif`: SARIF 2.1.0, in the same style as `scan --format sarif`
 * (src/report/sarif.ts): one run, driver "shipshape"; one rule per hygiene rule that found something
 * (its title, remediation as help, Dockle's code as a tag, a representative security-severity of its
 * most severe finding: 9.5 / 8.0 / 5.5 / 2.0, info none); one result per finding, level from severity
 * (critical/high → error, medium → warning, else note), located at the file in the image it is about
 * (relative to IMAGE_ROOT, which GitHub requires) or at the image root for config findings, with a
 * stable partial fingerprint (rule, path, layer, title).
 */
import { createHash } from "node:crypto";
import { imageIdentity } from "../report/sbom-identity.js";
import { VERSION } from "../version.js";
import { ALL_RULES } from "./all.js";
import type { CheckJson } from "./check-json.js";
import type { HygieneFinding } from "./rule.js";
import { type CheckSeverity, checkSeverityRank } from "./severity.js";

type Level = "error" | "warning" | "note";

const SCORE: Partial<Record<CheckSeverity, number>> = { critical: 9.5, high: 8.0, medium: 5.5, low: 2.0 };

export function checkSarifLevel(s: CheckSeverity): Level {
  return s === "critical" || s === "high" ? "error" : s === "medium" ? "warning" : "note";
}

function pathUri(path: string): string {
  const relative = path.replace(/^\/+/, "") || ".";
  return relative
    .split("/")
    .map((s) => encodeURIComponent(s))
    .join("/");
}

function fingerprint(f: HygieneFinding): string {
  return createHash("sha256")
    .update([f.rule, f.path ?? "", String(f.layer ?? ""), f.title].join("\0"))
    .digest("hex")
    .slice(0, 32);
}

export function renderCheckSarif(doc: CheckJson): string {
  const image = imageIdentity(doc.source);
  const ids = [...new Set(doc.findings.map((f) => f.rule))].sort();
  const rules = ids.map((id) => {
    const rule = ALL_RULES.find((r) => r.id === id);
    const found = doc.findings.filter((f) => f.rule === id);
    const worst = found.reduce((a, b) =>
      checkSeverityRank(b.severity) > checkSeverityRank(a.severity) ? b : a,
    );
    const title = rule?.title ?? worst.title;
    const remediation = rule?.remediation ?? worst.remediation;
    const dockle = rule?.dockle ?? worst.dockle;
    const properties: Record<string, unknown> = {
      tags: ["security", "image-hygiene", ...(dockle ? [dockle] : [])],
      precision: "high",
    };
    const score = SCORE[worst.severity];
    if (score !== undefined) properties["security-severity"] = score.toFixed(1);
    return {
      id,
      name: title.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : "")),
      shortDescription: { text: `${id}: ${title}` },
      fullDescription: { text: `${title}${dockle ? ` (Dockle ${dockle})` : ""}` },
      help: {
        text: `${title}\nFix: ${remediation}`,
        markdown: `**${id}: ${title}**${dockle ? ` (Dockle \`${dockle}\`)` : ""}\n\n${remediation}`,
      },
      defaultConfiguration: { level: checkSarifLevel(rule?.severity ?? worst.severity) },
      properties,
    };
  });
  const index = new Map(ids.map((id, i) => [id, i]));
  const results = doc.findings.map((f) => ({
    ruleId: f.rule,
    ruleIndex: index.get(f.rule),
    level: checkSarifLevel(f.severity),
    message: { text: f.title },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: pathUri(f.path ?? "/"), uriBaseId: "IMAGE_ROOT" },
          region: { startLine: 1 },
        },
        logicalLocations: [
          { name: f.rule, fullyQualifiedName: `${image.displayName}:${f.rule}`, kind: "check" },
        ],
      },
    ],
    partialFingerprints: { "shipshapeCheck/v1": fingerprint(f) },
    properties: {
      severity: f.severity,
      ...(f.layer !== undefined ? { layer: f.layer } : {}),
      ...(f.dockle ? { dockle: f.dockle } : {}),
      ...(f.tool ? { tool: f.tool } : {}),
    },
  }));
  const log = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "shipshape",
            fullName: "shipshape container image scanner",
            version: VERSION,
            semanticVersion: VERSION,
            rules,
          },
        },
        originalUriBaseIds: {
          IMAGE_ROOT: { description: { text: `The root filesystem of ${image.displayName}` } },
        },
        results,
        properties: {
          image: image.displayName,
          reference: doc.source.reference,
          ...(doc.source.manifestDigest ? { manifestDigest: doc.source.manifestDigest } : {}),
          ...(doc.failOn ? { failOn: doc.failOn, passed: doc.passed } : {}),
        },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
