/**
 * `shipshape audit ingest` and `audit query` end to end (the built CLI, as a user runs it): real
 * Kubernetes samples and variants of them, a gzip'd real auditd log on stdin, SQLite and a real
 * PostgreSQL server; expectations computed from the input files, never from the store.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { startPostgres, type TestPostgres } from "../helpers/postgres.js";
import { freePort } from "../helpers/registry.js";
import { dataPath, repoPath } from "../helpers/shared.js";

let dir = "";
let k8sLog = "";
let variants: Record<string, unknown>[] = [];
const now = Date.now();
const HOUR = 3_600_000;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "shipshape-audit-cli-"));
  const template = JSON.parse(
    readFileSync(dataPath("audit", "k8s", "test-audit.log"), "utf8").split("\n")[0] as string,
  ) as Record<string, unknown>;
  // Variants of the first real event over the last 3 days (relative, so --since 1h means something).
  variants = Array.from({ length: 72 }, (_, i) => {
    const t = new Date(now - i * HOUR - 60_000).toISOString();
    return {
      ...template,
      auditID: `cli-${i}`,
      verb: i % 3 === 0 ? "delete" : "get",
      user: { username: i % 2 === 0 ? "alice" : "bob" },
      objectRef: {
        resource: i % 4 === 0 ? "secrets" : "pods",
        namespace: i % 5 === 0 ? "payments" : "default",
        name: `n${i}`,
      },
      requestReceivedTimestamp: t,
      stageTimestamp: t,
    };
  });
  k8sLog = join(dir, "audit.log");
  writeFileSync(k8sLog, `${variants.map((v) => JSON.stringify(v)).join("\n")}\n{broken line\n`);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe("audit ingest + query (SQLite)", () => {
  const store = () => join(dir, "cli.sqlite");

  it("ingests a Kubernetes log, reporting the malformed line by number", () => {
    const r = runCli(["audit", "ingest", "--store", store(), k8sLog]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`${k8sLog}:73: skipped`);
    expect(r.stderr).toMatch(/72 event\(s\) read, 72 new stored/);
  });

  it("answers --since 1d --verb delete --resource secrets --user alice like a filter over the input", () => {
    const r = runCli([
      "audit",
      "query",
      "--store",
      store(),
      "--since",
      "1d",
      "--verb",
      "delete",
      "--resource",
      "secrets",
      "--user",
      "alice",
      "--format",
      "json",
    ]);
    expect(r.code).toBe(0);
    const want = variants
      .filter((v) => v.verb === "delete" && (v.objectRef as { resource: string }).resource === "secrets")
      .filter((v) => (v.user as { username: string }).username === "alice")
      .filter((v) => Date.parse(String(v.stageTimestamp)) >= now - 24 * HOUR)
      .map((v) => v.auditID)
      .sort();
    expect(want.length).toBeGreaterThan(0);
    expect(
      jsonLines(r.stdout)
        .map((e) => e.id)
        .sort(),
    ).toEqual(want);
  });

  it("takes the store back in the sqlite:PATH form ingest prints, as the same file", () => {
    const r = runCli(["audit", "query", "--store", `sqlite:${store()}`, "--namespace", "payments"]);
    expect(r.code, r.stderr).toBe(0);
    const plain = runCli(["audit", "query", "--store", store(), "--namespace", "payments"]);
    expect(r.stdout).toBe(plain.stdout);
    expect(r.stdout.trim().split("\n").length).toBeGreaterThan(1);
    const empty = runCli(["audit", "query", "--store", "sqlite:"]);
    expect(empty.code).toBe(2);
    expect(empty.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("filters by namespace and prints a table", () => {
    const r = runCli(["audit", "query", "--store", store(), "--namespace", "payments"]);
    expect(r.code).toBe(0);
    const rows = r.stdout.trim().split("\n");
    expect(rows[0]).toMatch(/^TIME\s+USER\s+VERB/);
    expect(rows.length - 1).toBe(
      variants.filter((v) => (v.objectRef as { namespace: string }).namespace === "payments").length,
    );
  });

  it("ingests a gzip'd real auditd log from stdin and its alerts are queryable", () => {
    const rhel7 = readFileSync(
      dataPath("audit", "auditd", "go-libaudit", "auparse", "testdata", "audit-rhel7.log"),
    );
    const r = spawnStdin(["audit", "ingest", "--store", store(), "-"], gzipSync(rhel7));
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("stdin:31: skipped: not an auditd record");
    const alerts = runCli([
      "audit",
      "query",
      "--store",
      store(),
      "--alerts",
      "--priority",
      "error",
      "--format",
      "json",
    ]);
    expect(alerts.code).toBe(0);
    const lines = jsonLines(alerts.stdout);
    expect(lines.map((a) => a.rule)).toEqual(["Kernel Module Loaded (auditd)"]);
    expect(Object.keys(lines[0] as object)).toEqual(["rule", "priority", "time", "output", "auditID"]);
    const execs = jsonLines(
      runCli([
        "audit",
        "query",
        "--store",
        store(),
        "--source",
        "auditd",
        "--verb",
        "execve",
        "--format",
        "json",
      ]).stdout,
    );
    // An exec is a SYSCALL 59 record or an EXECVE record (the catalogue has EXECVE records alone).
    const wantExecs = new Set(
      rhel7
        .toString()
        .split("\n")
        .filter(
          (l) => l.startsWith("type=EXECVE") || (l.startsWith("type=SYSCALL") && / syscall=59 /.test(l)),
        )
        .map((l) => /audit\(([\d.]+:\d+)\)/.exec(l)?.[1]),
    ).size;
    expect(wantExecs).toBeGreaterThan(0);
    expect(execs.length).toBe(wantExecs);
  });

  it("drops days past --retention-days", () => {
    const r = runCli(["audit", "ingest", "--store", store(), "--retention-days", "2", k8sLog]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/retention: dropped \d+ day/);
    const left = jsonLines(
      runCli([
        "audit",
        "query",
        "--store",
        store(),
        "--source",
        "k8s",
        "--format",
        "json",
        "--limit",
        "10000",
      ]).stdout,
    );
    expect(left.length).toBeGreaterThan(0);
    expect(
      left.every(
        (e) =>
          Date.parse(String(e.time)) >=
          Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate()) -
            2 * 24 * HOUR,
      ),
    ).toBe(true);
  });

  it("spools for Elasticsearch when it cannot be reached, and says so", async () => {
    const spool = join(dir, "spool");
    const port = await freePort();
    const r = runCli([
      "audit",
      "ingest",
      "--store",
      join(dir, "fwd.sqlite"),
      "--forward",
      `elasticsearch://127.0.0.1:${port}`,
      "--spool-dir",
      spool,
      k8sLog,
    ]);
    expect(r.code).toBe(0);
    // Events and the built-in rules' alerts on them are both documents.
    const alerts = Number(/(\d+) alert\(s\)/.exec(r.stderr)?.[1]);
    expect(alerts).toBeGreaterThan(0);
    expect(r.stderr).toMatch(
      new RegExp(`forwarded 0 document\\(s\\) to 127\\.0\\.0\\.1:${port}; ${72 + alerts} wait in`),
    );
    expect(r.stderr).toContain("unreachable");
    const segments = readdirSync(spool).filter((n) => n.startsWith("seg-"));
    const docs = segments.flatMap((s) => readFileSync(join(spool, s), "utf8").trim().split("\n"));
    expect(docs.length).toBe(72 + alerts);
  });

  it("usage and input errors exit 2 with one line", () => {
    for (const args of [
      ["audit", "query", "--store", store(), "--since", "yesterday"],
      ["audit", "query", "--store", "ftp://x/y"],
      ["audit", "ingest", "--store", store(), join(dir, "missing.log")],
      ["audit", "ingest", "--store", store(), "--forward", "http://es:9200", k8sLog],
      ["audit", "serve", "--listen", "nonsense"],
    ]) {
      const r = runCli(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr.trim().split("\n").length, args.join(" ")).toBe(1);
    }
  });

  it("--help teaches with examples and exit codes", () => {
    for (const sub of ["ingest", "query", "serve"]) {
      const r = runCli(["audit", sub, "--help"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("Examples:");
      expect(r.stdout).toContain("Exit codes:");
    }
  });
});

describe("audit ingest + query (PostgreSQL)", () => {
  let pg: TestPostgres | undefined;
  beforeAll(async () => {
    pg = await startPostgres();
  }, 120_000);
  afterAll(async () => {
    await pg?.stop();
  });

  it("stores into and answers from a real server, partitioned by day", async () => {
    const url = await (pg as TestPostgres).createDatabase("audit_cli");
    const r = runCli(["audit", "ingest", "--store", url, k8sLog]);
    expect(r.code).toBe(0);
    const q = runCli([
      "audit",
      "query",
      "--store",
      url,
      "--user",
      "bob",
      "--format",
      "json",
      "--limit",
      "1000",
    ]);
    expect(q.code).toBe(0);
    expect(jsonLines(q.stdout).length).toBe(
      variants.filter((v) => (v.user as { username: string }).username === "bob").length,
    );
    const parts = await (pg as TestPostgres).query<{ n: string }>(
      "SELECT count(*) AS n FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'audit_events'",
      [],
      "audit_cli",
    );
    const days = new Set(variants.map((v) => String(v.stageTimestamp).slice(0, 10)));
    expect(Number(parts[0]?.n)).toBe(days.size);
  });
});

function spawnStdin(args: string[], input: Buffer): { code: number; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, [repoPath("bin", "shipshape.js"), ...args], {
    input,
    encoding: "utf8",
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
