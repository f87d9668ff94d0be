/**
 * Forwarding to Elasticsearch through the official client, against a loopback HTTP server that
 * replays Elasticsearch's bulk API responses: no Elasticsearch runs here. The response bodies have
 * the shapes Elastic documents for `POST /_bulk` (https://www.elastic.co/docs/api/doc/elasticsearch/operation/operation-bulk
 * and the reference page docs-bulk.html#bulk-api-response-body: `took`, `errors`, `items[]` with
 * `create: {_index, _id, _version, result, _shards, _seq_no, _primary_term, status}` or `status` +
 * `error: {type, reason}` per item), the documented whole-request rejection (429
 * `es_rejected_execution_exception`, "Rejected requests" troubleshooting page) and a 503
 * `cluster_block_exception`; responses carry `X-Elastic-Product: Elasticsearch` as real clusters
 * do (the client checks it). The server keeps what it indexed, so "nothing lost" is checked on
 * its side.
 */
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseAuditEvents } from "../../src/audit/event-input.js";
import { ElasticsearchForwarder, parseElasticsearchUrl } from "../../src/audit/forward/elasticsearch.js";
import { storedAlert, storedK8sEvent } from "../../src/audit/store/from-events.js";
import type { StoredAlert, StoredEvent } from "../../src/audit/store/records.js";
import { ShipshapeError } from "../../src/errors.js";
import { freePort } from "../helpers/registry.js";
import { dataPath } from "../helpers/shared.js";

type Op = { action: "create"; index: string; id: string; doc: Record<string, unknown> };
type Reply = { status: number; body: unknown } | ((ops: Op[]) => { status: number; body: unknown });

/** A loopback stand-in for an Elasticsearch node's /_bulk endpoint, scripted per request. */
class ReplayingElasticsearch {
  readonly indexed = new Map<string, Record<string, unknown>>();
  readonly requests: Op[][] = [];
  script: Reply[] = [];
  private server: Server | undefined;
  port = 0;

  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.listen(port, "127.0.0.1");
    await once(this.server, "listening");
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
    this.server = undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const lines = Buffer.concat(chunks)
      .toString("utf8")
      .split("\n")
      .filter((l) => l !== "");
    const ops: Op[] = [];
    for (let i = 0; i < lines.length; i += 2) {
      const meta = JSON.parse(lines[i] as string) as { create: { _index: string; _id: string } };
      ops.push({
        action: "create",
        index: meta.create._index,
        id: meta.create._id,
        doc: JSON.parse(lines[i + 1] as string),
      });
    }
    this.requests.push(ops);
    const next = this.script.shift() ?? ((o: Op[]) => this.accept(o));
    const reply = typeof next === "function" ? next(ops) : next;
    res.writeHead(reply.status, {
      "content-type": "application/vnd.elasticsearch+json;compatible-with=9",
      "x-elastic-product": "Elasticsearch",
    });
    res.end(JSON.stringify(reply.body));
  }

  /** Indexes each op as Elasticsearch does `create`: 201, or 409 when the id exists. */
  accept(ops: Op[], itemStatus: (op: Op, i: number) => number | undefined = () => undefined) {
    let seq = this.indexed.size;
    const items = ops.map((op, i) => {
      const forced = itemStatus(op, i);
      const key = `${op.index}/${op.id}`;
      if (forced === 429) {
        return {
          create: {
            _index: op.index,
            _id: op.id,
            status: 429,
            error: {
              type: "es_rejected_execution_exception",
              reason:
                "rejected execution of coordinating operation [coordinating_and_primary_bytes=104759862, replica_bytes=0, all_bytes=104759862, coordinating_operation_bytes=20862272, max_coordinating_and_primary_bytes=107374182]",
            },
          },
        };
      }
      if (forced === 400) {
        return {
          create: {
            _index: op.index,
            _id: op.id,
            status: 400,
            error: {
              type: "document_parsing_exception",
              reason:
                "[1:85] failed to parse field [user.name] of type [long] in document with id '" +
                op.id +
                "'. Preview of field's value: 'alice'",
            },
          },
        };
      }
      if (this.indexed.has(key)) {
        return {
          create: {
            _index: op.index,
            _id: op.id,
            status: 409,
            error: {
              type: "version_conflict_engine_exception",
              reason: `[${op.id}]: version conflict, document already exists (current version [1])`,
              index_uuid: "aAsFqTI0Tc2W0LCWgPNrOA",
              shard: "0",
              index: op.index,
            },
          },
        };
      }
      this.indexed.set(key, op.doc);
      return {
        create: {
          _index: op.index,
          _id: op.id,
          _version: 1,
          result: "created",
          _shards: { total: 2, successful: 1, failed: 0 },
          _seq_no: seq++,
          _primary_term: 1,
          status: 201,
        },
      };
    });
    const errors = items.some((i) => i.create.status >= 300);
    return { status: 200, body: { errors, took: 30, items } };
  }
}

