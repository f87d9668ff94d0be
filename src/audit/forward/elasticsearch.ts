/**
 * Forwarding audit events and alerts to Elasticsearch with the bulk API, through the official
 * client (@elastic/elasticsearch). Every document goes to the on-disk spool first (so nothing is
 * lost while the cluster is down), then is sent oldest first with `create` and a deterministic id:
 * 2xx or 409 (already there, from a resend) is delivered; 429 and 5xx items, a rejected or failed
 * request, are retried with backoff and otherwise stay spooled for the next drain; other item
 * errors (a mapping conflict) cannot succeed by retrying and go to `rejected.ndjson` with a warning.
 *
 * `elasticsearch://[user:password@]host[:port][/prefix]` (http), `elasticsearchs://…` (https);
 * an API key comes from env SHIPSHAPE_ES_API_KEY. OpenSearch: the client's product check refuses
 * servers that do not say they are Elasticsearch (see the report of issue 6).
 */
import { appendFile } from "node:fs/promises";
import { join } from "node:path";
import { Client, errors } from "@elastic/elasticsearch";
import { describeError, ShipshapeError } from "../../errors.js";
import type { StoredAlert, StoredEvent } from "../store/records.js";
import { Spool, type SpoolDocument, type SpoolOptions } from "./spool.js";

export interface ElasticsearchTarget {
  node: string;
  /** Index name prefix (default `shipshape-audit`): `<prefix>-events-YYYY.MM.DD`, `<prefix>-alerts-…`. */
  prefix: string;
  username?: string;
  password?: string;
  /** `host:port` for messages (never credentials). */
  display: string;
}

export function parseElasticsearchUrl(text: string): ElasticsearchTarget {
  const m = /^(elasticsearchs?):\/\//i.exec(text);
  let url: URL;
  try {
    if (!m) throw new Error("no elasticsearch:// prefix");
    url = new URL(
      text.replace(/^elasticsearchs?:/i, m[1]?.toLowerCase() === "elasticsearchs" ? "https:" : "http:"),
    );
  } catch {
    throw new ShipshapeError(
      "usage",
      "--forward takes elasticsearch://[user:password@]host[:port][/index-prefix] (elasticsearchs:// for https)",
    );
  }
  const port = url.port || (url.protocol === "https:" ? "443" : "9200");
  const prefix = decodeURIComponent(url.pathname.replace(/^\/+|\/+$/g, "")) || "shipshape-audit";
  if (!/^[a-z0-9][a-z0-9._-]{0,200}$/.test(prefix)) {
    throw new ShipshapeError(
      "usage",
      `index prefix "${prefix}" is not a valid Elasticsearch index name (lowercase, no spaces)`,
    );
  }
  const target: ElasticsearchTarget = {
    node: `${url.protocol}//${url.hostname}:${port}`,
    prefix,
    display: `${url.hostname}:${port}`,
  };
  if (url.username) target.username = decodeURIComponent(url.username);
  if (url.password) target.password = decodeURIComponent(url.password);
  return target;
}

export interface ForwarderOptions extends SpoolOptions {
  spoolDir: string;
  /** Attempts per drain before leaving documents spooled (default 4). */
  attempts?: number;
  /** First backoff in ms, doubled each attempt (default 500). */
  backoffMs?: number;
  /** Documents per bulk request (default 1000). */
  batchSize?: number;
  /** Per-request timeout (default 30 s). */
  requestTimeoutMs?: number;
  /** Warnings (dropped or rejected documents), one line each. */
  onWarning?: (message: string) => void;
  env?: NodeJS.ProcessEnv;
}

export interface DrainResult {
  delivered: number;
  /** Documents the cluster refused for good (written to rejected.ndjson). */
  rejected: number;
  /** Documents still spooled. */
  pending: number;
  /** Why draining stopped early (the cluster unreachable or overloaded), when it did. */
  stoppedBy?: string;
}

interface BulkItem {
  status?: number;
  error?: { type?: string; reason?: string };
}

function indexDay(time: number): string {
  const d = new Date(time);
  return `${d.getUTCFullYear()}.${String(d.getUTCMonth() + 1).padStart(2, "0")}.${String(d.getUTCDate()).padStart(2, "0")}`;
}

