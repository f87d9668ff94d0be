/**
 * `scan --format sarif`: SARIF 2.1.0 for GitHub code scanning (and any SARIF viewer).
 *
 * - One run, tool.driver "shipshape" with its version; one rule per vulnerability id: shortDescription
 *   (id and title), fullDescription, help (text and Markdown), helpUri (the id's public page: NVD,
 *   GitHub advisories, pkg.go.dev, RustSec, OSV), properties.security-severity (the CVSS base score as
 *   a string, which GitHub buckets: ≥ 9 critical, ≥ 7 high, ≥ 4 medium, > 0 low; without a score, a
 *   representative score of our severity: 9.5 / 8.0 / 5.5 / 2.0) and tags ["security", "vulnerability",
 *   severity]. GitHub reads security-severity from rules only, so a rule carries the highest score of
 *   its findings.
 * - One result per shown finding: ruleId/ruleIndex, level from severity (critical/high → error,
 *   medium → warning, else note), a message naming package, installed and fixed version.
 * - Location (GitHub requires one per result): a container has no source file, so, as Trivy does,
 *   the artifact is the file in the image that proves the package — the package database for OS
 *   packages (`var/lib/dpkg/status`, `lib/apk/db/installed`), the package's own file for language
 *   packages (`usr/local/bin/gohello`) — relative to the image root (uriBaseId IMAGE_ROOT), region
 *   line 1; plus a logical location naming the image and the package purl. `partialFingerprints`
 *   keep alerts stable across runs (rule + purl + path).
 * - Suppressed findings are results too, with `suppressions` (kind external: VEX or ignore file,
 *   with the justification), so GitHub shows them as dismissed rather than forgetting them.
 * - Image hygiene findings (src/checks/) are results of their own rules, one per check id (SS1003…):
 *   the check's title and remediation, Dockle's code as a tag, a representative security-severity of
 *   its most severe finding (9.5 / 8.0 / 5.5 / 2.0; info none); located at the file they are about,
 *   else the image root; fingerprinted by rule, path, layer and title (as `check --format sarif`).
 * - Policy violations (gate flags and policy file) are results of their own rules, `policy/<rule>`
 *   (`policy/fail-on`, `policy/image.disallowedTags`…), level error, located at the file of the
 *   package or hygiene finding they are about, else at the image root; violations a policy exception
 *   waived carry a `suppressions` entry with its reason and expiry; inform-only rules' violations are
 *   level warning with `informOnly`. The run's properties carry the A–F grade, whether it is complete,
 *   and its reasons.
 */
import { createHash } from "node:crypto";
import type { PackageJson } from "../catalog/package.js";
import type { FindingJson } from "../match/finding.js";
import type { PolicyViolation, WaivedViolation } from "../policy/model.js";
import type { Suppression } from "../policy/suppression.js";
import type { Severity } from "../vulndb/records.js";
import { hygieneSarifResults, hygieneSarifRules } from "./hygiene-sarif.js";
import { renderSarifLog } from "./sarif-log.js";
import { imageIdentity } from "./sbom-identity.js";
import type { ScanJson } from "./scan-json.js";
import { vulnerabilityUrl } from "./vulnerability-url.js";

const REPRESENTATIVE_SCORE: Partial<Record<Severity, number>> = {
  critical: 9.5,
  high: 8.0,
  medium: 5.5,
  low: 2.0,
};

type Level = "error" | "warning" | "note";

export function sarifLevel(severity: Severity): Level {
  if (severity === "critical" || severity === "high") return "error";
  if (severity === "medium") return "warning";
  return "note";
}

/** The score GitHub sorts by: the CVSS base score, else a representative score of our severity. */
export function securitySeverity(f: Pick<FindingJson, "cvss" | "severity">): number | null {
  if (f.cvss && Number.isFinite(f.cvss.score) && f.cvss.score >= 0) return f.cvss.score;
  return REPRESENTATIVE_SCORE[f.severity] ?? null;
}

/** The image-relative path of the file that proves a finding's package. */
function artifactPath(f: FindingJson, packages: Map<string, PackageJson[]>): string {
  const candidates = packages.get(f.purl) ?? [];
  const pkg = candidates.find((p) => p.locations[0]?.path === f.pkgPath) ?? candidates[0];
  const path = f.pkgPath ?? pkg?.locations[0]?.path;
  return (path ?? "/").replace(/^\/+/, "") || ".";
}

/** A relative URI reference for a path (each segment percent-encoded where needed). */
function pathUri(path: string): string {
  return path
    .split("/")
    .map((s) => encodeURIComponent(s))
    .join("/");
}

function fingerprint(...parts: string[]): string {
  return createHash("sha256").update(parts.join("\0")).digest("hex").slice(0, 32);
}

interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  /** Absent for policy rules: there is no public page to point to. */
  helpUri?: string;
  help: { text: string; markdown: string };
  defaultConfiguration: { level: Level };
  properties: { "security-severity"?: string; tags: string[]; precision: string };
}

function ruleFor(id: string, findings: FindingJson[]): SarifRule {
  const worst = [...findings].sort((a, b) => (securitySeverity(b) ?? -1) - (securitySeverity(a) ?? -1))[0]!;
  const score = securitySeverity(worst);
  const title = findings.find((f) => f.title)?.title ?? null;
  const url = vulnerabilityUrl(id);
  const table = findings
    .map((f) => `|${f.severity}|${f.pkgName}|${f.installedVersion}|${f.fixedVersion ?? "none"}|`)
    .join("\n");
  const rule: SarifRule = {
    id,
    name:
      worst.pkgType === "deb" || worst.pkgType === "apk" || worst.pkgType === "rpm"
        ? "OsPackageVulnerability"
        : "LanguagePackageVulnerability",
    shortDescription: { text: title ? `${id}: ${title}` : id },
    fullDescription: { text: title ?? `${id} affects ${worst.pkgName}` },
    helpUri: url,
    help: {
      text: `Vulnerability ${id}\nSeverity: ${worst.severity} (${worst.severitySource})\nPackage: ${worst.pkgName}\nFixed version: ${worst.fixedVersion ?? "none"}\nLink: ${url}${title ? `\n${title}` : ""}`,
      markdown: `**Vulnerability ${id}**\n| Severity | Package | Installed | Fixed version |\n| --- | --- | --- | --- |\n${table}\n\n[${id}](${url})${title ? `\n\n${title}` : ""}`,
    },
    defaultConfiguration: { level: sarifLevel(worst.severity) },
    properties: { tags: ["security", "vulnerability", worst.severity], precision: "very-high" },
  };
  if (score !== null) rule.properties["security-severity"] = score.toFixed(1);
  return rule;
}

