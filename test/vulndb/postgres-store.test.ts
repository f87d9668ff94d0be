/**
 * The store contract against a real PostgreSQL 15 (one throwaway server for this file; one schema
 * per test), plus what only PostgreSQL has: credentials (URL, PGPASSWORD, .pgpass — checked against
 * psql), connection errors that name the server but never the password, and the swap's safety rules.
 */

import { execFile } from "node:child_process";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ShipshapeError } from "../../src/errors.js";
import { openStore } from "../../src/vulndb/open-store.js";
import { PostgresStore } from "../../src/vulndb/postgres-store.js";
import { SqliteStore } from "../../src/vulndb/sqlite-store.js";
import type { VulnStore } from "../../src/vulndb/store.js";
import { startPostgres, type TestPostgres } from "../helpers/postgres.js";
import { freePort } from "../helpers/registry.js";
import {
  affectedRecord,
  describeStoreContract,
  epssRecord,
  feedState,
  kevRecord,
  vulnerabilityRecord,
} from "./store-contract.js";

let server: TestPostgres;
let counter = 0;

beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server?.stop();
});

describeStoreContract({
  name: "PostgreSQL",
  openReaderAfterCommit: "new",
  async fresh() {
    const schema = `t${++counter}_${process.pid}`;
    const schemasLike = async () =>
      (
        await server.query<{ nspname: string }>(
          "SELECT nspname FROM pg_namespace WHERE left(nspname, length($1)) = $1 ORDER BY 1",
          [`${schema}_`],
        )
      ).map((r) => r.nspname);
    return {
      db: `${server.url}?schema=${schema}`,
      async setSchemaVersion(version) {
        await server.query(`UPDATE "${schema}".meta SET value = $1 WHERE key = 'schema_version'`, [version]);
      },
      leftovers: schemasLike,
      async cleanup() {
        for (const name of [schema, ...(await schemasLike())]) {
          await server.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
        }
      },
    };
  },
});

const run = promisify(execFile);

