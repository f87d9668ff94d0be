/**
 * The shared store: PostgreSQL (pg, loaded only when a postgres:// database is used). The live data
 * is one schema (`shipshape` unless `?schema=` says otherwise) holding the same tables as the SQLite
 * file, records as JSON text keyed by the columns lookups use. A build writes a fresh schema
 * `<live>_build_<random>`; commit renames the live schema away, the build schema to the live name and
 * drops the old one, in one transaction. Readers name the live schema, and every read is one
 * statement, so each call sees the old or the new data whole, never a mix.
 *
 * Why reads cannot straddle a swap: a statement locks the tables it names while it is planned, and
 * the swap first locks every live table (ACCESS EXCLUSIVE, in the fixed order below) — a reader that
 * got there first finishes on the old tables; a reader that waits re-resolves the name after the
 * swap commits and reads the new ones. Statements naming several tables name them in the same order,
 * so reader and swap never wait on each other crosswise.
 */
import { randomBytes } from "node:crypto";
import type { Client, ClientConfig, Pool } from "pg";
import { ShipshapeError } from "../errors.js";
import { postgresClientConfig } from "../postgres/client-config.js";
import { type PostgresTarget, parsePostgresUrl, postgresError } from "../postgres/url.js";
import { canExportFeeds, type FeedRows, noFeedRows, putFeedRows } from "./feed-export.js";
import { mergeVulnerabilities, pickEpss, pickKev } from "./merge.js";
import type { AffectedRecord, EpssRecord, FeedState, KevRecord, VulnerabilityRecord } from "./records.js";
import { type BuildSession, SCHEMA_VERSION, type StoreStatus, type VulnStore } from "./store.js";

type PgModule = typeof import("pg");
let pgModule: Promise<PgModule> | undefined;
function loadPg(): Promise<PgModule> {
  pgModule ??= import("pg");
  return pgModule;
}

/** The tables, in the order every statement and the swap lock them. */
const TABLES = ["meta", "vulnerabilities", "affected", "kev", "epss", "feeds"] as const;
type Table = (typeof TABLES)[number];

/** Key columns compare bytes (COLLATE "C"), as SQLite does: same order, same equality, faster. */
const DDL: Record<Table, string> = {
  meta: `(key text COLLATE "C" PRIMARY KEY, value text NOT NULL)`,
  vulnerabilities: `(id text COLLATE "C" NOT NULL, source text COLLATE "C" NOT NULL, data text NOT NULL, PRIMARY KEY (id, source))`,
  affected: `(namespace text COLLATE "C" NOT NULL, package text COLLATE "C" NOT NULL, vulnerability text COLLATE "C" NOT NULL, source text COLLATE "C" NOT NULL, data text NOT NULL)`,
  kev: `(cve text COLLATE "C" NOT NULL, source text COLLATE "C" NOT NULL, data text NOT NULL, PRIMARY KEY (cve, source))`,
  epss: `(cve text COLLATE "C" NOT NULL, source text COLLATE "C" NOT NULL, data text NOT NULL, PRIMARY KEY (cve, source))`,
  feeds: `(feed text COLLATE "C" PRIMARY KEY, data text NOT NULL)`,
};
/** Built after the rows are in: one sort beats maintaining the index row by row. */
const INDEXES = [
  "CREATE INDEX affected_lookup ON {s}.affected (namespace, package)",
  "CREATE INDEX affected_source ON {s}.affected (source)",
  "CREATE INDEX vulnerabilities_source ON {s}.vulnerabilities (source)",
];

/** Rows per INSERT: a few MB per statement keeps memory flat and round trips few. */
const INSERT_BATCH = 5000;
/** Advisory-lock namespace ("ship"): builds hold one on their schema; swaps of one live schema queue on another. */
const LOCK_CLASS = 0x73686970;
/** How long a swap waits for readers still on the old tables before giving up (the build stays intact). */
const SWAP_LOCK_TIMEOUT = "60s";

