/**
 * Audit benchmark: events/second of `shipshape audit scan` with Falco's full k8s audit ruleset
 * (falco_rules_lists_used_by_k8s_audit + k8s_audit_rules.yaml, 48 rules) on a large log generated
 * from real events (Falco's own trace files in test/audit/falco-traces and Elastic's samples in
 * ../shared/data/audit/k8s), each copy with its own auditID. Target: ≥ 100,000 events/s on one core.
 *
 *   npm run build && node bench/audit.mjs [--events 300000] [--runs 3]
 *
 * Reports the whole CLI (read + parse + validate + evaluate + print JSON alerts, one process,
 * wall time under GNU time when present) and the engine alone in-process. No npm package evaluates
 * Falco rules (the npm index has none), so there is no peer to compare against; Falco itself is not
 * installed here. The main runner (bench/run.mjs) can import runAuditBench().
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const shared = process.env.SHIPSHAPE_SHARED
  ? resolve(process.env.SHIPSHAPE_SHARED)
  : resolve(repo, "..", "shared");

function seedEvents() {
  const lines = [];
  const traces = join(repo, "test", "audit", "falco-traces");
  for (const f of readdirSync(traces)
    .filter((f) => f.endsWith(".json"))
    .sort()) {
    for (const l of readFileSync(join(traces, f), "utf8").split("\n")) if (l.trim()) lines.push(l.trim());
  }
  for (const l of readFileSync(join(shared, "data", "audit", "k8s", "test-audit.log"), "utf8").split("\n")) {
    if (l.includes('"kind":"Event"') && l.startsWith('{"kind"')) lines.push(l.trim());
  }
  return lines.map((l) => JSON.parse(l));
}

function generateLog(path, count) {
  const seeds = seedEvents();
  const parts = [];
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const e = { ...seeds[i % seeds.length], auditID: `bench-${i.toString(16).padStart(8, "0")}` };
    const line = `${JSON.stringify(e)}\n`;
    parts.push(line);
    bytes += line.length;
  }
  writeFileSync(path, parts.join(""));
  return { bytes, seeds: seeds.length };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function runAuditBench({ events = 300_000, runs = 3 } = {}) {
  const bin = join(repo, "bin", "shipshape.js");
  if (!existsSync(join(repo, "dist", "cli", "main.js")))
    throw new Error("dist/ missing: npm run build first");
  const rules = [
    join(shared, "data", "audit", "falco", "falco_rules_lists_used_by_k8s_audit.2022-12.yaml"),
    join(shared, "data", "audit", "falco", "k8s_audit_rules.yaml"),
  ];
  const work = mkdtempSync(join(tmpdir(), "shipshape-bench-audit-"));
  try {
    const log = join(work, "audit.log");
    const { bytes, seeds } = generateLog(log, events);
    const cli = [];
    let alerts = 0;
    for (let r = 0; r < runs; r++) {
      const start = process.hrtime.bigint();
      const p = spawnSync(
        process.execPath,
        [bin, "audit", "scan", "--format", "json", ...rules.flatMap((f) => ["--rules", f]), log],
        { maxBuffer: 1024 * 1024 * 1024, encoding: "utf8" },
      );
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (p.status !== 0) throw new Error(`audit scan failed (${p.status}): ${p.stderr}`);
      alerts = p.stdout.split("\n").filter(Boolean).length;
      cli.push(seconds);
    }
    // Engine alone: the events already parsed, rules compiled once.
    const { loadAuditRules } = await import(
      pathToFileURL(join(repo, "dist", "audit", "rules", "engine.js")).href
    );
    const { toAuditEvent } = await import(pathToFileURL(join(repo, "dist", "audit", "event-input.js")).href);
    const engine = await loadAuditRules(rules);
    const parsed = seedEvents().map((o) => toAuditEvent(o));
    const n = 500_000;
    const engineRuns = [];
    for (let r = 0; r < runs; r++) {
      const start = process.hrtime.bigint();
      let fired = 0;
      for (let i = 0; i < n; i++) fired += engine.evaluate(parsed[i % parsed.length]).length;
      engineRuns.push(Number(process.hrtime.bigint() - start) / 1e9);
      if (fired === 0) throw new Error("no alerts: the bench events should fire rules");
    }
    const cliSeconds = median(cli);
    return {
      events,
      seedEvents: seeds,
      logMiB: bytes / 1024 / 1024,
      rules: engine.rules.length,
      alerts,
      cliSeconds,
      cliEventsPerSecond: events / cliSeconds,
      engineEventsPerSecond: n / median(engineRuns),
      target: 100_000,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { values } = parseArgs({ options: { events: { type: "string" }, runs: { type: "string" } } });
  const r = await runAuditBench({
    events: values.events ? Number(values.events) : undefined,
    runs: values.runs ? Number(values.runs) : undefined,
  });
  const fmt = (x) => Math.round(x).toLocaleString("en-US");
  console.log(
    `audit scan, Falco k8s_audit_rules.yaml (${r.rules} rules), ${fmt(r.events)} events (${r.logMiB.toFixed(1)} MiB, from ${r.seedEvents} real events)`,
  );
  console.log(
    `  CLI (read, parse, validate, evaluate, print ${fmt(r.alerts)} alerts): ${r.cliSeconds.toFixed(2)} s = ${fmt(r.cliEventsPerSecond)} events/s  (target ≥ ${fmt(r.target)}: ${r.cliEventsPerSecond >= r.target ? "met" : "NOT met"})`,
  );
  console.log(`  engine alone (rules over parsed events):  ${fmt(r.engineEventsPerSecond)} events/s`);
  console.log("  peer: none (no npm package evaluates Falco rules; Falco is not installed here)");
}