async function failure(promise: Promise<unknown>): Promise<ShipshapeError> {
  const err = await promise.then(
    async (value) => {
      await (value as VulnStore | undefined)?.close?.();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ShipshapeError);
  const e = err as ShipshapeError;
  expect(e.message).not.toMatch(/\n/);
  return e;
}

async function buildOne(store: VulnStore, id: string): Promise<void> {
  const session = await store.beginBuild();
  await session.putAffected([affectedRecord("debian:12", "openssl", id)]);
  await session.commit();
}

describe("PostgreSQL store: credentials", () => {
  let database: string;
  let plainUrl: string;
  const pw = () => server.passwordUser;

  beforeAll(async () => {
    database = "creds";
    await server.createDatabase(database);
    plainUrl = `postgres://${pw().user}@127.0.0.1:${server.port}/${database}`;
  });

  it("takes the password from the URL and never shows it", async () => {
    const url = `postgres://${pw().user}:${encodeURIComponent(pw().password)}@127.0.0.1:${server.port}/${database}`;
    const store = await openStore(url, {});
    try {
      expect(store.location).toBe(`postgres://127.0.0.1:${server.port}/${database}`);
      await buildOne(store, "CVE-URL");
      const status = await store.status();
      expect(status.location).toBe(store.location);
      expect(JSON.stringify(status)).not.toContain(pw().password);
      expect(
        (await store.affected([{ namespace: "debian:12", packageName: "openssl" }]))[0]?.vulnerabilityId,
      ).toBe("CVE-URL");
    } finally {
      await store.close();
    }
  });

  it("takes the password from PGPASSWORD (of the environment it is given)", async () => {
    const store = await openStore(plainUrl, { PGPASSWORD: pw().password });
    try {
      expect((await store.affected([{ namespace: "debian:12", packageName: "openssl" }])).length).toBe(1);
    } finally {
      await store.close();
    }
  });

  it("takes the password from SHIPSHAPE_DB's URL when there is no --db", async () => {
    const url = `postgres://${pw().user}:${encodeURIComponent(pw().password)}@127.0.0.1:${server.port}/${database}`;
    const store = await openStore(undefined, { SHIPSHAPE_DB: url });
    try {
      expect(store).toBeInstanceOf(PostgresStore);
      expect(store.location).toBe(`postgres://127.0.0.1:${server.port}/${database}`);
    } finally {
      await store.close();
    }
  });

  it("reads ~/.pgpass as psql does (escapes, wildcards, and not when others may read it)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "shipshape-pgpass-"));
    try {
      const file = join(dir, "pgpass");
      const escaped = pw().password.replace(/\\/g, "\\\\").replace(/:/g, "\\:");
      await writeFile(
        file,
        `# comment\nother-host:*:*:*:nope\n127.0.0.1:${server.port}:${database}:postgres:nope\n127.0.0.1:*:${database}:${pw().user}:${escaped}\n*:*:*:*:wrong\n`,
      );
      await chmod(file, 0o600);
      const psql = () =>
        run(
          join(server.binDir, "psql"),
          [
            "-h",
            "127.0.0.1",
            "-p",
            String(server.port),
            "-U",
            pw().user,
            "-d",
            database,
            "-w",
            "-tAc",
            "select current_user",
          ],
          { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", PGPASSFILE: file } },
        );
      // The independent oracle: libpq (psql) accepts this file.
      expect((await psql()).stdout.trim()).toBe(pw().user);
      const store = await openStore(plainUrl, { PGPASSFILE: file });
      try {
        expect((await store.affected([{ namespace: "debian:12", packageName: "openssl" }])).length).toBe(1);
      } finally {
        await store.close();
      }
      // Readable by others: libpq ignores the file, and so do we.
      await chmod(file, 0o644);
      await expect(psql()).rejects.toThrow();
      const e = await failure(openStore(plainUrl, { PGPASSFILE: file }));
      expect(e.kind).toBe("auth");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a rejected password is an auth error naming user and server, never the password", async () => {
    const wrong = "Wr0ng-Secret-Value";
    const e = await failure(
      openStore(`postgres://${pw().user}:${wrong}@127.0.0.1:${server.port}/${database}`, {}),
    );
    expect(e.kind).toBe("auth");
    expect(e.message).toContain(`127.0.0.1:${server.port}/${database}`);
    expect(e.message).toContain(pw().user);
    expect(e.message).not.toContain(wrong);
    const none = await failure(openStore(plainUrl, { PGPASSFILE: "/nonexistent/pgpass" }));
    expect(none.kind).toBe("auth");
    expect(none.message).toMatch(/PGPASSWORD|pgpass/);
  });
});

describe("PostgreSQL store: connection errors", () => {
  it("an unreachable server is one network error naming host:port/db, not the password", async () => {
    const port = await freePort();
    const e = await failure(openStore(`postgres://someone:Top-Secret-99@127.0.0.1:${port}/vulns`, {}));
    expect(e.kind).toBe("network");
    expect(e.message).toContain(`PostgreSQL at 127.0.0.1:${port}/vulns cannot be reached`);
    expect(e.message).not.toContain("Top-Secret-99");
    expect(e.message).not.toContain("someone:");
  });

  it("a missing database is a not-found error", async () => {
    const e = await failure(openStore(`postgres://postgres@127.0.0.1:${server.port}/no_such_db`, {}));
    expect(e.kind).toBe("not-found");
    expect(e.message).toContain(`PostgreSQL at 127.0.0.1:${server.port} has no database`);
    expect(e.message).toMatch(/has no database "no_such_db"/);
  });

  it("URLs it cannot use are usage errors that do not echo the URL", async () => {
    const bad = await failure(openStore("postgres://user:Pa55word@[::1", {}));
    expect(bad.kind).toBe("usage");
    expect(bad.message).not.toContain("Pa55word");
    for (const [url, pattern] of [
      [`${server.url}?schema=public`, /public/],
      [`${server.url}?schema=Bad-Name`, /schema/],
      [`${server.url}?schema=pg_catalog`, /pg_/],
      [`${server.url}?sslmod=require`, /unknown parameter "sslmod"/],
      [`${server.url}?sslmode=sometimes`, /sslmode/],
      ["postgres://127.0.0.1:99999/db", /port/],
    ] as const) {
      const e = await failure(openStore(url, {}));
      expect(e.kind).toBe("usage");
      expect(e.message).toMatch(pattern);
    }
  });
});

describe("PostgreSQL store: the swap", () => {
  it("never replaces a schema that holds other data", async () => {
    await server.query(
      "CREATE SCHEMA app_data; CREATE TABLE app_data.users (name text); INSERT INTO app_data.users VALUES ('alice')",
    );
    try {
      const url = `${server.url}?schema=app_data`;
      const refused = await failure(openStore(url, {}));
      expect(refused.message).toMatch(/schema \(none\)/);
      expect(refused.message).toMatch(/another with \?schema=NAME/);
      const store = await openStore(url, {}, { forBuild: true });
      try {
        const session = await store.beginBuild();
        await session.putAffected([affectedRecord("debian:12", "openssl", "CVE-X")]);
        const e = await failure(session.commit());
        expect(e.message).toMatch(/holds other data/);
        await session.abort();
      } finally {
        await store.close();
      }
      expect(await server.query("SELECT name FROM app_data.users")).toEqual([{ name: "alice" }]);
      const left = await server.query("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'app\\_data\\_%'");
      expect(left).toEqual([]);
    } finally {
      await server.query("DROP SCHEMA app_data CASCADE");
    }
  });

  it("drops build schemas of builds that died, keeps those of running builds", async () => {
    const url = `${server.url}?schema=abandon`;
    const store = await openStore(url, {});
    try {
      await server.query(
        "CREATE SCHEMA abandon_build_deadbeef; CREATE TABLE abandon_build_deadbeef.affected (x int)",
      );
      const running = await store.beginBuild();
      const names = async () =>
        (
          await server.query<{ n: string }>(
            "SELECT nspname AS n FROM pg_namespace WHERE nspname LIKE 'abandon\\_build\\_%'",
          )
        ).map((r) => r.n);
      const afterFirst = await names();
      expect(afterFirst).not.toContain("abandon_build_deadbeef");
      expect(afterFirst).toHaveLength(1); // the running build's own
      const second = await store.beginBuild();
      expect((await names()).sort()).toEqual(
        [...afterFirst, ...(await names()).filter((n) => !afterFirst.includes(n))].sort(),
      );
      expect(await names()).toHaveLength(2); // the first build is alive: kept
      await second.abort();
      await running.abort();
      expect(await names()).toEqual([]);
    } finally {
      await store.close();
      await server.query("DROP SCHEMA IF EXISTS abandon CASCADE");
    }
  });

  it("waits for a reader in the middle of a transaction, which finishes on the old data", async () => {
    const url = `${server.url}?schema=waiting`;
    const store = await openStore(url, {});
    const reader = new pg.Client({
      host: "127.0.0.1",
      port: server.port,
      user: "postgres",
      database: "postgres",
    });
    await reader.connect();
    try {
      await buildOne(store, "CVE-OLD");
      const session = await store.beginBuild();
      await session.putAffected([affectedRecord("debian:12", "openssl", "CVE-NEW")]);
      await session.setFeedState(feedState("new", 1));
      await reader.query("BEGIN");
      await reader.query("SELECT count(*) FROM waiting.meta");
      let committed = false;
      const commit = session.commit().then(() => {
        committed = true;
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(committed).toBe(false);
      // Still the old build, table after table, while the swap waits.
      const rows = await reader.query<{ data: string }>("SELECT data FROM waiting.affected");
      expect(
        rows.rows.map((r) => (JSON.parse(r.data) as { vulnerabilityId: string }).vulnerabilityId),
      ).toEqual(["CVE-OLD"]);
      expect((await reader.query("SELECT * FROM waiting.feeds")).rows).toEqual([]);
      await reader.query("COMMIT");
      await commit;
      expect(committed).toBe(true);
      expect(
        (await store.affected([{ namespace: "debian:12", packageName: "openssl" }]))[0]?.vulnerabilityId,
      ).toBe("CVE-NEW");
    } finally {
      await reader.end();
      await store.close();
      await server.query("DROP SCHEMA IF EXISTS waiting CASCADE");
    }
  });
});

describe("PostgreSQL store: carrying feeds across databases and backends", () => {
  it("copyFeedsFrom between SQLite and PostgreSQL, and from another PostgreSQL database", async () => {
    const dir = await mkdtemp(join(tmpdir(), "shipshape-carry-"));
    const other = await server.createDatabase("carry_other");
    const stores: VulnStore[] = [];
    try {
      const sqlite = SqliteStore.open(join(dir, "db.sqlite"));
      const elsewhere = await openStore(other, {});
      stores.push(sqlite, elsewhere);
      for (const [source, feed] of [
        [sqlite, "from-sqlite"],
        [elsewhere, "from-postgres"],
      ] as const) {
        const s = await source.beginBuild();
        await s.putVulnerabilities(feed, [vulnerabilityRecord(`CVE-${feed}`, { summary: feed })]);
        await s.putAffected([affectedRecord("npm", feed, `CVE-${feed}`, { source: feed })]);
        await s.putKev(feed, [kevRecord(`CVE-${feed}`, "2024-01-01")]);
        await s.putEpss(feed, [epssRecord(`CVE-${feed}`, 0.5)]);
        await s.putKev("not-carried", [kevRecord(`CVE-not-${feed}`, "2024-01-01")]);
        await s.setFeedState(feedState(feed, 1));
        await s.commit();
      }
      const sqliteLive = SqliteStore.open(join(dir, "db.sqlite"));
      const postgresLive = await openStore(other, {});
      stores.push(sqliteLive, postgresLive);
      const target = await openStore(`${server.url}?schema=carried`, {});
      stores.push(target);
      const build = await target.beginBuild();
      await build.copyFeedsFrom(sqliteLive, ["from-sqlite"]);
      await build.copyFeedsFrom(postgresLive, ["from-postgres"]);
      await build.commit();
      const found = await target.affected([
        { namespace: "npm", packageName: "from-sqlite" },
        { namespace: "npm", packageName: "from-postgres" },
      ]);
      expect(found.map((r) => r.vulnerabilityId).sort()).toEqual(["CVE-from-postgres", "CVE-from-sqlite"]);
      expect((await target.vulnerabilities(["CVE-from-sqlite"])).get("CVE-from-sqlite")?.summary).toBe(
        "from-sqlite",
      );
      expect((await target.status()).feeds.map((f) => f.feed)).toEqual(["from-postgres", "from-sqlite"]);
      // KEV and EPSS rows travel with their feeds, across backends; other feeds' rows stay behind.
      const cves = ["CVE-from-sqlite", "CVE-from-postgres", "CVE-not-from-sqlite", "CVE-not-from-postgres"];
      expect(await target.kev(cves)).toEqual(
        new Map([
          ["CVE-from-sqlite", kevRecord("CVE-from-sqlite", "2024-01-01")],
          ["CVE-from-postgres", kevRecord("CVE-from-postgres", "2024-01-01")],
        ]),
      );
      expect([...(await target.epss(cves)).keys()].sort()).toEqual(["CVE-from-postgres", "CVE-from-sqlite"]);
      // And the other way: a SQLite build carries a feed from PostgreSQL.
      const file = SqliteStore.open(join(dir, "copy.sqlite"));
      stores.push(file);
      const back = await file.beginBuild();
      await back.copyFeedsFrom(postgresLive, ["from-postgres"]);
      await back.commit();
      const copy = SqliteStore.open(join(dir, "copy.sqlite"));
      stores.push(copy);
      expect(
        (await copy.affected([{ namespace: "npm", packageName: "from-postgres" }]))[0]?.vulnerabilityId,
      ).toBe("CVE-from-postgres");
      expect((await copy.status()).feeds.map((f) => f.feed)).toEqual(["from-postgres"]);
      expect(await copy.kev(cves)).toEqual(
        new Map([["CVE-from-postgres", kevRecord("CVE-from-postgres", "2024-01-01")]]),
      );
      expect(await copy.epss(cves)).toEqual(
        new Map([["CVE-from-postgres", epssRecord("CVE-from-postgres", 0.5)]]),
      );
    } finally {
      for (const s of stores) await s.close();
      await server.query("DROP SCHEMA IF EXISTS carried CASCADE");
      await rm(dir, { recursive: true, force: true });
    }
  });
});
