/**
 * `shipshape scan` as a CI pipeline runs it (the built CLI): the real Alpine 3.9 image against real
 * stores built by the Alpine secdb importer (fresh, stale, and one without Alpine data). Exit codes
 * 0 / 1 / --exit-code N / 2 for every gate flag and every failure; every format well-formed and
 * valid (JSON contract, SARIF 2.1.0 schema, CycloneDX 1.6 schema, JUnit XML); ignore files (ours and
 * .trivyignore, found by default in the working directory) with expiry; OpenVEX and CycloneDX VEX;
 * database age in and out of CI mode; coverage gaps; an SBOM as input. CI is cleared in the
 * environment of every run that is not about CI mode (CI sets it).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Spec, Validation } from "@cyclonedx/cyclonedx-library";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScanJson } from "../../src/report/scan-json.js";
import { type CliResult, runCli } from "../helpers/cli.js";
import { fixturePath, repoPath } from "../helpers/shared.js";
import { validateSarif } from "../report/sarif-schema.js";
import { all, parseXml } from "../report/xml.js";
import { alpineImage, buildScanStore, expectedAlpineFindings, type ScanStore } from "./scan-store.js";

let fresh: ScanStore;
let stale: ScanStore;
let noAlpine: ScanStore;
let work: string;
const IMAGE = () => alpineImage("alpine-39");

beforeAll(async () => {
  [fresh, stale, noAlpine] = await Promise.all([
    buildScanStore({ alpine: true }),
    buildScanStore({ alpine: true, importedAt: new Date("2020-06-08T00:00:00Z") }),
    buildScanStore({ alpine: false }),
  ]);
  work = mkdtempSync(join(tmpdir(), "shipshape-scan-cli-"));
  mkdirSync(join(work, "cache"));
});
afterAll(() => {
  fresh?.dispose();
  stale?.dispose();
  noAlpine?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Outside CI mode, with no default database, no ignore file unless given. */
const ENV = () => ({ CI: "", SHIPSHAPE_DB: "", XDG_CACHE_HOME: join(work, "cache") });

function scan(args: string[], env: NodeJS.ProcessEnv = {}): CliResult {
  return runCli(["scan", "--quiet", "--no-cache", ...args], { env: { ...ENV(), ...env } });
}

function json(r: CliResult): ScanJson {
  expect(r.stdout.length, r.stderr).toBeGreaterThan(0);
  return JSON.parse(r.stdout) as ScanJson;
}

function file(name: string, text: string): string {
  const path = join(work, name);
  writeFileSync(path, text);
  return path;
}

const openVex = (name: string, purl: string) =>
  file(
    name,
    JSON.stringify({
      "@context": "https://openvex.dev/ns/v0.2.0",
      "@id": `https://example.invalid/vex/${name}`,
      author: "shipshape tests",
      timestamp: "2026-01-01T00:00:00Z",
      version: 1,
      statements: [
        {
          vulnerability: { name: "CVE-2019-14697" },
          products: [{ "@id": purl }],
          status: "not_affected",
          justification: "vulnerable_code_not_in_execute_path",
        },
      ],
    }),
  );

