/**
 * `shipshape lint` end to end, running the built CLI as a user would: every output format checked
 * against its contract (SARIF 2.1.0 schema; JUnit and Checkstyle well-formed XML with the right
 * counts; the JSON array of DESIGN.md, equal to the API's lintDockerfile), failure thresholds as
 * hadolint defines them, config discovery in hadolint's order, --policy, ShellCheck present and
 * absent, and bad inputs that must end in one line on stderr and exit 2.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lintDockerfile } from "../../src/api.js";
import { findShellcheck } from "../../src/dockerfile/shellcheck.js";
import type { LintFindingJson } from "../../src/report/lint-json.js";
import { runCli } from "../helpers/cli.js";
import { fixturePath, repoPath } from "../helpers/shared.js";
import { validateSarif } from "../report/sarif-schema.js";
import { all, parseXml, type XmlNode } from "../report/xml.js";

const APP = fixturePath("build", "debian12-app", "Containerfile");
const CARELESS = repoPath("test", "fixtures", "dockerfiles", "multistage-careless.Dockerfile");
const CLEAN = repoPath("test", "fixtures", "dockerfiles", "multistage-clean.Dockerfile");

type JsonFinding = LintFindingJson;

let work: string;
/** A HOME and XDG_CONFIG_HOME with no hadolint config, so the developer's own cannot leak in. */
let emptyHome: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "shipshape-lint-cli-"));
  emptyHome = join(work, "home");
  mkdirSync(emptyHome);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Run the CLI in `cwd` (config discovery reads it), with an isolated HOME unless `env` says otherwise. */
