/**
 * The audit store in one SQLite file (better-sqlite3). Time-partitioned by day: each UTC day has its
 * own `events_YYYYMMDD` and `alerts_YYYYMMDD` tables (SQLite has no partitions; a table per day
 * makes retention a DROP TABLE, not a slow DELETE). Queries visit only the days their time range
 * touches. WAL with synchronous=FULL: ingest returns after the commit is on disk.
 */
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { describeError, ShipshapeError } from "../../errors.js";
import { dayKey, dayOverlaps, expiredDays, isDayKey, MAX_TIME, MIN_TIME } from "./partition.js";
import type {
  AuditStore,
  EventQuery,
  IngestBatch,
  IngestResult,
  StoredAlert,
  StoredEvent,
} from "./records.js";
import { buildFilter, DEFAULT_LIMIT, priorityRank } from "./sql-filter.js";

/** better-sqlite3's surface we use (a small local type keeps `any` out; it loads lazily). */
interface Statement {
  run(...params: unknown[]): { changes: number };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}
interface Transaction<A extends unknown[], R> {
  (...args: A): R;
  immediate(...args: A): R;
}
interface Db {
  readonly open: boolean;
  prepare(sql: string): Statement;
  exec(sql: string): void;
  pragma(sql: string): unknown;
  transaction<A extends unknown[], R>(fn: (...args: A) => R): Transaction<A, R>;
  close(): void;
}
type DbConstructor = new (path: string) => Db;

let Sqlite: DbConstructor | undefined;
function sqlite(): DbConstructor {
  Sqlite ??= createRequire(import.meta.url)("better-sqlite3") as DbConstructor;
  return Sqlite;
}

const SCHEMA_VERSION = 1;

interface EventRow {
  id: string;
  stage: string;
  source: string;
  time: number;
  user_name: string | null;
  verb: string | null;
  resource: string | null;
  subresource: string | null;
  namespace: string | null;
  name: string | null;
  response_code: number | null;
  raw: string;
}

interface AlertRow {
  rule: string;
  priority: string;
  time: number;
  output: string;
  audit_id: string;
  source: string;
  user_name: string | null;
  verb: string | null;
  resource: string | null;
  namespace: string | null;
}

export class SqliteAuditStore implements AuditStore {
  readonly location: string;
  private readonly db: Db;
  private readonly inserts = new Map<string, { event: Statement; alert: Statement }>();

  private constructor(db: Db, path: string) {
    this.db = db;
    this.location = `sqlite:${path}`;
  }

