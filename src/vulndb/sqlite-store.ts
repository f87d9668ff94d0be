/**
 * The embedded store: one SQLite file (better-sqlite3). Builds go to a sibling file that is renamed
 * over the live one on commit — atomic on the same filesystem; a reader that opened the old file keeps
 * reading it. Records are JSON documents keyed by the columns lookups use.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { ShipshapeError } from "../errors.js";
import { canExportFeeds, type FeedRows, noFeedRows, putFeedRows } from "./feed-export.js";
import { mergeVulnerabilities, pickEpss, pickKev } from "./merge.js";
import type { AffectedRecord, EpssRecord, FeedState, KevRecord, VulnerabilityRecord } from "./records.js";
import { type BuildSession, SCHEMA_VERSION, type StoreStatus, type VulnStore } from "./store.js";

/** better-sqlite3's surface we use (a small local type keeps `any` out; it loads lazily). */
interface Statement {
  run(...params: unknown[]): unknown;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}
interface Database {
  prepare(sql: string): Statement;
  exec(sql: string): void;
  pragma(sql: string): unknown;
  transaction<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void;
  close(): void;
}
type DatabaseConstructor = new (
  path: string,
  options?: { readonly?: boolean; fileMustExist?: boolean },
) => Database;

let Sqlite: DatabaseConstructor | undefined;
function sqlite(): DatabaseConstructor {
  Sqlite ??= createRequire(import.meta.url)("better-sqlite3") as DatabaseConstructor;
  return Sqlite;
}