describe("the report and the gate", () => {
  it("json: the contract, exactly the findings the secdb implies, exit 0 without a gate", () => {
    const r = scan(["--db", fresh.path, "--format", "json", IMAGE()]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    const doc = json(r);
    const expected = expectedAlpineFindings(
      doc.packages.map((p) => ({ ...p, type: p.type })),
      "3.9",
    );
    expect(new Set(doc.vulnerabilities.map((v) => `${v.id} ${v.pkgName} ${v.fixedVersion}`))).toEqual(
      expected,
    );
    // The 2019 Alpine 3.9 image is end of life and runs as root (hygiene rules: test/checks).
    expect(doc.findings.map((f) => f.rule)).toEqual(expect.arrayContaining(["SS1024", "SS1020"]));
    expect(doc.grade?.letter).toMatch(/^[A-F]$/);
    expect(doc.policy).toEqual({ passed: true, violations: [] });
    expect(doc.database.location).toBe(fresh.path);
    expect(doc.database.missingNamespaces).toEqual([]);
  });

  it("--fail-on critical fails (exit 1) on musl's CVE-2019-14697 and names it", () => {
    const r = scan(["--db", fresh.path, "--format", "json", "--fail-on", "CRITICAL", IMAGE()]);
    expect(r.code).toBe(1);
    const doc = json(r);
    expect(doc.policy.passed).toBe(false);
    expect(doc.policy.violations.map((v) => `${v.rule} ${v.vulnerability} ${v.package}`).sort()).toEqual([
      "fail-on CVE-2019-14697 musl",
      "fail-on CVE-2019-14697 musl-utils",
    ]);
  });

  it("--severity narrows what is shown and judged; --fixable-only keeps fixable criticals failing", () => {
    expect(scan(["--db", fresh.path, "--fail-on", "high", "--severity", "MEDIUM,LOW", IMAGE()]).code).toBe(0);
    expect(scan(["--db", fresh.path, "--fail-on", "high", "--fixable-only", IMAGE()]).code).toBe(1);
    const doc = json(scan(["--db", fresh.path, "--format", "json", "--severity", "critical", IMAGE()]));
    expect(doc.vulnerabilities.map((v) => v.pkgName).sort()).toEqual(["musl", "musl-utils"]);
    expect(doc.summary.hidden).toBeGreaterThan(0);
  });

  it("--exit-code N exits N when any shown finding remains, 0 when none is shown", () => {
    expect(scan(["--db", fresh.path, "--exit-code", "3", IMAGE()]).code).toBe(3);
    expect(scan(["--db", fresh.path, "--exit-code", "3", "--severity", "HIGH", IMAGE()]).code).toBe(0);
    expect(scan(["--db", fresh.path, "--exit-code", "0", "--fail-on", "critical", IMAGE()]).code).toBe(1);
  });
});

describe("suppression", () => {
  it("an ignore file suppresses with its reason; an expired entry does not, and is reported", () => {
    const ok = file(
      "ok.yaml",
      "vulnerabilities:\n  - id: CVE-2019-14697\n    reason: i386-only code path\n    expires: 2099-01-01\n",
    );
    const r = scan([
      "--db",
      fresh.path,
      "--format",
      "json",
      "--fail-on",
      "critical",
      "--ignore-file",
      ok,
      IMAGE(),
    ]);
    expect(r.code, r.stderr).toBe(0);
    const doc = json(r);
    expect(doc.suppressed.map((s) => [s.pkgName, s.suppression.kind, s.suppression.reason])).toEqual([
      ["musl", "ignore-file", "i386-only code path"],
      ["musl-utils", "ignore-file", "i386-only code path"],
    ]);
    const old = file(
      "old.yaml",
      "vulnerabilities:\n  - id: CVE-2019-14697\n    reason: accepted for 2020\n    expires: 2021-01-01\n",
    );
    const e = scan([
      "--db",
      fresh.path,
      "--format",
      "json",
      "--fail-on",
      "critical",
      "--ignore-file",
      old,
      IMAGE(),
    ]);
    expect(e.code).toBe(1);
    expect(e.stderr).toMatch(
      /warning: .*old\.yaml:2: the ignore entry for CVE-2019-14697 expired on 2021-01-01/,
    );
    expect(json(e).scan.expiredIgnores.map((x) => x.id)).toEqual(["CVE-2019-14697"]);
  });

  it("Trivy's .trivyignore works, and .shipshapeignore.yaml is read from the working directory", () => {
    const trivy = file(".trivyignore", "# reviewed\nCVE-2019-14697 exp:2099-01-01\n");
    expect(scan(["--db", fresh.path, "--fail-on", "critical", "--ignore-file", trivy, IMAGE()]).code).toBe(0);
    const dir = join(work, "project");
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, ".shipshapeignore.yaml"),
      "vulnerabilities:\n  - id: CVE-2019-14697\n    reason: r\n",
    );
    const args = [
      repoPath("bin", "shipshape.js"),
      "scan",
      "--quiet",
      "--no-cache",
      "--db",
      fresh.path,
      "--fail-on",
      "critical",
      IMAGE(),
    ];
    const inProject = spawnSync(process.execPath, args, {
      cwd: dir,
      env: { ...process.env, ...ENV() },
      encoding: "utf8",
    });
    expect(inProject.status, inProject.stderr).toBe(0);
    const elsewhere = spawnSync(process.execPath, args, {
      cwd: work,
      env: { ...process.env, ...ENV() },
      encoding: "utf8",
    });
    expect(elsewhere.status).toBe(1);
  });

  it("OpenVEX and CycloneDX VEX (repeatable --vex) suppress not_affected findings, recorded as VEX", () => {
    const open = openVex("musl.openvex.json", "pkg:apk/alpine/musl");
    const cdx = file(
      "musl-utils.cdx.json",
      JSON.stringify({
        bomFormat: "CycloneDX",
        specVersion: "1.6",
        version: 1,
        components: [
          {
            type: "library",
            name: "musl-utils",
            "bom-ref": "mu",
            purl: "pkg:apk/alpine/musl-utils@1.1.20-r4",
          },
        ],
        vulnerabilities: [
          { id: "CVE-2019-14697", analysis: { state: "false_positive" }, affects: [{ ref: "mu" }] },
        ],
      }),
    );
    const r = scan([
      "--db",
      fresh.path,
      "--format",
      "json",
      "--fail-on",
      "critical",
      "--vex",
      open,
      "--vex",
      cdx,
      IMAGE(),
    ]);
    expect(r.code, r.stderr).toBe(0);
    const doc = json(r);
    expect(
      doc.suppressed.map((s) => [s.pkgName, s.suppression.kind, s.suppression.status, s.suppression.file]),
    ).toEqual([
      ["musl", "vex", "not_affected", open],
      ["musl-utils", "vex", "false_positive", cdx],
    ]);
    expect(doc.scan.vexFiles).toEqual([open, cdx]);
    // Without the CycloneDX document musl-utils still fails the gate.
    expect(scan(["--db", fresh.path, "--fail-on", "critical", "--vex", open, IMAGE()]).code).toBe(1);
  });
});

