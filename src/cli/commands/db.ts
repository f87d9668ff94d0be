/**
 * `shipshape db update | import | status`: build the vulnerability database from the public feeds
 * (or a mirror), from local files (air-gapped), and show what it holds and how current it is.
 * The work lives in src/vulndb (update.ts, import.ts, freshness.ts); this file parses flags, prints
 * and sets exit codes. Importers and the update machinery load only when a db command runs.
 */
import { Command, Option } from "commander";
import { EXIT_ERROR, ShipshapeError } from "../../errors.js";
import type { FeedImporter } from "../../vulndb/feeds/feed.js";
import type { DbFreshness } from "../../vulndb/freshness.js";
import type { MirrorSettings } from "../../vulndb/mirror.js";
import type { VulnStore } from "../../vulndb/store.js";
import type { UpdateReport } from "../../vulndb/update.js";
import {
  addDbAgeOptions,
  addDbOption,
  ageCheckFrom,
  type DbAgeFlags,
  type DbFlags,
  maxAgeFrom,
  openDb,
} from "../db-options.js";
import { dbProgress } from "./db-progress.js";
import { renderImportReport, renderStatusTable, renderUpdateReport } from "./db-render.js";

interface UpdateFlags extends DbFlags {
  mirror?: string;
  mirrorConfig?: string;
  feed?: string[];
  force?: boolean;
  retries: string;
  timeout: string;
  caFile?: string[];
  tmpDir?: string;
  format: "table" | "json";
  quiet?: boolean;
}

interface ImportFlags extends DbFlags {
  replace?: boolean;
  format: "table" | "json";
  quiet?: boolean;
}

