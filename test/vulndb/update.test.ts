/**
 * `db update` end to end in-process: every importer of the feed list (src/vulndb/feeds/all.ts)
 * downloads its real payloads from a loopback server standing in for the public hosts (a mirror
 * base), the build is committed atomically, a second run is answered with 304s and carries every
 * feed over, a changed file re-imports only its feed, and every kind of failure leaves the previous
 * database byte-identical and readable.
 */
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FEEDS } from "../../src/vulndb/feeds/all.js";
import type { FeedImporter } from "../../src/vulndb/feeds/feed.js";
import { SqliteStore } from "../../src/vulndb/sqlite-store.js";
import type { StoreStatus } from "../../src/vulndb/store.js";
import { type UpdateOptions, type UpdateReport, updateDatabase } from "../../src/vulndb/update.js";
import { dataPath } from "../helpers/shared.js";
import { importDirectly, PayloadBuilder, payloadFor, type RoutedFile, serveFeeds } from "./feed-payloads.js";
import { FeedServer } from "./feed-server.js";

const tmp = mkdtempSync(join(tmpdir(), "shipshape-update-"));
const spool = join(tmp, "spool");
const builder = new PayloadBuilder(join(tmp, "payloads"));
const server = new FeedServer();
const NOW = new Date("2026-01-02T03:04:05Z");

beforeAll(async () => {
  downloads = await serveFeeds(server, FEEDS, builder);
  await server.start();
}, 120_000);
afterAll(async () => {
  await server.stop();
  rmSync(tmp, { recursive: true, force: true });
});
beforeEach(() => {
  server.clearFaults();
  server.requests.length = 0;
  mkdirSync(spool, { recursive: true });
});

const sha = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

async function update(db: string, extra: Partial<UpdateOptions> = {}): Promise<UpdateReport> {
  const store = SqliteStore.open(db, { forBuild: true });
  try {
    return await updateDatabase({
      store,
      feeds: FEEDS,
      mirror: { base: server.base },
      tempDir: spool,
      transport: { retries: 1, retryBaseDelayMs: 5, timeoutMs: 5000 },
      now: () => NOW,
      ...extra,
    });
  } finally {
    await store.close();
  }
}

async function statusOf(db: string): Promise<StoreStatus> {
  const store = SqliteStore.open(db);
  try {
    return await store.status();
  } finally {
    await store.close();
  }
}

/** The same payloads imported straight from disk by the importers: what the update must equal. */
function directImport(feeds: readonly FeedImporter[], overrides?: Map<string, Buffer>): Promise<StoreStatus> {
  return importDirectly(builder, feeds, join(tmp, "oracle"), NOW, overrides);
}

/** Proof that a database still works: it opens, and lookups of its own records find them. */
async function usable(db: string): Promise<void> {
  const store = SqliteStore.open(db);
  try {
    const status = await store.status();
    expect(status.counts.affected).toBeGreaterThan(0);
    expect(await store.hasNamespace("go")).toBe(true);
    const hits = await store.affected([{ namespace: "go", packageName: "stdlib" }]);
    expect(hits.length).toBeGreaterThan(0);
    const vulns = await store.vulnerabilities(hits.map((h) => h.vulnerabilityId));
    expect(vulns.size).toBe(new Set(hits.map((h) => h.vulnerabilityId)).size);
  } finally {
    await store.close();
  }
}

/**
 * KEV and EPSS as the payloads the loopback server sends say them, read straight from the files
 * (not with the importers): the catalog's dateAdded per CVE and the CSV's score per CVE.
 */
function expectedKevEpss(): { kev: Map<string, string>; epss: Map<string, number> } {
  const catalog = JSON.parse(
    readFileSync(dataPath("vuln", "feeds", "cisa-kev", "known_exploited_vulnerabilities.json"), "utf8"),
  ) as { vulnerabilities: { cveID: string; dateAdded: string }[] };
  const kev = new Map(catalog.vulnerabilities.map((v) => [v.cveID, v.dateAdded]));
  const csv = readFileSync(
    dataPath("vuln", "fixtures", "vunnel-fixtures", "epss", "test-fixtures", "example-1.csv"),
    "utf8",
  );
  const epss = new Map(
    csv
      .split("\n")
      .filter((l) => l.startsWith("CVE-"))
      .map((l) => [l.split(",")[0]!, Number(l.split(",")[1])] as const),
  );
  return { kev, epss };
}

/** The KEV and EPSS rows of the database are those of the payloads, whole. */
async function expectKevEpss(db: string): Promise<void> {
  const expected = expectedKevEpss();
  const store = SqliteStore.open(db);
  try {
    const kev = await store.kev([...expected.kev.keys()]);
    expect(kev.size).toBe(expected.kev.size);
    for (const [cve, date] of expected.kev) expect(kev.get(cve)?.dateAdded, cve).toBe(date);
    const epss = await store.epss([...expected.epss.keys()]);
    expect(new Map([...epss].map(([cve, r]) => [cve, r.score]))).toEqual(expected.epss);
  } finally {
    await store.close();
  }
}