/** PostgreSQL text cannot hold NUL: such a key is never stored, so it can never match. */
const hasNul = (s: string) => typeof s === "string" && s.includes("\0");

function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

function isMissingRelation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "3F000" || code === "42P01";
}

async function clientConfig(target: PostgresTarget): Promise<ClientConfig> {
  return { ...(await postgresClientConfig(target, "shipshape")), keepAlive: true };
}

export interface PostgresStoreOptions {
  /** The live schema when the URL has no `?schema=` (default "shipshape"). */
  schema?: string;
  /** Where PG* variables, HOME and PGPASSFILE come from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** A live schema of another version reads as empty instead of being refused (a build replaces it). */
  forBuild?: boolean;
}

export class PostgresStore implements VulnStore {
  readonly location: string;
  /** Connection facts (no password), so a build can tell whether a live store is in the same database. */
  readonly identity: string;
  /** The live schema's name. */
  readonly schemaName: string;
  private readonly target: PostgresTarget;
  private readonly pg: PgModule;
  private pool: Pool | null;
  private readonly schema: string;
  /** The live schema is of another version (opened for a build): reads find nothing. */
  private incompatible = false;

  private constructor(target: PostgresTarget, pg: PgModule, pool: Pool) {
    this.target = target;
    this.location = target.location;
    this.identity = `${target.host}:${target.port}/${target.database}`;
    this.schemaName = target.schema;
    this.pg = pg;
    this.pool = pool;
    this.schema = quote(target.schema);
  }

