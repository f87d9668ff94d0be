/**
 * `db import DIR|FILE…` for air-gapped sites: walk the given paths top-down and let every importer's
 * `detect` claim files or directories it reads (a feed's checkout, a secdb file, a fixtures folder).
 * A claimed path goes to its importer whole and is not offered to that importer again below it;
 * what no importer claims is walked into (directories) or reported as not recognised (files).
 * Everything recognised is imported into ONE build, committed atomically; feeds of the live database
 * that this import does not cover are carried over unless `replace`.
 */
import { readdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { describeError, ShipshapeError } from "../errors.js";
import type { FeedContext, FeedImporter } from "./feeds/feed.js";
import type { FeedState } from "./records.js";
import type { BuildSession, VulnStore } from "./store.js";

/** Directory levels walked below each given path. */
const MAX_DEPTH = 12;
/** Entries looked at in one walk: a runaway (e.g. `/`) stops with a clear error. */
const MAX_ENTRIES = 500_000;

export interface ImportOptions {
  store: VulnStore;
  feeds: readonly FeedImporter[];
  paths: string[];
  /** Build only from these paths: feeds of the live database not found here are dropped. */
  replace?: boolean;
  now?: () => Date;
  warn?: (message: string) => void;
  progress?: {
    importStarted?(feed: string, inputs: string[]): void;
    importRecords?(feed: string, records: number): void;
  };
}

export interface ImportedFeed {
  feed: string;
  title: string;
  inputs: string[];
  records: number;
  dataDate: string | null;
}

export interface ImportReport {
  location: string;
  imported: ImportedFeed[];
  /** Feeds carried over from the live database (not in the given paths). */
  kept: { feed: string; records: number }[];
  /** Files (or whole directories with nothing recognised inside) no importer claimed. */
  unrecognised: string[];
}

interface Claims {
  byFeed: Map<string, string[]>;
  unrecognised: string[];
  entries: number;
}

/** Hidden entries (.git, .github, editor files) are never feed data unless named explicitly. */
const hidden = (name: string) => name.startsWith(".");

async function walk(
  path: string,
  candidates: readonly FeedImporter[],
  claims: Claims,
  depth: number,
): Promise<boolean> {
  if (++claims.entries > MAX_ENTRIES) {
    throw new ShipshapeError(
      "limit",
      `db import: more than ${MAX_ENTRIES} files and directories under the given paths; name the feed directories themselves`,
    );
  }
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (err) {
    if (depth === 0)
      throw new ShipshapeError("not-found", `db import: cannot read ${path}: ${describeError(err)}`);
    claims.unrecognised.push(path);
    return false;
  }
  const claimers: FeedImporter[] = [];
  for (const feed of candidates) {
    let yes: boolean;
    try {
      yes = await feed.detect(path);
    } catch (err) {
      throw new ShipshapeError(
        "input",
        `db import: feed ${feed.id} failed to examine ${path}: ${describeError(err)}`,
        {
          cause: err,
        },
      );
    }
    if (yes) claimers.push(feed);
  }
  for (const feed of claimers) {
    const list = claims.byFeed.get(feed.id) ?? [];
    list.push(path);
    claims.byFeed.set(feed.id, list);
  }
  if (!info.isDirectory()) {
    if (claimers.length === 0) claims.unrecognised.push(path);
    return claimers.length > 0;
  }
  const rest = candidates.filter((f) => !claimers.includes(f));
  if (rest.length === 0) return true;
  if (depth >= MAX_DEPTH) {
    if (claimers.length === 0) claims.unrecognised.push(path);
    return claimers.length > 0;
  }
  let names: string[];
  try {
    names = (await readdir(path)).filter((n) => !hidden(n)).sort();
  } catch (err) {
    throw new ShipshapeError("input", `db import: cannot list ${path}: ${describeError(err)}`);
  }
  const before = claims.unrecognised.length;
  let any = claimers.length > 0;
  for (const name of names) {
    const found = await walk(join(path, name), rest, claims, depth + 1);
    any ||= found;
  }
  // Nothing recognised anywhere below: report the directory once, not each of its files.
  if (!any && depth > 0) {
    claims.unrecognised.splice(before);
    claims.unrecognised.push(path);
  }
  return any;
}

/** Which importer claims which of `paths` (exported for `db import --dry-run` style listings and tests). */
export async function detectFeeds(
  paths: string[],
  feeds: readonly FeedImporter[],
): Promise<{ byFeed: Map<string, string[]>; unrecognised: string[] }> {
  const claims: Claims = { byFeed: new Map(), unrecognised: [], entries: 0 };
  for (const p of paths) await walk(resolve(p), feeds, claims, 0);
  return { byFeed: claims.byFeed, unrecognised: claims.unrecognised };
}

export async function importPaths(options: ImportOptions): Promise<ImportReport> {
  const { store, feeds } = options;
  if (options.paths.length === 0)
    throw new ShipshapeError("usage", "db import: name at least one file or directory");
  const now = options.now ?? (() => new Date());
  const warn = options.warn ?? (() => undefined);
  const { byFeed, unrecognised } = await detectFeeds(options.paths, feeds);
  if (byFeed.size === 0) {
    throw new ShipshapeError(
      "input",
      `db import: no feed data recognised in ${options.paths.join(", ")} (known feeds: ${feeds.map((f) => f.id).join(", ") || "none"})`,
    );
  }
  const live = await store.status();
  const known = new Set(feeds.map((f) => f.id));
  const keep: FeedState[] = options.replace
    ? []
    : live.feeds.filter((s) => known.has(s.feed) && !byFeed.has(s.feed));
  const imported: ImportedFeed[] = [];
  let session: BuildSession | null = await store.beginBuild();
  try {
    for (const feed of feeds) {
      const inputs = byFeed.get(feed.id);
      if (!inputs) continue;
      options.progress?.importStarted?.(feed.id, inputs);
      const ctx: FeedContext = {
        warn: (m) => warn(`feed ${feed.id}: ${m}`),
        now: now(),
        progress: (records) => options.progress?.importRecords?.(feed.id, records),
      };
      let result: Awaited<ReturnType<FeedImporter["import"]>>;
      try {
        result = await feed.import(inputs, session, ctx);
      } catch (err) {
        const message = describeError(err);
        const named = inputs.some((i) => message.includes(i))
          ? ""
          : ` (${inputs[0]}${inputs.length > 1 ? ` +${inputs.length - 1} more` : ""})`;
        throw new ShipshapeError(
          err instanceof ShipshapeError ? err.kind : "input",
          `db import: feed ${feed.id}${named}: ${message}`,
          { cause: err },
        );
      }
      await session.setFeedState({
        feed: feed.id,
        origin: inputs.length === 1 ? inputs[0]! : `${inputs[0]} (+${inputs.length - 1} more)`,
        importedAt: now().toISOString(),
        dataDate: result.dataDate,
        etag: null,
        lastModified: null,
        records: result.records,
      });
      imported.push({
        feed: feed.id,
        title: feed.title,
        inputs,
        records: result.records,
        dataDate: result.dataDate,
      });
    }
    if (keep.length > 0)
      await session.copyFeedsFrom(
        store,
        keep.map((s) => s.feed),
      );
    await session.commit();
    session = null;
  } finally {
    if (session) await session.abort().catch(() => undefined);
  }
  return {
    location: store.location,
    imported,
    kept: keep.map((s) => ({ feed: s.feed, records: s.records })),
    unrecognised,
  };
}
