/**
 * `db update` into the shared PostgreSQL store (a real throwaway PostgreSQL, test/helpers/postgres.ts):
 * the same feeds from the loopback server give the same counts as the SQLite oracle, a second update
 * carries the feeds over on 304s, and a failed update leaves the live build as it was. `db status`
 * through the CLI reads it without showing credentials.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FEEDS } from "../../src/vulndb/feeds/all.js";
import type { DbFreshness } from "../../src/vulndb/freshness.js";
import { openStore } from "../../src/vulndb/open-store.js";
import type { StoreStatus } from "../../src/vulndb/store.js";
import { type UpdateOptions, updateDatabase } from "../../src/vulndb/update.js";
import { startPostgres, type TestPostgres } from "../helpers/postgres.js";
import { repoPath } from "../helpers/shared.js";
import { importDirectly, PayloadBuilder, type RoutedFile, serveFeeds } from "./feed-payloads.js";
import { FeedServer } from "./feed-server.js";

const tmp = mkdtempSync(join(tmpdir(), "shipshape-update-pg-"));
const builder = new PayloadBuilder(join(tmp, "payloads"));
const server = new FeedServer();
const NOW = new Date("2026-01-02T03:04:05Z");
let pg: TestPostgres;
let url: string;
let routed: RoutedFile[] = [];

beforeAll(async () => {
  [pg, routed] = await Promise.all([startPostgres(), serveFeeds(server, FEEDS, builder)]);
  await server.start();
  url = await pg.createDatabase("vulndb_update");
}, 180_000);
afterAll(async () => {
  await server.stop();
  await pg?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

async function update(extra: Partial<UpdateOptions> = {}) {
  const store = await openStore(url, {}, { forBuild: true });
  try {
    return await updateDatabase({
      store,
      feeds: FEEDS,
      mirror: { base: server.base },
      tempDir: tmp,
      transport: { retries: 0, timeoutMs: 5000 },
      now: () => NOW,
      ...extra,
    });
  } finally {
    await store.close();
  }
}

async function statusOf(): Promise<StoreStatus> {
  const store = await openStore(url, {});
  try {
    return await store.status();
  } finally {
    await store.close();
  }
}

describe("db update into PostgreSQL", () => {
  let first: StoreStatus;

  it("builds the same database as the importers make of the payloads in SQLite", async () => {
    await update();
    first = await statusOf();
    const oracle = await importDirectly(builder, FEEDS, join(tmp, "oracle"), NOW);
    expect(first.counts).toEqual(oracle.counts);
    expect(first.feeds.map((f) => [f.feed, f.records])).toEqual(oracle.feeds.map((f) => [f.feed, f.records]));
  }, 300_000);

  it("carries every feed over on 304s, KEV and EPSS rows included", async () => {
    const sample = async () => {
      const store = await openStore(url, {});
      try {
        const kev = await store.kev(["CVE-2021-44228", "CVE-2014-0160"]);
        const epss = await store.epss(["CVE-1999-0001", "CVE-1999-0005"]);
        return { kev: [...kev.values()], epss: [...epss.values()] };
      } finally {
        await store.close();
      }
    };
    const before = await sample();
    // Log4Shell and Heartbleed are in the real catalog; the EPSS payload scores CVE-1999-0001..0005.
    expect(before.kev.map((k) => k.cveId).sort()).toEqual(["CVE-2014-0160", "CVE-2021-44228"]);
    expect(before.epss.map((e) => e.cveId).sort()).toEqual(["CVE-1999-0001", "CVE-1999-0005"]);
    server.requests.length = 0;
    const report = await update();
    expect(report.feeds.filter((f) => f.action !== "unchanged")).toEqual([]);
    expect(server.requests.filter((r) => r.status !== 304)).toEqual([]);
    expect(server.requests).toHaveLength(routed.filter((d) => !d.followUp).length);
    const again = await statusOf();
    expect(again.counts).toEqual(first.counts);
    expect(again.counts.kev).toBeGreaterThan(1000);
    expect(again.builtAt).not.toBe(first.builtAt);
    expect(await sample()).toEqual(before);
    first = again;
  }, 300_000);

  it("a failed update leaves the live build as it was", async () => {
    const go = routed.find((d) => d.feed === "go-vulndb")!;
    server.fault(go.path, { kind: "truncate" });
    try {
      await expect(update({ force: true })).rejects.toThrow(
        /^feed go-vulndb \(http:\/\/127\.0\.0\.1:\d+\/vulndb\.zip\): import failed/,
      );
    } finally {
      server.clearFaults();
    }
    const after = await statusOf();
    expect(after).toEqual(first);
  }, 300_000);

  it("db status --db postgres://… prints it without credentials", async () => {
    const withPassword = url.replace("postgres://postgres@", "postgres://postgres:s3cret-pw@");
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        [
          repoPath("bin", "shipshape.js"),
          "db",
          "status",
          "--db",
          withPassword,
          "--format",
          "json",
          "--max-db-age",
          "100000d",
        ],
        { env: { ...process.env, CI: "", SHIPSHAPE_DB: "" } },
      );
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (c: Buffer) => {
        stdout += c.toString();
      });
      child.stderr.on("data", (c: Buffer) => {
        stderr += c.toString();
      });
      child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
    expect(result.code, result.stderr).toBe(0);
    const status = JSON.parse(result.stdout) as DbFreshness;
    expect(status.counts).toEqual(first.counts);
    expect(status.location).toMatch(/^postgres:\/\/127\.0\.0\.1:\d+\//);
    expect(result.stdout + result.stderr).not.toContain("s3cret-pw");
  }, 60_000);
});