  /** Connect and check the live schema's version; no live schema yet is an empty store. */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const target = parsePostgresUrl(url, options);
    const pg = await loadPg();
    const config = await clientConfig(target).catch((err: unknown) => {
      throw new ShipshapeError(
        "input",
        `PostgreSQL at ${target.display}: the sslrootcert file cannot be read (${err instanceof Error ? err.message : String(err)})`,
      );
    });
    const pool = new pg.Pool({ ...config, max: 4, idleTimeoutMillis: 10_000, allowExitOnIdle: true });
    // An idle connection the server drops must not crash the process; the next query reconnects.
    pool.on("error", () => {});
    const store = new PostgresStore(target, pg, pool);
    let version: number | null | undefined;
    try {
      version = await store.storedVersion();
    } catch (err) {
      await pool.end().catch(() => {});
      throw err;
    }
    if (version !== undefined && version !== SCHEMA_VERSION) {
      if (options.forBuild) {
        store.incompatible = true;
      } else {
        await pool.end().catch(() => {});
        throw new ShipshapeError(
          "input",
          `vulnerability database ${target.location} has schema ${version ?? "(none)"}, this shipshape needs ${SCHEMA_VERSION}; rebuild it with shipshape db update or db import${version === null ? ` (or, if schema "${target.schema}" holds other data, choose another with ?schema=NAME)` : ""}`,
        );
      }
    }
    return store;
  }

  private table(name: Table): string {
    return `${this.schema}.${name}`;
  }

  private get live(): Pool {
    if (!this.pool) throw new Error(`store ${this.location} is closed`);
    return this.pool;
  }

  /** The live schema's version: undefined when nothing was built yet, null when it has none. */
  private async storedVersion(): Promise<number | null | undefined> {
    try {
      const exists = await this.live.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = $1",
        [this.target.schema],
      );
      if (exists.rows[0]?.n === 0) return undefined;
      return await schemaVersionOf(this.live, this.schema);
    } catch (err) {
      throw postgresError(err, this.target, "opening the vulnerability database");
    }
  }

  /** One statement; a live schema that does not exist (yet) reads as empty. */
  private async read<R extends object>(sql: string, params: unknown[], doing: string): Promise<R[]> {
    if (this.incompatible) return [];
    try {
      return (await this.live.query<R>(sql, params)).rows;
    } catch (err) {
      if (isMissingRelation(err)) return [];
      throw postgresError(err, this.target, doing);
    }
  }

  async affected(keys: { namespace: string; packageName: string }[]): Promise<AffectedRecord[]> {
    const unique = [
      ...new Map(
        keys
          .filter((k) => !hasNul(k.namespace) && !hasNul(k.packageName))
          .map((k) => [`${k.namespace}\0${k.packageName}`, k]),
      ).values(),
    ];
    if (unique.length === 0) return [];
    // Two arrays, one statement, whatever the number of keys: one round trip, one snapshot.
    const rows = await this.read<{ data: string }>(
      `SELECT data FROM ${this.table("affected")} WHERE (namespace, package) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
      [unique.map((k) => k.namespace), unique.map((k) => k.packageName)],
      "looking up affected packages",
    );
    return rows.map((r) => JSON.parse(r.data) as AffectedRecord);
  }

  async hasNamespace(namespace: string): Promise<boolean> {
    if (hasNul(namespace)) return false;
    const rows = await this.read<{ found: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM ${this.table("affected")} WHERE namespace = $1) AS found`,
      [namespace],
      "looking up a namespace",
    );
    return rows[0]?.found === true;
  }

  async vulnerabilities(ids: string[]): Promise<Map<string, VulnerabilityRecord>> {
    const out = new Map<string, VulnerabilityRecord>();
    const unique = [...new Set(ids)].filter((id) => !hasNul(id));
    if (unique.length === 0) return out;
    const rows = await this.read<{ data: string }>(
      `SELECT data FROM ${this.table("vulnerabilities")} WHERE id = ANY($1::text[]) ORDER BY id, source`,
      [unique],
      "reading vulnerabilities",
    );
    const grouped = new Map<string, VulnerabilityRecord[]>();
    for (const r of rows) {
      const v = JSON.parse(r.data) as VulnerabilityRecord;
      const list = grouped.get(v.id) ?? [];
      list.push(v);
      grouped.set(v.id, list);
    }
    for (const [id, list] of grouped) out.set(id, mergeVulnerabilities(list));
    return out;
  }

  /** Rows of several feeds for one CVE come in feed order; `pick` makes them one. */
  private async byCve<T>(
    table: "kev" | "epss",
    ids: string[],
    pick: (rows: T[]) => T,
  ): Promise<Map<string, T>> {
    const unique = [...new Set(ids)].filter((id) => !hasNul(id));
    if (unique.length === 0) return new Map();
    const rows = await this.read<{ cve: string; data: string }>(
      `SELECT cve, data FROM ${this.table(table)} WHERE cve = ANY($1::text[]) ORDER BY cve, source`,
      [unique],
      `reading ${table.toUpperCase()} data`,
    );
    const grouped = new Map<string, T[]>();
    for (const r of rows) {
      const list = grouped.get(r.cve) ?? [];
      list.push(JSON.parse(r.data) as T);
      grouped.set(r.cve, list);
    }
    return new Map([...grouped].map(([cve, list]) => [cve, pick(list)]));
  }

  kev(cveIds: string[]): Promise<Map<string, KevRecord>> {
    return this.byCve<KevRecord>("kev", cveIds, pickKev);
  }

  epss(cveIds: string[]): Promise<Map<string, EpssRecord>> {
    return this.byCve<EpssRecord>("epss", cveIds, pickEpss);
  }

  async status(): Promise<StoreStatus> {
    // One statement over every table, in lock order: the counts and feeds of one build.
    const rows = await this.read<{
      built_at: string | null;
      vulnerabilities: string;
      affected: string;
      kev: string;
      epss: string;
      feeds: string[];
    }>(
      `SELECT (SELECT value FROM ${this.table("meta")} WHERE key = 'built_at') AS built_at,
        (SELECT count(DISTINCT id) FROM ${this.table("vulnerabilities")}) AS vulnerabilities,
        (SELECT count(*) FROM ${this.table("affected")}) AS affected,
        (SELECT count(DISTINCT cve) FROM ${this.table("kev")}) AS kev,
        (SELECT count(DISTINCT cve) FROM ${this.table("epss")}) AS epss,
        (SELECT coalesce(array_agg(data ORDER BY feed), '{}') FROM ${this.table("feeds")}) AS feeds`,
      [],
      "reading the database status",
    );
    const row = rows[0];
    return {
      location: this.location,
      builtAt: row?.built_at ?? null,
      schemaVersion: SCHEMA_VERSION,
      counts: {
        vulnerabilities: Number(row?.vulnerabilities ?? 0),
        affected: Number(row?.affected ?? 0),
        kev: Number(row?.kev ?? 0),
        epss: Number(row?.epss ?? 0),
      },
      feeds: (row?.feeds ?? []).map((d) => JSON.parse(d) as FeedState),
    };
  }

  /** The rows some feeds wrote (for a build in another database or backend to carry them over). */
  async exportFeeds(feeds: string[]): Promise<FeedRows> {
    if (feeds.length === 0 || this.incompatible) return noFeedRows();
    const client = await this.live.connect().catch((err: unknown) => {
      throw postgresError(err, this.target, "reading feeds to carry over");
    });
    try {
      // One transaction, tables in lock order: all rows come from one build (see the file comment).
      await client.query("BEGIN READ ONLY");
      const vulns = await client.query<{ source: string; data: string }>(
        `SELECT source, data FROM ${this.table("vulnerabilities")} WHERE source = ANY($1::text[])`,
        [feeds],
      );
      const affected = await client.query<{ data: string }>(
        `SELECT data FROM ${this.table("affected")} WHERE source = ANY($1::text[])`,
        [feeds],
      );
      const kev = await client.query<{ source: string; data: string }>(
        `SELECT source, data FROM ${this.table("kev")} WHERE source = ANY($1::text[])`,
        [feeds],
      );
      const epss = await client.query<{ source: string; data: string }>(
        `SELECT source, data FROM ${this.table("epss")} WHERE source = ANY($1::text[])`,
        [feeds],
      );
      const states = await client.query<{ data: string }>(
        `SELECT data FROM ${this.table("feeds")} WHERE feed = ANY($1::text[]) ORDER BY feed`,
        [feeds],
      );
      await client.query("COMMIT");
      return {
        vulnerabilities: vulns.rows.map((r) => ({
          source: r.source,
          record: JSON.parse(r.data) as VulnerabilityRecord,
        })),
        affected: affected.rows.map((r) => JSON.parse(r.data) as AffectedRecord),
        kev: kev.rows.map((r) => ({ source: r.source, record: JSON.parse(r.data) as KevRecord })),
        epss: epss.rows.map((r) => ({ source: r.source, record: JSON.parse(r.data) as EpssRecord })),
        states: states.rows.map((r) => JSON.parse(r.data) as FeedState),
      };
    } catch (err) {
      await client.query("ROLLBACK").catch(() => {});
      if (isMissingRelation(err)) return noFeedRows();
      throw postgresError(err, this.target, "reading feeds to carry over");
    } finally {
      client.release();
    }
  }

  async feedVulnerabilities(feed: string, prefixes: string[]): Promise<VulnerabilityRecord[]> {
    const usable = prefixes.filter((p) => !hasNul(p));
    if (hasNul(feed) || usable.length === 0) return [];
    const rows = await this.read<{ data: string }>(
      `SELECT data FROM ${this.table("vulnerabilities")} WHERE source = $1
       AND EXISTS (SELECT 1 FROM unnest($2::text[]) AS p(prefix) WHERE left(id, length(p.prefix)) = p.prefix)
       ORDER BY id`,
      [feed, usable],
      "reading a feed's previous records",
    );
    return rows.map((r) => JSON.parse(r.data) as VulnerabilityRecord);
  }

  /** Opened for a build over a live schema of another version (reads nothing from it). */
  get isIncompatible(): boolean {
    return this.incompatible;
  }

  async beginBuild(): Promise<BuildSession> {
    return PostgresBuild.start(this.target, this.pg);
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    await pool?.end();
  }
}