function lint(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: emptyHome, XDG_CONFIG_HOME: "", ...options.env };
  if (options.cwd === undefined) return runCli(["lint", ...args], { env, input: options.input ?? "" });
  const r = spawnSync(process.execPath, [repoPath("bin", "shipshape.js"), "lint", ...args], {
    cwd: options.cwd,
    env,
    input: options.input ?? "",
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function json(args: string[], options: Parameters<typeof lint>[1] = {}): JsonFinding[] {
  const r = lint(["--format", "json", ...args], options);
  expect(r.code === 0 || r.code === 1, r.stderr).toBe(true);
  return JSON.parse(r.stdout) as JsonFinding[];
}

function dockerfile(name: string, text: string): string {
  const path = join(work, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}

describe("lint --format json", () => {
  it("is DESIGN.md's array and equals the API's lintDockerfile on the same text", async () => {
    const cli = json(["--no-shellcheck", APP]);
    expect(cli.length).toBeGreaterThan(10);
    for (const f of cli) {
      expect(Object.keys(f).sort()).toEqual(["column", "file", "line", "message", "rule", "severity"]);
      expect(f.rule).toMatch(/^(DL\d{4}|SC\d{4}|SS\d{4})$/);
      expect(["error", "warning", "info", "style"]).toContain(f.severity);
      expect(f.file).toBe(APP);
    }
    const api = await lintDockerfile(readFileSync(APP, "utf8"), {}, { shellcheck: false });
    expect(cli.map(({ file: _file, ...rest }) => rest)).toEqual(api);
  });

  it("equals the API with ShellCheck too, and with a configuration", async () => {
    const text = "FROM alpine:3.20\nRUN cd /tmp && echo $'x' > f\nRUN apk add curl\n";
    // The API, given the same config as the discovered file, must see exactly what the CLI prints.
    dockerfile("api-sc/Dockerfile", text);
    const config = { ignored: ["DL3018"], override: { error: ["SS2004"] } };
    writeFileSync(join(work, "api-sc", ".hadolint.yaml"), JSON.stringify(config));
    const cli = json(["Dockerfile"], { cwd: join(work, "api-sc") });
    const api = await lintDockerfile(text, config);
    expect(cli.map(({ file: _file, ...rest }) => rest)).toEqual(api);
    expect(cli.some((f) => f.rule === "SS2004" && f.severity === "error")).toBe(true);
    expect(cli.some((f) => f.rule === "DL3018")).toBe(false);
  });

  it("keeps file order for several files, and reads standard input as -", () => {
    const both = json(["--no-shellcheck", CARELESS, CLEAN]);
    expect(both.every((f) => f.file === CARELESS)).toBe(true);
    const stdin = json(["--no-shellcheck", "-"], { input: readFileSync(CARELESS, "utf8") });
    expect(stdin.map((f) => [f.line, f.rule])).toEqual(both.map((f) => [f.line, f.rule]));
    expect(stdin[0]!.file).toBe("-");
  });
});

describe("the other formats carry the same findings", () => {
  let findings: JsonFinding[];
  beforeAll(() => {
    findings = json(["--no-shellcheck", APP, CLEAN]);
  });

  it("tty: one `FILE:LINE RULE SEVERITY: message` line per finding", () => {
    const r = lint(["--no-shellcheck", APP, CLEAN]);
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines).toEqual(findings.map((f) => `${f.file}:${f.line} ${f.rule} ${f.severity}: ${f.message}`));
  });

  it("sarif: valid SARIF 2.1.0 with one result per finding and one rule per code", () => {
    const r = lint(["--no-shellcheck", "--format", "sarif", APP, CLEAN]);
    expect(r.code).toBe(1);
    const log = JSON.parse(r.stdout) as {
      runs: {
        tool: { driver: { rules: { id: string; helpUri?: string }[] } };
        results: { ruleId: string }[];
      }[];
    };
    const valid = validateSarif(log);
    expect(validateSarif.errors ?? [], "SARIF schema errors").toEqual([]);
    expect(valid).toBe(true);
    const run = log.runs[0]!;
    expect(run.results.map((x) => x.ruleId)).toEqual(findings.map((f) => f.rule));
    expect(run.tool.driver.rules.map((x) => x.id).sort()).toEqual(
      [...new Set(findings.map((f) => f.rule))].sort(),
    );
    const ss = run.tool.driver.rules.find((x) => x.id === "SS2008") as
      | { help?: { text: string } }
      | undefined;
    expect(ss?.help?.text).toContain("--mount=type=secret");
  });

  it("junit: well-formed, a failing testcase per finding, a passing one for a clean file", () => {
    const r = lint(["--no-shellcheck", "--format", "junit", APP, CLEAN]);
    const doc = parseXml(r.stdout);
    const suites = all(doc, "testsuite");
    expect(suites.map((s) => s.attributes.name)).toEqual([APP, CLEAN]);
    const [app, clean] = suites as [XmlNode, XmlNode];
    expect(Number(app.attributes.failures)).toBe(findings.length);
    expect(all(app, "failure")).toHaveLength(findings.length);
    expect(Number(clean.attributes.failures)).toBe(0);
    expect(all(clean, "testcase")).toHaveLength(1);
    expect(doc.name).toBe("testsuites");
    expect(Number(doc.attributes.failures)).toBe(findings.length);
  });

  it("checkstyle: well-formed, one <error> per finding with its rule as source", () => {
    const r = lint(["--no-shellcheck", "--format", "checkstyle", APP, CLEAN]);
    const doc = parseXml(r.stdout);
    const files = all(doc, "file");
    expect(files.map((f) => f.attributes.name)).toEqual([APP]); // the clean file has no <file>
    const errors = all(doc, "error");
    expect(
      errors.map((e) => [Number(e.attributes.line), e.attributes.source, e.attributes.severity]),
    ).toEqual(findings.map((f) => [f.line, f.rule, f.severity]));
    expect(errors.map((e) => e.attributes.message)).toEqual(findings.map((f) => f.message));
  });
});

describe("--failure-threshold (hadolint's semantics: exit 1 at or above it)", () => {
  // One finding: DL3007 (warning). SS2002 (apk in the base) is ignored to keep it alone.
  let file: string;
  beforeAll(() => {
    file = dockerfile("threshold/Dockerfile", "FROM alpine:latest\nUSER 1000\n");
  });
  const base = () => ["--no-shellcheck", "--ignore", "SS2002", file];

  it("has exactly the one warning", () => {
    expect(json(base()).map((f) => [f.rule, f.severity])).toEqual([["DL3007", "warning"]]);
  });
  it.each([
    ["error", 0],
    ["warning", 1],
    ["info", 1],
    ["style", 1],
    ["ignore", 1],
    ["none", 1],
  ])("%s → exit %i", (threshold, code) => {
    expect(lint(["--failure-threshold", threshold, ...base()]).code).toBe(code);
  });
  it("the default is info", () => {
    expect(lint(base()).code).toBe(1);
  });
  it("an override to style passes the default threshold and fails at style", () => {
    const dir = join(work, "threshold");
    writeFileSync(join(dir, ".hadolint.yaml"), "override:\n  style: [DL3007]\n");
    expect(lint(base(), { cwd: dir }).code).toBe(0);
    expect(lint(["-t", "style", ...base()], { cwd: dir }).code).toBe(1);
    rmSync(join(dir, ".hadolint.yaml"));
  });
  it("the config's failure-threshold applies, and the flag replaces it", () => {
    const dir = join(work, "threshold");
    writeFileSync(join(dir, ".hadolint.yaml"), "failure-threshold: error\n");
    expect(lint(base(), { cwd: dir }).code).toBe(0);
    expect(lint(["--failure-threshold", "warning", ...base()], { cwd: dir }).code).toBe(1);
    rmSync(join(dir, ".hadolint.yaml"));
  });
  it("--no-fail and the config's no-fail exit 0 but still print the finding", () => {
    const r = lint(["--no-fail", ...base()]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("DL3007");
    const dir = join(work, "threshold");
    writeFileSync(join(dir, ".hadolint.yaml"), "no-fail: true\n");
    expect(lint(base(), { cwd: dir }).code).toBe(0);
    rmSync(join(dir, ".hadolint.yaml"));
  });
  it("a clean file exits 0 at any threshold", () => {
    expect(lint(["--no-shellcheck", "-t", "none", CLEAN]).code).toBe(0);
  });
});

describe("configuration discovery (hadolint's order)", () => {
  // The file has DL3007 and SS2002; each config place ignores a different one, so the result says
  // which file was read.
  let dir: string;
  let file: string;
  let home: string;
  let xdg: string;
  beforeAll(() => {
    dir = join(work, "discovery");
    file = dockerfile("discovery/Dockerfile", "FROM alpine:latest\nUSER 1000\n");
    home = join(work, "discovery-home");
    xdg = join(work, "discovery-xdg");
    mkdirSync(home, { recursive: true });
    mkdirSync(xdg, { recursive: true });
  });
  const rules = (env: NodeJS.ProcessEnv, extra: string[] = []) =>
    json(["--no-shellcheck", ...extra, file], { cwd: dir, env })
      .map((f) => f.rule)
      .sort();

  it("no config anywhere: both findings", () => {
    expect(rules({ HOME: home, XDG_CONFIG_HOME: xdg })).toEqual(["DL3007", "SS2002"]);
  });
  it("~/.hadolint.yaml, then ~/hadolint/config.yaml, ~/.hadolint/hadolint.yaml, ~/.config/hadolint.yml, $XDG_CONFIG_HOME, ./.hadolint.yaml: each closer one wins", () => {
    const env = { HOME: home, XDG_CONFIG_HOME: xdg };
    const places: [string, string][] = [
      [join(home, ".hadolint.yaml"), "DL3007"],
      [join(home, "hadolint", "config.yaml"), "SS2002"],
      [join(home, ".hadolint", "hadolint.yaml"), "DL3007"],
      [join(home, ".config", "hadolint.yml"), "SS2002"],
      [join(xdg, "hadolint.yaml"), "DL3007"],
      [join(dir, ".hadolint.yaml"), "SS2002"],
    ];
    for (const [path, ignored] of places) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, `ignored: [${ignored}]\n`);
      const left = ["DL3007", "SS2002"].filter((r) => r !== ignored);
      expect(rules(env), path).toEqual(left);
    }
    // --config beats every discovered file.
    const explicit = join(work, "explicit.yaml");
    writeFileSync(explicit, "ignored: [DL3007, SS2002]\n");
    expect(rules(env, ["--config", explicit])).toEqual([]);
    // --ignore adds to the discovered file's list.
    expect(rules(env, ["--ignore", "DL3007"])).toEqual([]);
    rmSync(join(dir, ".hadolint.yaml"));
  });
});

describe("--policy", () => {
  let policy: string;
  beforeAll(() => {
    policy = join(work, "policy.yaml");
    writeFileSync(
      policy,
      [
        "name: lint test policy",
        "image:",
        "  digestRequired: true",
        "  allowedRegistries: [docker.io/library, gcr.io/distroless]",
        "forbidden:",
        "  tools: [nc, strace]",
        "",
      ].join("\n"),
    );
  });

  it("turns the policy's Dockerfile rules into SS findings, prints its verdict on stderr and exits 1", () => {
    const r = lint(["--no-shellcheck", "--format", "json", "--policy", policy, APP]);
    expect(r.code).toBe(1);
    const found = (JSON.parse(r.stdout) as JsonFinding[]).filter((f) =>
      ["SS2009", "SS2012", "SS2014"].includes(f.rule),
    );
    // FROM ${BASE} is an oci-archive: path — no digest, no registry: both rules fail on line 6;
    // nc (netcat-openbsd) and strace are installed on line 13.
    expect(found.map((f) => [f.line, f.rule]).sort()).toEqual([
      [13, "SS2014"],
      [13, "SS2014"],
      [6, "SS2009"],
      [6, "SS2012"],
    ]);
    expect(r.stderr).toContain(`policy ${policy}: ${APP} failed with 4 violations`);
    expect(r.stderr).toMatch(/forbidden\.tools: line 13: .*strace/);
  });

  it("a Dockerfile the policy accepts passes (exit 0 with --no-fail for the other findings)", () => {
    const ok = dockerfile(
      "policy-ok/Dockerfile",
      `FROM gcr.io/distroless/static-debian12:nonroot@sha256:${"e".repeat(64)}\nCOPY app /app\n`,
    );
    const r = lint(["--no-shellcheck", "--policy", policy, ok]);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("passed");
    expect(r.code).toBe(0);
  });

  it("policy failure is not silenced by --no-fail", () => {
    expect(lint(["--no-shellcheck", "--no-fail", "--policy", policy, APP]).code).toBe(1);
  });

  it("an invalid policy file is one line and exit 2", () => {
    const bad = join(work, "bad-policy.yaml");
    writeFileSync(bad, "image:\n  digestRequired: maybe\n");
    const r = lint(["--policy", bad, CLEAN]);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("bad-policy.yaml");
  });
});

describe("ShellCheck", () => {
  // SC2164: cd without `|| exit`; SC3003: $'..' is not POSIX sh (the default shell).
  const script = "FROM alpine:3.20\nUSER 1000\nRUN cd /tmp; echo $'x'\n";

  it("reports SC findings at the RUN's line when shellcheck is installed", () => {
    expect(
      findShellcheck(),
      "Debian's shellcheck must be installed (apt-get install shellcheck)",
    ).not.toBeNull();
    const file = dockerfile("sc/Dockerfile", script);
    const found = json([file]).filter((f) => f.rule.startsWith("SC"));
    expect(found.map((f) => [f.line, f.rule]).sort()).toEqual([
      [3, "SC2164"],
      [3, "SC3003"],
    ]);
  });

  it("without shellcheck on PATH lint still works and says so once on stderr", () => {
    const a = dockerfile("nosc/a/Dockerfile", script);
    const b = dockerfile("nosc/b/Dockerfile", script);
    // A PATH with node only: no shellcheck.
    const bin = join(work, "node-only-bin");
    mkdirSync(bin, { recursive: true });
    symlinkSync(process.execPath, join(bin, "node"));
    const r = lint(["--format", "json", a, b], { env: { PATH: bin } });
    expect(r.code).toBe(1);
    const found = JSON.parse(r.stdout) as JsonFinding[];
    expect(found.some((f) => f.rule === "DL3003")).toBe(true); // hadolint's own rule on `cd` still runs
    expect(found.some((f) => f.rule.startsWith("SC"))).toBe(false);
    const notes = r.stderr.split("\n").filter((l) => l.includes("shellcheck"));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain("SC rules were skipped");
    // --no-shellcheck: asked for nothing, told nothing.
    expect(lint(["--no-shellcheck", a], { env: { PATH: bin } }).stderr).toBe("");
  });
});

describe("bad input: one line on stderr, exit 2", () => {
  const oneLine = (r: { code: number; stderr: string }, fragment: string) => {
    expect(r.code).toBe(2);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toContain(fragment);
  };

  it("a binary file", () => {
    const path = join(work, "binary");
    writeFileSync(path, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x46, 0x52]));
    oneLine(lint([path]), "binary");
  });
  it("a real image archive given by mistake", () => {
    oneLine(lint([fixturePath("images", "alpine-apk.oci.tar")]), "binary");
  });
  it("text that is not UTF-8", () => {
    const path = join(work, "latin1");
    writeFileSync(path, Buffer.from("FROM alpine\n# caf\xe9\n", "latin1"));
    oneLine(lint([path]), "UTF-8");
  });
  it("a huge file", () => {
    const path = join(work, "huge");
    writeFileSync(path, `FROM alpine\n${"# x\n".repeat(2_200_000)}`);
    oneLine(lint([path]), "bytes is more than a Dockerfile may have");
  });
  it("a missing file and a directory", () => {
    oneLine(lint([join(work, "nope")]), "cannot read");
    oneLine(lint([work]), "is a directory");
  });
  it("malformed YAML in the configuration", () => {
    const cfg = join(work, "broken.yaml");
    writeFileSync(cfg, "ignored: [DL3007\noverride: {\n");
    oneLine(lint(["--config", cfg, CLEAN]), "not valid YAML");
  });
  it("a configuration with a wrong key or value", () => {
    const cfg = join(work, "wrong.yaml");
    writeFileSync(cfg, "ignored: [NOT-A-RULE]\n");
    oneLine(lint(["--config", cfg, CLEAN]), "wrong.yaml");
    writeFileSync(cfg, "failure-threshold: sometimes\n");
    oneLine(lint(["--config", cfg, CLEAN]), "failure-threshold");
  });
  it("an unreadable configuration", () => {
    const cfg = join(work, "unreadable.yaml");
    writeFileSync(cfg, "ignored: []\n");
    chmodSync(cfg, 0o000);
    const r = lint(["--config", cfg, CLEAN]);
    chmodSync(cfg, 0o600);
    // root reads any file: then the config is simply used.
    if (process.getuid?.() === 0) expect(r.code).toBe(0);
    else oneLine(r, "cannot read the lint configuration");
  });
  it("a --target that names no stage", () => {
    oneLine(lint(["--target", "nosuch", CARELESS]), "no build stage named nosuch");
  });
  it("a configuration file that does not exist", () => {
    oneLine(lint(["--config", join(work, "absent.yaml"), CLEAN]), "absent.yaml");
  });
});

describe("--help teaches", () => {
  it("shows examples, rules, config discovery and exit codes", () => {
    const r = lint(["--help"]);
    expect(r.code).toBe(0);
    for (const text of [
      "Examples:",
      "SS2001",
      "~/.config/hadolint.yaml",
      "Exit codes:",
      "--policy",
      "--target",
    ]) {
      expect(r.stdout).toContain(text);
    }
  });
});