function policyRuleFor(id: string, v: PolicyViolation): SarifRule {
  const text = `shipshape policy rule ${v.rule}${v.policy ? ` (${v.policy})` : ""}`;
  return {
    id,
    name: "PolicyViolation",
    shortDescription: { text: `Policy: ${v.rule}` },
    fullDescription: { text },
    help: {
      text: `${text}. The image broke a rule of the policy the scan evaluated; the result's message says how (policies/README.md in shipshape documents the rules).`,
      markdown: `**Policy rule \`${v.rule}\`**${v.policy ? ` (set at \`${v.policy}\`)` : ""}\n\nThe image broke a rule of the policy the scan evaluated; each result says how.`,
    },
    defaultConfiguration: { level: "error" },
    properties: { tags: ["security", "policy"], precision: "very-high" },
  };
}

/** Where a policy violation points: its hygiene finding's file, its package's file, else the image root. */
function policyArtifactPath(v: PolicyViolation, packages: Map<string, PackageJson[]>): string {
  if (v.path) return v.path.replace(/^\/+/, "") || ".";
  if (v.package) {
    for (const list of packages.values()) {
      const p = list.find(
        (x) => x.name === v.package && (v.installedVersion === undefined || x.version === v.installedVersion),
      );
      const at = p?.locations[0]?.path;
      if (at) return at.replace(/^\/+/, "") || ".";
    }
  }
  return ".";
}

function suppressionOf(s: Suppression): {
  kind: "external";
  status: "accepted";
  justification: string;
} {
  const why =
    s.kind === "vex"
      ? `VEX ${s.status}${s.justification ? ` (${s.justification})` : ""} in ${s.file} ${s.at}`
      : `ignored by ${s.file} ${s.at}${s.expires ? ` until ${s.expires}` : ""}`;
  return { kind: "external", status: "accepted", justification: s.reason ? `${why}: ${s.reason}` : why };
}

/** Hygiene findings: one rule per check id (its title and remediation), one result per finding. */
function hygiene(scan: ScanJson, rules: SarifRule[], image: string): Record<string, unknown>[] {
  const index = new Map<string, number>();
  for (const rule of hygieneSarifRules(scan.findings)) {
    index.set(rule.id, rules.length);
    rules.push(rule);
  }
  return hygieneSarifResults(
    scan.findings,
    (id) => index.get(id),
    image,
    (f) => `${f.title}\nFix: ${f.remediation}`,
  );
}

export function renderSarif(scan: ScanJson): string {
  const packages = new Map<string, PackageJson[]>();
  for (const p of scan.packages) packages.set(p.purl, [...(packages.get(p.purl) ?? []), p]);
  const image = imageIdentity(scan.source);
  const all: { f: FindingJson; suppression: Suppression | null }[] = [
    ...scan.vulnerabilities.map((f) => ({ f, suppression: null })),
    ...scan.suppressed.map((s) => ({ f: s as FindingJson, suppression: s.suppression })),
  ];
  const byId = new Map<string, FindingJson[]>();
  for (const { f } of all) byId.set(f.id, [...(byId.get(f.id) ?? []), f]);
  const ids = [...byId.keys()].sort();
  const rules = ids.map((id) => ruleFor(id, byId.get(id)!));
  const ruleIndex = new Map(ids.map((id, i) => [id, i]));

  const results = all.map(({ f, suppression }) => {
    const path = artifactPath(f, packages);
    const fixed = f.fixedVersion ? `Fixed version: ${f.fixedVersion}` : "No fixed version yet";
    const result: Record<string, unknown> = {
      ruleId: f.id,
      ruleIndex: ruleIndex.get(f.id),
      level: sarifLevel(f.severity),
      message: {
        text: `Package: ${f.pkgName}\nInstalled version: ${f.installedVersion}\nVulnerability: ${f.id}\nSeverity: ${f.severity}\n${fixed}${f.kev ? "\nKnown exploited (CISA KEV)" : ""}`,
      },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: pathUri(path), uriBaseId: "IMAGE_ROOT" },
            region: { startLine: 1 },
          },
          logicalLocations: [
            { name: f.pkgName, fullyQualifiedName: `${image.displayName}:${f.purl}`, kind: "package" },
          ],
        },
      ],
      partialFingerprints: { "shipshapeFinding/v1": fingerprint(f.id, f.purl, path) },
      properties: {
        purl: f.purl,
        installedVersion: f.installedVersion,
        fixedVersion: f.fixedVersion,
        severity: f.severity,
        severitySource: f.severitySource,
        feed: f.source,
      },
    };
    if (suppression) result.suppressions = [suppressionOf(suppression)];
    return result;
  });

  const hygieneResults = hygiene(scan, rules, image.displayName);

  const policyRules = new Map<string, number>();
  const policyResults = [
    ...scan.policy.violations.map((v) => ({ v, waived: null as WaivedViolation | null, inform: false })),
    ...(scan.policy.waived ?? []).map((w) => ({ v: w as PolicyViolation, waived: w, inform: false })),
    // Inform-only rules: reported, never failing.
    ...(scan.policy.warnings ?? []).map((v) => ({ v, waived: null as WaivedViolation | null, inform: true })),
  ].map(({ v, waived, inform }) => {
    const id = `policy/${v.rule}`;
    if (!policyRules.has(id)) {
      policyRules.set(id, rules.length);
      rules.push(policyRuleFor(id, v));
    }
    const path = policyArtifactPath(v, packages);
    const result: Record<string, unknown> = {
      ruleId: id,
      ruleIndex: policyRules.get(id),
      level: inform ? "warning" : "error",
      message: { text: v.message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: pathUri(path), uriBaseId: "IMAGE_ROOT" },
            region: { startLine: 1 },
          },
          logicalLocations: [
            { name: v.rule, fullyQualifiedName: `${image.displayName}:${id}`, kind: "policy" },
          ],
        },
      ],
      partialFingerprints: {
        "shipshapePolicy/v1": fingerprint(
          id,
          v.vulnerability ?? "",
          v.package ?? "",
          v.installedVersion ?? "",
          v.path ?? "",
          v.check ?? "",
          v.image ?? "",
        ),
      },
      properties: {
        policy: v.policy ?? null,
        ...(v.severity ? { severity: v.severity } : {}),
        ...(inform ? { informOnly: true } : {}),
      },
    };
    if (waived) {
      const e = waived.exception;
      result.suppressions = [
        {
          kind: "external",
          status: "accepted",
          justification: `policy exception ${e.file}:${e.line} until ${e.expires}: ${e.reason}`,
        },
      ];
    }
    return result;
  });

  return renderSarifLog({
    fullName: "shipshape container image scanner",
    rules,
    results: [...results, ...hygieneResults, ...policyResults],
    baseUris: { IMAGE_ROOT: `The root filesystem of ${image.displayName}` },
    properties: {
      image: image.displayName,
      reference: scan.source.reference,
      ...(scan.source.manifestDigest ? { manifestDigest: scan.source.manifestDigest } : {}),
      database: scan.database.location,
      policyPassed: scan.policy.passed,
      ...(scan.policy.files ? { policyFiles: scan.policy.files } : {}),
      grade: scan.grade.letter,
      gradeComplete: scan.grade.complete,
      gradeReasons: scan.grade.reasons,
    },
  });
}