async function schemaVersionOf(db: Pool, schema: string): Promise<number | null> {
  try {
    const result = await db.query<{ value: string }>(
      `SELECT value FROM ${schema}.meta WHERE key = 'schema_version'`,
    );
    const value = result.rows[0]?.value;
    return value === undefined ? null : Number(value);
  } catch (err) {
    if (isMissingRelation(err)) return null;
    throw err;
  }
}

/** Several values per key in one batch would make ON CONFLICT fail: the last one wins, as in SQLite. */
function lastByKey<T>(records: T[], key: (r: T) => string): T[] {
  return [...new Map(records.map((r) => [key(r), r])).values()];
}

function batches<T>(xs: T[], n = INSERT_BATCH): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

class PostgresBuild implements BuildSession {
  private readonly target: PostgresTarget;
  private client: Client | null;
  private readonly schema: string;

  private constructor(target: PostgresTarget, client: Client, name: string) {
    this.target = target;
    this.client = client;
    this.schema = quote(name);
  }

  static async start(target: PostgresTarget, pg: PgModule): Promise<PostgresBuild> {
    const client = new pg.Client(await clientConfig(target));
    client.on("error", () => {}); // surfaced by the next query instead
    const name = `${target.schema}_build_${randomBytes(6).toString("hex")}`;
    try {
      await client.connect();
      // Held while this build lives: a build schema whose lock is free belongs to a dead process.
      await client.query("SELECT pg_advisory_lock($1, hashtext($2))", [LOCK_CLASS, name]);
      await dropAbandonedBuilds(client, `${target.schema}_build_`, name);
      // A build is swapped in whole or dropped: waiting for each batch to reach the disk buys nothing.
      await client.query("SET synchronous_commit = off");
      const s = quote(name);
      await client.query(
        `CREATE SCHEMA ${s}; ${TABLES.map((t) => `CREATE TABLE ${s}.${t} ${DDL[t]};`).join(" ")}`,
      );
    } catch (err) {
      await client.end().catch(() => {});
      throw postgresError(err, target, "starting a database build");
    }
    return new PostgresBuild(target, client, name);
  }

