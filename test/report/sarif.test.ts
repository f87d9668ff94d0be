/**
 * `scan --format sarif`: valid against the SARIF 2.1.0 JSON schema (OASIS, test/fixtures/schemas),
 * and meeting what GitHub code scanning reads: rules with helpUri and a numeric
 * properties.security-severity (NVD's CVSS score where it has one — from Trivy's fixture DB, not our
 * code), results with a ruleId/ruleIndex of an existing rule, a level from the severity, and a
 * relative artifact location (the package database that proves an apk package: lib/apk/db/installed).
 * Suppressed findings are results with an external suppression.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderSarif, sarifLevel } from "../../src/report/sarif.js";
import { nvdFacts } from "../scan/scan-store.js";
import { validateSarif } from "./sarif-schema.js";
import { alpine39Scan, type SampleScan } from "./scan-sample.js";

const validate = validateSarif;
/** Hygiene check ids (src/checks): SS and four digits. */
const isCheck = (id: string) => /^SS\d{4}$/.test(id);

interface SarifLog {
  version: string;
  runs: {
    tool: {
      driver: {
        name: string;
        rules: {
          id: string;
          helpUri: string;
          shortDescription: { text: string };
          properties: { "security-severity"?: string; tags: string[] };
        }[];
      };
    };
    results: {
      ruleId: string;
      ruleIndex: number;
      level: string;
      message: { text: string };
      locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[];
      suppressions?: { kind: string; justification: string }[];
      partialFingerprints: Record<string, string>;
    }[];
  }[];
}

let sample: SampleScan;
let log: SarifLog;
beforeAll(async () => {
  sample = await alpine39Scan();
  log = JSON.parse(renderSarif(sample.doc)) as SarifLog;
});
afterAll(() => sample?.dispose());

