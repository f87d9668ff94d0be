/**
 * `shipshape db update | import | status` through the real CLI: updates from a loopback server
 * serving the real payloads at the public paths (`--mirror http://127.0.0.1:PORT`), exit codes and
 * one-line errors naming the feed and URL, the previous database byte-identical after a failure,
 * `scan` processes reading the database while an update replaces it, the maximum-age warning and
 * the CI error, and `db import` of ../shared/data/vuln/feeds.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FEEDS } from "../../src/vulndb/feeds/all.js";
import type { DbFreshness } from "../../src/vulndb/freshness.js";
import { SqliteStore } from "../../src/vulndb/sqlite-store.js";
import type { StoreStatus } from "../../src/vulndb/store.js";
import type { UpdateReport } from "../../src/vulndb/update.js";
import { type CliResult, runCli } from "../helpers/cli.js";
import { dataPath, fixturePath, repoPath } from "../helpers/shared.js";
import { importDirectly, PayloadBuilder, type RoutedFile, serveFeeds } from "../vulndb/feed-payloads.js";
import { FeedServer } from "../vulndb/feed-server.js";

const tmp = mkdtempSync(join(tmpdir(), "shipshape-db-cli-"));
const spool = join(tmp, "spool");
const builder = new PayloadBuilder(join(tmp, "payloads"));
const server = new FeedServer();
let routed: RoutedFile[] = [];

beforeAll(async () => {
  routed = await serveFeeds(server, FEEDS, builder);
  await server.start();
}, 120_000);
afterAll(async () => {
  await server.stop();
  rmSync(tmp, { recursive: true, force: true });
});
beforeEach(() => {
  server.clearFaults();
  server.requests.length = 0;
  rmSync(spool, { recursive: true, force: true });
  mkdirSync(spool, { recursive: true });
});

/** The environment every run gets: no CI mode unless a test asks, no stray database or mirror. */
const ENV = {
  CI: "",
  SHIPSHAPE_DB: "",
  SHIPSHAPE_DB_MIRROR: "",
  SHIPSHAPE_DB_MAX_AGE: "",
  HOME: tmp,
  XDG_CACHE_HOME: "",
};
/** For commands that do not talk to the loopback server (a blocking spawn would starve it). */
const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(args, { env: { ...ENV, ...env } });

/** The CLI as a child process while this process keeps serving the feed server. */
function cliAsync(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> & { child: ChildProcess } {
  const child = spawn(process.execPath, [repoPath("bin", "shipshape.js"), ...args], {
    env: { ...process.env, SHIPSHAPE_CACHE_DIR: "/nonexistent-use-flags", ...ENV, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr!.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const done = new Promise<CliResult>((resolve) =>
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr })),
  );
  return Object.assign(done, { child });
}
const sha = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");
const pick = (feed: string) => routed.find((d) => d.feed === feed)!;

function updateArgs(db: string, ...extra: string[]): string[] {
  return [
    "db",
    "update",
    "--db",
    db,
    "--mirror",
    server.base,
    "--tmp-dir",
    spool,
    "--retries",
    "0",
    ...extra,
  ];
}

function status(db: string, ...extra: string[]): { result: CliResult; json: DbFreshness } {
  const result = cli(["db", "status", "--db", db, "--format", "json", ...extra]);
  return { result, json: JSON.parse(result.stdout || "null") as DbFreshness };
}

function expectOneLineError(r: CliResult, ...parts: (string | RegExp)[]): void {
  expect(r.code, r.stderr).toBe(2);
  const lines = r.stderr.trimEnd().split("\n");
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^shipshape: /);
  expect(lines[0]).not.toMatch(/internal error|\bat .*\.js:\d+/);
  for (const p of parts) expect(lines[0]).toMatch(p);
}

