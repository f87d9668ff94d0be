#!/usr/bin/env node
/**
 * Webhook ingest throughput of `shipshape audit serve` on loopback, measured with autocannon.
 *
 *   npm run build && node bench/audit-ingest.mjs [--duration 10] [--connections 8] [--batch 100]
 *                                             [--store postgres://…] [--no-rules]
 *
 * Starts the built CLI's `audit serve` on 127.0.0.1 with a fresh SQLite store (or the given
 * PostgreSQL URL) and the built-in rules, then POSTs audit.k8s.io/v1 EventList batches built from
 * Elastic's real Kubernetes audit samples (../shared/data/audit/k8s), each request with fresh
 * auditIDs so every event is a new row. Every 200 means the batch was committed (acknowledge after
 * write), so events/s = 2xx requests/s × batch size. Prints events/s, requests/s and latency.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH, "..");
const SHARED = resolve(process.env.SHIPSHAPE_SHARED ?? join(ROOT, "..", "shared"));

function flag(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
}
const duration = Number(flag("duration", "10"));
const connections = Number(flag("connections", "8"));
const batch = Number(flag("batch", "100"));
const storeFlag = flag("store", undefined);
const rules = !process.argv.includes("--no-rules");

async function freePort() {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

// Real events: the sample's audit.k8s.io Events (the GKE/AKS envelopes left out).
const sample = readFileSync(join(SHARED, "data", "audit", "k8s", "test-audit.log"), "utf8")
  .split("\n")
  .filter((l) => l.trim() !== "")
  .map((l) => JSON.parse(l))
  .filter((e) => e.kind === "Event");
if (sample.length === 0) throw new Error("no Kubernetes audit Events in the sample");

let counter = 0;
function body() {
  const n = counter++;
  const items = [];
  for (let i = 0; i < batch; i++) {
    const e = sample[i % sample.length];
    items.push({ ...e, auditID: `bench-${process.pid}-${n}-${i}` });
  }
  return JSON.stringify({ kind: "EventList", apiVersion: "audit.k8s.io/v1", metadata: {}, items });
}

const dir = mkdtempSync(join(tmpdir(), "shipshape-bench-audit-"));
const store = storeFlag ?? join(dir, "audit.sqlite");
const port = await freePort();
const args = [
  join(ROOT, "bin", "shipshape.js"),
  "audit",
  "serve",
  "--listen",
  `127.0.0.1:${port}`,
  "--store",
  store,
];
if (!rules) args.push("--no-builtin-rules");
args.push("--max-queued-events", String(batch * connections * 2));
const server = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
let log = "";
server.stderr.on("data", (d) => {
  log += d;
});
try {
  const deadline = Date.now() + 20_000;
  while (!/listening on/.test(log)) {
    if (Date.now() > deadline || server.exitCode !== null)
      throw new Error(`audit serve did not start: ${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/audit/webhook`,
    method: "POST",
    headers: { "content-type": "application/json" },
    connections,
    duration,
    requests: [{ setupRequest: (req) => ({ ...req, body: body() }) }],
  });
  const ok = result["2xx"];
  const seconds = result.duration;
  const events = (ok * batch) / seconds;
  console.log(
    `audit serve webhook ingest (loopback, autocannon ${connections} connections, ${duration} s, ${batch} events per EventList)`,
  );
  console.log(`  store ${storeFlag ? "PostgreSQL" : "SQLite"}, rules ${rules ? "built-in" : "none"}`);
  console.log(`  events/s        ${Math.round(events).toLocaleString("en-US")}`);
  console.log(
    `  requests/s      ${(ok / seconds).toFixed(1)} (2xx ${ok}, non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts})`,
  );
  console.log(
    `  latency ms      p50 ${result.latency.p50}  p99 ${result.latency.p99}  max ${result.latency.max}`,
  );
} finally {
  server.kill("SIGTERM");
  await once(server, "exit").catch(() => {});
  rmSync(dir, { recursive: true, force: true });
}
