/** `shipshape audit scan` as a user runs it (the built CLI, a real process). */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { dataPath, repoPath } from "../helpers/shared.js";

const falco = (f: string) => dataPath("audit", "falco", f);
const trace = (f: string) => repoPath("test", "audit", "falco-traces", f);
const FALCO_RULES = [
  "--rules",
  falco("falco_rules_lists_used_by_k8s_audit.2022-12.yaml"),
  "--rules",
  falco("k8s_audit_rules.yaml"),
];
const dir = mkdtempSync(join(tmpdir(), "shipshape-audit-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("shipshape audit scan", () => {
  it("prints one JSON alert per line with the contract's keys; exit 0 without --fail-on", () => {
    const r = runCli(["audit", "scan", "--format", "json", ...FALCO_RULES, trace("exec_pod.json")]);
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      {
        rule: "Attach/Exec Pod",
        priority: "Notice",
        time: "2018-10-26T13:38:34.902914Z",
        output:
          "Attach/Exec to pod (user=minikube-user pod=nginx-deployment-7998647bdf-phvq7 resource=pods ns=default action=exec command=bash)",
        auditID: "ca1ed9f4-7bf4-4c85-81a8-1b11253d1ba6",
      },
    ]);
  });

  it("--fail-on: 1 at or above the threshold, 0 below it", () => {
    const file = trace("exec_pod.json");
    expect(runCli(["audit", "scan", ...FALCO_RULES, "--fail-on", "notice", file]).code).toBe(1);
    expect(runCli(["audit", "scan", ...FALCO_RULES, "--fail-on", "warning", file]).code).toBe(0);
    const bad = runCli(["audit", "scan", "--fail-on", "loud", file]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--fail-on "loud" is not a priority/);
  });

  it("reads gzip from stdin ('-'), reports malformed lines by number and keeps going", () => {
    const good = readFileSync(trace("exec_pod.json"), "utf8").trim();
    const input = gzipSync([good, "garbage", good.slice(0, 50), good].join("\n"));
    const path = join(dir, "mixed.log.gz");
    writeFileSync(path, input);
    const r = runCli(["audit", "scan", "--format", "json", ...FALCO_RULES, path]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split("\n")).toHaveLength(2);
    expect(r.stderr).toContain(`${path}:2: skipped: not JSON`);
    expect(r.stderr).toContain(`${path}:3: skipped: not JSON`);
    expect(r.stderr).toContain(`${path}: 2 malformed line(s) skipped; 2 event(s) read`);
    // The same through stdin, with no FILE argument.
    const viaStdin = runCli(["audit", "scan", "--format", "json", ...FALCO_RULES], {
      input: readFileSync(trace("exec_pod.json"), "utf8"),
    });
    expect(viaStdin.stdout.trim().split("\n")).toHaveLength(1);
  });

  it("built-in rules by default; table output", () => {
    const r = runCli(["audit", "scan", trace("create_nginx_pod_privileged.json")]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^2018-10-25T14:09:12\.581541Z {2}Warning +Privileged or Host-Namespace Pod: /m);
    expect(r.stdout).toContain("Image From Unapproved Registry: ");
  });

  it("syscall rules in a rules file are skipped with a note", () => {
    const rules = join(dir, "mixed-rules.yaml");
    writeFileSync(
      rules,
      "- rule: Shell\n  desc: d\n  condition: proc.name=bash\n  output: x\n  priority: NOTICE\n" +
        "- rule: Any\n  desc: d\n  condition: ka.verb exists\n  output: verb=%ka.verb\n  priority: INFO\n  source: k8s_audit\n",
    );
    const r = runCli(["audit", "scan", "--format", "json", "--rules", rules, trace("exec_pod.json")]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('shipshape: note: skipped 1 rule(s) whose source is not k8s_audit: "Shell"');
    expect(JSON.parse(r.stdout)).toMatchObject({
      rule: "Any",
      priority: "Informational",
      output: "verb=create",
    });
  });

  it("exit 2 with file:line for a bad rules file, and for a missing input", () => {
    const rules = join(dir, "bad.yaml");
    writeFileSync(
      rules,
      "- rule: R\n  desc: d\n  condition: kevt and ka.verb=get\n  output: x\n  priority: INFO\n  source: k8s_audit\n",
    );
    const r = runCli(["audit", "scan", "--rules", rules, trace("exec_pod.json")]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`shipshape: ${rules}:3: rule "R": undefined macro kevt`);
    const missing = runCli(["audit", "scan", join(dir, "nope.log")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.log: cannot read the audit log/);
  });

  it("JSON lines are exactly what JSON.stringify writes, whatever the strings hold", () => {
    // Quotes, a backslash, a control character, non-ASCII, an emoji and a lone surrogate (which JSON
    // carries as "\ud800"): the fast string path of the renderer must agree with JSON.stringify.
    const base = JSON.parse(readFileSync(trace("exec_pod.json"), "utf8").trim()) as Record<string, unknown>;
    const names = ['say "hi"', "back\\slash", "tab\there", "née", "😀", "\ud800 alone", "plain"];
    const lines = names.map((name, i) =>
      JSON.stringify({ ...base, auditID: `id-${i}-"q"`, user: { username: name } }),
    );
    const path = join(dir, "strings.log");
    writeFileSync(path, `${lines.join("\n")}\n`);
    const rules = join(dir, "echo.yaml");
    writeFileSync(
      rules,
      '- rule: Echo "R"\n  desc: d\n  condition: ka.verb exists\n  output: user=%ka.user.name\n  priority: INFO\n  source: k8s_audit\n',
    );
    const r = runCli(["audit", "scan", "--format", "json", "--rules", rules, path]);
    expect(r.code).toBe(0);
    const out = r.stdout.split("\n").filter(Boolean);
    for (const line of out) expect(line).toBe(JSON.stringify(JSON.parse(line)));
    const alerts = out.map((l) => JSON.parse(l) as { rule: string; output: string; auditID: string });
    expect(alerts.map((a) => a.output)).toEqual(names.map((n) => `user=${n}`));
    expect(alerts.map((a) => a.auditID)).toEqual(names.map((_, i) => `id-${i}-"q"`));
    expect(alerts[0]!.rule).toBe('Echo "R"');
  });

  it("an event nested 200,000 levels deep is scanned like any other (the events after it too)", () => {
    const good = readFileSync(trace("exec_pod.json"), "utf8").trim();
    const base = JSON.parse(good) as Record<string, unknown>;
    const deep = `{"kind":"Event","auditID":"deep","stage":"ResponseComplete","verb":"create","requestURI":"/x","objectRef":{"resource":"configmaps"},"requestObject":{"data":${"[".repeat(200_000)}${"]".repeat(200_000)}}}`;
    const path = join(dir, "deep.log");
    writeFileSync(path, [deep, JSON.stringify({ ...base, auditID: "after" })].join("\n"));
    const r = runCli(["audit", "scan", "--format", "json", ...FALCO_RULES, path]);
    expect(r.code).toBe(0);
    const ids = r.stdout
      .split("\n")
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { auditID: string }).auditID);
    expect(ids).toContain("deep");
    expect(ids.at(-1)).toBe("after");
  });

  it("--help teaches with examples and exit codes", () => {
    const r = runCli(["audit", "scan", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Examples:");
    expect(r.stdout).toContain("Exit codes:");
  });
});