/** Every file an update fetches (follow-ups included), by feed, with its path on the mirror. */
let downloads: RoutedFile[] = [];
const pick = (feed: string) => downloads.find((d) => d.feed === feed)!;

describe("db update against the loopback feed server", () => {
  const db = join(tmp, "live", "db.sqlite");
  let first: UpdateReport;
  let firstStatus: StoreStatus;

  it("a full update downloads every file once and builds what the importers make of them", async () => {
    first = await update(db);
    expect(first.feeds.map((f) => f.feed)).toEqual(FEEDS.map((f) => f.id));
    expect(first.feeds.every((f) => f.action === "updated")).toBe(true);
    // One GET per download, each answered 200; nothing conditional on a first run.
    expect(server.requests.map((r) => r.path).sort()).toEqual(downloads.map((d) => d.path).sort());
    expect(server.requests.every((r) => r.status === 200 && !r.conditional)).toBe(true);
    expect(first.requests).toBe(downloads.length);

    firstStatus = await statusOf(db);
    const oracle = await directImport(FEEDS);
    expect(firstStatus.counts).toEqual(oracle.counts);
    expect(firstStatus.feeds.map((f) => [f.feed, f.records])).toEqual(
      oracle.feeds.map((f) => [f.feed, f.records]),
    );
    expect(firstStatus.counts.vulnerabilities).toBeGreaterThan(1000);
    // Each feed's state: its records as the importer counted them, its origin on the mirror,
    // validators to ask with next time.
    const states = new Map(firstStatus.feeds.map((s) => [s.feed, s]));
    for (const outcome of first.feeds) {
      const state = states.get(outcome.feed)!;
      expect(state.records).toBe(outcome.records);
      expect(state.origin.startsWith(`${server.base}/`)).toBe(true);
      // Validators to ask with next time, for every feed (KEV and EPSS too: their rows carry over).
      expect(state.etag, state.feed).not.toBeNull();
      expect(state.importedAt).toBe(NOW.toISOString());
    }
    // Every feed made records of its payload, except OSV RubyGems, whose stand-in holds none.
    expect(first.feeds.filter((f) => f.records === 0).map((f) => f.feed)).toEqual(["osv-rubygems"]);
    await usable(db);
    await expectKevEpss(db);
    // The work directory and the build file are gone.
    expect(readdirSync(spool)).toEqual([]);
    expect(readdirSync(join(tmp, "live"))).toEqual(["db.sqlite"]);
  }, 300_000);

  it("a second update is answered with 304s and carries every feed over without downloading", async () => {
    const later = new Date(NOW.getTime() + 3_600_000);
    const second = await update(db, { now: () => later });
    // Each feed's own downloads are asked about once; follow-ups (named by them) are not needed.
    expect(server.requests.map((r) => r.path).sort()).toEqual(
      downloads
        .filter((d) => !d.followUp)
        .map((d) => d.path)
        .sort(),
    );
    for (const r of server.requests)
      expect(r, r.path).toEqual({ path: r.path, status: 304, conditional: true });
    expect(second.feeds.filter((f) => f.action !== "unchanged")).toEqual([]);
    expect(second.downloadedBytes).toBe(0);
    const status = await statusOf(db);
    expect(status.counts).toEqual(firstStatus.counts);
    expect(status.counts.kev).toBeGreaterThan(1000);
    expect(status.counts.epss).toBeGreaterThan(0);
    // KEV and EPSS are carried over like every other feed's rows.
    await expectKevEpss(db);
    // Confirmed current: each feed counts as fetched at the second run.
    expect(status.feeds.map((s) => s.importedAt)).toEqual(status.feeds.map(() => later.toISOString()));
    expect(status.feeds.map((s) => ({ ...s, importedAt: "" }))).toEqual(
      firstStatus.feeds.map((s) => ({ ...s, importedAt: "" })),
    );
    await usable(db);
  }, 300_000);

  it("a changed file re-imports only its feed, fetching that feed's unchanged files whole", async () => {
    const alpine = downloads.filter((d) => d.feed === "alpine");
    expect(alpine.length).toBeGreaterThan(1);
    // Upstream publishes a new version of one file (another real secdb document).
    const changed = alpine[0]!;
    const replacement = payloadFor(builder, new URL(alpine.at(-1)!.url))!.body();
    server.change(changed.path, replacement);
    const third = await update(db);
    const actions = new Map(third.feeds.map((f) => [f.feed, f.action]));
    expect(actions.get("alpine")).toBe("updated");
    expect([...actions].filter(([id, a]) => id !== "alpine" && a !== "unchanged")).toEqual([]);
    const alpinePaths = new Set(alpine.map((d) => d.path));
    const others = server.requests.filter((r) => !alpinePaths.has(r.path));
    expect(others.every((r) => r.status === 304)).toBe(true);
    const mine = server.requests.filter((r) => alpinePaths.has(r.path));
    expect(
      mine
        .filter((r) => r.status === 200)
        .map((r) => r.path)
        .sort(),
    ).toEqual([...alpinePaths].sort());
    expect(mine.filter((r) => r.status === 304)).toHaveLength(alpine.length - 1);
    const oracle = await directImport(FEEDS, new Map([[changed.url, replacement]]));
    expect((await statusOf(db)).counts).toEqual(oracle.counts);
    await expectKevEpss(db);
    firstStatus = await statusOf(db);
  }, 300_000);

  it("--feed refreshes only the named feeds and keeps the others as they were", async () => {
    const report = await update(db, { only: ["go-vulndb"], force: true });
    expect(report.feeds.find((f) => f.feed === "go-vulndb")?.action).toBe("updated");
    // The others are kept as they were, KEV and EPSS included, and not asked about.
    expect(report.feeds.filter((f) => f.action === "kept").map((f) => f.feed)).toEqual(
      FEEDS.map((f) => f.id).filter((id) => id !== "go-vulndb"),
    );
    expect(new Set(server.requests.map((r) => r.path))).toEqual(
      new Set(downloads.filter((d) => d.feed === "go-vulndb").map((d) => d.path)),
    );
    expect((await statusOf(db)).counts).toEqual(firstStatus.counts);
    await expectKevEpss(db);
    await expect(update(db, { only: ["no-such-feed"] })).rejects.toThrow(
      /unknown feed "no-such-feed" \(known: /,
    );
  }, 300_000);

  it("retries a transient 500 and a broken connection, and succeeds", async () => {
    const go = pick("go-vulndb");
    server.fault(go.path, { kind: "status", status: 503, times: 1 });
    const report = await update(db, { only: ["go-vulndb"], force: true });
    expect(report.feeds.find((f) => f.feed === "go-vulndb")?.action).toBe("updated");
    expect(server.count(go.path, 503)).toBe(1);
    expect(server.count(go.path, 200)).toBe(1);
    server.fault(go.path, { kind: "cut", times: 1 });
    await update(db, { only: ["go-vulndb"], force: true });
    expect(server.count(go.path, 200)).toBe(3);
    expect((await statusOf(db)).counts).toEqual(firstStatus.counts);
  }, 300_000);

  describe("a failed update leaves the previous database byte-identical and working", () => {
    const cases: {
      name: string;
      feed: string;
      which?: (d: { path: string }) => boolean;
      fault?: Parameters<FeedServer["fault"]>[1];
      extra?: () => Partial<UpdateOptions>;
      message: RegExp;
    }[] = [
      {
        name: "HTTP 500 for one feed",
        feed: "go-vulndb",
        fault: { kind: "status", status: 500 },
        message: /HTTP 500 Internal Server Error after 2 attempts/,
      },
      {
        name: "a server that fails mid-body",
        feed: "debian",
        fault: { kind: "cut" },
        extra: () => ({ force: true }),
        message: /the connection broke after \d+ of \d+ bytes/,
      },
      {
        name: "a truncated archive (the HTTP body is complete)",
        feed: "go-vulndb",
        fault: { kind: "truncate" },
        extra: () => ({ force: true }),
        message: /import failed: .*vulndb\.zip/,
      },
      {
        name: "corrupt JSON",
        feed: "debian",
        which: (d) => d.path.endsWith("/json"),
        fault: { kind: "corrupt" },
        extra: () => ({ force: true }),
        message: /import failed: /,
      },
      {
        name: "a mirror that lacks a feed's file (404)",
        feed: "rustsec",
        extra: () => ({ mirror: { base: server.base, feeds: { rustsec: `${server.base}/not-mirrored` } } }),
        message: /\/not-mirrored\/rustsec\/advisory-db\/archive\/refs\/heads\/main\.zip: HTTP 404/,
      },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const before = sha(db);
        const target = downloads.find((d) => d.feed === c.feed && (c.which?.(d) ?? true))!;
        if (c.fault) server.fault(target.path, c.fault);
        const err = await update(db, { only: [c.feed], ...c.extra?.() }).catch((e: Error) => e);
        expect(err).toBeInstanceOf(Error);
        const message = (err as Error).message;
        expect(message.split("\n")).toHaveLength(1);
        expect(message).toMatch(new RegExp(`^feed ${c.feed}[ :]`));
        expect(message).toContain(
          c.feed === "rustsec" ? `${server.base}/not-mirrored/` : `${server.base}${target.path}`,
        );
        expect(message).toMatch(c.message);
        expect(message).not.toContain(spool);
        expect(sha(db)).toBe(before);
        expect(readdirSync(join(tmp, "live"))).toEqual(["db.sqlite"]);
        expect(readdirSync(spool)).toEqual([]);
        expect((await statusOf(db)).counts).toEqual(firstStatus.counts);
        await usable(db);
      }, 300_000);
    }

    it("an interrupted update (Ctrl-C while downloading)", async () => {
      const before = sha(db);
      server.fault(pick("go-vulndb").path, { kind: "stall" });
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error("SIGINT")), 300);
      await expect(
        update(db, { only: ["go-vulndb"], force: true, signal: controller.signal }),
      ).rejects.toThrow(/^db update interrupted: the database was left as it was$/);
      expect(sha(db)).toBe(before);
      expect(readdirSync(spool)).toEqual([]);
    }, 60_000);
  });
});
