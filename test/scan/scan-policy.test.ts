/**
 * `shipshape scan --policy` end to end (the built CLI) on the real fixture images, against a store the
 * real PyPA importer builds from ../shared (no Debian data: a reported coverage gap):
 * - the shipped default policy on debian12-app (comprehensive detection) fails, exit 1, for exactly
 *   the reasons the fixture README and its Containerfile give: tag latest; apt, dpkg, curl and wget
 *   installed (dpkg still lists wget after /usr/bin/wget was deleted); curl, nc and strace present as
 *   files; root user; the fake secrets (/app/.env, /root/.env.backup in a lower layer, id_rsa,
 *   DB_PASSWORD in the config and the history); and its fixable Important urllib3/idna findings;
 * - the violations appear in every format: JSON `policy.violations`, the table, SARIF results (valid
 *   against the SARIF 2.1.0 schema), a JUnit policy suite, CycloneDX properties (valid CycloneDX 1.6);
 * - the same policy passes distroless-like (non-root, no package manager, no shell, no network client
 *   the policy forbids), exit 0, with its epoch date and incomplete grade as inform-only warnings;
 * - a custom policy on the real Alpine 3.9 image (docker-archive, RepoTags alpine:3.9): registries on
 *   the normalised name, an exception that waives and one that has expired (reported, not applied);
 * - a policy that cannot be read exits 2 with one line naming file:line:col, before the image is read.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Spec, Validation } from "@cyclonedx/cyclonedx-library";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScanJson } from "../../src/report/scan-json.js";
import { PYPA } from "../../src/vulndb/feeds/pypa.js";
import { importPaths } from "../../src/vulndb/import.js";
import { SqliteStore } from "../../src/vulndb/sqlite-store.js";
import { type CliResult, runCli } from "../helpers/cli.js";
import { dataPath, fixturePath } from "../helpers/shared.js";
import { fixtureReference } from "../report/fixture-images.js";
import { validateSarif } from "../report/sarif-schema.js";
import { all, parseXml } from "../report/xml.js";
import { alpineImage, buildScanStore, type ScanStore } from "./scan-store.js";

let work: string;
let pypaDb: string;
let alpine: ScanStore;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "shipshape-scan-policy-"));
  pypaDb = join(work, "pypa.sqlite");
  await importPaths({
    store: SqliteStore.open(pypaDb),
    feeds: [PYPA],
    paths: [dataPath("vuln", "feeds", "pypa-advisory-db")],
  });
  alpine = await buildScanStore({ alpine: true });
});
afterAll(() => {
  alpine?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

const ENV = () => ({ CI: "", SHIPSHAPE_DB: "", XDG_CACHE_HOME: join(work, "cache") });

function scan(args: string[]): CliResult {
  return runCli(["scan", "--quiet", "--no-cache", ...args], { env: ENV() });
}

function file(name: string, text: string): string {
  const path = join(work, name);
  writeFileSync(path, text);
  return path;
}

const APP = () => [
  "--db",
  pypaDb,
  "--detection-priority",
  "comprehensive",
  "--policy",
  "builtin:default",
  fixtureReference("debian12-app"),
];

/** "rule what" for each violation: what the README says should be found. */
function summary(doc: ScanJson): string[] {
  return doc.policy.violations
    .map((v) => `${v.rule} ${v.vulnerability ?? v.package ?? v.path ?? v.check ?? v.image ?? ""}`)
    .sort();
}