describe("formats", () => {
  it("table: one line per finding, the totals and the verdict", () => {
    const r = scan(["--db", fresh.path, "--fail-on", "critical", IMAGE()]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^apk\s+musl\s+1\.1\.20-r4\s+CVE-2019-14697\s+critical\s+1\.1\.20-r5/m);
    expect(r.stdout).toMatch(/^Total: 8 \(critical 2, medium 2, low 2, unknown 2\)/m);
    expect(r.stdout).toMatch(/^Policy: FAILED \(2 violations\)/m);
  });

  it("sarif: valid SARIF 2.1.0", () => {
    const r = scan(["--db", fresh.path, "--format", "sarif", IMAGE()]);
    expect(r.code, r.stderr).toBe(0);
    const log = JSON.parse(r.stdout) as { runs: { results: { ruleId: string }[] }[] };
    expect(validateSarif(log), JSON.stringify(validateSarif.errors?.slice(0, 3))).toBe(true);
    // 8 vulnerability findings, then one result per image hygiene finding.
    const doc = json(scan(["--db", fresh.path, "--format", "json", IMAGE()]));
    const results = log.runs[0]!.results;
    expect(results.filter((x) => !/^SS\d{4}$/.test(x.ruleId))).toHaveLength(8);
    expect(results.filter((x) => /^SS\d{4}$/.test(x.ruleId)).map((x) => x.ruleId)).toEqual(
      doc.findings.map((f) => f.rule),
    );
  });

  it("cyclonedx: valid CycloneDX 1.6 with the vulnerabilities, written to --output", async () => {
    const out = join(work, "scan.cdx.json");
    const r = scan(["--db", fresh.path, "--format", "cyclonedx", "--output", out, IMAGE()]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("");
    const text = readFileSync(out, "utf8");
    expect(await new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(text)).toBeNull();
    const bom = JSON.parse(text) as { vulnerabilities: { id: string }[] };
    expect(new Set(bom.vulnerabilities.map((v) => v.id))).toEqual(
      new Set(["CVE-2019-1547", "CVE-2019-1549", "CVE-2019-1563", "CVE-2019-14697"]),
    );
  });

  it("junit: well-formed, the vulnerable packages failing", () => {
    const r = scan(["--db", fresh.path, "--format", "junit", IMAGE()]);
    expect(r.code, r.stderr).toBe(0);
    const root = parseXml(r.stdout);
    const apk = root.children.find((x) => x.attributes.name?.endsWith("[apk]"))!;
    const failing = all(apk, "testcase")
      .filter((c) => c.children.some((x) => x.name === "failure"))
      .map((c) => c.attributes.name?.split(" ")[0])
      .sort();
    expect(failing).toEqual(["libcrypto1.1", "libssl1.1", "musl", "musl-utils"]);
  });

  it("an SBOM of the image as input gives the same findings", () => {
    const sbom = join(work, "alpine-39.sbom.json");
    const s = runCli(["sbom", "--quiet", "--no-cache", "--format", "cyclonedx-json", IMAGE()], {
      env: ENV(),
    });
    expect(s.code, s.stderr).toBe(0);
    writeFileSync(sbom, s.stdout);
    const fromSbom = json(scan(["--db", fresh.path, "--format", "json", `sbom:${sbom}`]));
    const fromImage = json(scan(["--db", fresh.path, "--format", "json", IMAGE()]));
    const ids = (d: ScanJson) => d.vulnerabilities.map((v) => `${v.id} ${v.pkgName}`).sort();
    expect(ids(fromSbom)).toEqual(ids(fromImage));
  });
});

describe("a scan that could not complete never exits 0", () => {
  it.each([
    ["no database", [IMAGE()], /has not been built: run shipshape db update/],
    ["an image that cannot be read", ["--db", "DB", "docker-archive:/nonexistent/alpine.tar"], /nonexistent/],
    [
      "an unknown severity",
      ["--db", "DB", "--fail-on", "severe", IMAGE()],
      /--fail-on: unknown severity "severe"/,
    ],
    ["--fixable-only alone", ["--db", "DB", "--fixable-only", IMAGE()], /--fixable-only needs --fail-on/],
    ["a bad --exit-code", ["--db", "DB", "--exit-code", "x", IMAGE()], /--exit-code "x": expected a number/],
    [
      "a missing ignore file",
      ["--db", "DB", "--ignore-file", "/nonexistent/.trivyignore", IMAGE()],
      /ignore file .* cannot be read/,
    ],
    [
      "a missing VEX file",
      ["--db", "DB", "--vex", "/nonexistent/vex.json", IMAGE()],
      /VEX file .* cannot be read/,
    ],
  ])("%s: exit 2 with one line, even with --exit-code 0", (_, args, message) => {
    const r = scan(["--exit-code", "0", ...args.map((a) => (a === "DB" ? fresh.path : a))]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("a malformed ignore file names the line", () => {
    const bad = file("bad.yaml", "vulnerabilities:\n  - id: CVE-2019-14697\n");
    const r = scan(["--db", fresh.path, "--ignore-file", bad, IMAGE()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml:2: entry 1: reason is missing/);
  });
});

/**
 * A dir: root filesystem of debian12-minbase whose dpkg status file was cut and zero-filled (what a
 * crashed write leaves), extracted with tar from the fixture image's layer.
 */
function damagedDebianRoot(): string {
  const image = fixturePath("images", "debian12-minbase.oci.tar");
  const root = join(work, "damaged-rootfs");
  mkdirSync(join(root, "etc"), { recursive: true });
  const blob = (digest: string) => `blobs/sha256/${digest.replace(/^sha256:/, "")}`;
  const cat = (member: string) => spawnSync("tar", ["-xOf", image, member], { maxBuffer: 1 << 30 }).stdout;
  const index = JSON.parse(cat("index.json").toString()) as { manifests: { digest: string }[] };
  const manifest = JSON.parse(cat(blob(index.manifests[0]!.digest)).toString()) as {
    layers: { digest: string }[];
  };
  const layer = join(work, "minbase-layer.tar.gz");
  writeFileSync(layer, cat(blob(manifest.layers[0]!.digest)));
  const x = spawnSync("tar", ["-xzf", layer, "-C", root, "usr/lib/os-release", "var/lib/dpkg/status"]);
  expect(x.status, x.stderr?.toString()).toBe(0);
  writeFileSync(join(root, "etc", "os-release"), readFileSync(join(root, "usr", "lib", "os-release")));
  const status = join(root, "var", "lib", "dpkg", "status");
  writeFileSync(status, Buffer.concat([readFileSync(status).subarray(0, 20_000), Buffer.alloc(4096)]));
  return root;
}

describe("an incomplete package list", () => {
  it("is exit 2 with the report still written, exit 0 with --no-strict", () => {
    const root = damagedDebianRoot();
    const r = scan(["--db", fresh.path, "--format", "json", `dir:${root}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/package list incomplete: \/var\/lib\/dpkg\/status \(looks truncated/);
    const doc = json(r);
    expect(doc.incomplete.map((i) => i.path)).toEqual(["/var/lib/dpkg/status"]);
    expect(doc.packages.length).toBeGreaterThan(0);
    expect(scan(["--db", fresh.path, "--no-strict", `dir:${root}`]).code).toBe(0);
    // The JUnit report carries it as an error, not a green run.
    const junit = parseXml(scan(["--db", fresh.path, "--format", "junit", `dir:${root}`]).stdout);
    expect(
      all(junit, "error")
        .map((e) => e.attributes.message)
        .join("\n"),
    ).toMatch(/could not be read fully/);
  });
});

describe("database age and coverage", () => {
  it("a stale database: a warning, an error in CI mode (--ci or CI=true), accepted with --skip-db-age-check", () => {
    const plain = scan(["--db", stale.path, IMAGE()]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/warning: vulnerability database .* is .* old, over the maximum age/);
    const ci = scan(["--db", stale.path, "--ci", IMAGE()]);
    expect(ci.code).toBe(2);
    expect(ci.stderr).toMatch(/CI mode; pass --skip-db-age-check/);
    expect(scan(["--db", stale.path, IMAGE()], { CI: "true" }).code).toBe(2);
    const skipped = scan(["--db", stale.path, "--ci", "--skip-db-age-check", "--format", "json", IMAGE()]);
    expect(skipped.code, skipped.stderr).toBe(0);
    expect(skipped.stderr).toMatch(/ignored: --skip-db-age-check/);
  });

  it("no data for the image's distribution never looks clean: a warning, exit 2 in CI mode or --strict", () => {
    const plain = scan(["--db", noAlpine.path, "--format", "json", IMAGE()]);
    expect(plain.code).toBe(0);
    expect(plain.stderr).toMatch(
      /warning: not checked: vulnerability database .* has no data for alpine:3\.9/,
    );
    const doc = json(plain);
    expect(doc.vulnerabilities).toEqual([]);
    expect(doc.database.missingNamespaces).toEqual(["alpine:3.9"]);
    expect(doc.scan.coverageGaps).toHaveLength(1);
    const ci = scan(["--db", noAlpine.path, "--ci", "--format", "json", IMAGE()]);
    expect(ci.code).toBe(2);
    expect(json(ci).database.missingNamespaces).toEqual(["alpine:3.9"]);
    expect(scan(["--db", noAlpine.path, IMAGE()], { CI: "true" }).code).toBe(2);
    expect(scan(["--db", noAlpine.path, "--strict", IMAGE()]).code).toBe(2);
    expect(scan(["--db", noAlpine.path, "--ci", "--no-strict", IMAGE()]).code).toBe(0);
    const table = scan(["--db", noAlpine.path, IMAGE()]);
    expect(table.stdout).toMatch(/^NOT CHECKED: vulnerability database .* has no data for alpine:3\.9/m);
    expect(table.stdout).not.toMatch(/^No vulnerabilities found\.$/m);
  });
});
