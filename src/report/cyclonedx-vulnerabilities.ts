/**
 * `scan --format cyclonedx`: the image's CycloneDX 1.6 BOM (src/report/cyclonedx.ts: same components,
 * same bom-refs) plus a `vulnerabilities` array.
 *
 * - One vulnerability object per id (and per suppression, since `analysis` belongs to the object):
 *   `id`, `source` (who publishes such ids: NVD for CVEs, GitHub for GHSA…, with the URL),
 *   `references` for aliases, `ratings` (the preferred CVSS score with vector and method CVSSv2 /
 *   CVSSv3 / CVSSv31 / CVSSv4, and the severity we report with its source, method `other`),
 *   `description` (title), `recommendation` (the fixed versions), `advisories` (the vendor advisory),
 *   `affects` (bom-refs of the affected package components, with the installed version affected),
 *   `properties` under `shipshape:` (the feed that matched, status, fixed version per package, KEV, EPSS).
 * - Suppressed findings are included with `analysis`: a VEX statement's state and justification
 *   (OpenVEX `fixed` → `resolved`, its justifications mapped to CycloneDX's), its impact statement as
 *   `detail`; an ignore-file entry has no CycloneDX state (it accepts a risk, it does not say the
 *   package is unaffected): response `will_not_fix`, the reason and expiry as `detail`.
 * - The serial number is derived from the image, the packages and the findings (same scan, same
 *   serial), distinct from the plain SBOM's.
 * - The scan's verdicts are `shipshape:` properties of the BOM's metadata (`grade`, `grade:complete`,
 *   `grade:reason`, `hygiene:checked`, `hygiene:finding`, `policy:passed`, `policy:file`,
 *   `policy:violation`, `policy:warning`, `policy:waived`, `policy:expiredException`), and a violation
 *   about a package also a `shipshape:policy:violation` property of its components: properties are
 *   what CycloneDX tools import (CycloneDX 1.6 annotations would fit too, but neither the CycloneDX
 *   library nor common consumers handle them).
 */
import type * as CDX from "@cyclonedx/cyclonedx-library";
import type { FindingJson } from "../match/finding.js";
import type { Suppression } from "../policy/suppression.js";
import { VERSION } from "../version.js";
import type { Severity } from "../vulndb/records.js";
import { buildBom, type CycloneDxSubject, type Lib, PROPERTY_PREFIX, serializeBom } from "./cyclonedx.js";
import { documentUuid, type SbomWriteOptions, uuidV5 } from "./sbom-identity.js";
import type { ScanJson } from "./scan-json.js";
import { vulnerabilityPublisher } from "./vulnerability-url.js";

export interface ScanCycloneDxSubject extends CycloneDxSubject {
  vulnerabilities: readonly FindingJson[];
  suppressed: ScanJson["suppressed"];
  /** The scan's verdicts, carried as `shipshape:` properties (absent: a plain vulnerability BOM). */
  findings?: ScanJson["findings"];
  grade?: ScanJson["grade"];
  policy?: ScanJson["policy"];
  scan?: Pick<ScanJson["scan"], "hygieneChecked">;
}

/** CycloneDX 1.6 JSON of a scan (the `scan --format json` object, optionally with full packages). */
export async function renderScanCycloneDxJson(
  scan: ScanCycloneDxSubject,
  options: SbomWriteOptions = {},
): Promise<string> {
  const lib = await import("@cyclonedx/cyclonedx-library");
  const bom = buildBom(lib, scan, options);
  const h = [documentUuid(scan, VERSION, "cyclonedx-1.6-scan")];
  for (const f of scan.vulnerabilities) h.push(`${f.id}\0${f.purl}\0${f.fixedVersion ?? ""}`);
  for (const s of scan.suppressed) h.push(`${s.id}\0${s.purl}\0${s.suppression.file}\0${s.suppression.at}`);
  bom.serialNumber = `urn:uuid:${uuidV5(h.join("\n"))}`;
  addVulnerabilities(lib, bom, scan);
  addVerdicts(lib, bom, scan);
  return serializeBom(lib, bom);
}

const SEVERITY: Record<Severity, `${CDX.Enums.Vulnerability.Severity}`> = {
  critical: "critical",
  high: "high",
  medium: "medium",
  low: "low",
  negligible: "info",
  unknown: "unknown",
};

const METHOD: Record<string, `${CDX.Enums.Vulnerability.RatingMethod}`> = {
  "2.0": "CVSSv2",
  "3.0": "CVSSv3",
  "3.1": "CVSSv31",
  "4.0": "CVSSv4",
};