describe("the default policy on debian12-app", () => {
  let r: CliResult;
  let doc: ScanJson;
  beforeAll(() => {
    r = scan(["--format", "json", ...APP()]);
    doc = JSON.parse(r.stdout) as ScanJson;
  });

  it("fails (exit 1) for exactly the reasons the fixture was built with", () => {
    expect(r.code, r.stderr).toBe(1);
    expect(doc.policy.passed).toBe(false);
    expect(doc.policy.files).toEqual(["builtin:default"]);
    const fixableImportant = doc.vulnerabilities
      .filter((v) => v.fixable && (v.severity === "critical" || v.severity === "high"))
      .map((v) => `vulnerabilities.maxFixableSeverity ${v.id}`);
    expect(fixableImportant.length).toBeGreaterThanOrEqual(2); // urllib3 CVE-2023-43804, idna CVE-2024-3651
    const fixableCvss7 = doc.vulnerabilities
      .filter(
        (v) => v.fixable && v.severity !== "critical" && v.severity !== "high" && (v.cvss?.score ?? 0) >= 7,
      )
      .map((v) => `vulnerabilities.maxFixableCvss ${v.id}`);
    expect(summary(doc)).toEqual(
      [
        "image.disallowedTags latest",
        "forbidden.packages apt",
        "forbidden.packages dpkg",
        "forbidden.packages curl",
        "forbidden.packages wget",
        "forbidden.tools /usr/bin/curl",
        "forbidden.tools /usr/bin/nc",
        "forbidden.tools /usr/bin/strace",
        "forbidden.rules SS1020",
        "forbidden.rules /app/.env", // SS1010 (AWS keys)
        "forbidden.rules /app/.env", // SS1011 (a .env file)
        "forbidden.rules /root/.env.backup",
        "forbidden.rules /root/.env.backup",
        "forbidden.rules /root/.ssh/id_rsa",
        "forbidden.rules /root/.ssh/id_rsa",
        "forbidden.rules SS1028", // DB_PASSWORD in the config
        "forbidden.rules SS1029", // and in the history
        ...fixableImportant,
        ...fixableCvss7,
      ].sort(),
    );
    // Each violation names where the rule is set.
    for (const v of doc.policy.violations) expect(v.policy).toMatch(/^builtin:default:\d+$/);
    // The secret deleted in a later layer is still reported (it is in the image).
    expect(doc.policy.violations.find((v) => v.path === "/root/.env.backup")?.message).toMatch(
      /deleted in layer 11/,
    );
  });

  it("reports the inform-only rules as warnings: the incomplete grade cannot prove minimumGrade C", () => {
    expect(doc.grade.complete).toBe(false);
    const warnings = (doc.policy.warnings ?? []).map((w) => w.rule);
    expect(warnings).toContain("minimumGrade");
    expect(doc.policy.violations.some((v) => v.rule === "minimumGrade")).toBe(false);
  });

  it("table: the verdict, every violation, the hygiene findings and the incomplete grade", () => {
    const t = scan(["--format", "table", ...APP()]);
    expect(t.code).toBe(1);
    expect(t.stdout).toMatch(
      new RegExp(`Policy: FAILED \\(builtin:default\\) \\(${doc.policy.violations.length} violations\\)`),
    );
    for (const v of doc.policy.violations) expect(t.stdout).toContain(`[${v.rule}] ${v.message}`);
    expect(t.stdout).toMatch(/^Grade: [A-F] \(incomplete\) \(Container Health Index\)$/m);
    expect(t.stdout).toContain(`Image hygiene: ${doc.findings.length} findings`);
    expect(t.stdout).toMatch(/^\s+critical\s+SS1010 \(CIS-DI-0010\)\s+RSA private key/m);
    expect(t.stdout).toMatch(/Policy warnings \(inform-only rules, not failing\)/);
  });

  it("sarif: valid, a policy/<rule> error result per violation, a result per hygiene finding", () => {
    const s = scan(["--format", "sarif", ...APP()]);
    expect(s.code).toBe(1);
    const log = JSON.parse(s.stdout) as {
      runs: {
        results: { ruleId: string; level: string; message: { text: string } }[];
        properties: Record<string, unknown>;
      }[];
    };
    expect(validateSarif(log), JSON.stringify(validateSarif.errors?.slice(0, 3))).toBe(true);
    const results = log.runs[0]!.results;
    const policy = results.filter((x) => x.ruleId.startsWith("policy/") && x.level === "error");
    expect(policy.map((x) => x.message.text)).toEqual(doc.policy.violations.map((v) => v.message));
    expect(results.filter((x) => /^SS\d{4}$/.test(x.ruleId))).toHaveLength(doc.findings.length);
    expect(log.runs[0]!.properties).toMatchObject({ policyPassed: false, gradeComplete: false });
  });

  it("junit: a failing policy suite listing the violations, and a hygiene suite", () => {
    const j = scan(["--format", "junit", ...APP()]);
    expect(j.code).toBe(1);
    const root = parseXml(j.stdout);
    const policy = root.children.find((s) => s.attributes.name?.endsWith("[policy]"))!;
    const failures = all(policy, "failure");
    const text = failures.map((f) => f.text).join("\n");
    for (const v of doc.policy.violations) expect(text).toContain(v.message);
    expect(failures.map((f) => f.attributes.type)).toEqual(failures.map(() => "policy"));
    const hygiene = root.children.find((s) => s.attributes.name?.endsWith("[hygiene]"))!;
    expect(all(hygiene, "failure").length).toBeGreaterThan(5);
  });

  it("cyclonedx: valid CycloneDX 1.6 carrying the verdict and every violation as properties", async () => {
    const out = join(work, "app.cdx.json");
    const c = scan(["--format", "cyclonedx", "--output", out, ...APP()]);
    expect(c.code).toBe(1);
    const text = readFileSync(out, "utf8");
    expect(await new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(text)).toBeNull();
    const bom = JSON.parse(text) as {
      metadata: { properties: { name: string; value: string }[] };
      components: { name: string; version: string; properties?: { name: string; value: string }[] }[];
    };
    const props = (name: string) =>
      bom.metadata.properties.filter((p) => p.name === name).map((p) => p.value);
    expect(props("shipshape:policy:passed")).toEqual(["false"]);
    expect(props("shipshape:policy:violation").sort()).toEqual(
      doc.policy.violations.map((v) => `[${v.rule}] ${v.message}`).sort(),
    );
    expect(props("shipshape:grade")).toEqual([doc.grade.letter]);
    expect(props("shipshape:grade:complete")).toEqual(["false"]);
    expect(props("shipshape:hygiene:finding")).toHaveLength(
      new Set(doc.findings.map((f) => `${f.rule} ${f.severity}${f.path ? ` ${f.path}` : ""}: ${f.title}`))
        .size,
    );
    // A violation about a package is on its component too.
    const apt = bom.components.find((x) => x.name === "apt")!;
    expect(
      apt.properties?.some(
        (p) => p.name === "shipshape:policy:violation" && p.value.startsWith("[forbidden.packages]"),
      ),
    ).toBe(true);
  });
});