  static open(path: string): SqliteAuditStore {
    let db: Db;
    try {
      if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
      db = new (sqlite())(path);
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = FULL");
      db.pragma("busy_timeout = 5000");
      db.exec("CREATE TABLE IF NOT EXISTS audit_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
      const row = db.prepare("SELECT value FROM audit_meta WHERE key = 'schema_version'").get() as
        | { value: string }
        | undefined;
      if (!row) {
        db.prepare("INSERT INTO audit_meta (key, value) VALUES ('schema_version', ?)").run(
          String(SCHEMA_VERSION),
        );
      } else if (row.value !== String(SCHEMA_VERSION)) {
        db.close();
        throw new ShipshapeError(
          "input",
          `${path} is an audit store of schema version ${row.value}; this shipshape reads version ${SCHEMA_VERSION}: use another --store path`,
        );
      }
    } catch (err) {
      if (err instanceof ShipshapeError) throw err;
      throw new ShipshapeError(
        "input",
        `cannot open the audit store ${path}: ${describeError(err)}; give a writable file with --store`,
        { cause: err },
      );
    }
    return new SqliteAuditStore(db, path);
  }

  async ingest(batch: IngestBatch): Promise<IngestResult> {
    return (await this.ingestMany([batch]))[0] as IngestResult;
  }

  async ingestMany(batches: readonly IngestBatch[]): Promise<IngestResult[]> {
    for (const batch of batches) {
      for (const e of batch.events) checkTime(e.time);
      for (const a of batch.alerts) checkTime(a.time);
    }
    const write = this.db.transaction((all: readonly IngestBatch[]) => all.map((b) => this.writeBatch(b)));
    return write.immediate(batches);
  }

  private writeBatch(b: IngestBatch): IngestResult {
    let events = 0;
    let alerts = 0;
    for (const e of b.events) {
      events += this.statements(dayKey(e.time)).event.run(
        e.id,
        e.stage,
        e.source,
        e.time,
        e.user ?? null,
        e.verb ?? null,
        e.resource ?? null,
        e.subresource ?? null,
        e.namespace ?? null,
        e.name ?? null,
        e.responseCode ?? null,
        e.raw,
      ).changes;
    }
    for (const a of b.alerts) {
      alerts += this.statements(dayKey(a.time)).alert.run(
        a.rule,
        a.priority,
        priorityRank(a.priority),
        a.time,
        a.output,
        a.auditID,
        a.source,
        a.user ?? null,
        a.verb ?? null,
        a.resource ?? null,
        a.namespace ?? null,
      ).changes;
    }
    return { events, alerts };
  }

  async queryEvents(query: EventQuery): Promise<StoredEvent[]> {
    const rows = this.select<EventRow>("events", query, "time, id, stage");
    return rows.map((r) => {
      const e: StoredEvent = {
        id: r.id,
        stage: r.stage,
        source: r.source as StoredEvent["source"],
        time: r.time,
        raw: r.raw,
      };
      if (r.user_name !== null) e.user = r.user_name;
      if (r.verb !== null) e.verb = r.verb;
      if (r.resource !== null) e.resource = r.resource;
      if (r.subresource !== null) e.subresource = r.subresource;
      if (r.namespace !== null) e.namespace = r.namespace;
      if (r.name !== null) e.name = r.name;
      if (r.response_code !== null) e.responseCode = r.response_code;
      return e;
    });
  }

  async queryAlerts(query: EventQuery): Promise<StoredAlert[]> {
    const rows = this.select<AlertRow>("alerts", query, "time, audit_id, rule");
    return rows.map((r) => {
      const a: StoredAlert = {
        rule: r.rule,
        priority: r.priority,
        time: r.time,
        output: r.output,
        auditID: r.audit_id,
        source: r.source as StoredAlert["source"],
      };
      if (r.user_name !== null) a.user = r.user_name;
      if (r.verb !== null) a.verb = r.verb;
      if (r.resource !== null) a.resource = r.resource;
      if (r.namespace !== null) a.namespace = r.namespace;
      return a;
    });
  }

  async partitions(): Promise<string[]> {
    return this.days();
  }

  async applyRetention(days: number, now = Date.now()): Promise<string[]> {
    const dropped = expiredDays(this.days(), days, now);
    this.db.transaction(() => {
      for (const day of dropped) {
        this.db.exec(`DROP TABLE IF EXISTS events_${day}; DROP TABLE IF EXISTS alerts_${day};`);
        this.inserts.delete(day);
      }
    })();
    return dropped;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private days(): string[] {
    const rows = this.db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB 'events_[0-9]*'")
      .all() as { name: string }[];
    return rows
      .map((r) => r.name.slice("events_".length))
      .filter(isDayKey)
      .sort();
  }

  private select<R>(kind: "events" | "alerts", query: EventQuery, order: string): R[] {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const { where, params } = buildFilter(query, kind, () => "?");
    const out: R[] = [];
    for (const day of this.days()) {
      if (!dayOverlaps(day, query.since, query.until)) continue;
      const rows = this.db
        .prepare(`SELECT * FROM ${kind}_${day} ${where} ORDER BY ${order} LIMIT ?`)
        .all(...params, limit - out.length) as R[];
      out.push(...rows);
      if (out.length >= limit) break;
    }
    return out;
  }

  private statements(day: string): { event: Statement; alert: Statement } {
    let s = this.inserts.get(day);
    if (s) return s;
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS events_${day} (
        id TEXT NOT NULL, stage TEXT NOT NULL, source TEXT NOT NULL, time INTEGER NOT NULL,
        user_name TEXT, verb TEXT, resource TEXT, subresource TEXT, namespace TEXT, name TEXT,
        response_code INTEGER, raw TEXT NOT NULL, PRIMARY KEY (id, stage, time)) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS events_${day}_time ON events_${day} (time);
      CREATE INDEX IF NOT EXISTS events_${day}_user ON events_${day} (user_name, time);
      CREATE INDEX IF NOT EXISTS events_${day}_resource ON events_${day} (resource, verb, time);
      CREATE INDEX IF NOT EXISTS events_${day}_namespace ON events_${day} (namespace, time);
      CREATE TABLE IF NOT EXISTS alerts_${day} (
        rule TEXT NOT NULL, priority TEXT NOT NULL, priority_rank INTEGER NOT NULL, time INTEGER NOT NULL,
        output TEXT NOT NULL, audit_id TEXT NOT NULL, source TEXT NOT NULL, user_name TEXT, verb TEXT,
        resource TEXT, namespace TEXT, PRIMARY KEY (audit_id, rule, time)) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS alerts_${day}_time ON alerts_${day} (time);
      CREATE INDEX IF NOT EXISTS alerts_${day}_rule ON alerts_${day} (rule, time);
      CREATE INDEX IF NOT EXISTS alerts_${day}_user ON alerts_${day} (user_name, time);
    `);
    s = {
      event: this.db.prepare(
        `INSERT OR IGNORE INTO events_${day} (id, stage, source, time, user_name, verb, resource, subresource, namespace, name, response_code, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      alert: this.db.prepare(
        `INSERT OR IGNORE INTO alerts_${day} (rule, priority, priority_rank, time, output, audit_id, source, user_name, verb, resource, namespace) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
    };
    this.inserts.set(day, s);
    return s;
  }
}

function checkTime(time: number): void {
  if (!Number.isSafeInteger(time) || time < MIN_TIME || time > MAX_TIME) {
    throw new ShipshapeError("input", `audit event time ${time} is outside 1970–9999; it cannot be stored`);
  }
}
