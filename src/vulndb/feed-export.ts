/**
 * What a live store hands a build that carries some feeds over unchanged (`copyFeedsFrom`): the rows
 * those feeds wrote. Any store that can list them takes part, so a build may carry feeds across
 * backends (e.g. seed a PostgreSQL database from a SQLite file).
 */
import type { AffectedRecord, EpssRecord, FeedState, KevRecord, VulnerabilityRecord } from "./records.js";

export interface FeedRows {
  vulnerabilities: { source: string; record: VulnerabilityRecord }[];
  affected: AffectedRecord[];
  kev: { source: string; record: KevRecord }[];
  epss: { source: string; record: EpssRecord }[];
  states: FeedState[];
}

export const noFeedRows = (): FeedRows => ({
  vulnerabilities: [],
  affected: [],
  kev: [],
  epss: [],
  states: [],
});

export interface FeedExporter {
  exportFeeds(feeds: string[]): FeedRows | Promise<FeedRows>;
  /**
   * The vulnerability records one feed wrote whose ids start with one of `prefixes` (an importer
   * reusing part of what it imported before: see FeedContext.previous).
   */
  feedVulnerabilities(feed: string, prefixes: string[]): Promise<VulnerabilityRecord[]>;
}

export function canExportFeeds(store: unknown): store is FeedExporter {
  return (
    typeof store === "object" &&
    store !== null &&
    typeof (store as { exportFeeds?: unknown }).exportFeeds === "function" &&
    typeof (store as { feedVulnerabilities?: unknown }).feedVulnerabilities === "function"
  );
}

/** Write exported rows into a build: what `copyFeedsFrom` does when the rows come from elsewhere. */
export async function putFeedRows(
  session: {
    putVulnerabilities(source: string, records: VulnerabilityRecord[]): Promise<void>;
    putAffected(records: AffectedRecord[]): Promise<void>;
    putKev(source: string, records: KevRecord[]): Promise<void>;
    putEpss(source: string, records: EpssRecord[]): Promise<void>;
    setFeedState(state: FeedState): Promise<void>;
  },
  rows: FeedRows,
): Promise<void> {
  const bySource = <T>(list: { source: string; record: T }[]) => {
    const out = new Map<string, T[]>();
    for (const { source, record } of list) {
      const group = out.get(source) ?? [];
      group.push(record);
      out.set(source, group);
    }
    return out;
  };
  for (const [source, records] of bySource(rows.vulnerabilities))
    await session.putVulnerabilities(source, records);
  await session.putAffected(rows.affected);
  for (const [source, records] of bySource(rows.kev)) await session.putKev(source, records);
  for (const [source, records] of bySource(rows.epss)) await session.putEpss(source, records);
  for (const s of rows.states) await session.setFeedState(s);
}