export class ElasticsearchForwarder {
  readonly target: ElasticsearchTarget;
  readonly spool: Spool;
  private readonly client: Client;
  private readonly options: ForwarderOptions;
  private draining: Promise<DrainResult> | undefined;

  private constructor(target: ElasticsearchTarget, spool: Spool, options: ForwarderOptions) {
    this.target = target;
    this.spool = spool;
    this.options = options;
    const env = options.env ?? process.env;
    const apiKey = env.SHIPSHAPE_ES_API_KEY;
    this.client = new Client({
      node: target.node,
      // Retries are ours: the spool decides what waits and what is retried.
      maxRetries: 0,
      requestTimeout: options.requestTimeoutMs ?? 30_000,
      ...(apiKey
        ? { auth: { apiKey } }
        : target.username !== undefined
          ? { auth: { username: target.username, password: target.password ?? "" } }
          : {}),
    });
  }

  static async open(url: string, options: ForwarderOptions): Promise<ElasticsearchForwarder> {
    const target = parseElasticsearchUrl(url);
    const spool = await Spool.open(options.spoolDir, options);
    return new ElasticsearchForwarder(target, spool, options);
  }

  /** Spools events and alerts (durably) for the next drain. */
  async enqueue(events: StoredEvent[], alerts: StoredAlert[]): Promise<void> {
    const docs: SpoolDocument[] = [
      ...events.map((e) => ({
        index: `${this.target.prefix}-events-${indexDay(e.time)}`,
        id: `${e.source}:${e.id}:${e.stage}:${e.time}`,
        doc: eventDocument(e),
      })),
      ...alerts.map((a) => ({
        index: `${this.target.prefix}-alerts-${indexDay(a.time)}`,
        id: `${a.auditID}:${a.rule}:${a.time}`,
        doc: alertDocument(a),
      })),
    ];
    const { dropped } = await this.spool.append(docs);
    if (dropped > 0) {
      this.options.onWarning?.(
        `forwarding spool ${this.spool.dir} is full: dropped the ${dropped} oldest unsent documents (${this.spool.dropped} so far); is ${this.target.display} reachable?`,
      );
    }
  }

