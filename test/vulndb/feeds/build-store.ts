/** Build a real SQLite vulnerability store in a temp directory from importers, for tests. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FeedContext, FeedImporter } from "../../../src/vulndb/feeds/feed.js";
import type {
  AffectedRecord,
  EpssRecord,
  KevRecord,
  VulnerabilityRecord,
} from "../../../src/vulndb/records.js";
import { SqliteStore } from "../../../src/vulndb/sqlite-store.js";
import type { BuildSession } from "../../../src/vulndb/store.js";

export interface BuiltStore {
  store: SqliteStore;
  warnings: string[];
  records: number;
  dataDates: (string | null)[];
  dispose(): Promise<void>;
}

export function testContext(warnings: string[] = [], now = new Date("2026-01-01T00:00:00Z")): FeedContext {
  return { warn: (m) => warnings.push(m), now };
}

export async function buildStore(feeds: { importer: FeedImporter; inputs: string[] }[]): Promise<BuiltStore> {
  const dir = mkdtempSync(join(tmpdir(), "shipshape-feed-test-"));
  const path = join(dir, "db.sqlite");
  const warnings: string[] = [];
  const session = await SqliteStore.open(path).beginBuild();
  let records = 0;
  const dataDates: (string | null)[] = [];
  try {
    for (const f of feeds) {
      const r = await f.importer.import(f.inputs, session, testContext(warnings));
      records += r.records;
      dataDates.push(r.dataDate);
    }
    await session.commit();
  } catch (err) {
    await session.abort();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const store = SqliteStore.open(path);
  return {
    store,
    warnings,
    records,
    dataDates,
    async dispose() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A BuildSession that keeps what it is given in memory: to look at an importer's records directly. */
export class MemorySession implements BuildSession {
  readonly vulnerabilities: { source: string; record: VulnerabilityRecord }[] = [];
  readonly affected: AffectedRecord[] = [];
  async putVulnerabilities(source: string, records: VulnerabilityRecord[]): Promise<void> {
    for (const record of records) this.vulnerabilities.push({ source, record });
  }
  async putAffected(records: AffectedRecord[]): Promise<void> {
    this.affected.push(...records);
  }
  readonly kev: { source: string; record: KevRecord }[] = [];
  readonly epss: { source: string; record: EpssRecord }[] = [];
  async putKev(source: string, records: KevRecord[]): Promise<void> {
    for (const record of records) this.kev.push({ source, record });
  }
  async putEpss(source: string, records: EpssRecord[]): Promise<void> {
    for (const record of records) this.epss.push({ source, record });
  }
  async setFeedState(): Promise<void> {}
  async copyFeedsFrom(): Promise<void> {}
  async commit(): Promise<void> {}
  async abort(): Promise<void> {}
}
