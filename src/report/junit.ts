/**
 * `scan --format junit`: JUnit XML for CI test reports (GitLab, Jenkins, Azure DevOps, CircleCI).
 *
 * One <testsuite> per package type (`IMAGE [deb]`), one <testcase> per package (classname
 * `IMAGE.TYPE`, name `NAME VERSION`): a package with shown vulnerabilities has ONE <failure> (type
 * "vulnerability", message with the counts by severity) whose text lists each finding — one failure,
 * because several CI UIs read only the first; a clean package passes. Findings a VEX statement or the
 * ignore file suppressed appear in the testcase's <system-out>, so the report does not hide them.
 * When the scan could not check everything (no data for a namespace, unknown OS), a suite
 * "coverage" has an <error> testcase per gap: a report that could not cover a package must not
 * look green. When the image hygiene checks ran, a suite "hygiene" has one testcase per check: a check
 * with findings has ONE <failure> (type "hygiene") listing them with the remediation (info-only
 * findings pass, listed in <system-out>). When a policy was evaluated (gate flags or a policy file), a suite "policy" has one
 * testcase per rule checked: a rule with violations has ONE <failure> (type "policy") listing them,
 * violations a policy exception waived are in its <system-out>; inform-only rules are passing testcases
 * with their warnings in <system-out>. Text is escaped for XML 1.0 and
 * characters XML cannot carry are replaced by U+FFFD.
 */
import type { PackageJson } from "../catalog/package.js";
import { ALL_RULES } from "../checks/all.js";
import type { HygieneFinding } from "../checks/rule.js";
import type { FindingJson } from "../match/finding.js";
import { SEVERITY_ORDER } from "../vulndb/records.js";
import { imageIdentity } from "./sbom-identity.js";
import type { ScanJson, SuppressedJson } from "./scan-json.js";

/** XML 1.0's Char production: tab, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD, U+10000–U+10FFFF. */
function isXmlChar(c: number): boolean {
  return (
    c === 0x9 ||
    c === 0xa ||
    c === 0xd ||
    (c >= 0x20 && c <= 0xd7ff) ||
    (c >= 0xe000 && c <= 0xfffd) ||
    (c >= 0x10000 && c <= 0x10ffff)
  );
}

/** Replace what XML cannot carry (controls, lone surrogates, U+FFFE/U+FFFF) by U+FFFD. */
function xmlSafe(text: string): string {
  let out = "";
  // for…of walks code points; a lone surrogate comes out alone and is not an XML Char.
  for (const ch of text) out += isXmlChar(ch.codePointAt(0)!) ? ch : "\uFFFD";
  return out;
}

