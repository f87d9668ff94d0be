/**
 * The CI gate: --severity / --ignore-unfixed decide what is shown (and judged), --fail-on with
 * --fixable-only, Trivy's --exit-code and --fail-on-kev decide pass/fail and the exit status. Rules
 * stated as properties over generated findings, plus the cases a CI user relies on.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Finding } from "../../src/match/finding.js";
import { evaluateGate, parseSeverity, parseSeverityList } from "../../src/policy/gate.js";
import { SEVERITY_ORDER, type Severity } from "../../src/vulndb/records.js";
import { alpine39Findings, finding } from "./sample-findings.js";

const rank = (s: Severity) => SEVERITY_ORDER.indexOf(s);

const arbFinding: fc.Arbitrary<Finding> = fc
  .record({
    id: fc.constantFrom("CVE-2019-1549", "CVE-2019-14697", "GHSA-g4mx-q9vg-27p4", "GO-2023-2102"),
    pkgName: fc.constantFrom("musl", "libssl1.1", "stdlib"),
    severity: fc.constantFrom(...SEVERITY_ORDER),
    fixed: fc.boolean(),
    kev: fc.boolean(),
  })
  .map(({ id, pkgName, severity, fixed, kev }) =>
    finding({
      id,
      pkgName,
      severity,
      fixedVersion: fixed ? "2.0.0-r0" : null,
      ...(kev ? { kev: { dateAdded: "2023-10-10", dueDate: "2023-10-31", knownRansomware: false } } : {}),
    }),
  );

describe("what is shown", () => {
  it("--severity keeps exactly the listed severities; --ignore-unfixed drops findings without a fix", () => {
    fc.assert(
      fc.property(
        fc.array(arbFinding, { maxLength: 30 }),
        fc.subarray([...SEVERITY_ORDER]),
        fc.boolean(),
        (findings, severities, ignoreUnfixed) => {
          const r = evaluateGate(findings, { severities, ignoreUnfixed });
          const expected = findings.filter(
            (f) =>
              (severities.length === 0 || severities.includes(f.severity)) && (!ignoreUnfixed || f.fixable),
          );
          expect(r.shown).toEqual(expected);
          expect(r.hidden).toBe(findings.length - expected.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("without gate options everything is shown and the gate passes (exit 0), as Trivy's default", () => {
    const r = evaluateGate(alpine39Findings());
    expect(r.shown).toHaveLength(4);
    expect(r.policy).toEqual({ passed: true, violations: [] });
    expect(r.exitCode).toBe(0);
  });
});

describe("pass or fail", () => {
  it("--fail-on S fails exactly when a shown finding is at or over S (with --fixable-only: a fixable one)", () => {
    fc.assert(
      fc.property(
        fc.array(arbFinding, { maxLength: 30 }),
        fc.constantFrom(...SEVERITY_ORDER),
        fc.boolean(),
        (findings, failOn, fixableOnly) => {
          const r = evaluateGate(findings, { failOn, fixableOnly });
          const offending = findings.filter(
            (f) => rank(f.severity) >= rank(failOn) && (!fixableOnly || f.fixable),
          );
          expect(r.policy.passed).toBe(offending.length === 0);
          expect(r.exitCode).toBe(offending.length === 0 ? 0 : 1);
          expect(r.policy.violations.map((v) => `${v.vulnerability} ${v.package}`).sort()).toEqual(
            offending.map((f) => `${f.id} ${f.pkgName}`).sort(),
          );
          for (const v of r.policy.violations) expect(v.rule).toBe("fail-on");
        },
      ),
      { numRuns: 300 },
    );
  });

  it("--exit-code N fails with N whenever a shown finding remains; 0 turns the rule off", () => {
    fc.assert(
      fc.property(
        fc.array(arbFinding, { maxLength: 20 }),
        fc.integer({ min: 0, max: 255 }),
        (findings, n) => {
          const r = evaluateGate(findings, { exitCode: n });
          const fails = n > 0 && findings.length > 0;
          expect(r.policy.passed).toBe(!fails);
          expect(r.exitCode).toBe(fails ? n : 0);
          if (fails) expect(r.policy.violations).toHaveLength(findings.length);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("--exit-code also sets the status of a failed --fail-on; the report names each finding once", () => {
    const findings = alpine39Findings();
    const r = evaluateGate(findings, { failOn: "critical", exitCode: 3 });
    expect(r.exitCode).toBe(3);
    expect(r.policy.violations).toHaveLength(findings.length);
    const musl = r.policy.violations.filter((v) => v.vulnerability === "CVE-2019-14697");
    expect(musl.map((v) => v.rule)).toEqual(["fail-on", "fail-on"]);
    expect(r.policy.violations.filter((v) => v.rule === "exit-code").map((v) => v.package)).toEqual([
      "libcrypto1.1",
      "libssl1.1",
    ]);
  });

  it("--severity narrows what the gate sees: --severity MEDIUM --fail-on high passes on the musl criticals", () => {
    const r = evaluateGate(alpine39Findings(), { severities: ["medium"], failOn: "high" });
    expect(r.shown.map((f) => f.pkgName)).toEqual(["libcrypto1.1", "libssl1.1"]);
    expect(r.policy.passed).toBe(true);
  });

  it("--fixable-only lets an unfixed critical through but still shows it", () => {
    const unfixed = finding({ id: "CVE-2019-14697", pkgName: "musl", severity: "critical" });
    const r = evaluateGate([unfixed], { failOn: "high", fixableOnly: true });
    expect(r.shown).toEqual([unfixed]);
    expect(r.policy.passed).toBe(true);
    expect(evaluateGate([unfixed], { failOn: "high" }).policy.passed).toBe(false);
  });

  it("--fail-on-kev fails on a known exploited vulnerability of any severity", () => {
    const kev = finding({
      id: "CVE-2023-44487",
      pkgName: "stdlib",
      pkgType: "golang",
      severity: "low",
      fixedVersion: "1.20.10",
      kev: { dateAdded: "2023-10-10", dueDate: "2023-10-31", knownRansomware: false },
    });
    const r = evaluateGate([kev], { failOnKev: true, failOn: "critical" });
    expect(r.policy.passed).toBe(false);
    expect(r.policy.violations[0]?.rule).toBe("kev");
    expect(r.policy.violations[0]?.message).toContain("CISA KEV");
    expect(evaluateGate([kev], { failOn: "critical" }).policy.passed).toBe(true);
  });

  it("unknown severity never reaches a --fail-on threshold above unknown", () => {
    const r = evaluateGate([finding({ id: "CVE-2019-1547", pkgName: "libssl1.1" })], { failOn: "low" });
    expect(r.policy.passed).toBe(true);
    expect(
      evaluateGate([finding({ id: "CVE-2019-1547", pkgName: "x" })], { failOn: "unknown" }).exitCode,
    ).toBe(1);
  });
});

describe("severity flags", () => {
  it("reads severities case-insensitively and refuses unknown words with the flag's name", () => {
    expect(parseSeverityList("CRITICAL, High,high", "--severity")).toEqual(["critical", "high"]);
    expect(parseSeverity("Negligible", "--fail-on")).toBe("negligible");
    expect(() => parseSeverity("severe", "--fail-on")).toThrow(/--fail-on: unknown severity "severe"/);
    expect(() => parseSeverityList(" , ", "--severity")).toThrow(/--severity/);
  });
});