  private get live(): Client {
    if (!this.client) throw new Error("build already committed or aborted");
    return this.client;
  }

  private async run(sql: string, params: unknown[], doing: string): Promise<void> {
    try {
      await this.live.query(sql, params);
    } catch (err) {
      throw postgresError(err, this.target, doing);
    }
  }

  private checkKeys(what: string, values: string[], record: string): void {
    if (values.some(hasNul)) {
      throw new ShipshapeError(
        "input",
        `${what} ${JSON.stringify(record.slice(0, 80))} has a NUL character in a key field; PostgreSQL cannot store it`,
      );
    }
  }

  async putVulnerabilities(source: string, records: VulnerabilityRecord[]): Promise<void> {
    this.checkKeys("feed", [source], source);
    for (const r of records) this.checkKeys("vulnerability", [r.id], r.id);
    for (const part of batches(lastByKey(records, (r) => r.id))) {
      await this.run(
        `INSERT INTO ${this.schema}.vulnerabilities (id, source, data)
         SELECT u.id, $1, u.data FROM unnest($2::text[], $3::text[]) AS u(id, data)
         ON CONFLICT (id, source) DO UPDATE SET data = EXCLUDED.data`,
        [source, part.map((r) => r.id), part.map((r) => JSON.stringify(r))],
        "writing vulnerabilities",
      );
    }
  }

  async putAffected(records: AffectedRecord[]): Promise<void> {
    for (const r of records) {
      this.checkKeys(
        "affected record of",
        [r.namespace, r.packageName, r.vulnerabilityId, r.source],
        r.vulnerabilityId,
      );
    }
    for (const part of batches(records)) {
      await this.run(
        `INSERT INTO ${this.schema}.affected (namespace, package, vulnerability, source, data)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])`,
        [
          part.map((r) => r.namespace),
          part.map((r) => r.packageName),
          part.map((r) => r.vulnerabilityId),
          part.map((r) => r.source),
          part.map((r) => JSON.stringify(r)),
        ],
        "writing affected packages",
      );
    }
  }

