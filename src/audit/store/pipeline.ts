/**
 * The ingest path shared by `audit ingest` and `audit serve`: events in, rules run, events and
 * alerts written to the store in one transaction, then (when configured) spooled for forwarding.
 * A batch's promise resolves only after the store committed it and the spool fsync'd it: callers
 * acknowledge their input (a webhook's 200) only then.
 */
import type { AuditdEvent } from "../auditd/assembler.js";
import { eventFields } from "../auditd/event-fields.js";
import type { AuditEvent } from "../event.js";
import { type AlertLine, storedAlert, storedAuditdEvent, storedK8sEvent } from "./from-events.js";
import type { AuditStore, IngestResult, StoredAlert, StoredEvent } from "./records.js";

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

export class AuditIngestPipeline {
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
      const row = storedAuditdEvent(eventFields(event), JSON.stringify(event.records.map((r) => r.raw)));
      rows.push(row);
      for (const a of this.options.auditdDetector?.evaluate(event) ?? [])
        alerts.push(storedAlert(a, row, now));
    }
    return this.write(rows, alerts);
  }

  private async write(rows: StoredEvent[], alerts: StoredAlert[]): Promise<BatchResult> {
    const written = await this.store.ingest({ events: rows, alerts });
    await this.options.forwarder?.enqueue(rows, alerts);
    return { ...written, received: rows.length, raised: alerts.length };
  }
}