/** OpenVEX justifications in CycloneDX's terms. */
const JUSTIFICATION: Record<string, `${CDX.Enums.Vulnerability.AnalysisJustification}`> = {
  component_not_present: "code_not_present",
  vulnerable_code_not_present: "code_not_present",
  vulnerable_code_not_in_execute_path: "code_not_reachable",
  vulnerable_code_cannot_be_controlled_by_adversary: "requires_environment",
  inline_mitigations_already_exist: "protected_by_mitigating_control",
};
const CDX_JUSTIFICATIONS = new Set([
  "code_not_present",
  "code_not_reachable",
  "requires_configuration",
  "requires_dependency",
  "requires_environment",
  "protected_by_compiler",
  "protected_at_runtime",
  "protected_at_perimeter",
  "protected_by_mitigating_control",
]);
const CDX_STATES = new Set([
  "resolved",
  "resolved_with_pedigree",
  "exploitable",
  "in_triage",
  "false_positive",
  "not_affected",
]);

/**
 * purl (+ first location path) → the component's BomRef object, as buildBom assigned them. The very
 * object, not a copy with the same value: the serializer makes distinct BomRef objects unique.
 */
function componentRefs(
  lib: Lib,
  bom: CDX.Models.Bom,
): { byPurlPath: Map<string, CDX.Models.BomRef>; byPurl: Map<string, CDX.Models.BomRef> } {
  const byPurlPath = new Map<string, CDX.Models.BomRef>();
  const byPurl = new Map<string, CDX.Models.BomRef>();
  const pathProp = `${PROPERTY_PREFIX}location:0:path`;
  for (const c of bom.components) {
    if (c.type !== lib.Enums.ComponentType.Library || !c.purl || !c.bomRef.value) continue;
    const purl = c.purl.toString();
    const path = [...c.properties].find((p) => p.name === pathProp)?.value ?? "";
    if (!byPurlPath.has(`${purl}\0${path}`)) byPurlPath.set(`${purl}\0${path}`, c.bomRef);
    if (!byPurl.has(purl)) byPurl.set(purl, c.bomRef);
  }
  return { byPurlPath, byPurl };
}

interface Group {
  id: string;
  findings: FindingJson[];
  suppression: Suppression | null;
}

function analysisOf(lib: Lib, s: Suppression): CDX.Models.Vulnerability.Analysis {
  const { Models } = lib;
  if (s.kind === "ignore-file") {
    const analysis = new Models.Vulnerability.Analysis({
      detail:
        `Ignored by ${s.file} (${s.at}${s.expires ? `, until ${s.expires}` : ""}): ${s.reason ?? ""}`.trim(),
    });
    analysis.response.add(lib.Enums.Vulnerability.AnalysisResponse.WillNotFix);
    return analysis;
  }
  const state = s.status === "fixed" ? "resolved" : s.status;
  const justification = s.justification ? (JUSTIFICATION[s.justification] ?? s.justification) : undefined;
  const detail = [s.reason, `VEX ${s.file} ${s.at}`].filter((x) => x).join(" — ");
  return new Models.Vulnerability.Analysis({
    ...(CDX_STATES.has(state) ? { state: state as CDX.Enums.Vulnerability.AnalysisState } : {}),
    ...(justification && CDX_JUSTIFICATIONS.has(justification)
      ? { justification: justification as CDX.Enums.Vulnerability.AnalysisJustification }
      : {}),
    detail,
  });
}

