/**
 * The ingest path shared by `audit ingest` and `audit serve`: events in, rules run, events and
 * alerts written to the store in one transaction, then (when configured) spooled for forwarding.
 * A batch's promise resolves only after the store committed it and the spool fsync'd it: callers
 * acknowledge their input (a webhook's 200) only then. Batches that arrive while a write is in
 * flight are committed together in the next transaction (group commit: one fsync for many
 * webhook requests), each caller still getting its own counts.
 */
import type { AuditdEvent } from "../auditd/assembler.js";
import { eventFields } from "../auditd/event-fields.js";
import { recordLine } from "../auditd/record.js";
import type { AuditEvent } from "../event.js";
import { type AlertLine, storedAlert, storedAuditdEvent, storedK8sEvent } from "./from-events.js";
import type { AuditStore, IngestBatch, IngestResult, StoredAlert, StoredEvent } from "./records.js";

/** What the pipeline needs of a rule engine (the Falco-compatible engine satisfies it). */
export interface K8sDetector {
  evaluate(event: AuditEvent): AlertLine[];
}

export interface AuditdDetector {
  evaluate(event: AuditdEvent): AlertLine[];
}

/** What the pipeline needs of a forwarder (ElasticsearchForwarder satisfies it). */
export interface Forwarder {
  enqueue(events: StoredEvent[], alerts: StoredAlert[]): Promise<void>;
}

export interface PipelineOptions {
  k8sDetector?: K8sDetector;
  auditdDetector?: AuditdDetector;
  forwarder?: Forwarder;
  now?: () => number;
}

export interface BatchResult extends IngestResult {
  /** Events in the batch (stored or already there). */
  received: number;
  /** Alerts raised (stored or already there). */
  raised: number;
}

interface Waiting {
  batch: IngestBatch;
  resolve(result: IngestResult): void;
  reject(err: unknown): void;
}

/** Rows per group commit: enough to amortise the fsync, small enough to keep latency flat. */
const GROUP_ROWS = 20_000;

export class AuditIngestPipeline {
  private queue: Waiting[] = [];
  private writing = false;

  constructor(
    readonly store: AuditStore,
    private readonly options: PipelineOptions = {},
  ) {}

  async ingestK8s(events: readonly AuditEvent[]): Promise<BatchResult> {
    const now = (this.options.now ?? Date.now)();
    const rows: StoredEvent[] = [];
    const alerts: StoredAlert[] = [];
    for (const event of events) {
      const row = storedK8sEvent(event, now);
      rows.push(row);
      for (const a of this.options.k8sDetector?.evaluate(event) ?? []) alerts.push(storedAlert(a, row, now));
    }
    return this.write(rows, alerts);
  }

  async ingestAuditd(events: readonly AuditdEvent[]): Promise<BatchResult> {
    const now = (this.options.now ?? Date.now)();
    const rows: StoredEvent[] = [];
    const alerts: StoredAlert[] = [];
    for (const event of events) {
      // The records as their log lines, so that a query can read them back (and normalize them).
      const row = storedAuditdEvent(eventFields(event), JSON.stringify(event.records.map(recordLine)));
      rows.push(row);
      for (const a of this.options.auditdDetector?.evaluate(event) ?? [])
        alerts.push(storedAlert(a, row, now));
    }
    return this.write(rows, alerts);
  }

  private async write(rows: StoredEvent[], alerts: StoredAlert[]): Promise<BatchResult> {
    const written = await this.commit({ events: rows, alerts });
    await this.options.forwarder?.enqueue(rows, alerts);
    return { ...written, received: rows.length, raised: alerts.length };
  }

  /** Queues a batch for the next group commit; resolves once it is committed. */
  private commit(batch: IngestBatch): Promise<IngestResult> {
    return new Promise<IngestResult>((resolve, reject) => {
      this.queue.push({ batch, resolve, reject });
      if (!this.writing) void this.drainQueue();
    });
  }

  private async drainQueue(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        let rows = 0;
        let take = 0;
        while (take < this.queue.length && (take === 0 || rows < GROUP_ROWS)) {
          const b = (this.queue[take] as Waiting).batch;
          rows += b.events.length + b.alerts.length;
          take++;
        }
        const group = this.queue.splice(0, take);
        try {
          const results = await this.store.ingestMany(group.map((w) => w.batch));
          group.forEach((w, i) => {
            w.resolve(results[i] as IngestResult);
          });
        } catch (err) {
          if (group.length === 1) (group[0] as Waiting).reject(err);
          // One bad batch must not fail its neighbours: retry each on its own.
          else {
            for (const w of group) {
              try {
                w.resolve((await this.store.ingestMany([w.batch]))[0] as IngestResult);
              } catch (own) {
                w.reject(own);
              }
            }
          }
        }
      }
    } finally {
      this.writing = false;
    }
  }
}
