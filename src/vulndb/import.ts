/**
 * `db import DIR|FILE…` for air-gapped sites: walk the given paths top-down and let every importer's
 * `detect` claim files or directories it reads (a feed's checkout, a secdb file, a fixtures folder).
 * A claimed path goes to its importer whole and is not offered to that importer again below it;
 * what no importer claims is walked into (directories) or reported as not recognised (files).
 * Everything recognised is imported into ONE build, committed atomically; feeds of the live database
 * that this import does not cover are carried over unless `replace`.
 */
import { readdir, stat } from "node:fs/promises";
import { join, resolve, sep } from "node:path";
import { describeError, ShipshapeError } from "../errors.js";
import { canExportFeeds } from "./feed-export.js";
import type { FeedContext, FeedImporter } from "./feeds/feed.js";
import type { FeedState } from "./records.js";
import type { BuildSession, VulnStore } from "./store.js";

/**
 * How many directory levels below each given path are offered to the importers. Claims are refined
 * down to this depth (a feed's own folder rather than the folder of all feeds); below it, a claimed
 * directory is the importer's to read whole. Two levels cover `feeds/<feed>/<part>` and
 * `fixtures/<project>/<feed>`.
 */
const REFINE_DEPTH = 2;
/** Entries looked at in one walk: a runaway (e.g. `/`) stops with a clear error. */
const MAX_ENTRIES = 100_000;

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

export interface Detection {
  /** Paths each feed claimed, most specific first found. */
  byFeed: Map<string, string[]>;
  /** Files and directories that no feed claims, nor anything inside or around them. */
  unrecognised: string[];
}

/** Hidden entries (.git, .github, editor files) are never feed data unless named explicitly. */
const hidden = (name: string) => name.startsWith(".");

interface Claim {
  feed: string;
  path: string;
  directory: boolean;
}

async function claimersOf(path: string, feeds: readonly FeedImporter[]): Promise<FeedImporter[]> {
  // The importers look at the path at the same time: their reads overlap.
  const answers = await Promise.all(
    feeds.map(async (feed) => {
      try {
        return await feed.detect(path);
      } catch (err) {
        throw new ShipshapeError(
          "input",
          `db import: feed ${feed.id} failed to examine ${path}: ${describeError(err)}`,
          { cause: err },
        );
      }
    }),
  );
  return feeds.filter((_, i) => answers[i]);
}

/**
 * Every importer is asked about `path`; in a directory (above REFINE_DEPTH) every entry is asked
 * too, and an importer that claims a subdirectory gets what it claims inside instead of the whole
 * directory. Returns the claims of this subtree; `seen` collects the paths looked at.
 */
async function walk(
  path: string,
  feeds: readonly FeedImporter[],
  depth: number,
  seen: string[],
): Promise<Claim[]> {
  if (seen.length >= MAX_ENTRIES) {
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
    return []; // a dangling link inside a tree: nothing to import
  }
  seen.push(path);
  const directory = info.isDirectory();
  const here = (await claimersOf(path, feeds)).map((f) => ({ feed: f.id, path, directory }));
  if (!info.isDirectory() || depth >= REFINE_DEPTH) return here;
  let names: string[];
  try {
    names = (await readdir(path)).filter((n) => !hidden(n)).sort();
  } catch (err) {
    throw new ShipshapeError("input", `db import: cannot list ${path}: ${describeError(err)}`);
  }
  const found: Claim[] = [];
  for (const name of names) found.push(...(await walk(join(path, name), feeds, depth + 1, seen)));
  // A path inside claimed by a feed that recognised this directory too (its checkout's root: the Go
  // vulndb's data/osv) is that feed's; another feed that only claims the same path (a generic reader
  // of flat OSV folders) does not also get it.
  const rooted = new Set(here.map((c) => c.feed));
  const owned = new Set(found.filter((c) => rooted.has(c.feed)).map((c) => c.path));
  const inside = found.filter((c) => rooted.has(c.feed) || !owned.has(c.path));
  // A feed that claims this directory and one of its subdirectories gets what it claims inside
  // (its own folders, not their READMEs). One that claims only files here keeps the directory:
  // it knows which of its files to read.
  const refined = new Set(inside.filter((c) => c.directory).map((c) => c.feed));
  const whole = new Set(here.map((c) => c.feed).filter((f) => !refined.has(f)));
  return [...here.filter((c) => whole.has(c.feed)), ...inside.filter((c) => !whole.has(c.feed))];
}

const within = (child: string, parent: string) => child === parent || child.startsWith(`${parent}${sep}`);

/** Which importer claims which of `paths`, and what nothing claims. */
export async function detectFeeds(paths: string[], feeds: readonly FeedImporter[]): Promise<Detection> {
  const claims: Claim[] = [];
  const seen: string[] = [];
  for (const p of paths) claims.push(...(await walk(resolve(p), feeds, 0, seen)));
  const byFeed = new Map<string, string[]>();
  for (const feed of feeds) {
    const mine = [...new Set(claims.filter((c) => c.feed === feed.id).map((c) => c.path))];
    if (mine.length > 0) byFeed.set(feed.id, mine);
  }
  // Not recognised: looked at, and no claim on it, inside it or around it. Only the outermost such
  // path is listed (a folder of nothing known, not each of its files).
  const claimed = [...new Set(claims.map((c) => c.path))];
  const unclaimed = seen.filter((p) => !claimed.some((c) => within(c, p) || within(p, c)));
  const unrecognised = unclaimed.filter((p) => !unclaimed.some((q) => q !== p && within(p, q)));
  return { byFeed, unrecognised };
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
        // What the feed had before, unless the build is to hold only what these paths give.
        ...(!options.replace && canExportFeeds(store)
          ? { previous: { vulnerabilities: (prefixes) => store.feedVulnerabilities(feed.id, prefixes) } }
          : {}),
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
