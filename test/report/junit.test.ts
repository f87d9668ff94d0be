/**
 * `scan --format junit`: well-formed XML 1.0 (checked by saxes, a conformant non-validating parser)
 * with the shape CI test reports read: <testsuites> of one <testsuite> per package type, one
 * <testcase> per package, one <failure> per vulnerable package listing its findings, suppressed
 * findings in <system-out>, counts that add up, and coverage gaps as <error> cases. Text comes back
 * exactly as written (escaping round-trips), characters XML cannot carry become U+FFFD (fuzzed).
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderJunit, xmlAttr, xmlText } from "../../src/report/junit.js";
import type { ScanJson } from "../../src/report/scan-json.js";
import { alpine39Scan, type SampleScan } from "./scan-sample.js";
import { all, parseXml } from "./xml.js";

let sample: SampleScan;
beforeAll(async () => {
  sample = await alpine39Scan();
});
afterAll(() => sample?.dispose());

describe("JUnit XML", () => {
  it("is well-formed with a testsuites root, one suite per package type, one case per package", () => {
    const xml = renderJunit(sample.doc);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
    const root = parseXml(xml);
    expect(root.name).toBe("testsuites");
    const suites = root.children.filter((c) => c.name === "testsuite");
    // The archive's RepoTags say alpine:3.9, which is docker.io/library/alpine:3.9.
    // The gate (--fail-on high) was evaluated: its rules are a suite of their own.
    // The image hygiene checks ran: one suite of one case per check.
    expect(suites.map((s) => s.attributes.name)).toEqual([
      "docker.io/library/alpine:3.9 [apk]",
      "docker.io/library/alpine:3.9 [hygiene]",
      "docker.io/library/alpine:3.9 [policy]",
    ]);
    const cases = all(suites[0]!, "testcase");
    const packages = new Set(sample.doc.packages.map((p) => `${p.name} ${p.version}`));
    expect(cases.map((c) => c.attributes.name).sort()).toEqual([...packages].sort());
    expect(Number(suites[0]!.attributes.tests)).toBe(cases.length);
    expect(Number(root.attributes.tests)).toBe(all(root, "testcase").length);
  });

  it("fails exactly the packages with shown vulnerabilities, one <failure> each listing them", () => {
    const root = parseXml(renderJunit(sample.doc));
    const apk = root.children.find((s) => s.attributes.name?.endsWith("[apk]"))!;
    const failing = all(apk, "testcase").filter((c) => c.children.some((x) => x.name === "failure"));
    const vulnerable = new Set(sample.doc.vulnerabilities.map((v) => `${v.pkgName} ${v.installedVersion}`));
    expect(failing.map((c) => c.attributes.name).sort()).toEqual([...vulnerable].sort());
    // Plus one failing case per hygiene check with findings above info, and one failing policy
    // rule (fail-on), with one <failure> listing its violations.
    const failingChecks = new Set(
      sample.doc.findings.filter((f) => f.severity !== "info").map((f) => f.rule),
    );
    expect(failingChecks.size).toBeGreaterThan(0);
    expect(Number(root.attributes.failures)).toBe(vulnerable.size + failingChecks.size + 1);
    const policy = root.children.find((s) => s.attributes.name?.endsWith("[policy]"))!;
    const failOn = all(policy, "testcase").find((c) => c.attributes.name === "fail-on")!;
    const policyFailures = failOn.children.filter((x) => x.name === "failure");
    expect(policyFailures).toHaveLength(1);
    for (const v of sample.doc.policy.violations) expect(policyFailures[0]!.text).toContain(v.message);
    for (const c of failing) {
      const failures = c.children.filter((x) => x.name === "failure");
      expect(failures).toHaveLength(1);
      const mine = sample.doc.vulnerabilities.filter(
        (v) => `${v.pkgName} ${v.installedVersion}` === c.attributes.name,
      );
      for (const v of mine) expect(failures[0]!.text).toContain(v.id);
      expect(failures[0]!.attributes.message).toMatch(new RegExp(`^${mine.length} vulnerabilit`));
    }
  });

  it("has a hygiene suite: one case per check, failing with its findings and remediation", () => {
    const root = parseXml(renderJunit(sample.doc));
    const hygiene = root.children.find((s) => s.attributes.name?.endsWith("[hygiene]"))!;
    const cases = all(hygiene, "testcase");
    expect(cases.length).toBe(Number(hygiene.attributes.tests));
    for (const c of cases) {
      const id = c.attributes.name!.split(" ")[0]!;
      const found = sample.doc.findings.filter((f) => f.rule === id);
      const failure = c.children.find((x) => x.name === "failure");
      const out = c.children.find((x) => x.name === "system-out");
      if (found.length === 0) {
        expect(failure ?? out).toBeUndefined();
        continue;
      }
      const text = (failure ?? out)!.text;
      for (const f of found) expect(text).toContain(f.title);
      expect(text).toContain(`Fix: ${found[0]!.remediation}`);
      expect(failure !== undefined).toBe(found.some((f) => f.severity !== "info"));
    }
    const caseIds = cases.map((c) => c.attributes.name!.split(" ")[0]);
    for (const f of sample.doc.findings) expect(caseIds).toContain(f.rule);
  });

  it("lists suppressed findings in system-out, escaped text coming back exactly", () => {
    const root = parseXml(renderJunit(sample.doc));
    const musl = all(root, "testcase").find((c) => c.attributes.name?.startsWith("musl-utils "))!;
    const out = musl.children.find((c) => c.name === "system-out")!;
    const vex = sample.doc.suppressed.find((s) => s.pkgName === "musl-utils")!;
    expect(out.text).toContain(`suppressed ${vex.id}: VEX not_affected`);
    expect(out.text).toContain(vex.suppression.reason!);
    expect(vex.suppression.reason).toMatch(/<i386 only> & "quoted"/);
    // musl-utils' only finding is suppressed: it passes.
    expect(musl.children.some((c) => c.name === "failure")).toBe(false);
  });

  it("a scan that could not check everything has a coverage suite of errors", () => {
    const gap =
      "vulnerability database /x/db.sqlite has no data for alpine:3.9: those packages were not checked";
    const doc: ScanJson = { ...sample.doc, scan: { ...sample.doc.scan, coverageGaps: [gap] } };
    const root = parseXml(renderJunit(doc));
    const coverage = root.children.find((s) => s.attributes.name?.endsWith("[coverage]"))!;
    const errors = all(coverage, "error");
    expect(errors.map((e) => e.attributes.message)).toEqual([gap]);
    expect(Number(root.attributes.errors)).toBe(1);
  });

  it("an image without packages is an empty, well-formed report", () => {
    const root = parseXml(
      renderJunit({
        ...sample.doc,
        packages: [],
        vulnerabilities: [],
        suppressed: [],
        findings: [],
        scan: { ...sample.doc.scan, hygieneChecked: false },
        policy: { passed: true, violations: [] },
      }),
    );
    expect(root.name).toBe("testsuites");
    expect(root.attributes.tests).toBe("0");
  });
});

describe("escaping (fuzzed)", () => {
  const replaced = (s: string) =>
    [...s]
      .map((ch) => {
        const c = ch.codePointAt(0)!;
        const ok =
          c === 9 ||
          c === 10 ||
          c === 13 ||
          (c >= 0x20 && c <= 0xd7ff) ||
          (c >= 0xe000 && c <= 0xfffd) ||
          c >= 0x10000;
        return ok ? ch : "\uFFFD";
      })
      .join("");

  it("any text survives as element text and as an attribute", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 60 }), (s) => {
        const root = parseXml(`<a b="${xmlAttr(s)}">${xmlText(s)}</a>`);
        // XML normalises CR and CRLF in text to LF; attributes keep them (escaped as character references).
        expect(root.text).toBe(replaced(s).replace(/\r\n?/g, "\n"));
        expect(root.attributes.b).toBe(replaced(s));
      }),
      { numRuns: 400 },
    );
  });

  it("findings with hostile titles still give a well-formed report", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", maxLength: 40 }),
        fc.string({ unit: "binary", maxLength: 20 }),
        (title, name) => {
          const v = { ...sample.doc.vulnerabilities[0]!, title, pkgName: name, installedVersion: "1" };
          const doc: ScanJson = {
            ...sample.doc,
            packages: [{ name, version: "1", type: "apk", purl: "pkg:apk/alpine/x@1", locations: [] }],
            vulnerabilities: [v],
            suppressed: [],
          };
          const root = parseXml(renderJunit(doc));
          expect(all(root, "failure")[0]!.text).toContain(replaced(title).replace(/\r\n?/g, "\n"));
        },
      ),
      { numRuns: 200 },
    );
  });
});
