/**
 * What a live store hands a build that carries some feeds over unchanged (`copyFeedsFrom`): the rows
 * those feeds wrote. Any store that can list them takes part, so a build may carry feeds across
 * backends (e.g. seed a PostgreSQL database from a SQLite file).
 */
import type { AffectedRecord, FeedState, VulnerabilityRecord } from "./records.js";

export interface FeedRows {
  vulnerabilities: { source: string; record: VulnerabilityRecord }[];
  affected: AffectedRecord[];
  states: FeedState[];
}

export interface FeedExporter {
  exportFeeds(feeds: string[]): FeedRows | Promise<FeedRows>;
}

export function canExportFeeds(store: unknown): store is FeedExporter {
  return (
    typeof store === "object" &&
    store !== null &&
    typeof (store as { exportFeeds?: unknown }).exportFeeds === "function"
  );
}