const REJECTED_429 = {
  status: 429,
  body: {
    error: {
      root_cause: [
        {
          type: "es_rejected_execution_exception",
          reason:
            "rejected execution of org.elasticsearch.transport.TransportService$4@1e6545a9 on EsThreadPoolExecutor[name = node-1/write, queue capacity = 10000, active threads = 8, queued tasks = 10000]",
        },
      ],
      type: "es_rejected_execution_exception",
      reason:
        "rejected execution of org.elasticsearch.transport.TransportService$4@1e6545a9 on EsThreadPoolExecutor[name = node-1/write, queue capacity = 10000, active threads = 8, queued tasks = 10000]",
    },
    status: 429,
  },
};

const UNAVAILABLE_503 = {
  status: 503,
  body: {
    error: {
      root_cause: [
        {
          type: "cluster_block_exception",
          reason: "blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized];",
        },
      ],
      type: "cluster_block_exception",
      reason: "blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized];",
    },
    status: 503,
  },
};

async function realEvents(): Promise<{ events: StoredEvent[]; alerts: StoredAlert[] }> {
  const text = readFileSync(dataPath("audit", "k8s", "test-audit.log"));
  const read = (await parseAuditEvents(text)).events.map((e) => e.event);
  const events: StoredEvent[] = [];
  const seen = new Set<string>();
  // The real events, and variants of them so batches span several requests. The sample repeats one
  // request verbatim (same auditID, stage and time): that is one document, as it is one store row.
  for (let i = 0; i < 30; i++) {
    for (const e of read) {
      const row = storedK8sEvent({ ...e, auditID: `${e.auditID}-${i}` }, Date.UTC(2026, 10, 29));
      const key = `${row.id}|${row.stage}|${row.time}`;
      if (seen.has(key)) continue;
      seen.add(key);
      events.push(row);
    }
  }
  const alerts = events.slice(0, 5).map((e) =>
    storedAlert(
      {
        rule: "Read Secret",
        priority: "WARNING",
        time: new Date(e.time).toISOString(),
        output: `read by ${e.user}`,
        auditID: e.id,
      },
      e,
      e.time,
    ),
  );
  return { events, alerts };
}

