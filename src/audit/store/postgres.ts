import pg from "pg";
import { ShipshapeError } from "../../errors.js";
import { postgresClientConfig } from "../../postgres/client-config.js";
import { type PostgresTarget, parsePostgresUrl, postgresError } from "../../postgres/url.js";
import { dayBounds, dayKey, expiredDays, isDayKey, MAX_TIME, MIN_TIME } from "./partition.js";
import type {
  AuditStore,
  EventQuery,
  IngestBatch,
  IngestResult,
  StoredAlert,
  StoredEvent,
} from "./records.js";
import { buildFilter, DEFAULT_LIMIT, priorityRank } from "./sql-filter.js";

export const DEFAULT_AUDIT_SCHEMA = "shipshape_audit";
const ROWS_PER_INSERT = 500;

function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

/** PostgreSQL text cannot hold NUL. */
function clean(value: string | undefined): string | null {
  return value === undefined ? null : value.includes("\0") ? value.replace(/\0/g, "\uFFFD") : value;
}

async function poolConfig(target: PostgresTarget): Promise<pg.PoolConfig> {
  return { ...(await postgresClientConfig(target, "shipshape-audit")), max: 4 };
}

export class PostgresAuditStore implements AuditStore {
  readonly location: string;
  private readonly pool: pg.Pool;
  private readonly target: PostgresTarget;
  private readonly schema: string;
  private readonly knownDays = new Set<string>();

  private constructor(pool: pg.Pool, target: PostgresTarget) {
    this.pool = pool;
    this.target = target;
    this.schema = quote(target.schema);
    this.location = target.location;
  }

  static async open(url: string, env: NodeJS.ProcessEnv = process.env): Promise<PostgresAuditStore> {
    const target = parsePostgresUrl(url, { schema: DEFAULT_AUDIT_SCHEMA, env });
    const pool = new pg.Pool(await poolConfig(target));
    // An idle client's network error must not crash the process; the next query reports it.
    pool.on("error", () => {});
    const store = new PostgresAuditStore(pool, target);
    try {
      await store.createSchema();
    } catch (err) {
      await pool.end().catch(() => {});
      throw postgresError(err, target, "creating the audit tables");
    }
    return store;
  }