function addVulnerabilities(lib: Lib, bom: CDX.Models.Bom, scan: ScanCycloneDxSubject): void {
  const { Models } = lib;
  const refs = componentRefs(lib, bom);
  const groups = new Map<string, Group>();
  const add = (f: FindingJson, suppression: Suppression | null) => {
    const key = `${f.id}\0${suppression ? `${suppression.file}\0${suppression.at}` : ""}`;
    const g = groups.get(key) ?? { id: f.id, findings: [], suppression };
    g.findings.push(f);
    groups.set(key, g);
  };
  for (const f of scan.vulnerabilities) add(f, null);
  for (const s of scan.suppressed) add(s, s.suppression);

  const prop = (name: string, value: string) => new Models.Property(`${PROPERTY_PREFIX}${name}`, value);
  for (const g of groups.values()) {
    const first = g.findings[0]!;
    const publisher = vulnerabilityPublisher(g.id);
    const vuln = new Models.Vulnerability.Vulnerability({
      id: g.id,
      source: new Models.Vulnerability.Source({ name: publisher.name, url: publisher.url }),
      ...(first.title ? { description: first.title } : {}),
    });
    for (const alias of first.aliases) {
      if (alias === g.id) continue;
      const p = vulnerabilityPublisher(alias);
      vuln.references.add(
        new Models.Vulnerability.Reference(
          alias,
          new Models.Vulnerability.Source({ name: p.name, url: p.url }),
        ),
      );
    }
    // Ratings: the preferred CVSS (one per distinct score) and the severity we report, with whose it is.
    const seen = new Set<string>();
    for (const f of g.findings) {
      if (f.cvss && !seen.has(`cvss\0${f.cvss.source}\0${f.cvss.vector}`)) {
        seen.add(`cvss\0${f.cvss.source}\0${f.cvss.vector}`);
        const method = METHOD[f.cvss.version];
        vuln.ratings.add(
          new Models.Vulnerability.Rating({
            source: new Models.Vulnerability.Source({ name: f.cvss.source }),
            score: f.cvss.score,
            ...(method ? { method: method as CDX.Enums.Vulnerability.RatingMethod } : {}),
            vector: f.cvss.vector,
          }),
        );
      }
      if (!seen.has(`sev\0${f.severitySource}\0${f.severity}`)) {
        seen.add(`sev\0${f.severitySource}\0${f.severity}`);
        vuln.ratings.add(
          new Models.Vulnerability.Rating({
            source: new Models.Vulnerability.Source({ name: f.severitySource }),
            severity: SEVERITY[f.severity] as CDX.Enums.Vulnerability.Severity,
            method: lib.Enums.Vulnerability.RatingMethod.Other,
          }),
        );
      }
    }
    const fixes = g.findings.filter((f) => f.fixedVersion).map((f) => `${f.pkgName} to ${f.fixedVersion}`);
    if (fixes.length > 0) vuln.recommendation = `Upgrade ${[...new Set(fixes)].join(", ")}`;
    for (const advisory of new Set(g.findings.map((f) => f.advisory).filter((a): a is string => !!a))) {
      vuln.advisories.add(
        new Models.Vulnerability.Advisory(vulnerabilityPublisher(advisory).url, { title: advisory }),
      );
    }
    for (const f of g.findings) {
      const ref = refs.byPurlPath.get(`${f.purl}\0${f.pkgPath ?? ""}`) ?? refs.byPurl.get(f.purl);
      if (!ref) continue;
      const versions = new Models.Vulnerability.AffectedVersionRepository([
        new Models.Vulnerability.AffectedSingleVersion(f.installedVersion, {
          // A VEX suppression says the package is not affected; an ignore entry accepts the risk.
          status:
            g.suppression?.kind === "vex"
              ? lib.Enums.Vulnerability.AffectStatus.Unaffected
              : lib.Enums.Vulnerability.AffectStatus.Affected,
        }),
      ]);
      vuln.affects.add(new Models.Vulnerability.Affect(ref, { versions }));
      vuln.properties.add(prop(`vulnerability:${ref.value}:status`, f.status));
      if (f.fixedVersion)
        vuln.properties.add(prop(`vulnerability:${ref.value}:fixedVersion`, f.fixedVersion));
    }
    vuln.properties.add(prop("vulnerability:feed", first.source));
    if (first.kev) vuln.properties.add(prop("vulnerability:kev", first.kev.dateAdded));
    if (first.epss) vuln.properties.add(prop("vulnerability:epss", String(first.epss.score)));
    if (g.suppression) vuln.analysis = analysisOf(lib, g.suppression);
    bom.vulnerabilities.add(vuln);
  }
}

/**
 * The grade, the hygiene findings and the policy verdict as properties (CycloneDX has no field for
 * them; properties are what CycloneDX tools import and show, e.g. Dependency-Track): on the BOM's
 * metadata, and each violation about a package also on that package's components.
 */
function addVerdicts(lib: Lib, bom: CDX.Models.Bom, scan: ScanCycloneDxSubject): void {
  const prop = (name: string, value: string) => new lib.Models.Property(`${PROPERTY_PREFIX}${name}`, value);
  const meta = bom.metadata.properties;
  if (scan.grade) {
    meta.add(prop("grade", scan.grade.letter));
    meta.add(prop("grade:complete", String(scan.grade.complete)));
    for (const r of scan.grade.reasons) meta.add(prop("grade:reason", r));
  }
  if (scan.scan) meta.add(prop("hygiene:checked", String(scan.scan.hygieneChecked)));
  for (const f of scan.findings ?? []) {
    meta.add(prop("hygiene:finding", `${f.rule} ${f.severity}${f.path ? ` ${f.path}` : ""}: ${f.title}`));
  }
  const policy = scan.policy;
  if (!policy) return;
  meta.add(prop("policy:passed", String(policy.passed)));
  for (const file of policy.files ?? []) meta.add(prop("policy:file", file));
  for (const v of policy.violations) meta.add(prop("policy:violation", `[${v.rule}] ${v.message}`));
  for (const v of policy.warnings ?? []) meta.add(prop("policy:warning", `[${v.rule}] ${v.message}`));
  for (const w of policy.waived ?? []) {
    meta.add(
      prop(
        "policy:waived",
        `[${w.rule}] ${w.message} — exception ${w.exception.file}:${w.exception.line} until ${w.exception.expires}: ${w.exception.reason}`,
      ),
    );
  }
  for (const e of policy.expiredExceptions ?? []) {
    meta.add(
      prop("policy:expiredException", `${e.file}:${e.line}: ${e.scope}, expired ${e.expires} — ${e.reason}`),
    );
  }
  for (const v of policy.violations) {
    if (v.package === undefined) continue;
    for (const c of bom.components) {
      if (c.name === v.package && (v.installedVersion === undefined || c.version === v.installedVersion)) {
        c.properties.add(prop("policy:violation", `[${v.rule}] ${v.message}`));
      }
    }
  }
}