interface StatusFlags extends DbFlags, DbAgeFlags {
  format: "table" | "json";
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

async function allFeeds(): Promise<readonly FeedImporter[]> {
  return (await import("../../vulndb/feeds/all.js")).FEEDS;
}

function integer(text: string, flag: string, min: number, max: number): number {
  if (!/^\d+$/.test(text.trim()))
    throw new ShipshapeError("usage", `${flag} ${JSON.stringify(text)} is not a whole number`);
  const n = Number(text);
  if (n < min || n > max) throw new ShipshapeError("usage", `${flag} must be between ${min} and ${max}`);
  return n;
}

/** Importer warnings: the first few per feed, then how many more. */
function warningPrinter(): { warn(message: string): void; flush(): void } {
  const PER_FEED = 10;
  const counts = new Map<string, number>();
  return {
    warn(message) {
      const feed = /^feed (\S+):/.exec(message)?.[1] ?? "";
      const n = (counts.get(feed) ?? 0) + 1;
      counts.set(feed, n);
      if (n <= PER_FEED) process.stderr.write(`shipshape: warning: ${message}\n`);
    },
    flush() {
      for (const [feed, n] of counts) {
        if (n > PER_FEED)
          process.stderr.write(`shipshape: warning: feed ${feed}: ${n - PER_FEED} more warnings not shown\n`);
      }
    },
  };
}

/** Ctrl-C during a build: stop downloads, drop the build, leave the live database as it was. */
function interruptible(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = () => controller.abort(new Error("interrupted"));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}

async function withStore<T>(
  flags: DbFlags,
  run: (store: VulnStore) => Promise<T>,
  forBuild = false,
): Promise<T> {
  const store = await openDb(flags, { forBuild });
  try {
    return await run(store);
  } finally {
    await store.close();
  }
}

function updateCommand(): Command {
  const cmd = new Command("update")
    .summary("download the vulnerability feeds and rebuild the database")
    .description(
      "Download every feed (OS vendors' security data, OSV ecosystems, NVD, CISA KEV, EPSS) from its " +
        "public URL or a mirror, then build the database in one step and swap it in atomically. Feeds " +
        "that have not changed since the last update (the server answers 304 to a conditional request) " +
        "are carried over without downloading them again. If anything fails, the database is left " +
        "exactly as it was.",
    )
    .option(
      "--mirror <url>",
      "fetch every feed from this base URL instead: it replaces each public URL's scheme and host, the path is kept (env SHIPSHAPE_DB_MIRROR)",
    )
    .option(
      "--mirror-config <file>",
      'JSON with per-feed base URLs: {"mirror": URL, "feeds": {"FEED-ID": URL}} (env SHIPSHAPE_DB_MIRROR_CONFIG)',
    )
    .option("--feed <id>", "update only this feed (repeatable); the others are kept as they are", collect)
    .option("--force", "download every feed again, even when the server says it has not changed")
    .option("--retries <n>", "retries per download after a network error or HTTP 429/5xx", "4")
    .option("--timeout <seconds>", "give up on a connection that sends nothing for this long", "60")
    .option(
      "--ca-file <pem>",
      "extra certificate authority to trust for the feed servers (repeatable)",
      collect,
    )
    .option(
      "--tmp-dir <dir>",
      "where downloads are kept while the database is built (default: the system temp dir)",
    )
    .addOption(
      new Option("-f, --format <format>", "summary format").choices(["table", "json"]).default("table"),
    )
    .addOption(new Option("-q, --quiet", "no progress and no summary"));
  addDbOption(cmd);
  cmd.addHelpText(
    "after",
    `
Examples:
  shipshape db update
  shipshape db update --mirror https://mirror.example.com/vuln
  shipshape db update --feed cisa-kev --db /var/lib/shipshape/db.sqlite

A mirror serves the public files at the same paths: with --mirror http://10.0.0.5:8080/vuln,
https://secdb.alpinelinux.org/v3.20/main.json is fetched from http://10.0.0.5:8080/vuln/v3.20/main.json.
shipshape db status lists every feed and the URL it came from.

Exit codes: 0 the database was rebuilt; 2 a usage error, or a feed that could not be downloaded or
read (one line names the feed and its URL; the database was not changed).`,
  );
  cmd.action(async (flags: UpdateFlags) => {
    const mirror: MirrorSettings = {};
    const configPath = flags.mirrorConfig ?? process.env.SHIPSHAPE_DB_MIRROR_CONFIG;
    const { loadMirrorConfig, parseMirrorBase } = await import("../../vulndb/mirror.js");
    if (configPath) Object.assign(mirror, loadMirrorConfig(configPath));
    const base = flags.mirror ?? process.env.SHIPSHAPE_DB_MIRROR;
    if (base) {
      parseMirrorBase(base, flags.mirror !== undefined ? "--mirror" : "SHIPSHAPE_DB_MIRROR");
      mirror.base = base;
    }
    const retries = integer(flags.retries, "--retries", 0, 20);
    const timeoutMs = integer(flags.timeout, "--timeout", 1, 3600) * 1000;
    const feeds = await allFeeds();
    const { updateDatabase } = await import("../../vulndb/update.js");
    const warnings = warningPrinter();
    const progress = dbProgress(!flags.quiet);
    const interrupt = interruptible();
    let report: UpdateReport;
    try {
      report = await withStore(
        flags,
        (store) =>
          updateDatabase({
            store,
            feeds,
            mirror,
            ...(flags.feed ? { only: flags.feed } : {}),
            force: flags.force === true,
            ...(flags.tmpDir ? { tempDir: flags.tmpDir } : {}),
            transport: { retries, timeoutMs, ...(flags.caFile ? { caFiles: flags.caFile } : {}) },
            warn: warnings.warn,
            progress,
            signal: interrupt.signal,
          }),
        true,
      );
    } catch (err) {
      if (interrupt.signal.aborted && err instanceof ShipshapeError) {
        throw new ShipshapeError(err.kind, err.message, { cause: err, exitCode: 130 });
      }
      throw err;
    } finally {
      progress.stop();
      interrupt.dispose();
      warnings.flush();
    }
    if (flags.format === "json") process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else if (!flags.quiet) process.stdout.write(renderUpdateReport(report));
  });
  return cmd;
}

function importCommand(): Command {
  const cmd = new Command("import")
    .summary("build the database from local feed files (air-gapped sites)")
    .description(
      "For air-gapped sites: build the vulnerability database from feed files copied onto this " +
        "machine. Each path may be a " +
        "feed's file, a feed's directory (a checkout of the Go vulndb, RustSec, the PyPA advisory " +
        "database, Alpine secdb files, the CISA KEV JSON, …) or a folder holding several; every feed " +
        "recognises its own layout. Everything found is imported in one step and swapped in atomically. " +
        "Feeds the database already has that these paths do not cover are kept (unless --replace).",
    )
    .argument("<path...>", "files or directories holding feed data")
    .option(
      "--replace",
      "build only from these paths: drop the feeds of the current database they do not cover",
    )
    .addOption(
      new Option("-f, --format <format>", "summary format").choices(["table", "json"]).default("table"),
    )
    .addOption(new Option("-q, --quiet", "no progress and no summary"));
  addDbOption(cmd);
  cmd.addHelpText(
    "after",
    `
Examples:
  shipshape db import ./feeds
  shipshape db import ./golang-vulndb ./known_exploited_vulnerabilities.json --db ./offline.sqlite

Files no feed recognises are listed on stderr and skipped.
Exit codes: 0 the database was rebuilt; 2 nothing recognised, a usage error, or feed data that could
not be read (one line names the feed and the file; the database was not changed).`,
  );
  cmd.action(async (paths: string[], flags: ImportFlags) => {
    const feeds = await allFeeds();
    const { importPaths } = await import("../../vulndb/import.js");
    const warnings = warningPrinter();
    const progress = dbProgress(!flags.quiet);
    const report = await withStore(
      flags,
      (store) =>
        importPaths({
          store,
          feeds,
          paths,
          replace: flags.replace === true,
          warn: warnings.warn,
          progress,
        }),
      true,
    ).finally(() => {
      progress.stop();
      warnings.flush();
    });
    const SHOWN = 20;
    for (const path of report.unrecognised.slice(0, SHOWN)) {
      process.stderr.write(`shipshape: not recognised as feed data, skipped: ${path}\n`);
    }
    if (report.unrecognised.length > SHOWN) {
      process.stderr.write(
        `shipshape: ${report.unrecognised.length - SHOWN} more paths not recognised (--format json lists them all)\n`,
      );
    }
    if (flags.format === "json") process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else if (!flags.quiet) process.stdout.write(renderImportReport(report));
  });
  return cmd;
}

function statusCommand(): Command {
  const cmd = new Command("status")
    .summary("show the database's sources, record counts, build time and freshness")
    .addOption(
      new Option("-f, --format <format>", "output format").choices(["table", "json"]).default("table"),
    );
  addDbOption(cmd);
  addDbAgeOptions(cmd);
  cmd.addHelpText(
    "after",
    `
A database is as old as its least recently refreshed feed. Maximum age: 24h for a database built by
db update, 7d for one built by db import, or --max-db-age / env SHIPSHAPE_DB_MAX_AGE. Past it,
status prints a warning; in CI mode (--ci or env CI=true) it is an error unless --skip-db-age-check.

Exit codes: 0 printed (a stale database only warns); 2 a database that cannot be read, or a stale
or missing one in CI mode.`,
  );
  cmd.action(async (flags: StatusFlags) => {
    const maxAgeMs = maxAgeFrom(flags);
    const check = ageCheckFrom(flags);
    const feeds = await allFeeds();
    const { assessFreshness, checkDatabaseAge } = await import("../../vulndb/freshness.js");
    const status = await withStore(flags, (store) => store.status());
    const freshness: DbFreshness = assessFreshness(status, {
      ...(maxAgeMs !== undefined ? { maxAgeMs } : {}),
      titles: new Map(feeds.map((f) => [f.id, f.title])),
    });
    process.stdout.write(
      flags.format === "json" ? `${JSON.stringify(freshness, null, 2)}\n` : renderStatusTable(freshness),
    );
    let warnings: string[];
    try {
      warnings = checkDatabaseAge(freshness, check);
    } catch (err) {
      if (!(err instanceof ShipshapeError)) throw err;
      process.stderr.write(`shipshape: ${err.message}\n`);
      process.exitCode = EXIT_ERROR;
      return;
    }
    for (const w of warnings) process.stderr.write(`shipshape: warning: ${w}\n`);
  });
  return cmd;
}

export function dbCommand(): Command {
  const cmd = new Command("db")
    .summary("build, update and inspect the vulnerability database")
    .description(
      "The vulnerability database that scan matches packages against: a SQLite file by default " +
        "(--db PATH, env SHIPSHAPE_DB, else ~/.cache/shipshape/db.sqlite) or a shared PostgreSQL " +
        "database (--db postgres://…).",
    )
    .addCommand(updateCommand().exitOverride())
    .addCommand(importCommand().exitOverride())
    .addCommand(statusCommand().exitOverride());
  return cmd;
}