  private async createSchema(): Promise<void> {
    const s = this.schema;
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [
        `shipshape-audit-schema:${this.target.schema}`,
      ]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      await client.query(`
        CREATE TABLE IF NOT EXISTS ${s}.audit_events (
          id TEXT NOT NULL, stage TEXT NOT NULL, source TEXT NOT NULL, time BIGINT NOT NULL,
          user_name TEXT, verb TEXT, resource TEXT, subresource TEXT, namespace TEXT, name TEXT,
          response_code INTEGER, raw TEXT NOT NULL, PRIMARY KEY (id, stage, time)
        ) PARTITION BY RANGE (time)`);
      await client.query(`
        CREATE TABLE IF NOT EXISTS ${s}.audit_alerts (
          rule TEXT NOT NULL, priority TEXT NOT NULL, priority_rank INTEGER NOT NULL, time BIGINT NOT NULL,
          output TEXT NOT NULL, audit_id TEXT NOT NULL, source TEXT NOT NULL, user_name TEXT, verb TEXT,
          resource TEXT, namespace TEXT, PRIMARY KEY (audit_id, rule, time)
        ) PARTITION BY RANGE (time)`);
      for (const sql of [
        `CREATE INDEX IF NOT EXISTS audit_events_time ON ${s}.audit_events (time)`,
        `CREATE INDEX IF NOT EXISTS audit_events_user ON ${s}.audit_events (user_name, time)`,
        `CREATE INDEX IF NOT EXISTS audit_events_resource ON ${s}.audit_events (resource, verb, time)`,
        `CREATE INDEX IF NOT EXISTS audit_events_namespace ON ${s}.audit_events (namespace, time)`,
        `CREATE INDEX IF NOT EXISTS audit_alerts_time ON ${s}.audit_alerts (time)`,
        `CREATE INDEX IF NOT EXISTS audit_alerts_rule ON ${s}.audit_alerts (rule, time)`,
        `CREATE INDEX IF NOT EXISTS audit_alerts_user ON ${s}.audit_alerts (user_name, time)`,
      ]) {
        await client.query(sql);
      }
      await client.query("COMMIT");
    } catch (err) {
      await client.query("ROLLBACK").catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async ingest(batch: IngestBatch): Promise<IngestResult> {
    return (await this.ingestMany([batch]))[0] as IngestResult;
  }

  async ingestMany(batches: readonly IngestBatch[]): Promise<IngestResult[]> {
    const days = new Set<string>();
    for (const batch of batches) {
      for (const e of batch.events) {
        checkTime(e.time);
        days.add(dayKey(e.time));
      }
      for (const a of batch.alerts) {
        checkTime(a.time);
        days.add(dayKey(a.time));
      }
    }
    const created: string[] = [];
    let client: pg.PoolClient | undefined;
    try {
      client = await this.pool.connect();
      await client.query("BEGIN");
      for (const day of days) {
        if (this.knownDays.has(day)) continue;
        await this.createPartitions(client, day);
        created.push(day);
      }
      const results: IngestResult[] = [];
      for (const batch of batches) results.push(await this.writeBatch(client, batch));
      await client.query("COMMIT");
      for (const day of created) this.knownDays.add(day);
      return results;
    } catch (err) {
      await client?.query("ROLLBACK").catch(() => {});
      throw postgresError(err, this.target, "writing audit events");
    } finally {
      client?.release();
    }
  }

  private async writeBatch(client: pg.PoolClient, batch: IngestBatch): Promise<IngestResult> {
    let events = 0;
    for (let i = 0; i < batch.events.length; i += ROWS_PER_INSERT) {
      const chunk = batch.events.slice(i, i + ROWS_PER_INSERT);
      const values: unknown[] = [];
      const rows = chunk.map((e, r) => {
        values.push(
          clean(e.id),
          clean(e.stage),
          e.source,
          e.time,
          clean(e.user),
          clean(e.verb),
          clean(e.resource),
          clean(e.subresource),
          clean(e.namespace),
          clean(e.name),
          e.responseCode ?? null,
          clean(e.raw),
        );
        return `(${Array.from({ length: 12 }, (_, c) => `$${r * 12 + c + 1}`).join(", ")})`;
      });
      const res = await client.query(
        `INSERT INTO ${this.schema}.audit_events (id, stage, source, time, user_name, verb, resource, subresource, namespace, name, response_code, raw) VALUES ${rows.join(", ")} ON CONFLICT DO NOTHING`,
        values,
      );
      events += res.rowCount ?? 0;
    }
    let alerts = 0;
    for (let i = 0; i < batch.alerts.length; i += ROWS_PER_INSERT) {
      const chunk = batch.alerts.slice(i, i + ROWS_PER_INSERT);
      const values: unknown[] = [];
      const rows = chunk.map((a, r) => {
        values.push(
          clean(a.rule),
          clean(a.priority),
          priorityRank(a.priority),
          a.time,
          clean(a.output),
          clean(a.auditID),
          a.source,
          clean(a.user),
          clean(a.verb),
          clean(a.resource),
          clean(a.namespace),
        );
        return `(${Array.from({ length: 11 }, (_, c) => `$${r * 11 + c + 1}`).join(", ")})`;
      });
      const res = await client.query(
        `INSERT INTO ${this.schema}.audit_alerts (rule, priority, priority_rank, time, output, audit_id, source, user_name, verb, resource, namespace) VALUES ${rows.join(", ")} ON CONFLICT DO NOTHING`,
        values,
      );
      alerts += res.rowCount ?? 0;
    }
    return { events, alerts };
  }

  private async createPartitions(client: pg.PoolClient, day: string): Promise<void> {
    const [start, end] = dayBounds(day);
    await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [
      `shipshape-audit-partition:${this.target.schema}:${day}`,
    ]);
    for (const table of ["audit_events", "audit_alerts"]) {
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${this.schema}.${table}_${day} PARTITION OF ${this.schema}.${table} FOR VALUES FROM (${start}) TO (${end})`,
      );
    }
  }

  async queryEvents(query: EventQuery): Promise<StoredEvent[]> {
    const rows = await this.select("audit_events", "events", query, "time, id, stage");
    return rows.map((r) => {
      const e: StoredEvent = {
        id: String(r.id),
        stage: String(r.stage),
        source: r.source as StoredEvent["source"],
        time: Number(r.time),
        raw: String(r.raw),
      };
      if (r.user_name !== null) e.user = String(r.user_name);
      if (r.verb !== null) e.verb = String(r.verb);
      if (r.resource !== null) e.resource = String(r.resource);
      if (r.subresource !== null) e.subresource = String(r.subresource);
      if (r.namespace !== null) e.namespace = String(r.namespace);
      if (r.name !== null) e.name = String(r.name);
      if (r.response_code !== null) e.responseCode = Number(r.response_code);
      return e;
    });
  }

  async queryAlerts(query: EventQuery): Promise<StoredAlert[]> {
    const rows = await this.select("audit_alerts", "alerts", query, "time, audit_id, rule");
    return rows.map((r) => {
      const a: StoredAlert = {
        rule: String(r.rule),
        priority: String(r.priority),
        time: Number(r.time),
        output: String(r.output),
        auditID: String(r.audit_id),
        source: r.source as StoredAlert["source"],
      };
      if (r.user_name !== null) a.user = String(r.user_name);
      if (r.verb !== null) a.verb = String(r.verb);
      if (r.resource !== null) a.resource = String(r.resource);
      if (r.namespace !== null) a.namespace = String(r.namespace);
      return a;
    });
  }

  private async select(
    table: string,
    kind: "events" | "alerts",
    query: EventQuery,
    order: string,
  ): Promise<Record<string, unknown>[]> {
    const { where, params } = buildFilter(query, kind, (i) => `$${i}`);
    const limitIndex = params.length + 1;
    try {
      const res = await this.pool.query(
        `SELECT * FROM ${this.schema}.${table} ${where} ORDER BY ${order} LIMIT $${limitIndex}`,
        [...params, query.limit ?? DEFAULT_LIMIT],
      );
      return res.rows as Record<string, unknown>[];
    } catch (err) {
      throw postgresError(err, this.target, "querying audit events");
    }
  }

  async partitions(): Promise<string[]> {
    try {
      const res = await this.pool.query<{ relname: string }>(
        `SELECT c.relname FROM pg_inherits i
           JOIN pg_class c ON c.oid = i.inhrelid
           JOIN pg_class p ON p.oid = i.inhparent
           JOIN pg_namespace n ON n.oid = p.relnamespace
          WHERE p.relname = 'audit_events' AND n.nspname = $1`,
        [this.target.schema],
      );
      return res.rows
        .map((r) => r.relname.slice("audit_events_".length))
        .filter(isDayKey)
        .sort();
    } catch (err) {
      throw postgresError(err, this.target, "listing audit partitions");
    }
  }

  async applyRetention(days: number, now = Date.now()): Promise<string[]> {
    const dropped = expiredDays(await this.partitions(), days, now);
    if (dropped.length === 0) return [];
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      for (const day of dropped) {
        await client.query(`DROP TABLE IF EXISTS ${this.schema}.audit_events_${day}`);
        await client.query(`DROP TABLE IF EXISTS ${this.schema}.audit_alerts_${day}`);
      }
      await client.query("COMMIT");
      for (const day of dropped) this.knownDays.delete(day);
      return dropped;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => {});
      throw postgresError(err, this.target, "dropping old audit partitions");
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => {});
  }
}

function checkTime(time: number): void {
  if (!Number.isSafeInteger(time) || time < MIN_TIME || time > MAX_TIME) {
    throw new ShipshapeError("input", `audit event time ${time} is outside 1970–9999; it cannot be stored`);
  }
}
