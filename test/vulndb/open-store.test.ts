/**
 * Which database a command opens (DESIGN.md "Where state lives"): --db, else SHIPSHAPE_DB, else the
 * XDG cache; SQLite never loads pg; URLs we cannot use fail as usage errors that do not echo them.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ShipshapeError } from "../../src/errors.js";
import { parsePostgresUrl } from "../../src/postgres/url.js";
import { chooseStore, defaultDbPath, openStore } from "../../src/vulndb/open-store.js";
import { SqliteStore } from "../../src/vulndb/sqlite-store.js";
import { freePort } from "../helpers/registry.js";

const require = createRequire(import.meta.url);
const pgLoaded = () => Object.keys(require.cache).some((k) => /[\\/]node_modules[\\/]pg[\\/]/.test(k));

describe("openStore", () => {
  it("opens a SQLite file without loading pg", async () => {
    const dir = await mkdtemp(join(tmpdir(), "shipshape-open-"));
    try {
      const store = await openStore(join(dir, "db.sqlite"), {});
      expect(store).toBeInstanceOf(SqliteStore);
      expect(store.location).toBe(join(dir, "db.sqlite"));
      expect((await store.status()).counts.affected).toBe(0);
      await store.close();
      expect(pgLoaded()).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("--db wins over SHIPSHAPE_DB, which wins over the XDG cache", () => {
    const env = { SHIPSHAPE_DB: "/env/db.sqlite", XDG_CACHE_HOME: "/xdg", HOME: "/home/u" };
    expect(chooseStore("/flag/db.sqlite", env)).toEqual({
      kind: "sqlite",
      path: "/flag/db.sqlite",
      from: "--db",
    });
    expect(chooseStore(undefined, env)).toEqual({
      kind: "sqlite",
      path: "/env/db.sqlite",
      from: "SHIPSHAPE_DB",
    });
    expect(chooseStore(undefined, { XDG_CACHE_HOME: "/xdg", HOME: "/home/u" })).toEqual({
      kind: "sqlite",
      path: "/xdg/shipshape/db.sqlite",
      from: "default",
    });
    expect(chooseStore("postgres://h/db", env)).toEqual({
      kind: "postgres",
      url: "postgres://h/db",
      from: "--db",
    });
    expect(chooseStore(undefined, { SHIPSHAPE_DB: "postgresql://h/db" })).toEqual({
      kind: "postgres",
      url: "postgresql://h/db",
      from: "SHIPSHAPE_DB",
    });
  });

  it("the default lives in ~/.cache unless XDG_CACHE_HOME is an absolute path", () => {
    expect(defaultDbPath({ HOME: "/home/u" })).toBe("/home/u/.cache/shipshape/db.sqlite");
    expect(defaultDbPath({ HOME: "/home/u", XDG_CACHE_HOME: "" })).toBe("/home/u/.cache/shipshape/db.sqlite");
    // The XDG spec: relative paths are invalid and ignored.
    expect(defaultDbPath({ HOME: "/home/u", XDG_CACHE_HOME: "rel/cache" })).toBe(
      "/home/u/.cache/shipshape/db.sqlite",
    );
    expect(defaultDbPath({ HOME: "/home/u", XDG_CACHE_HOME: "/var/cache/u" })).toBe(
      "/var/cache/u/shipshape/db.sqlite",
    );
  });

  it("an empty SHIPSHAPE_DB is unset; relative and ~ paths are resolved", () => {
    expect(chooseStore(undefined, { SHIPSHAPE_DB: "", HOME: "/h" })).toMatchObject({ from: "default" });
    expect(chooseStore("rel/db.sqlite", {})).toMatchObject({ path: resolve("rel/db.sqlite") });
    expect(chooseStore("~/dbs/x.sqlite", { HOME: "/home/me" })).toMatchObject({
      path: "/home/me/dbs/x.sqlite",
    });
  });

  it("refuses an empty --db and other URL schemes as usage errors", () => {
    const usage = (fn: () => unknown, pattern: RegExp) => {
      try {
        fn();
      } catch (err) {
        expect(err).toBeInstanceOf(ShipshapeError);
        expect((err as ShipshapeError).kind).toBe("usage");
        expect((err as ShipshapeError).message).toMatch(pattern);
        return;
      }
      throw new Error("expected a usage error");
    };
    usage(() => chooseStore("", {}), /--db needs/);
    usage(() => chooseStore("  ", {}), /--db needs/);
    usage(() => chooseStore("mysql://u:p@h/db", {}), /mysql:\/\/ database/);
    usage(
      () => chooseStore(undefined, { SHIPSHAPE_DB: "sqlite:///x.db" }),
      /SHIPSHAPE_DB names a sqlite:\/\//,
    );
  });

  it("a PostgreSQL URL that cannot be reached fails as one network error without its password", async () => {
    const port = await freePort();
    const err = await openStore(`postgres://me:Hunter2-Secret@127.0.0.1:${port}/vulns?schema=scan`, {}).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ShipshapeError);
    const e = err as ShipshapeError;
    expect(e.kind).toBe("network");
    expect(e.message).toContain(`127.0.0.1:${port}/vulns`);
    expect(e.message).not.toContain("Hunter2-Secret");
    expect(e.message).not.toMatch(/\n/);
    // The check in the first test can see pg being loaded: here it was.
    expect(pgLoaded()).toBe(true);
  });
});

describe("parsePostgresUrl", () => {
  it("reads host, port, database, user and password, and keeps them out of location", () => {
    const t = parsePostgresUrl("postgresql://scan%40ner:p%3Ass%2Fw@db.example:6543/vulns?schema=team_a", {});
    expect(t).toMatchObject({
      host: "db.example",
      port: 6543,
      database: "vulns",
      user: "scan@ner",
      password: "p:ss/w",
      schema: "team_a",
      location: "postgres://db.example:6543/vulns?schema=team_a",
      display: "db.example:6543/vulns",
    });
  });

  it("falls back to the PG* variables of the environment it is given, as libpq does", () => {
    const env = {
      PGHOST: "pg.internal",
      PGPORT: "5433",
      PGUSER: "robot",
      PGDATABASE: "cve",
      PGPASSWORD: "pw",
    };
    expect(parsePostgresUrl("postgres://", { env })).toMatchObject({
      host: "pg.internal",
      port: 5433,
      user: "robot",
      database: "cve",
      password: "pw",
      schema: "shipshape",
      location: "postgres://pg.internal:5433/cve",
    });
    // The database defaults to the user name.
    expect(parsePostgresUrl("postgres://u@h", { env: {} })).toMatchObject({ database: "u", port: 5432 });
    // The password file: PGPASSFILE, else ~/.pgpass.
    expect(parsePostgresUrl("postgres://h/d", { env: { HOME: "/home/x" } }).passfile).toBe("/home/x/.pgpass");
    expect(parsePostgresUrl("postgres://h/d", { env: { PGPASSFILE: "/etc/pw" } }).passfile).toBe("/etc/pw");
  });

  it("handles IPv6 literals and Unix socket directories", () => {
    expect(parsePostgresUrl("postgres://[::1]:5432/db", { env: {} })).toMatchObject({
      host: "::1",
      location: "postgres://[::1]:5432/db",
    });
    expect(parsePostgresUrl("postgres://%2Frun%2Fpostgresql/db", { env: {} })).toMatchObject({
      host: "/run/postgresql",
    });
    expect(parsePostgresUrl("postgres:///db?host=/run/postgresql", { env: {} })).toMatchObject({
      host: "/run/postgresql",
    });
  });

  it("takes the schema from the option when the URL has none", () => {
    expect(parsePostgresUrl("postgres://h/d", { env: {}, schema: "other" }).schema).toBe("other");
    expect(parsePostgresUrl("postgres://h/d?schema=mine", { env: {}, schema: "other" }).schema).toBe("mine");
  });
});
