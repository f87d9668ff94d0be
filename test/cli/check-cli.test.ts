/**
 * `shipshape check` as a CI job runs it (the built CLI, test/helpers/cli.ts) on real images: the
 * JSON contract `{"source","findings":[{"rule","severity","title","path"?,"layer"?,"remediation"}]}`,
 * SARIF 2.1.0 valid against the schema, the table, `--fail-on` / `--severity` / `--ignore` and the
 * exit codes 0, 1 and 2 the help documents; bad input exits 2 with one line on stderr.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CheckJson } from "../../src/report/check-json.js";
import { type CliResult, runCli } from "../helpers/cli.js";
import { fixturePath } from "../helpers/shared.js";
import { validateSarif } from "../report/sarif-schema.js";

const APP = () => `oci-archive:${fixturePath("images", "debian12-app.oci.tar")}`;
const DISTROLESS = () => `oci-archive:${fixturePath("images", "distroless-like.oci.tar")}`;

let work: string;
let appJson: CliResult;

/** With a layer cache of its own: the first read of an image fills it, the rest reuse it. */
const check = (args: string[]) => runCli(["check", "--quiet", "--cache-dir", join(work, "cache"), ...args]);
const json = (r: CliResult) => JSON.parse(r.stdout) as CheckJson;

function oneLineError(r: CliResult, pattern: RegExp): void {
  expect(r.code, r.stdout).toBe(2);
  expect(r.stdout).toBe("");
  const lines = r.stderr.trim().split("\n");
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^shipshape: /);
  expect(lines[0]).toMatch(pattern);
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "shipshape-check-cli-"));
  appJson = runCli(["check", "--quiet", "--no-cache", "--format", "json", APP()]);
  // Fill the cache once; every later run of the same image reads the catalog document instead.
  expect(check(["--format", "json", "--fail-on", "none", APP()]).code).toBe(0);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("check --format json", () => {
  it("the cached run gives the same document as the uncached one", () => {
    const warm = check(["--format", "json", APP()]);
    expect(warm.code).toBe(1);
    expect(json(warm)).toEqual(json(appJson));
  });

  it("has the contract's shape, and exits 1 on debian12-app (critical secret, default --fail-on high)", () => {
    expect(appJson.code, appJson.stderr).toBe(1);
    const doc = json(appJson);
    expect(doc.source.reference).toBe(APP());
    expect(doc.source.names).toEqual(["latest"]);
    expect(doc.findings.length).toBeGreaterThan(20);
    for (const f of doc.findings) {
      expect(f.rule).toMatch(/^SS1\d{3}$/);
      expect(["critical", "high", "medium", "low", "info"]).toContain(f.severity);
      expect(typeof f.title).toBe("string");
      expect(f.remediation.length).toBeGreaterThan(20);
      if (f.path !== undefined) expect(f.path).toMatch(/^\//);
      if (f.layer !== undefined) expect(Number.isInteger(f.layer)).toBe(true);
    }
    expect(doc.findings.find((f) => f.path === "/root/.env.backup" && f.rule === "SS1010")).toMatchObject({
      layer: 9,
    });
    expect(doc.failOn).toBe("high");
    expect(doc.passed).toBe(false);
    expect(doc.summary.total).toBe(doc.findings.length);
    expect(doc.summary.bySeverity.critical).toBe(
      doc.findings.filter((f) => f.severity === "critical").length,
    );
  });

  it("most severe first", () => {
    const order = ["critical", "high", "medium", "low", "info"];
    const ranks = json(appJson).findings.map((f) => order.indexOf(f.severity));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
  });
});

describe("--fail-on, --severity, --ignore", () => {
  it("--fail-on none exits 0; distroless-like passes high and fails medium (openssl)", () => {
    expect(check(["--format", "json", "--fail-on", "none", APP()]).code).toBe(0);
    expect(check(["--format", "json", DISTROLESS()]).code).toBe(0);
    const medium = check(["--format", "json", "--fail-on", "MEDIUM", DISTROLESS()]);
    expect(medium.code).toBe(1);
    expect(json(medium).passed).toBe(false);
  });

  it("--severity shows only those severities", () => {
    const r = check(["--format", "json", "--severity", "critical,high", APP()]);
    const severities = new Set(json(r).findings.map((f) => f.severity));
    expect([...severities].sort()).toEqual(["critical", "high"]);
    expect(json(r).findings.length).toBe(
      json(appJson).findings.filter((f) => f.severity === "critical" || f.severity === "high").length,
    );
  });

  it("--ignore takes rule ids and Dockle codes; --fail-on judges what is left", () => {
    const r = check([
      "--format",
      "json",
      "--ignore",
      "SS1010",
      "--ignore",
      "cis-di-0001,SS1004",
      "--fail-on",
      "critical",
      APP(),
    ]);
    const rules = new Set(json(r).findings.map((f) => f.rule));
    expect(rules.has("SS1010")).toBe(false);
    expect(rules.has("SS1020")).toBe(false); // CIS-DI-0001
    expect(rules.has("SS1004")).toBe(false);
    expect(rules.has("SS1011")).toBe(true);
    expect(r.code).toBe(0); // the only critical findings were SS1010's
    expect(check(["--format", "json", "--fail-on", "critical", APP()]).code).toBe(1);
  });
});

describe("check --format sarif and table", () => {
  it("SARIF 2.1.0 valid against the schema, one result per finding", () => {
    const r = check(["--format", "sarif", APP()]);
    expect(r.code).toBe(1);
    const log = JSON.parse(r.stdout) as {
      runs: { results: { ruleId: string; level: string }[]; tool: { driver: { rules: { id: string }[] } } }[];
    };
    expect(validateSarif(log), JSON.stringify(validateSarif.errors?.slice(0, 3))).toBe(true);
    const findings = json(appJson).findings;
    expect(log.runs[0]!.results.map((x) => x.ruleId)).toEqual(findings.map((f) => f.rule));
    expect(log.runs[0]!.tool.driver.rules.map((x) => x.id)).toEqual(
      [...new Set(findings.map((f) => f.rule))].sort(),
    );
    const secret = log.runs[0]!.results.find((x) => x.ruleId === "SS1010");
    expect(secret?.level).toBe("error");
  });

  it("table: the image, one line per finding, how to fix, the verdict; -o writes a file", () => {
    const out = join(work, "report.txt");
    const r = check(["--output", out, APP()]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    const text = readFileSync(out, "utf8");
    expect(text.split("\n")[0]).toBe(`${APP()}: Debian GNU/Linux 12 (bookworm)`);
    expect(text).toMatch(/^CRITICAL\s+SS1010\s+CIS-DI-0010\s+RSA private key/m);
    expect(text).toContain("How to fix:");
    expect(text).toContain("FAILED: findings at or over high (--fail-on high)");
  });
});

describe("errors exit 2 with one line", () => {
  it("a missing image, a corrupt image, an SBOM", () => {
    oneLineError(check([`oci-archive:${join(work, "missing.tar")}`]), /no such file/);
    oneLineError(
      check([`oci-archive:${fixturePath("hostile", "corrupt", "truncated-gzip.oci.tar")}`]),
      /truncated/,
    );
    const sbom = join(work, "sbom.json");
    writeFileSync(
      sbom,
      JSON.stringify({ bomFormat: "CycloneDX", specVersion: "1.6", version: 1, components: [] }),
    );
    oneLineError(check([sbom]), /check needs an image, not an SBOM/);
  });

  it("every corrupt image of fixtures/hostile/corrupt", () => {
    const dir = fixturePath("hostile", "corrupt");
    const files = readdirSync(dir).filter((f) => f.endsWith(".tar"));
    expect(files.length).toBeGreaterThanOrEqual(9);
    for (const f of files) {
      const transport = f.endsWith(".docker.tar") ? "docker-archive" : "oci-archive";
      oneLineError(check(["--format", "json", `${transport}:${join(dir, f)}`]), /^shipshape: \S/);
    }
  });

  it("root-escaping images are checked inside their root: nothing lands outside", () => {
    const dir = fixturePath("hostile", "escape");
    const outside = ["/etc/evil", "/etc/evil2", "/tmp/pwned", "/tmp/pwned2"].filter((p) => !existsSync(p));
    for (const f of readdirSync(dir).filter((x) => x.endsWith(".oci.tar"))) {
      const r = check(["--format", "json", "--fail-on", "none", `oci-archive:${join(dir, f)}`]);
      expect(r.code, `${f}: ${r.stderr}`).toBe(0);
      for (const finding of json(r).findings) if (finding.path) expect(finding.path).toMatch(/^\/(?!\.\.)/);
    }
    for (const p of outside) expect(existsSync(p), p).toBe(false);
  });

  it("bad flags", () => {
    oneLineError(check(["--fail-on", "urgent", APP()]), /--fail-on: unknown severity "urgent"/);
    oneLineError(check(["--severity", "high,urgent", APP()]), /--severity: unknown severity "urgent"/);
    oneLineError(check(["--ignore", "SS9999", APP()]), /--ignore: unknown rule "SS9999"/);
    oneLineError(check(["--max-age", "ninety", APP()]), /--max-age/);
  });

  it("--help documents the exit codes", () => {
    const r = runCli(["check", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Exit codes:\n {2}0 .*\n {2}1 .*\n(?:.*\n)* {2}2 {2}usage error/);
    expect(r.stdout).toContain("--ignore <rule>");
    expect(r.stdout).toContain("--severity <list>");
  });
});
