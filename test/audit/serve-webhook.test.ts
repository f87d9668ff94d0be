/**
 * The audit webhook sink on 127.0.0.1 with a real SQLite store and the built-in rules: EventList
 * batches built from Elastic's real audit samples are acknowledged only after they are stored,
 * back-pressure answers 429/503 with Retry-After, and 10,000 malformed requests neither grow
 * memory nor stop the server from answering.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditEvent } from "../../src/audit/event.js";
import { parseAuditEvents } from "../../src/audit/event-input.js";
import { builtinRulesFiles, loadAuditRules } from "../../src/audit/rules/engine.js";
import { createAuditWebhook } from "../../src/audit/serve/webhook.js";
import { AuditIngestPipeline } from "../../src/audit/store/pipeline.js";
import type { AuditStore, IngestBatch } from "../../src/audit/store/records.js";
import { SqliteAuditStore } from "../../src/audit/store/sqlite.js";
import { dataPath } from "../helpers/shared.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

let dir = "";
let sample: AuditEvent[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "shipshape-webhook-"));
  const text = readFileSync(dataPath("audit", "k8s", "test-audit.log"));
  sample = (await parseAuditEvents(text)).events.map((e) => e.event);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** An EventList as the apiserver's webhook backend sends it, from the sample's events. */
function eventList(tag: string, copies = 1): string {
  const items = [];
  for (let i = 0; i < copies; i++) {
    for (const e of sample) items.push({ ...e.raw, auditID: `${e.auditID}-${tag}-${i}` });
  }
  return JSON.stringify({ kind: "EventList", apiVersion: "audit.k8s.io/v1", metadata: {}, items });
}

async function post(url: string, body: string | Buffer, type = "application/json") {
  const res = await fetch(url, { method: "POST", body, headers: { "content-type": type } });
  return { status: res.status, retryAfter: res.headers.get("retry-after"), body: await res.text() };
}

describe("audit webhook sink", () => {
  it("stores a batch, runs the rules, and answers only after the commit", async () => {
    const path = join(dir, "ack.sqlite");
    const store = SqliteAuditStore.open(path);
    const engine = await loadAuditRules(builtinRulesFiles());
    const hook = createAuditWebhook(new AuditIngestPipeline(store, { k8sDetector: engine }));
    const base = await hook.app.listen({ host: "127.0.0.1", port: 0 });
    try {
      const res = await post(base, eventList("a", 3));
      expect(res.status).toBe(200);
      const sent = JSON.parse(eventList("a", 3)).items as { auditID: string; stageTimestamp: string }[];
      const distinct = new Set(sent.map((i) => `${i.auditID}|${i.stageTimestamp}`));
      // A second connection to the file sees every event the moment the 200 arrived.
      const other = SqliteAuditStore.open(path);
      expect((await other.queryEvents({ limit: 10_000 })).length).toBe(distinct.size);
      // Alerts are what the engine says about those events.
      const parsed = (await parseAuditEvents(eventList("a", 3))).events.map((e) => e.event);
      const want = parsed.flatMap((e) => engine.evaluate(e)).length;
      expect(JSON.parse(res.body).alerts).toBe(want);
      await other.close();
      // The path the apiserver's kubeconfig usually names works too.
      expect((await post(`${base}/audit/webhook`, eventList("b"))).status).toBe(200);
    } finally {
      await hook.app.close();
      await store.close();
    }
  });

  it("answers 429 with Retry-After when the queue is full, and 503 when the store fails", async () => {
    const real = SqliteAuditStore.open(join(dir, "pressure.sqlite"));
    let release: () => void = () => {};
    let gate = new Promise<void>((r) => {
      release = r;
    });
    let failNext = false;
    const slow: AuditStore = Object.assign(Object.create(real) as AuditStore, {
      ingestMany: async (batches: readonly IngestBatch[]) => {
        await gate;
        if (failNext) {
          failNext = false;
          throw new Error("disk I/O error");
        }
        return real.ingestMany(batches);
      },
    });
    const perBatch = sample.length * 2;
    const hook = createAuditWebhook(new AuditIngestPipeline(slow), {
      maxQueuedEvents: perBatch * 2,
      retryAfterSeconds: 3,
    });
    const base = await hook.app.listen({ host: "127.0.0.1", port: 0 });
    try {
      const first = post(base, eventList("p1", 2));
      const second = post(base, eventList("p2", 2));
      await new Promise((r) => setTimeout(r, 100));
      expect(hook.queued()).toBe(perBatch * 2);
      const third = await post(base, eventList("p3", 2));
      expect(third.status).toBe(429);
      expect(third.retryAfter).toBe("3");
      release();
      expect((await first).status).toBe(200);
      expect((await second).status).toBe(200);
      // Now the store fails once: 503, and the apiserver's retry then succeeds.
      failNext = true;
      const failed = await post(base, eventList("p4"));
      expect(failed.status).toBe(503);
      expect(failed.retryAfter).toBe("3");
      expect((await post(base, eventList("p4"))).status).toBe(200);
      expect(hook.stats.throttled).toBe(1);
      expect(hook.stats.failed).toBe(1);
      gate = Promise.resolve();
    } finally {
      await hook.app.close();
      await real.close();
    }
  });

  it("survives 10,000 malformed requests with bounded memory and still answers", async () => {
    const store = SqliteAuditStore.open(join(dir, "flood.sqlite"));
    const hook = createAuditWebhook(new AuditIngestPipeline(store), { bodyLimit: 64 * 1024 });
    const base = await hook.app.listen({ host: "127.0.0.1", port: 0 });
    const garbage = Buffer.alloc(40 * 1024, "x");
    const valid = eventList("ok");
    const bodies: (string | Buffer)[] = [
      "{not json",
      garbage, // 40 KiB of junk: 57 MB if each of these were kept
      valid.slice(0, valid.length / 2), // truncated EventList
      JSON.stringify({ kind: "EventList", items: [{ kind: "Event", verb: 42 }] }),
      Buffer.alloc(70 * 1024, "{"), // over the body limit
      "",
      "\u0000\u0001\u0002",
    ];
    try {
      gc();
      const before = process.memoryUsage();
      const statuses = new Map<number, number>();
      let next = 0;
      const worker = async () => {
        while (next < 10_000) {
          const i = next++;
          const body = bodies[i % bodies.length] as string | Buffer;
          const res = await fetch(base, {
            method: "POST",
            body,
            headers: { "content-type": "application/json" },
          });
          await res.arrayBuffer();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        }
      };
      await Promise.all(Array.from({ length: 32 }, worker));
      gc();
      const after = process.memoryUsage();
      expect([...statuses.keys()].sort()).toEqual([400, 413]);
      expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(10_000);
      expect(hook.stats.malformed).toBe(statuses.get(400));
      // Nothing of the junk is kept: heap and buffers grow far less than one body per request.
      expect(after.heapUsed - before.heapUsed).toBeLessThan(32 * 1024 * 1024);
      expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(32 * 1024 * 1024);
      // And a real batch still goes through.
      const ok = await post(base, valid);
      expect(ok.status).toBe(200);
      expect((await store.queryEvents({ limit: 100 })).length).toBeGreaterThan(0);
    } finally {
      await hook.app.close();
      await store.close();
    }
  }, 120_000);
});