  private async putByCve(table: "kev" | "epss", source: string, records: { cveId: string }[]): Promise<void> {
    this.checkKeys("feed", [source], source);
    for (const r of records) this.checkKeys(table.toUpperCase(), [r.cveId], r.cveId);
    for (const part of batches(lastByKey(records, (r) => r.cveId))) {
      await this.run(
        `INSERT INTO ${this.schema}.${table} (cve, source, data)
         SELECT u.cve, $1, u.data FROM unnest($2::text[], $3::text[]) AS u(cve, data)
         ON CONFLICT (cve, source) DO UPDATE SET data = EXCLUDED.data`,
        [source, part.map((r) => r.cveId), part.map((r) => JSON.stringify(r))],
        `writing ${table.toUpperCase()} data`,
      );
    }
  }

  putKev(source: string, records: KevRecord[]): Promise<void> {
    return this.putByCve("kev", source, records);
  }

  putEpss(source: string, records: EpssRecord[]): Promise<void> {
    return this.putByCve("epss", source, records);
  }

  async setFeedState(state: FeedState): Promise<void> {
    this.checkKeys("feed", [state.feed], state.feed);
    await this.run(
      `INSERT INTO ${this.schema}.feeds (feed, data) VALUES ($1, $2)
       ON CONFLICT (feed) DO UPDATE SET data = EXCLUDED.data`,
      [state.feed, JSON.stringify(state)],
      "writing a feed state",
    );
  }

  async copyFeedsFrom(live: VulnStore, feeds: string[]): Promise<void> {
    if (feeds.length === 0) return;
    if (live instanceof PostgresStore && live.identity === this.identity && !live.isIncompatible) {
      await this.copyInDatabase(quote(live.schemaName), feeds);
      return;
    }
    if (!canExportFeeds(live)) {
      throw new Error(`copyFeedsFrom: store ${live.location} cannot list its feeds' rows`);
    }
    await putFeedRows(this, await live.exportFeeds(feeds));
  }

  private get identity(): string {
    return `${this.target.host}:${this.target.port}/${this.target.database}`;
  }

  /** Server-side copy, in one transaction naming the live tables in lock order: one build's rows. */
  private async copyInDatabase(from: string, feeds: string[]): Promise<void> {
    const db = this.live;
    try {
      await db.query("BEGIN");
      await db.query(
        `INSERT INTO ${this.schema}.vulnerabilities (id, source, data)
         SELECT id, source, data FROM ${from}.vulnerabilities WHERE source = ANY($1::text[])
         ON CONFLICT (id, source) DO UPDATE SET data = EXCLUDED.data`,
        [feeds],
      );
      await db.query(
        `INSERT INTO ${this.schema}.affected (namespace, package, vulnerability, source, data)
         SELECT namespace, package, vulnerability, source, data FROM ${from}.affected WHERE source = ANY($1::text[])`,
        [feeds],
      );
      for (const table of ["kev", "epss"] as const) {
        await db.query(
          `INSERT INTO ${this.schema}.${table} (cve, source, data)
           SELECT cve, source, data FROM ${from}.${table} WHERE source = ANY($1::text[])
           ON CONFLICT (cve, source) DO UPDATE SET data = EXCLUDED.data`,
          [feeds],
        );
      }
      await db.query(
        `INSERT INTO ${this.schema}.feeds (feed, data)
         SELECT feed, data FROM ${from}.feeds WHERE feed = ANY($1::text[])
         ON CONFLICT (feed) DO UPDATE SET data = EXCLUDED.data`,
        [feeds],
      );
      await db.query("COMMIT");
    } catch (err) {
      await db.query("ROLLBACK").catch(() => {});
      if (isMissingRelation(err)) return; // no live data yet: nothing to carry
      throw postgresError(err, this.target, "carrying feeds over from the live database");
    }
  }