describe("SARIF 2.1.0", () => {
  it("is valid against the SARIF 2.1.0 schema", () => {
    const ok = validate(log);
    expect(ok, JSON.stringify(validate.errors?.slice(0, 5))).toBe(true);
    expect(log.version).toBe("2.1.0");
  });

  it("the schema check bites: a result without a message or with an unknown level is refused", () => {
    const broken = structuredClone(log);
    broken.runs[0]!.results[0]!.level = "fatal";
    expect(validate(broken)).toBe(false);
    const noMessage = structuredClone(log) as unknown as { runs: { results: { message?: unknown }[] }[] };
    delete noMessage.runs[0]!.results[0]!.message;
    expect(validate(noMessage)).toBe(false);
    const noRegionStart = structuredClone(log) as unknown as {
      runs: { results: { locations: { physicalLocation: { region: object } }[] }[] }[];
    };
    noRegionStart.runs[0]!.results[0]!.locations[0]!.physicalLocation.region = { endLine: 2 };
    expect(validate(noRegionStart)).toBe(false);
  });

  it("has one rule per vulnerability id with helpUri and GitHub's security-severity (the CVSS score)", () => {
    const rules = log.runs[0]!.tool.driver.rules.filter((r) => !r.id.startsWith("policy/") && !isCheck(r.id));
    const ids = new Set([...sample.doc.vulnerabilities, ...sample.doc.suppressed].map((f) => f.id));
    expect(rules.map((r) => r.id).sort()).toEqual([...ids].sort());
    const facts = nvdFacts();
    for (const r of rules) {
      expect(new URL(r.helpUri).protocol).toBe("https:");
      expect(r.properties.tags).toContain("security");
      const score = facts.get(r.id)?.CVSS?.nvd?.V3Score;
      if (score !== undefined) expect(r.properties["security-severity"]).toBe(score.toFixed(1));
      else expect(r.properties["security-severity"]).toBeUndefined(); // unknown severity: no score to claim
    }
    expect(rules.find((r) => r.id === "CVE-2019-14697")?.properties["security-severity"]).toBe("9.8");
    expect(rules.find((r) => r.id === "CVE-2019-14697")?.helpUri).toBe(
      "https://nvd.nist.gov/vuln/detail/CVE-2019-14697",
    );
  });

  it("has one result per finding, shown and suppressed, each located in the image", () => {
    const run = log.runs[0]!;
    const vulnerabilityResults = run.results.filter(
      (r) => !r.ruleId.startsWith("policy/") && !isCheck(r.ruleId),
    );
    const shown = vulnerabilityResults.filter((r) => !r.suppressions);
    const suppressed = vulnerabilityResults.filter((r) => r.suppressions);
    expect(shown).toHaveLength(sample.doc.vulnerabilities.length);
    expect(suppressed).toHaveLength(sample.doc.suppressed.length);
    expect(suppressed.length).toBe(2);
    for (const r of vulnerabilityResults) {
      expect(run.tool.driver.rules[r.ruleIndex]?.id).toBe(r.ruleId);
      const uri = r.locations[0]!.physicalLocation.artifactLocation.uri;
      expect(uri).toBe("lib/apk/db/installed");
      expect(r.locations[0]!.physicalLocation.region.startLine).toBe(1);
      expect(Object.values(r.partialFingerprints)[0]).toMatch(/^[0-9a-f]{32}$/);
    }
    for (const [i, f] of sample.doc.vulnerabilities.entries()) {
      expect(shown[i]!.ruleId).toBe(f.id);
      expect(shown[i]!.level).toBe(sarifLevel(f.severity));
      expect(shown[i]!.message.text).toContain(`Package: ${f.pkgName}`);
    }
    expect(suppressed.map((r) => r.suppressions![0]!.kind)).toEqual(["external", "external"]);
    expect(suppressed.map((r) => r.suppressions![0]!.justification).join("\n")).toMatch(
      /VEX not_affected .*i386 only/,
    );
  });

  it("has one error result per policy violation, under a policy/<rule> rule, at the package's file", () => {
    const run = log.runs[0]!;
    const policy = run.results.filter((r) => r.ruleId.startsWith("policy/"));
    expect(sample.doc.policy.violations.length).toBeGreaterThan(0);
    expect(policy.map((r) => r.ruleId)).toEqual(sample.doc.policy.violations.map((v) => `policy/${v.rule}`));
    for (const r of policy) {
      expect(run.tool.driver.rules[r.ruleIndex]?.id).toBe(r.ruleId);
      expect(r.level).toBe("error");
      expect(r.locations[0]!.physicalLocation.artifactLocation.uri).toBe("lib/apk/db/installed");
    }
  });

  it("has one result per image hygiene finding, under a rule per check with its remediation", () => {
    const run = log.runs[0]!;
    const hygiene = run.results.filter((r) => isCheck(r.ruleId));
    expect(sample.doc.findings.length).toBeGreaterThan(0);
    expect(hygiene.map((r) => r.ruleId)).toEqual(sample.doc.findings.map((f) => f.rule));
    const levels: Record<string, string> = {
      critical: "error",
      high: "error",
      medium: "warning",
      low: "note",
      info: "note",
    };
    for (const [i, f] of sample.doc.findings.entries()) {
      const r = hygiene[i]!;
      const rule = run.tool.driver.rules[r.ruleIndex]!;
      expect(rule.id).toBe(f.rule);
      expect(rule.properties.tags).toContain("image-hygiene");
      expect(r.level).toBe(levels[f.severity]);
      expect(r.message.text).toBe(`${f.title}\nFix: ${f.remediation}`);
      expect(r.locations[0]!.physicalLocation.artifactLocation.uri).toBe(
        f.path ? f.path.replace(/^\//, "") : ".",
      );
    }
    // One rule per check id, however many findings it has.
    const ruleIds = run.tool.driver.rules.map((r) => r.id).filter(isCheck);
    expect(ruleIds).toEqual([...new Set(sample.doc.findings.map((f) => f.rule))].sort());
  });

  it("maps severities to levels as GitHub shows them", () => {
    expect(
      ["critical", "high", "medium", "low", "negligible", "unknown"].map((s) => sarifLevel(s as never)),
    ).toEqual(["error", "error", "warning", "note", "note", "note"]);
  });

  it("is valid for a scan without findings too", () => {
    const empty = {
      ...sample.doc,
      vulnerabilities: [],
      suppressed: [],
      findings: [],
      policy: { ...sample.doc.policy, passed: true, violations: [] },
    };
    const doc = JSON.parse(renderSarif(empty)) as SarifLog;
    expect(validate(doc), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    expect(doc.runs[0]!.results).toEqual([]);
  });
});