const TABLES = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE vulnerabilities (id TEXT NOT NULL, source TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (id, source));
CREATE TABLE affected (namespace TEXT NOT NULL, package TEXT NOT NULL, vulnerability TEXT NOT NULL, source TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE kev (cve TEXT NOT NULL, source TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (cve, source));
CREATE TABLE epss (cve TEXT NOT NULL, source TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (cve, source));
CREATE TABLE feeds (feed TEXT PRIMARY KEY, data TEXT NOT NULL);
`;
const INDEXES = `
CREATE INDEX affected_lookup ON affected (namespace, package);
CREATE INDEX affected_source ON affected (source);
CREATE INDEX vulnerabilities_source ON vulnerabilities (source);
`;

/** Parameters per statement stay well under SQLite's limit (32766). */
const CHUNK = 400;

function chunks<T>(xs: T[], n = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

export class SqliteStore implements VulnStore {
  readonly location: string;
  private db: Database | null;

  private constructor(path: string, db: Database | null) {
    this.location = path;
    this.db = db;
  }

  /**
   * Open the store at `path`; a missing file is an empty store (status says so; lookups find nothing).
   * A file of another schema version is refused, unless `forBuild`: then it reads as empty, and a
   * committed build replaces it.
   */
  static open(path: string, options: { forBuild?: boolean } = {}): SqliteStore {
    if (!existsSync(path)) return new SqliteStore(path, null);
    let db: Database;
    try {
      db = new (sqlite())(path, { readonly: true, fileMustExist: true });
      db.pragma("query_only = ON");
    } catch (err) {
      throw new ShipshapeError(
        "input",
        `vulnerability database ${path} cannot be opened (${err instanceof Error ? err.message : String(err)}); rebuild it with shipshape db update or db import`,
      );
    }
    const store = new SqliteStore(path, db);
    try {
      store.checkSchema();
    } catch (err) {
      db.close();
      if (options.forBuild) return new SqliteStore(path, null);
      throw err;
    }
    return store;
  }

  private checkSchema(): void {
    let version: number | null = null;
    try {
      const row = this.db!.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as
        | { value: string }
        | undefined;
      version = row ? Number(row.value) : null;
    } catch {
      version = null;
    }
    if (version !== SCHEMA_VERSION) {
      throw new ShipshapeError(
        "input",
        `vulnerability database ${this.location} has schema ${version ?? "(none)"}, this shipshape needs ${SCHEMA_VERSION}; rebuild it with shipshape db update or db import`,
      );
    }
  }

  async affected(keys: { namespace: string; packageName: string }[]): Promise<AffectedRecord[]> {
    if (!this.db || keys.length === 0) return [];
    const out: AffectedRecord[] = [];
    const unique = [...new Map(keys.map((k) => [`${k.namespace}\0${k.packageName}`, k])).values()];
    for (const part of chunks(unique)) {
      const sql = `SELECT data FROM affected WHERE (namespace, package) IN (VALUES ${part.map(() => "(?, ?)").join(", ")})`;
      const rows = this.db.prepare(sql).all(...part.flatMap((k) => [k.namespace, k.packageName])) as {
        data: string;
      }[];
      for (const r of rows) out.push(JSON.parse(r.data) as AffectedRecord);
    }
    return out;
  }

  async hasNamespace(namespace: string): Promise<boolean> {
    if (!this.db) return false;
    return this.db.prepare("SELECT 1 FROM affected WHERE namespace = ? LIMIT 1").get(namespace) !== undefined;
  }

  async vulnerabilities(ids: string[]): Promise<Map<string, VulnerabilityRecord>> {
    const out = new Map<string, VulnerabilityRecord>();
    if (!this.db || ids.length === 0) return out;
    const grouped = new Map<string, VulnerabilityRecord[]>();
    for (const part of chunks([...new Set(ids)])) {
      const rows = this.db
        .prepare(
          `SELECT data FROM vulnerabilities WHERE id IN (${part.map(() => "?").join(", ")}) ORDER BY id, source`,
        )
        .all(...part) as { data: string }[];
      for (const r of rows) {
        const v = JSON.parse(r.data) as VulnerabilityRecord;
        const list = grouped.get(v.id) ?? [];
        list.push(v);
        grouped.set(v.id, list);
      }
    }
    for (const [id, rows] of grouped) out.set(id, mergeVulnerabilities(rows));
    return out;
  }

  /** Rows of several feeds for one CVE come in feed order; `pick` makes them one. */
  private async byCve<T>(
    table: "kev" | "epss",
    ids: string[],
    pick: (rows: T[]) => T,
  ): Promise<Map<string, T>> {
    const grouped = new Map<string, T[]>();
    if (!this.db || ids.length === 0) return new Map();
    for (const part of chunks([...new Set(ids)])) {
      const rows = this.db
        .prepare(
          `SELECT cve, data FROM ${table} WHERE cve IN (${part.map(() => "?").join(", ")}) ORDER BY cve, source`,
        )
        .all(...part) as { cve: string; data: string }[];
      for (const r of rows) {
        const list = grouped.get(r.cve) ?? [];
        list.push(JSON.parse(r.data) as T);
        grouped.set(r.cve, list);
      }
    }
    return new Map([...grouped].map(([cve, rows]) => [cve, pick(rows)]));
  }

  kev(cveIds: string[]): Promise<Map<string, KevRecord>> {
    return this.byCve<KevRecord>("kev", cveIds, pickKev);
  }

  epss(cveIds: string[]): Promise<Map<string, EpssRecord>> {
    return this.byCve<EpssRecord>("epss", cveIds, pickEpss);
  }

  async status(): Promise<StoreStatus> {
    if (!this.db) {
      return {
        location: this.location,
        builtAt: null,
        schemaVersion: SCHEMA_VERSION,
        counts: { vulnerabilities: 0, affected: 0, kev: 0, epss: 0 },
        feeds: [],
      };
    }
    const count = (sql: string) => (this.db!.prepare(sql).get() as { n: number }).n;
    const builtAt = this.db.prepare("SELECT value FROM meta WHERE key = 'built_at'").get() as
      | { value: string }
      | undefined;
    const feeds = (this.db.prepare("SELECT data FROM feeds ORDER BY feed").all() as { data: string }[]).map(
      (r) => JSON.parse(r.data) as FeedState,
    );
    return {
      location: this.location,
      builtAt: builtAt?.value ?? null,
      schemaVersion: SCHEMA_VERSION,
      counts: {
        vulnerabilities: count("SELECT COUNT(DISTINCT id) AS n FROM vulnerabilities"),
        affected: count("SELECT COUNT(*) AS n FROM affected"),
        kev: count("SELECT COUNT(DISTINCT cve) AS n FROM kev"),
        epss: count("SELECT COUNT(DISTINCT cve) AS n FROM epss"),
      },
      feeds,
    };
  }

  /** Rows of the live file for some feeds, for carrying them into a build. */
  exportFeeds(feeds: string[]): FeedRows {
    if (!this.db || feeds.length === 0) return noFeedRows();
    const db = this.db;
    const marks = feeds.map(() => "?").join(", ");
    const parse = <T>(rows: unknown[]) => (rows as { data: string }[]).map((r) => JSON.parse(r.data) as T);
    const sourced = <T>(table: "vulnerabilities" | "kev" | "epss") =>
      (
        db.prepare(`SELECT source, data FROM ${table} WHERE source IN (${marks})`).all(...feeds) as {
          source: string;
          data: string;
        }[]
      ).map((r) => ({ source: r.source, record: JSON.parse(r.data) as T }));
    return {
      vulnerabilities: sourced<VulnerabilityRecord>("vulnerabilities"),
      affected: parse<AffectedRecord>(
        db.prepare(`SELECT data FROM affected WHERE source IN (${marks})`).all(...feeds),
      ),
      kev: sourced<KevRecord>("kev"),
      epss: sourced<EpssRecord>("epss"),
      states: parse<FeedState>(db.prepare(`SELECT data FROM feeds WHERE feed IN (${marks})`).all(...feeds)),
    };
  }

  async feedVulnerabilities(feed: string, prefixes: string[]): Promise<VulnerabilityRecord[]> {
    if (!this.db || prefixes.length === 0) return [];
    // substr compares bytes: no LIKE wildcards to escape.
    const rows = this.db
      .prepare(
        `SELECT data FROM vulnerabilities WHERE source = ? AND (${prefixes.map(() => "substr(id, 1, ?) = ?").join(" OR ")}) ORDER BY id`,
      )
      .all(feed, ...prefixes.flatMap((p) => [p.length, p])) as { data: string }[];
    return rows.map((r) => JSON.parse(r.data) as VulnerabilityRecord);
  }

  async beginBuild(): Promise<BuildSession> {
    return SqliteBuild.start(this.location);
  }

  async close(): Promise<void> {
    this.db?.close();
    this.db = null;
  }
}

class SqliteBuild implements BuildSession {
  private readonly target: string;
  private readonly path: string;
  private db: Database | null;

  private constructor(target: string, path: string, db: Database) {
    this.target = target;
    this.path = path;
    this.db = db;
  }

  static start(target: string): SqliteBuild {
    mkdirSync(dirname(target), { recursive: true });
    const path = `${target}.build-${process.pid}-${randomBytes(4).toString("hex")}`;
    const db = new (sqlite())(path);
    // A build is written once and swapped in whole: durability per statement buys nothing.
    db.pragma("journal_mode = OFF");
    db.pragma("synchronous = OFF");
    db.exec(TABLES);
    return new SqliteBuild(target, path, db);
  }

  private get live(): Database {
    if (!this.db) throw new Error("build already committed or aborted");
    return this.db;
  }

  async putVulnerabilities(source: string, records: VulnerabilityRecord[]): Promise<void> {
    const stmt = this.live.prepare(
      "INSERT OR REPLACE INTO vulnerabilities (id, source, data) VALUES (?, ?, ?)",
    );
    this.live.transaction((rows: VulnerabilityRecord[]) => {
      for (const r of rows) stmt.run(r.id, source, JSON.stringify(r));
    })(records);
  }

  async putAffected(records: AffectedRecord[]): Promise<void> {
    const stmt = this.live.prepare(
      "INSERT INTO affected (namespace, package, vulnerability, source, data) VALUES (?, ?, ?, ?, ?)",
    );
    this.live.transaction((rows: AffectedRecord[]) => {
      for (const r of rows)
        stmt.run(r.namespace, r.packageName, r.vulnerabilityId, r.source, JSON.stringify(r));
    })(records);
  }

  private async putByCve(table: "kev" | "epss", source: string, records: { cveId: string }[]): Promise<void> {
    const stmt = this.live.prepare(`INSERT OR REPLACE INTO ${table} (cve, source, data) VALUES (?, ?, ?)`);
    this.live.transaction((rows: { cveId: string }[]) => {
      for (const r of rows) stmt.run(r.cveId, source, JSON.stringify(r));
    })(records);
  }

  putKev(source: string, records: KevRecord[]): Promise<void> {
    return this.putByCve("kev", source, records);
  }

  putEpss(source: string, records: EpssRecord[]): Promise<void> {
    return this.putByCve("epss", source, records);
  }

  async setFeedState(state: FeedState): Promise<void> {
    this.live
      .prepare("INSERT OR REPLACE INTO feeds (feed, data) VALUES (?, ?)")
      .run(state.feed, JSON.stringify(state));
  }

  async copyFeedsFrom(live: VulnStore, feeds: string[]): Promise<void> {
    if (!canExportFeeds(live))
      throw new Error(`copyFeedsFrom: store ${live.location} cannot list its feeds' rows`);
    await putFeedRows(this, await live.exportFeeds(feeds));
  }

  async commit(): Promise<void> {
    const db = this.live;
    db.exec(INDEXES);
    const put = db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)");
    put.run("schema_version", String(SCHEMA_VERSION));
    put.run("built_at", new Date().toISOString());
    db.exec("ANALYZE");
    db.close();
    this.db = null;
    renameSync(this.path, this.target);
  }

  async abort(): Promise<void> {
    this.db?.close();
    this.db = null;
    rmSync(this.path, { force: true });
  }
}