export function xmlText(text: string): string {
  return xmlSafe(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function xmlAttr(text: string): string {
  return xmlText(text)
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;")
    .replace(/\t/g, "&#9;")
    .replace(/\n/g, "&#10;")
    .replace(/\r/g, "&#13;");
}

function attrs(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([k, v]) => ` ${k}="${xmlAttr(String(v))}"`)
    .join("");
}

function findingLine(f: FindingJson): string {
  const fix = f.fixedVersion ? `fixed in ${f.fixedVersion}` : "no fix yet";
  const kev = f.kev ? ", known exploited (CISA KEV)" : "";
  return `${f.id} (${f.severity}${kev}): ${fix}${f.title ? ` — ${f.title}` : ""}`;
}

function countsMessage(findings: readonly FindingJson[]): string {
  const counts = [...SEVERITY_ORDER]
    .reverse()
    .map((s) => [s, findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  return `${findings.length} vulnerabilit${findings.length === 1 ? "y" : "ies"}: ${counts.join(", ")}`;
}

/**
 * Image hygiene: one testcase per check (every rule that ran), failing with ONE <failure> listing its
 * findings; a check whose findings are all `info` passes with them in <system-out>.
 */
function hygieneSuite(
  findings: readonly HygieneFinding[],
  image: string,
): { xml: string; tests: number; failures: number } {
  const ids = [...new Set([...ALL_RULES.map((r) => r.id), ...findings.map((f) => f.rule)])].sort();
  let failures = 0;
  const cases = ids.map((id) => {
    const rule = ALL_RULES.find((r) => r.id === id);
    const found = findings.filter((f) => f.rule === id);
    const title = rule?.title ?? found[0]?.title ?? id;
    const head = `    <testcase${attrs({ classname: `${image}.hygiene`, name: `${id} ${title}`, time: "0" })}`;
    if (found.length === 0) return `${head}/>`;
    const text = xmlText(
      [
        ...found.map((f) => `${f.severity}: ${f.title}${f.path ? ` (${f.path})` : ""}`),
        `Fix: ${found[0]!.remediation}`,
      ].join("\n"),
    );
    if (found.every((f) => f.severity === "info"))
      return `${head}>\n      <system-out>${text}</system-out>\n    </testcase>`;
    failures++;
    const counts = [...new Set(found.map((f) => f.severity))]
      .map((sev) => `${found.filter((f) => f.severity === sev).length} ${sev}`)
      .join(", ");
    const message = `${found.length} finding${found.length === 1 ? "" : "s"} (${counts})`;
    return `${head}>\n      <failure${attrs({ type: "hygiene", message })}>${text}</failure>\n    </testcase>`;
  });
  const xml = `  <testsuite${attrs({ name: `${image} [hygiene]`, tests: cases.length, failures, errors: 0, skipped: 0, time: "0" })}>\n${cases.join("\n")}\n  </testsuite>`;
  return { xml, tests: cases.length, failures };
}

const key = (type: string, name: string, version: string) => `${type}\0${name}\0${version}`;

export function renderJunit(scan: ScanJson): string {
  const image = imageIdentity(scan.source).displayName;
  const findings = new Map<string, FindingJson[]>();
  for (const f of scan.vulnerabilities) {
    const k = key(f.pkgType, f.pkgName, f.installedVersion);
    findings.set(k, [...(findings.get(k) ?? []), f]);
  }
  const suppressed = new Map<string, SuppressedJson[]>();
  for (const s of scan.suppressed) {
    const k = key(s.pkgType, s.pkgName, s.installedVersion);
    suppressed.set(k, [...(suppressed.get(k) ?? []), s]);
  }
  // One testcase per distinct package (type, name, version): the same npm package at two paths is one case.
  const byType = new Map<string, Map<string, PackageJson>>();
  for (const p of scan.packages) {
    const cases = byType.get(p.type) ?? new Map<string, PackageJson>();
    const k = key(p.type, p.name, p.version);
    if (!cases.has(k)) cases.set(k, p);
    byType.set(p.type, cases);
  }

  const suites: string[] = [];
  let totalTests = 0;
  let totalFailures = 0;
  let totalErrors = 0;
  for (const type of [...byType.keys()].sort()) {
    const cases: string[] = [];
    let failures = 0;
    for (const [k, p] of byType.get(type)!) {
      const found = findings.get(k) ?? [];
      const quiet = suppressed.get(k) ?? [];
      const head = `    <testcase${attrs({ classname: `${image}.${type}`, name: `${p.name} ${p.version}`, time: "0" })}`;
      if (found.length === 0 && quiet.length === 0) {
        cases.push(`${head}/>`);
        continue;
      }
      const body: string[] = [];
      if (found.length > 0) {
        failures++;
        body.push(
          `      <failure${attrs({ type: "vulnerability", message: countsMessage(found) })}>${xmlText(found.map(findingLine).join("\n"))}</failure>`,
        );
      }
      if (quiet.length > 0) {
        const lines = quiet.map(
          (s) =>
            `suppressed ${s.id}: ${s.suppression.kind === "vex" ? `VEX ${s.suppression.status}` : "ignored"} (${s.suppression.file} ${s.suppression.at})${s.suppression.reason ? ` — ${s.suppression.reason}` : ""}`,
        );
        body.push(`      <system-out>${xmlText(lines.join("\n"))}</system-out>`);
      }
      cases.push(`${head}>\n${body.join("\n")}\n    </testcase>`);
    }
    totalTests += cases.length;
    totalFailures += failures;
    suites.push(
      `  <testsuite${attrs({ name: `${image} [${type}]`, tests: cases.length, failures, errors: 0, skipped: 0, time: "0" })}>\n${cases.join("\n")}\n  </testsuite>`,
    );
  }

  const gaps = [
    ...scan.scan.coverageGaps,
    ...scan.incomplete.map((i) => `package database ${i.path} could not be read fully: ${i.reason}`),
  ];
  if (gaps.length > 0) {
    const cases = gaps.map(
      (g, i) =>
        `    <testcase${attrs({ classname: `${image}.coverage`, name: `coverage gap ${i + 1}`, time: "0" })}>\n      <error${attrs({ type: "coverage", message: g })}>${xmlText(g)}</error>\n    </testcase>`,
    );
    totalTests += cases.length;
    totalErrors += cases.length;
    suites.push(
      `  <testsuite${attrs({ name: `${image} [coverage]`, tests: cases.length, failures: 0, errors: cases.length, skipped: 0, time: "0" })}>\n${cases.join("\n")}\n  </testsuite>`,
    );
  }

  if (scan.scan.hygieneChecked) {
    const suite = hygieneSuite(scan.findings, image);
    totalTests += suite.tests;
    totalFailures += suite.failures;
    suites.push(suite.xml);
  }

  const policy = scan.policy;
  const ruleIds = [...new Set([...(policy.rules ?? []), ...policy.violations.map((v) => v.rule)])];
  if (ruleIds.length > 0) {
    let failures = 0;
    const cases = ruleIds.map((rule) => {
      const broken = policy.violations.filter((v) => v.rule === rule);
      const waived = (policy.waived ?? []).filter((w) => w.rule === rule);
      const head = `    <testcase${attrs({ classname: `${image}.policy`, name: rule, time: "0" })}`;
      if (broken.length === 0 && waived.length === 0) return `${head}/>`;
      const body: string[] = [];
      if (broken.length > 0) {
        failures++;
        const message = `${broken.length} violation${broken.length === 1 ? "" : "s"} of ${rule}${broken[0]?.policy ? ` (${broken[0].policy})` : ""}`;
        body.push(
          `      <failure${attrs({ type: "policy", message })}>${xmlText(broken.map((v) => v.message).join("\n"))}</failure>`,
        );
      }
      if (waived.length > 0) {
        const lines = waived.map(
          (w) =>
            `waived ${w.message} — exception ${w.exception.file}:${w.exception.line} until ${w.exception.expires}: ${w.exception.reason}`,
        );
        body.push(`      <system-out>${xmlText(lines.join("\n"))}</system-out>`);
      }
      return `${head}>\n${body.join("\n")}\n    </testcase>`;
    });
    // Inform-only rules: a passing testcase each, their violations in <system-out>.
    const warned = [...new Set((policy.warnings ?? []).map((w) => w.rule))];
    for (const rule of warned) {
      const lines = (policy.warnings ?? [])
        .filter((w) => w.rule === rule)
        .map((w) => `warning: ${w.message}`);
      cases.push(
        `    <testcase${attrs({ classname: `${image}.policy`, name: `${rule} (inform only)`, time: "0" })}>\n      <system-out>${xmlText(lines.join("\n"))}</system-out>\n    </testcase>`,
      );
    }
    totalTests += cases.length;
    totalFailures += failures;
    suites.push(
      `  <testsuite${attrs({ name: `${image} [policy]`, tests: cases.length, failures, errors: 0, skipped: 0, time: "0" })}>\n${cases.join("\n")}\n  </testsuite>`,
    );
  }

  const root = attrs({
    name: `shipshape scan ${image}`,
    tests: totalTests,
    failures: totalFailures,
    errors: totalErrors,
    time: "0",
  });
  const inner = suites.length > 0 ? `\n${suites.join("\n")}\n` : "\n";
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites${root}>${inner}</testsuites>\n`;
}