  /** Sends everything spooled; concurrent calls share one drain. */
  drain(): Promise<DrainResult> {
    this.draining ??= this.drainOnce().finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  private async drainOnce(): Promise<DrainResult> {
    const result: DrainResult = { delivered: 0, rejected: 0, pending: 0 };
    const names = await this.spool.seal();
    const batchSize = this.options.batchSize ?? 1000;
    for (let s = 0; s < names.length; s++) {
      const name = names[s] as string;
      let left = await this.spool.read(name);
      while (left.length > 0 && result.stoppedBy === undefined) {
        const batch = left.slice(0, batchSize);
        const outcome = await this.sendWithRetries(batch);
        result.delivered += outcome.delivered;
        if (outcome.rejected.length > 0) {
          result.rejected += outcome.rejected.length;
          await this.reject(outcome.rejected);
        }
        left = [...outcome.retry, ...left.slice(batch.length)];
        if (outcome.stoppedBy !== undefined) result.stoppedBy = outcome.stoppedBy;
      }
      await this.spool.replace(name, left);
      if (result.stoppedBy !== undefined) {
        result.pending += left.length;
        for (const rest of names.slice(s + 1)) result.pending += (await this.spool.read(rest)).length;
        break;
      }
    }
    return result;
  }

  private async sendWithRetries(batch: SpoolDocument[]): Promise<{
    delivered: number;
    retry: SpoolDocument[];
    rejected: [SpoolDocument, string][];
    stoppedBy?: string;
  }> {
    const attempts = this.options.attempts ?? 4;
    let backoff = this.options.backoffMs ?? 500;
    let pending = batch;
    let delivered = 0;
    const rejected: [SpoolDocument, string][] = [];
    let lastProblem = "";
    for (let attempt = 0; attempt < attempts && pending.length > 0; attempt++) {
      if (attempt > 0) {
        await new Promise((r) => setTimeout(r, backoff));
        backoff *= 2;
      }
      let items: BulkItem[];
      try {
        const response = await this.client.bulk({
          operations: pending.flatMap((d) => [{ create: { _index: d.index, _id: d.id } }, d.doc]),
        });
        items = response.items.map((i) => Object.values(i)[0] as BulkItem);
      } catch (err) {
        lastProblem = requestProblem(err, this.target.display);
        // Not worth retrying now (credentials, not Elasticsearch): everything stays spooled.
        if (!isTransient(err)) return { delivered, retry: pending, rejected, stoppedBy: lastProblem };
        continue;
      }
      const again: SpoolDocument[] = [];
      pending.forEach((doc, i) => {
        const item = items[i];
        const status = item?.status ?? 0;
        if ((status >= 200 && status < 300) || status === 409) delivered++;
        else if (status === 429 || status >= 500 || item === undefined) {
          again.push(doc);
          lastProblem = `${this.target.display} refused items (${status} ${item?.error?.type ?? "no item in the response"})`;
        } else
          rejected.push([doc, `${status} ${item.error?.type ?? ""}: ${item.error?.reason ?? ""}`.trim()]);
      });
      pending = again;
    }
    if (pending.length > 0) return { delivered, retry: pending, rejected, stoppedBy: lastProblem };
    return { delivered, retry: pending, rejected };
  }

  private async reject(rejected: [SpoolDocument, string][]): Promise<void> {
    const path = join(this.spool.dir, "rejected.ndjson");
    await appendFile(
      path,
      `${rejected.map(([d, why]) => JSON.stringify({ ...d, reason: why })).join("\n")}\n`,
      {
        mode: 0o600,
      },
    );
    const first = rejected[0]?.[1] ?? "";
    this.options.onWarning?.(
      `${this.target.display} refused ${rejected.length} documents for good (first: ${first}); kept in ${path}`,
    );
  }

  async close(): Promise<void> {
    await this.draining?.catch(() => {});
    await this.client.close().catch(() => {});
  }
}

function isTransient(err: unknown): boolean {
  if (err instanceof errors.ResponseError) {
    const status = err.meta.statusCode ?? 0;
    return status === 429 || status >= 500;
  }
  // Connection refused, timeouts, resets: the cluster may come back.
  return (
    err instanceof errors.ConnectionError ||
    err instanceof errors.TimeoutError ||
    err instanceof errors.NoLivingConnectionsError
  );
}

function requestProblem(err: unknown, where: string): string {
  if (err instanceof errors.ResponseError) {
    const body = err.meta.body as { error?: { type?: string } } | undefined;
    return `${where} answered ${err.meta.statusCode ?? "?"}${body?.error?.type ? ` ${body.error.type}` : ""}`;
  }
  if (err instanceof errors.ProductNotSupportedError) {
    return `${where} is not Elasticsearch (the client's product check failed)`;
  }
  return `${where} unreachable (${describeError(err)})`;
}

function eventDocument(e: StoredEvent): Record<string, unknown> {
  let original: unknown;
  try {
    original = JSON.parse(e.raw);
  } catch {
    original = e.raw;
  }
  return {
    "@timestamp": new Date(e.time).toISOString(),
    "event.kind": "event",
    "event.dataset": e.source === "k8s" ? "kubernetes.audit" : "auditd",
    "audit.id": e.id,
    "audit.stage": e.stage || undefined,
    "user.name": e.user,
    "audit.verb": e.verb,
    "audit.resource": e.resource,
    "audit.subresource": e.subresource,
    "audit.namespace": e.namespace,
    "audit.name": e.name,
    "http.response.status_code": e.responseCode,
    original,
  };
}

function alertDocument(a: StoredAlert): Record<string, unknown> {
  return {
    "@timestamp": new Date(a.time).toISOString(),
    "event.kind": "alert",
    "rule.name": a.rule,
    "event.severity_name": a.priority,
    message: a.output,
    "audit.id": a.auditID,
    "event.dataset": a.source === "k8s" ? "kubernetes.audit" : "auditd",
    "user.name": a.user,
    "audit.verb": a.verb,
    "audit.resource": a.resource,
    "audit.namespace": a.namespace,
  };
}