describe("forwarding to Elasticsearch (loopback server replaying the bulk API's responses)", () => {
  let es: ReplayingElasticsearch;
  let dir: string;
  const warnings: string[] = [];

  beforeEach(async () => {
    es = new ReplayingElasticsearch();
    dir = await mkdtemp(join(tmpdir(), "shipshape-forward-"));
    warnings.length = 0;
  });
  afterEach(async () => {
    await es.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const open = (port: number, extra = {}) =>
    ElasticsearchForwarder.open(`elasticsearch://127.0.0.1:${port}/audit-test`, {
      spoolDir: join(dir, "spool"),
      backoffMs: 5,
      batchSize: 50,
      onWarning: (w) => warnings.push(w),
      ...extra,
    });

  it("delivers events and alerts to day indices with stable ids, and empties the spool", async () => {
    await es.start();
    const { events, alerts } = await realEvents();
    const fwd = await open(es.port);
    await fwd.enqueue(events, alerts);
    const result = await fwd.drain();
    await fwd.close();
    expect(result).toEqual({ delivered: events.length + alerts.length, rejected: 0, pending: 0 });
    expect(es.indexed.size).toBe(events.length + alerts.length);
    expect(es.requests.length).toBe(Math.ceil((events.length + alerts.length) / 50));
    const first = events[0] as StoredEvent;
    const day = new Date(first.time).toISOString().slice(0, 10).replace(/-/g, ".");
    const doc = es.indexed.get(`audit-test-events-${day}/k8s:${first.id}:${first.stage}:${first.time}`);
    expect(doc?.["audit.id"]).toBe(first.id);
    expect(doc?.original).toEqual(JSON.parse(first.raw));
    expect([...es.indexed.keys()].filter((k) => k.startsWith("audit-test-alerts-")).length).toBe(5);
    expect(await fwd.spool.sizeBytes()).toBe(0);
  });

  it("keeps everything on disk while the cluster is down and drains it when it is back", async () => {
    const port = await freePort();
    const { events } = await realEvents();
    const fwd = await open(port);
    await fwd.enqueue(events, []);
    const down = await fwd.drain();
    expect(down.delivered).toBe(0);
    expect(down.pending).toBe(events.length);
    expect(down.stoppedBy).toMatch(/unreachable/);
    // A new process finds the spool where the last one left it.
    await fwd.close();
    await es.start(port);
    const again = await open(port);
    const up = await again.drain();
    await again.close();
    expect(up).toEqual({ delivered: events.length, rejected: 0, pending: 0 });
    expect(es.indexed.size).toBe(events.length);
  });

  it("retries a rejected (429) and an unavailable (503) bulk request with backoff", async () => {
    await es.start();
    es.script = [REJECTED_429, UNAVAILABLE_503];
    const { events } = await realEvents();
    const fwd = await open(es.port, { batchSize: 1000 });
    await fwd.enqueue(events.slice(0, 20), []);
    const result = await fwd.drain();
    await fwd.close();
    expect(result).toEqual({ delivered: 20, rejected: 0, pending: 0 });
    expect(es.requests.length).toBe(3);
    expect(es.indexed.size).toBe(20);
  });

  it("leaves documents spooled when the cluster keeps refusing past the attempts", async () => {
    await es.start();
    es.script = [REJECTED_429, REJECTED_429, UNAVAILABLE_503];
    const { events } = await realEvents();
    const fwd = await open(es.port, { attempts: 3 });
    await fwd.enqueue(events.slice(0, 10), []);
    const refused = await fwd.drain();
    expect(refused.delivered).toBe(0);
    expect(refused.pending).toBe(10);
    expect(refused.stoppedBy).toMatch(/503/);
    const later = await fwd.drain();
    await fwd.close();
    expect(later).toEqual({ delivered: 10, rejected: 0, pending: 0 });
  });

  it("partial failures: 429 items are resent, 409 counts as delivered, a mapping error is set aside", async () => {
    await es.start();
    const { events } = await realEvents();
    const batch = events.slice(0, 12);
    // Already indexed (an earlier send whose acknowledgement was lost).
    es.accept([{ action: "create", index: "x", id: "ignored", doc: {} }]);
    const fwd = await open(es.port, { batchSize: 1000 });
    await fwd.enqueue(batch.slice(0, 2), []);
    await fwd.drain();
    const before = es.indexed.size;
    await fwd.enqueue(batch, []); // the first two again: 409
    es.script = [(ops) => es.accept(ops, (_op, i) => (i === 5 || i === 6 ? 429 : i === 9 ? 400 : undefined))];
    const result = await fwd.drain();
    await fwd.close();
    expect(result).toEqual({ delivered: 11, rejected: 1, pending: 0 });
    // Second request carried only the two 429 items.
    expect(es.requests.at(-1)?.length).toBe(2);
    expect(es.indexed.size).toBe(before + 12 - 2 - 1);
    const rejected = (await readFile(join(dir, "spool", "rejected.ndjson"), "utf8")).trim().split("\n");
    expect(rejected.length).toBe(1);
    expect(JSON.parse(rejected[0] as string).reason).toMatch(/^400 document_parsing_exception/);
    expect(warnings.some((w) => w.includes("refused 1 documents for good"))).toBe(true);
  });

  it("drops the oldest documents, with a counted warning, only when the spool's cap is hit", async () => {
    const port = await freePort();
    const { events } = await realEvents();
    const fwd = await open(port, { maxBytes: 40_000, segmentBytes: 8_000 });
    for (const e of events) await fwd.enqueue([e], []);
    expect(await fwd.spool.sizeBytes()).toBeLessThanOrEqual(40_000);
    expect(fwd.spool.dropped).toBeGreaterThan(0);
    expect(warnings.at(-1)).toMatch(new RegExp(`${fwd.spool.dropped} so far`));
    await es.start(port);
    const result = await fwd.drain();
    await fwd.close();
    expect(result.delivered + fwd.spool.dropped).toBe(events.length);
    // What survived is the newest: the last event enqueued is there.
    const last = events.at(-1) as StoredEvent;
    expect([...es.indexed.keys()].some((k) => k.endsWith(`k8s:${last.id}:${last.stage}:${last.time}`))).toBe(
      true,
    );
    const segments = (await readdir(join(dir, "spool"))).filter((n) => n.startsWith("seg-"));
    expect(segments).toEqual([]);
  });

  it("loses nothing appended while a drain is rewriting the spool", async () => {
    await es.start();
    const { events } = await realEvents();
    const fwd = await open(es.port, { batchSize: 7, segmentBytes: 4_000 });
    await fwd.enqueue(events.slice(0, 40), []);
    // Slow answers keep the drain busy while the rest arrives, one event at a time.
    es.script = Array.from({ length: 6 }, () => (ops: Op[]) => {
      const start = Date.now();
      while (Date.now() - start < 20);
      return es.accept(ops);
    });
    // Appends in flight when the drain seals the spool, and more while it sends.
    const early = events.slice(40, 80).map((e) => fwd.enqueue([e], []));
    const draining = fwd.drain();
    const late = events.slice(80).map((e) => fwd.enqueue([e], []));
    await Promise.all([...early, draining, ...late]);
    const rest = await fwd.drain();
    await fwd.close();
    expect(rest.pending).toBe(0);
    expect(es.indexed.size).toBe(events.length);
    expect(fwd.spool.dropped).toBe(0);
  });

  it("reads elasticsearch:// URLs and refuses others with a one-line usage error", () => {
    expect(parseElasticsearchUrl("elasticsearch://elastic:pw@es.example:9201/prod-audit")).toEqual({
      node: "http://es.example:9201",
      prefix: "prod-audit",
      username: "elastic",
      password: "pw",
      display: "es.example:9201",
    });
    expect(parseElasticsearchUrl("elasticsearchs://es.example").node).toBe("https://es.example:443");
    expect(() => parseElasticsearchUrl("http://es.example")).toThrow(ShipshapeError);
    expect(() => parseElasticsearchUrl("elasticsearch://h/Bad Prefix")).toThrow(
      /valid Elasticsearch index name/,
    );
  });
});
