/**
 * The audit webhook sink: an HTTP endpoint for kube-apiserver's webhook audit backend, which POSTs
 * `audit.k8s.io/v1` EventList batches. Each batch is parsed, run through the rules and written to
 * the store; the answer (200) comes only after the write is committed, so an acknowledged event is
 * never lost — the apiserver retries anything else. Back-pressure: at most `maxQueuedEvents` events
 * are being written at once; a batch that does not fit is answered 429 with Retry-After at once,
 * and a store that fails answers 503 with Retry-After. Malformed bodies get a quick 400 and are
 * forgotten (bounded by `bodyLimit`), so a flood of them cannot grow memory.
 */
import Fastify, { type FastifyInstance } from "fastify";
import { describeError } from "../../errors.js";
import { parseAuditEvents } from "../event-input.js";
import type { AuditIngestPipeline } from "../store/pipeline.js";

export interface WebhookOptions {
  /** Events being written at once before new batches get 429 (default 10,000). */
  maxQueuedEvents?: number;
  /** Largest request body (default 32 MiB; the apiserver's default batch is 400 events). */
  bodyLimit?: number;
  /** Seconds suggested in Retry-After (default 1). */
  retryAfterSeconds?: number;
  /** Path the apiserver posts to (default "/"; /audit/webhook is accepted too). */
  path?: string;
  /** Problems worth a log line (store failures). */
  onError?: (message: string) => void;
}

export interface WebhookStats {
  batches: number;
  events: number;
  alerts: number;
  malformed: number;
  throttled: number;
  failed: number;
}

export interface AuditWebhook {
  app: FastifyInstance;
  stats: WebhookStats;
  /** Events accepted and not yet written. */
  queued(): number;
}

export function createAuditWebhook(
  pipeline: AuditIngestPipeline,
  options: WebhookOptions = {},
): AuditWebhook {
  const maxQueued = options.maxQueuedEvents ?? 10_000;
  const retryAfter = String(options.retryAfterSeconds ?? 1);
  const stats: WebhookStats = { batches: 0, events: 0, alerts: 0, malformed: 0, throttled: 0, failed: 0 };
  let queued = 0;
  const app = Fastify({
    bodyLimit: options.bodyLimit ?? 32 * 1024 * 1024,
    logger: false,
    // Slow or stuck clients must not hold sockets (and their partial bodies) forever.
    requestTimeout: 30_000,
    connectionTimeout: 30_000,
    return503OnClosing: true,
  });
  // The body stays bytes: the audit reader parses it (EventList, gzip-less), with its own limits.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => done(null, body));

  const handler = async (
    request: { body: unknown },
    reply: { code(n: number): unknown; header(k: string, v: string): unknown },
  ) => {
    const body = request.body;
    if (!Buffer.isBuffer(body) || body.length === 0) {
      stats.malformed++;
      reply.code(400);
      return { error: "the body must be an audit.k8s.io/v1 EventList" };
    }
    const { events, problems } = await parseAuditEvents(body, { source: "webhook" });
    if (events.length === 0 && problems.length > 0) {
      stats.malformed++;
      reply.code(400);
      return { error: `not an audit.k8s.io/v1 EventList: ${problems[0]?.reason ?? "no kind EventList"}` };
    }
    if (queued + events.length > maxQueued && queued > 0) {
      stats.throttled++;
      reply.code(429);
      reply.header("retry-after", retryAfter);
      return { error: `busy: ${queued} events being written; retry later` };
    }
    queued += events.length;
    try {
      const result = await pipeline.ingestK8s(events.map((e) => e.event));
      stats.batches++;
      stats.events += result.received;
      stats.alerts += result.raised;
      return {
        received: result.received,
        stored: result.events,
        alerts: result.raised,
        skipped: problems.length,
      };
    } catch (err) {
      stats.failed++;
      options.onError?.(
        `audit webhook: storing a batch of ${events.length} events failed: ${describeError(err)}`,
      );
      reply.code(503);
      reply.header("retry-after", retryAfter);
      return { error: "the audit store is unavailable; retry later" };
    } finally {
      queued -= events.length;
    }
  };
  const path = options.path ?? "/";
  app.post(path, handler);
  if (path !== "/audit/webhook") app.post("/audit/webhook", handler);
  app.get("/healthz", async () => ({ ok: true, queued, ...stats }));
  return { app, stats, queued: () => queued };
}