describe("the default policy where it should pass", () => {
  it("distroless-like passes (exit 0); its epoch date and incomplete grade are warnings", () => {
    const r = scan([
      "--db",
      pypaDb,
      "--format",
      "json",
      "--policy",
      "builtin:default",
      fixtureReference("distroless-like"),
    ]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as ScanJson;
    expect(doc.policy.passed).toBe(true);
    expect(doc.policy.violations).toEqual([]);
    const warnings = (doc.policy.warnings ?? []).map((w) => w.message).join("\n");
    expect(warnings).toMatch(/creation time is the Unix epoch/);
    expect(warnings).toMatch(/minimumGrade C cannot be verified/);
  });
});

describe("required labels read from the image's config", () => {
  it("debian12-app has the labels its expected file lists, and not the ones it lacks", () => {
    const expected = JSON.parse(readFileSync(fixturePath("expected", "debian12-app.image.json"), "utf8")) as {
      configFields: { labels: Record<string, string> };
    };
    const title = expected.configFields.labels["org.opencontainers.image.title"]!;
    const path = file(
      "labels.yaml",
      `image:\n  requiredLabels:\n    - { name: org.opencontainers.image.title, value: "${title}" }\n    - org.opencontainers.image.description\n    - org.opencontainers.image.source\n`,
    );
    const r = scan(["--db", pypaDb, "--format", "json", "--policy", path, fixtureReference("debian12-app")]);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as ScanJson;
    expect(doc.policy.violations.map((v) => v.message)).toEqual([
      `the required label org.opencontainers.image.source is missing (${path}:2)`,
    ]);
  });
});

describe("a custom policy on the real Alpine 3.9 image", () => {
  const policy = (registries: string, expires: string) =>
    file(
      `alpine-${registries.replace(/\W/g, "")}-${expires}.yaml`,
      `image:
  allowedRegistries: [${registries}]
vulnerabilities:
  maxFixableSeverity: high
exceptions:
  - vulnerability: CVE-2019-14697
    package: musl
    reason: the x87 code path is never used on x86_64
    expires: ${expires}
`,
    );

  it("judges the normalised name (alpine:3.9 is docker.io/library/alpine), waives what the exception names", () => {
    const r = scan([
      "--db",
      alpine.path,
      "--format",
      "json",
      "--policy",
      policy("index.docker.io/library", "2099-01-01"),
      alpineImage("alpine-39"),
    ]);
    const doc = JSON.parse(r.stdout) as ScanJson;
    expect(doc.policy.violations.map((v) => `${v.rule} ${v.package}`)).toEqual([
      "vulnerabilities.maxFixableSeverity musl-utils",
    ]);
    expect(doc.policy.waived?.map((w) => `${w.package}: ${w.exception.reason}`)).toEqual([
      "musl: the x87 code path is never used on x86_64",
    ]);
    expect(r.code).toBe(1);
    const other = scan([
      "--db",
      alpine.path,
      "--format",
      "json",
      "--policy",
      policy("quay.io", "2099-01-01"),
      alpineImage("alpine-39"),
    ]);
    expect((JSON.parse(other.stdout) as ScanJson).policy.violations[0]?.message).toMatch(
      /alpine:3\.9 is not from an allowed registry \(docker\.io\/library\/alpine; allowed: quay\.io\)/,
    );
  });

  it("an expired exception applies no more and is reported", () => {
    const path = policy("docker.io/library", "2020-01-01");
    const r = scan(["--db", alpine.path, "--format", "json", "--policy", path, alpineImage("alpine-39")]);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as ScanJson;
    expect(doc.policy.violations.map((v) => v.package)).toEqual(["musl", "musl-utils"]);
    expect(doc.policy.expiredExceptions?.[0]).toMatchObject({ file: path, line: 6, expires: "2020-01-01" });
    expect(r.stderr).toContain(
      `${path}:6: the policy exception for vulnerability CVE-2019-14697, package musl expired on 2020-01-01`,
    );
  });
});

describe("a policy that cannot be read", () => {
  it.each([
    ["missing", () => join(work, "nope.yaml"), /^shipshape: policy file .*nope\.yaml cannot be read \(.*\)$/],
    [
      "malformed",
      () => file("bad.yaml", "image:\n  digestRequired: yes\n"),
      /^shipshape: policy file .*bad\.yaml:2:3: image\.digestRequired must be true or false$/,
    ],
    [
      "an unknown built-in",
      () => "builtin:nope",
      /^shipshape: policy builtin:nope: no such built-in policy \(available: builtin:default\)$/,
    ],
  ])("%s: exit 2 with one line, even before the image is read", (_, path, message) => {
    const r = scan(["--db", alpine.path, "--policy", path(), "docker-archive:/nonexistent/image.tar"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim()).toMatch(message);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });
});