  async commit(): Promise<void> {
    const db = this.live;
    const live = quote(this.target.schema);
    const s = this.schema;
    try {
      for (const sql of INDEXES) await db.query(sql.replaceAll("{s}", s));
      await db.query(`INSERT INTO ${s}.meta (key, value) VALUES ('schema_version', $1), ('built_at', $2)`, [
        String(SCHEMA_VERSION),
        new Date().toISOString(),
      ]);
      await db.query(`ANALYZE ${TABLES.map((t) => `${s}.${t}`).join(", ")}`);
    } catch (err) {
      throw postgresError(err, this.target, "finishing the database build");
    }
    try {
      await db.query("BEGIN");
      await db.query("SET LOCAL synchronous_commit = on");
      await db.query(`SET LOCAL lock_timeout = '${SWAP_LOCK_TIMEOUT}'`);
      // One swap of this live schema at a time (two builders committing together queue here).
      await db.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [LOCK_CLASS, this.target.schema]);
      const tables = await db.query<{ name: string }>(
        "SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')",
        [this.target.schema],
      );
      const exists = await db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = $1",
        [this.target.schema],
      );
      if ((exists.rows[0]?.n ?? 0) > 0) {
        // Only ever replace a schema a shipshape build made: one without our meta table is someone's data.
        const names = new Set(tables.rows.map((r) => r.name));
        if (!names.has("meta")) {
          throw new ShipshapeError(
            "input",
            `PostgreSQL at ${this.target.display}: schema "${this.target.schema}" holds other data (no shipshape meta table); it is left alone — choose another schema with ?schema=NAME`,
          );
        }
        const ordered = [
          ...TABLES.filter((t) => names.has(t)),
          ...[...names].filter((n) => !(TABLES as readonly string[]).includes(n)).sort(),
        ];
        await db.query(
          `LOCK TABLE ${ordered.map((t) => `${live}.${quote(t)}`).join(", ")} IN ACCESS EXCLUSIVE MODE`,
        );
        const old = quote(`${this.target.schema}_old_${randomBytes(6).toString("hex")}`);
        await db.query(`ALTER SCHEMA ${live} RENAME TO ${old}`);
        await db.query(`ALTER SCHEMA ${s} RENAME TO ${live}`);
        await db.query(`DROP SCHEMA ${old} CASCADE`);
      } else {
        await db.query(`ALTER SCHEMA ${s} RENAME TO ${live}`);
      }
      await db.query("COMMIT");
    } catch (err) {
      await db.query("ROLLBACK").catch(() => {});
      if ((err as { code?: unknown }).code === "55P03") {
        throw new ShipshapeError(
          "network",
          `PostgreSQL at ${this.target.display}: readers held schema "${this.target.schema}" for ${SWAP_LOCK_TIMEOUT}, so the new build was not swapped in (the live data is unchanged); retry`,
          { cause: err },
        );
      }
      throw postgresError(err, this.target, "swapping in the new database");
    }
    this.client = null;
    await db.end().catch(() => {});
  }

  async abort(): Promise<void> {
    const db = this.client;
    if (!db) return;
    this.client = null;
    // Best effort: if the connection is gone, the schema's advisory lock went with it and the next
    // build drops the leftover.
    await db.query(`DROP SCHEMA IF EXISTS ${this.schema} CASCADE`).catch(() => {});
    await db.end().catch(() => {});
  }
}

/** Drop build schemas of dead processes (their advisory lock is free). */
async function dropAbandonedBuilds(client: Client, prefix: string, mine: string): Promise<void> {
  const found = await client.query<{ name: string }>(
    "SELECT nspname AS name FROM pg_namespace WHERE left(nspname, length($1)) = $1",
    [prefix],
  );
  for (const { name } of found.rows) {
    if (name === mine) continue;
    const got = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok", [
      LOCK_CLASS,
      name,
    ]);
    if (!got.rows[0]?.ok) continue; // a live build
    try {
      await client.query(`DROP SCHEMA IF EXISTS ${quote(name)} CASCADE`);
    } finally {
      await client.query("SELECT pg_advisory_unlock($1, hashtext($2))", [LOCK_CLASS, name]);
    }
  }
}
