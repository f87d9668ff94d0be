/**
 * What the audit store keeps: events (Kubernetes API events and auditd node events, one row each,
 * with the fields queries filter on and the whole event as JSON) and alerts (a rule that fired on an
 * event, with the event's who/what copied so alert queries need no join). Times are ms since the epoch.
 */
export type EventSource = "k8s" | "auditd";

export interface StoredEvent {
  /** auditID for Kubernetes; `node:time:serial` for auditd. */
  id: string;
  /** Kubernetes stage (RequestReceived, ResponseComplete …); "" for auditd. One row per id, stage and time. */
  stage: string;
  source: EventSource;
  time: number;
  user?: string;
  verb?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  responseCode?: number;
  /** The event as read, JSON text. */
  raw: string;
}

export interface StoredAlert {
  rule: string;
  priority: string;
  time: number;
  output: string;
  /** The event's id (auditID, or the auditd event id). */
  auditID: string;
  source: EventSource;
  user?: string;
  verb?: string;
  resource?: string;
  namespace?: string;
}

export interface IngestBatch {
  events: StoredEvent[];
  alerts: StoredAlert[];
}

export interface IngestResult {
  /** Rows written; a row already stored (same id, stage and time; same event, rule and time) is not counted. */
  events: number;
  alerts: number;
}

export interface EventQuery {
  /** Inclusive lower bound, ms. */
  since?: number;
  /** Exclusive upper bound, ms. */
  until?: number;
  user?: string;
  verb?: string;
  resource?: string;
  namespace?: string;
  source?: EventSource;
  /** Alerts only: the rule's name. */
  rule?: string;
  /** Alerts only: the least priority to report (Falco's order: WARNING reports WARNING and above). */
  minPriority?: string;
  /** Most rows returned (default 1000), newest last. */
  limit?: number;
}

export interface AuditStore {
  /** `sqlite:PATH` or `postgres://host:port/db` (never a password). */
  readonly location: string;
  /** Writes the batch in one transaction; resolves only after it is committed (acknowledge after write). */
  ingest(batch: IngestBatch): Promise<IngestResult>;
  /** Several batches in one transaction (one commit, one fsync), with each batch's own counts. */
  ingestMany(batches: readonly IngestBatch[]): Promise<IngestResult[]>;
  queryEvents(query: EventQuery): Promise<StoredEvent[]>;
  queryAlerts(query: EventQuery): Promise<StoredAlert[]>;
  /** Drops the day partitions wholly older than `days` days before `now`; returns the days dropped (YYYYMMDD). */
  applyRetention(days: number, now?: number): Promise<string[]>;
  /** The days that have a partition, oldest first (YYYYMMDD). */
  partitions(): Promise<string[]>;
  close(): Promise<void>;
}

/** Falco's priorities, most severe first; a query for a priority reports it and everything above. */
export const PRIORITIES = [
  "EMERGENCY",
  "ALERT",
  "CRITICAL",
  "ERROR",
  "WARNING",
  "NOTICE",
  "INFORMATIONAL",
  "DEBUG",
] as const;
