/**
 * `scan --db postgres://…`: the shared PostgreSQL store gives the same scan as the SQLite file. A
 * real throwaway PostgreSQL 15 (test/helpers/postgres.ts), filled through the store's BuildSession
 * with the real Alpine secdb importer and NVD facts (scan-store.ts), then the built CLI scans the
 * real Alpine 3.9 image against both stores; the password never appears in the output.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScanJson } from "../../src/report/scan-json.js";
import { PostgresStore } from "../../src/vulndb/postgres-store.js";
import { runCli } from "../helpers/cli.js";
import { startPostgres, type TestPostgres } from "../helpers/postgres.js";
import { alpineImage, buildScanStore, populate, type ScanStore } from "./scan-store.js";

let server: TestPostgres;
let sqlite: ScanStore;
let url: string;
beforeAll(async () => {
  [server, sqlite] = await Promise.all([startPostgres(), buildScanStore({ alpine: true })]);
  url = `${server.url}?schema=scan_${process.pid}`;
  const store = await PostgresStore.open(url);
  const session = await store.beginBuild();
  try {
    await populate(session, { alpine: true });
    await session.commit();
  } finally {
    await store.close();
  }
});
afterAll(async () => {
  await server?.stop();
  sqlite?.dispose();
});

const scan = (db: string, extra: string[] = []) =>
  runCli(
    ["scan", "--quiet", "--no-cache", "--db", db, "--format", "json", ...extra, alpineImage("alpine-39")],
    {
      env: { CI: "", SHIPSHAPE_DB: "" },
    },
  );

describe("scan against PostgreSQL", () => {
  it("finds what the SQLite store finds, and gates the same way", () => {
    const pg = scan(url, ["--fail-on", "critical"]);
    const file = scan(sqlite.path, ["--fail-on", "critical"]);
    expect(pg.code, pg.stderr).toBe(1);
    expect(file.code).toBe(1);
    const a = JSON.parse(pg.stdout) as ScanJson;
    const b = JSON.parse(file.stdout) as ScanJson;
    const key = (d: ScanJson) =>
      d.vulnerabilities.map((v) => `${v.id} ${v.pkgName} ${v.fixedVersion} ${v.severity}`).sort();
    expect(key(a)).toEqual(key(b));
    expect(key(a).length).toBeGreaterThan(0);
    expect(a.policy).toEqual(b.policy);
    expect(a.database.location).toMatch(/^postgres:\/\/127\.0\.0\.1:\d+\/postgres/);
    expect(a.database.feeds.map((f) => f.feed).sort()).toEqual(["alpine", "nvd"]);
  });

  it("an unreachable server is exit 2 naming the server, not the password", () => {
    const r = scan("postgres://scanner:s3cret-Pw@127.0.0.1:1/vulns");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/127\.0\.0\.1:1/);
    expect(r.stderr).not.toContain("s3cret-Pw");
  });
});
