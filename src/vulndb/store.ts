/**
 * The vulnerability store: one interface, two backends (SQLite file by default, PostgreSQL for a
 * shared database). A build writes into a fresh copy that replaces the live one atomically only when
 * it completes (`commit`), so a failed or partial update never leaves a broken database.
 */
import type { AffectedRecord, EpssRecord, FeedState, KevRecord, VulnerabilityRecord } from "./records.js";

export interface BuildSession {
  /** `source` is the feed id: several feeds may describe one vulnerability; each keeps its row. */
  putVulnerabilities(source: string, records: VulnerabilityRecord[]): Promise<void>;
  putAffected(records: AffectedRecord[]): Promise<void>;
  /** KEV and EPSS rows are kept per feed too (`source`), so a build can carry them over like the rest. */
  putKev(source: string, records: KevRecord[]): Promise<void>;
  putEpss(source: string, records: EpssRecord[]): Promise<void>;
  setFeedState(state: FeedState): Promise<void>;
  /** Carry over what another (the live) store has for feeds this build does not refresh. */
  copyFeedsFrom(live: VulnStore, feeds: string[]): Promise<void>;
  /** Make the build the live database (atomic swap). */
  commit(): Promise<void>;
  /** Drop the build; the live database is untouched. */
  abort(): Promise<void>;
}

export interface StoreStatus {
  location: string;
  builtAt: string | null;
  schemaVersion: number;
  counts: { vulnerabilities: number; affected: number; kev: number; epss: number };
  feeds: FeedState[];
}

export interface VulnStore {
  /** Human-readable location without credentials (path or postgres://host/db). */
  readonly location: string;
  /** Affected records for many (namespace, package) keys in one round trip. */
  affected(keys: { namespace: string; packageName: string }[]): Promise<AffectedRecord[]>;
  vulnerabilities(ids: string[]): Promise<Map<string, VulnerabilityRecord>>;
  /** Whether the database holds any record for a namespace ("alpine:3.9"): no data is not "no vulnerabilities". */
  hasNamespace(namespace: string): Promise<boolean>;
  kev(cveIds: string[]): Promise<Map<string, KevRecord>>;
  epss(cveIds: string[]): Promise<Map<string, EpssRecord>>;
  status(): Promise<StoreStatus>;
  /** Start a build that will replace this database when committed. */
  beginBuild(): Promise<BuildSession>;
  close(): Promise<void>;
}

/**
 * Bump when the tables change; a store built by another version is refused with a clear error.
 * 2: the kev and epss tables have a `source` column (the feed that wrote the row).
 */
export const SCHEMA_VERSION = 2;