describe("shipshape db update", () => {
  const db = join(tmp, "live", "db.sqlite");
  let oracle: StoreStatus;

  it("builds from the mirror; db status counts equal the importers' own import of the payloads", async () => {
    const r = await cliAsync(updateArgs(db, "--format", "json"));
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as UpdateReport;
    expect(report.feeds.map((f) => [f.feed, f.action])).toEqual(FEEDS.map((f) => [f.id, "updated"]));
    expect(server.count(undefined, 200)).toBe(routed.length);

    oracle = await importDirectly(builder, FEEDS, join(tmp, "oracle"), new Date());
    const { result, json } = status(db);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe("");
    expect(json.counts).toEqual(oracle.counts);
    expect(json.kind).toBe("update");
    expect(json.stale).toBe(false);
    expect(json.sources).toEqual([...FEEDS.map((f) => f.id)].sort());
    const byFeed = new Map(json.feeds.map((f) => [f.feed, f]));
    expect(oracle.feeds).toHaveLength(FEEDS.length);
    for (const state of oracle.feeds) expect(byFeed.get(state.feed)?.records, state.feed).toBe(state.records);
    for (const f of FEEDS) {
      expect(byFeed.get(f.id)?.title).toBe(f.title);
      expect(byFeed.get(f.id)?.origin.startsWith(`${server.base}/`)).toBe(true);
    }
    // The table says the same.
    const table = cli(["db", "status", "--db", db]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(
      `Records:   ${json.counts.vulnerabilities.toLocaleString("en-US")} vulnerabilities`,
    );
    for (const f of FEEDS)
      expect(table.stdout).toMatch(new RegExp(`^${f.id.replace(/\./g, "\\.")}\\s+[\\d,]+\\s`, "m"));
    expect(readdirSync(spool)).toEqual([]);
  }, 300_000);

  it("a second update gets 304s and carries every feed over (KEV and EPSS too) without downloading", async () => {
    const r = await cliAsync(updateArgs(db));
    expect(r.code, r.stderr).toBe(0);
    const own = routed.filter((d) => !d.followUp);
    expect(server.requests).toHaveLength(own.length);
    for (const d of own) {
      const seen = server.requests.filter((q) => q.path === d.path);
      expect(
        seen.map((q) => q.status),
        d.path,
      ).toEqual([304]);
    }
    expect(r.stdout).toMatch(/^alpine\s+unchanged\s/m);
    expect(r.stdout).toMatch(/^cisa-kev\s+unchanged\s/m);
    expect(r.stdout).toMatch(/^epss\s+unchanged\s/m);
    expect(r.stdout).toMatch(new RegExp(`${FEEDS.length} carried over`));
    expect(status(db).json.counts).toEqual(oracle.counts);
  }, 300_000);

  const failures: {
    name: string;
    feed: string;
    args: () => string[];
    arrange?: () => void;
    message: RegExp;
  }[] = [
    {
      name: "HTTP 500 for one feed",
      feed: "rustsec",
      args: () => ["--force"],
      arrange: () => server.fault(pick("rustsec").path, { kind: "status", status: 500 }),
      message: /: HTTP 500 Internal Server Error$/,
    },
    {
      name: "a connection cut mid-body",
      feed: "nodejs-security-wg",
      args: () => ["--force"],
      arrange: () => server.fault(pick("nodejs-security-wg").path, { kind: "cut" }),
      message: /the connection broke after \d+ of \d+ bytes/,
    },
    {
      name: "a truncated file (complete HTTP body)",
      feed: "cisa-kev",
      // Fetched again whole (the damage keeps the server's validators); the other feeds are kept.
      args: () => ["--force", "--feed", "cisa-kev"],
      arrange: () => server.fault(pick("cisa-kev").path, { kind: "truncate" }),
      message: /import failed: /,
    },
    {
      name: "corrupt data",
      feed: "epss",
      // Fetched again whole (the damage keeps the server's validators); the other feeds are kept.
      args: () => ["--force", "--feed", "epss"],
      arrange: () => server.fault(pick("epss").path, { kind: "corrupt" }),
      message: /import failed: /,
    },
  ];
  for (const f of failures) {
    it(`${f.name}: exit 2, one line naming the feed and URL; the database is untouched and works`, async () => {
      const before = sha(db);
      f.arrange?.();
      const r = await cliAsync(updateArgs(db, ...f.args()));
      const url = `${server.base}${pick(f.feed).path}`;
      expectOneLineError(r, new RegExp(`^shipshape: feed ${f.feed}[ :]`), f.message);
      expect(r.stderr).toContain(url);
      expect(r.stderr).not.toContain(spool);
      expect(r.stdout).toBe("");
      expect(sha(db)).toBe(before);
      expect(readdirSync(join(tmp, "live"))).toEqual(["db.sqlite"]);
      expect(readdirSync(spool)).toEqual([]);
      const after = status(db);
      expect(after.result.code).toBe(0);
      expect(after.json.counts).toEqual(oracle.counts);
    }, 300_000);
  }

  it("scan processes reading during an update always see a complete database", async () => {
    const image = `oci-archive:${fixturePath("images", "debian12-app.oci.tar")}`;
    const scanOnce = () => cli(["scan", "--db", db, "--format", "json", "--skip-db-age-check", image]);
    const baseline = scanOnce();
    expect([0, 1]).toContain(baseline.code);
    const findings = (r: CliResult) =>
      (JSON.parse(r.stdout) as { vulnerabilities: { id: string; pkgName: string }[] }).vulnerabilities
        .map((v) => `${v.pkgName} ${v.id}`)
        .sort();
    const expected = findings(baseline);
    expect(expected.length).toBeGreaterThan(10); // the Go binary's standard library, from the Go feeds
    const builtBefore = status(db).json.builtAt;

    // A forced update (everything downloaded and imported again) in the background...
    const update = cliAsync(updateArgs(db, "--force", "-q"));
    let finished = false;
    void update.then(() => {
      finished = true;
    });
    // ...while readers keep opening it: every read sees one whole build, old or new.
    const seenBuilds = new Set<string>();
    let reads = 0;
    while (!finished) {
      const store = SqliteStore.open(db);
      const s = await store.status();
      expect(s.counts).toEqual(oracle.counts);
      expect((await store.affected([{ namespace: "go", packageName: "stdlib" }])).length).toBeGreaterThan(0);
      await store.close();
      seenBuilds.add(s.builtAt ?? "");
      reads++;
      if (reads % 10 === 0) {
        const scan = await cliAsync(["scan", "--db", db, "--format", "json", "--skip-db-age-check", image]);
        expect([0, 1], scan.stderr).toContain(scan.code);
        expect(findings(scan)).toEqual(expected);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    const result = await update;
    expect(result.code, result.stderr).toBe(0);
    expect(reads).toBeGreaterThan(10);
    const builtAfter = status(db).json.builtAt;
    expect(builtAfter).not.toBe(builtBefore);
    expect(seenBuilds.has(builtBefore ?? "")).toBe(true);
    expect(findings(scanOnce())).toEqual(expected);
  }, 300_000);
});

describe("shipshape db update: interrupted", () => {
  it("Ctrl-C during the download: exit 130, the database and the temp area as they were", async () => {
    const db = join(tmp, "live", "db.sqlite");
    const before = sha(db);
    server.fault(pick("go-vulndb").path, { kind: "stall" });
    const run = cliAsync(updateArgs(db, "--force"));
    // Wait until the stalled download has started, then interrupt.
    for (let i = 0; i < 200 && server.count(pick("go-vulndb").path) === 0; i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(server.count(pick("go-vulndb").path)).toBe(1);
    run.child.kill("SIGINT");
    const r = await run;
    expect(r.code).toBe(130);
    expect(r.stderr).toBe("shipshape: db update interrupted: the database was left as it was\n");
    expect(sha(db)).toBe(before);
    expect(readdirSync(spool)).toEqual([]);
    expect(readdirSync(join(tmp, "live"))).toEqual(["db.sqlite"]);
  }, 60_000);
});

describe("shipshape db status: maximum age", () => {
  const db = join(tmp, "live", "db.sqlite");

  it("a fresh database: no warning; past --max-db-age: a warning, and in CI mode an error", () => {
    const fresh = status(db);
    expect(fresh.result.code).toBe(0);
    expect(fresh.result.stderr).toBe("");
    expect(fresh.json.maxAgeMs).toBe(24 * 3_600_000);

    const stale = status(db, "--max-db-age", "1ms");
    expect(stale.result.code).toBe(0);
    expect(stale.json.stale).toBe(true);
    expect(stale.result.stderr).toMatch(
      /^shipshape: warning: vulnerability database .*db\.sqlite is \d+ min old, over the maximum age of 0 min: run shipshape db update, or set --max-db-age\n$/,
    );
    // The environment sets it too.
    expect(cli(["db", "status", "--db", db], { SHIPSHAPE_DB_MAX_AGE: "1ms" }).stderr).toMatch(
      /warning: .* old/,
    );

    for (const ci of [
      { args: ["--ci"], env: {} },
      { args: [], env: { CI: "true" } },
    ]) {
      const r = cli(
        ["db", "status", "--db", db, "--format", "json", "--max-db-age", "1ms", ...ci.args],
        ci.env,
      );
      // The status is still printed; the exit code and one line say it is too old.
      expect((JSON.parse(r.stdout) as DbFreshness).stale).toBe(true);
      expectOneLineError(
        r,
        /is \d+ min old, over the maximum age .*\(CI mode; pass --skip-db-age-check to accept it\)$/,
      );
    }
    const skipped = cli(["db", "status", "--db", db, "--ci", "--max-db-age", "1ms", "--skip-db-age-check"]);
    expect(skipped.code).toBe(0);
    expect(skipped.stderr).toMatch(/^shipshape: warning: .*\(ignored: --skip-db-age-check\)\n$/);
  });

  it("a missing database: a warning, and in CI mode an error", () => {
    const missing = join(tmp, "nothing-here.sqlite");
    const r = cli(["db", "status", "--db", missing]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/not built yet/);
    expect(r.stderr).toMatch(/has not been built: run shipshape db update/);
    expectOneLineError(cli(["db", "status", "--db", missing], { CI: "true" }), /has not been built/);
  });

  it("bad values are usage errors", async () => {
    expectOneLineError(
      cli(["db", "status", "--db", db, "--max-db-age", "soon"]),
      /--max-db-age "soon" is not a duration/,
    );
    expectOneLineError(
      await cliAsync(updateArgs(join(tmp, "x.sqlite"), "--feed", "nope")),
      /unknown feed "nope"/,
    );
    expectOneLineError(
      cli(["db", "update", "--db", join(tmp, "x.sqlite"), "--mirror", "ftp://example"]),
      /--mirror ftp:\/\/example must be an http/,
    );
    expectOneLineError(
      cli(["db", "update", "--db", join(tmp, "x.sqlite"), "--retries", "many"]),
      /--retries "many" is not a whole number/,
    );
    const config = join(tmp, "mirror.json");
    writeFileSync(config, '{"mirror": 42}');
    expectOneLineError(
      cli(["db", "update", "--db", join(tmp, "x.sqlite"), "--mirror-config", config]),
      /mirror config .*mirror\.json is malformed at mirror/,
    );
  });
});

describe("shipshape db import", () => {
  it("builds a usable database from ../shared/data/vuln/feeds and lists what it did not recognise", async () => {
    const db = join(tmp, "imported", "db.sqlite");
    const feeds = dataPath("vuln", "feeds");
    const r = cli(["db", "import", "--db", db, "--format", "json", feeds]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as {
      imported: { feed: string; records: number; inputs: string[] }[];
      unrecognised: string[];
    };
    const imported = new Map(report.imported.map((f) => [f.feed, f]));
    // Each feed folder goes to its importer.
    expect(imported.get("go-vulndb")?.inputs).toEqual([join(feeds, "golang-vulndb")]);
    expect(imported.get("cisa-kev")?.inputs).toEqual([join(feeds, "cisa-kev")]);
    expect(imported.get("pypa")?.inputs).toEqual([join(feeds, "pypa-advisory-db", "vulns")]);
    expect(imported.get("alpine")?.inputs).toHaveLength(9);
    for (const f of report.imported) expect(f.records, f.feed).toBeGreaterThan(0);
    expect(report.unrecognised).toContain(join(feeds, "alpine-secdb-legacy", "README.md"));
    expect(r.stderr).toMatch(/not recognised as feed data, skipped: .*README\.md/);

    const { json } = status(db);
    expect(json.kind).toBe("import");
    expect(json.counts.kev).toBe(1404);
    expect(json.feeds.map((f) => f.records)).toEqual(
      [...report.imported].sort((a, b) => a.feed.localeCompare(b.feed)).map((f) => f.records),
    );
    // Usable: scan matches the Go binary in debian12-app against the imported Go vulndb.
    const scan = cli([
      "scan",
      "--db",
      db,
      "--format",
      "json",
      `oci-archive:${fixturePath("images", "debian12-app.oci.tar")}`,
    ]);
    expect([0, 1], scan.stderr).toContain(scan.code);
    const vulns = (
      JSON.parse(scan.stdout) as { vulnerabilities: { pkgName: string; id: string; source: string }[] }
    ).vulnerabilities;
    expect(vulns.filter((v) => v.pkgName === "stdlib" && v.source === "go-vulndb").length).toBeGreaterThan(
      10,
    );
    // And a second import of one file replaces that feed and keeps the others.
    const again = cli([
      "db",
      "import",
      "--db",
      db,
      join(feeds, "cisa-kev", "known_exploited_vulnerabilities.json"),
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/kept from the previous database: .*go-vulndb/);
    expect(status(db).json.counts).toEqual(json.counts);
  }, 300_000);

  it("reads the layouts of the fixtures: each path goes to the importer that recognises it", async () => {
    const db = join(tmp, "from-fixtures", "db.sqlite");
    const fx = (...p: string[]) => dataPath("vuln", "fixtures", ...p);
    const paths = {
      alpine: fx("vunnel-fixtures", "alpine", "test-fixtures"),
      debian: fx("vunnel-fixtures", "debian", "test-fixtures"),
      ubuntu: fx("vunnel-fixtures", "ubuntu", "test-fixtures"),
      "redhat-csaf": fx("trivy-db-testdata", "redhat-csaf", "testdata", "vuln-list-redhat"),
      nvd: fx("vunnel-fixtures", "nvd", "test-fixtures", "full-page.json"),
      "osv-rocky": fx("vunnel-fixtures", "rocky", "test-fixtures", "osv"),
      ghsa: fx("trivy-db-testdata", "ghsa", "testdata", "happy", "ghsa"),
      "cisa-kev": fx("vunnel-fixtures", "kev", "test-fixtures", "valid-catalog-1.json"),
      epss: fx("vunnel-fixtures", "epss", "test-fixtures", "example-1.csv"),
    };
    const r = cli(["db", "import", "--db", db, "--format", "json", ...Object.values(paths)]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as {
      imported: { feed: string; records: number; inputs: string[] }[];
    };
    const got = new Map(report.imported.map((f) => [f.feed, f]));
    // Each importer, called on its path directly, counts the same records.
    for (const [feed, path] of Object.entries(paths)) {
      const importer = FEEDS.find((f) => f.id === feed)!;
      expect(
        got.get(feed)?.inputs.every((i) => i.startsWith(path)),
        feed,
      ).toBe(true);
      const session = await SqliteStore.open(
        join(tmp, "from-fixtures", `direct-${feed}.sqlite`),
      ).beginBuild();
      const direct = await importer.import(got.get(feed)!.inputs, session, {
        warn: () => undefined,
        now: new Date(),
      });
      await session.abort();
      expect(got.get(feed)?.records, feed).toBe(direct.records);
      expect(direct.records, feed).toBeGreaterThan(0);
    }
    const { json } = status(db);
    expect(json.counts.kev).toBe(3);
    expect(json.counts.epss).toBe(5);
    expect(json.sources).toEqual([...new Set(report.imported.map((f) => f.feed))].sort());
  }, 300_000);

  it("feed data that cannot be read: exit 2, one line naming the feed and file; the database is untouched", () => {
    const db = join(tmp, "imported", "db.sqlite");
    const before = sha(db);
    const bad = join(tmp, "bad-kev");
    mkdirSync(bad, { recursive: true });
    const kev = readFileSync(dataPath("vuln", "feeds", "cisa-kev", "known_exploited_vulnerabilities.json"));
    writeFileSync(join(bad, "known_exploited_vulnerabilities.json"), kev.subarray(0, kev.length / 2));
    const r = cli(["db", "import", "--db", db, bad]);
    expectOneLineError(r, /^shipshape: db import: feed cisa-kev/, /known_exploited_vulnerabilities\.json/);
    expect(sha(db)).toBe(before);
    expect(readdirSync(join(tmp, "imported"))).toEqual(["db.sqlite"]);
  });

  it("importing some feeds keeps the others, KEV rows included", () => {
    const db = join(tmp, "imported", "db.sqlite");
    const before = status(db).json;
    expect(before.counts.kev).toBe(1404);
    const r = cli(["db", "import", "--db", db, dataPath("vuln", "feeds", "rustsec")]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/KEV/);
    expect(r.stdout).toMatch(/kept from the previous database: .*cisa-kev/);
    const after = status(db).json;
    expect(after.counts).toEqual(before.counts);
    expect(after.sources).toEqual(before.sources);
  });

  it("nothing recognised: exit 2 and the database is untouched", () => {
    const db = join(tmp, "imported", "db.sqlite");
    const before = sha(db);
    const r = cli(["db", "import", "--db", db, fixturePath("images")]);
    expectOneLineError(r, /no feed data recognised in .*images/);
    expect(sha(db)).toBe(before);
  });
});

describe("shipshape db --help", () => {
  it("documents the commands, the mirror, the age policy and the exit codes", () => {
    const update = cli(["db", "update", "--help"]);
    expect(update.code).toBe(0);
    expect(update.stdout).toMatch(/--mirror <url>/);
    expect(update.stdout).toMatch(/SHIPSHAPE_DB_MIRROR/);
    expect(update.stdout).toMatch(/Exit codes: 0 the database was rebuilt; 2/);
    const st = cli(["db", "status", "--help"]);
    expect(st.stdout).toMatch(/24h for a database built by\s+db update, 7d for one built by db import/);
    expect(st.stdout).toMatch(/--skip-db-age-check/);
    expect(cli(["db", "import", "--help"]).stdout).toMatch(/air-gapped/);
  });
});
