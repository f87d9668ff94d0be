/**
 * `db update`: download every feed into a temporary work directory (conditional requests against
 * what the live database recorded, so an unchanged feed costs one 304), then import them all into
 * ONE build of the store and commit it atomically. Feeds the server reports unchanged are carried
 * over from the live database. Any failure — a download, a corrupt file, an importer error — aborts
 * the build: the live database is untouched and the error names the feed and its URL.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { describeError, ShipshapeError } from "../errors.js";
import { HttpTransport, type TransportOptions } from "../image/registry/transport.js";
import { VERSION } from "../version.js";
import { downloadFile, type Validators } from "./download.js";
import { canExportFeeds } from "./feed-export.js";
import type { FeedContext, FeedImporter } from "./feeds/feed.js";
import { baseFor, type MirrorSettings, rewriteUrl } from "./mirror.js";
import type { FeedState } from "./records.js";
import type { BuildSession, VulnStore } from "./store.js";

/** One feed file is refused past this size (the largest public feeds are a few hundred MB). */
export const DEFAULT_MAX_DOWNLOAD_BYTES = 8 * 1024 ** 3;
/** Feeds downloaded at the same time. */
const DOWNLOAD_CONCURRENCY = 4;

export interface UpdateProgress {
  /** A download got its response headers (`total` is the Content-Length when sent). */
  downloadStarted?(feed: string, url: string, total: number | null): void;
  downloadBytes?(feed: string, bytes: number): void;
  downloadDone?(feed: string, url: string, outcome: "downloaded" | "not-modified"): void;
  importStarted?(feed: string): void;
  /** Records written so far by the feed being imported. */
  importRecords?(feed: string, records: number): void;
}

export interface UpdateOptions {
  /** The live database; the build replaces it on success. */
  store: VulnStore;
  /** Every feed the database is made of. */
  feeds: readonly FeedImporter[];
  /** Refresh only these feed ids; the others are kept as the live database has them. */
  only?: string[];
  mirror?: MirrorSettings;
  /** Download everything again, ignoring what the live database recorded. */
  force?: boolean;
  /** Parent of the temporary work directory (default: the system temp dir). */
  tempDir?: string;
  transport?: TransportOptions;
  maxDownloadBytes?: number;
  now?: () => Date;
  warn?: (message: string) => void;
  progress?: UpdateProgress;
  signal?: AbortSignal;
}

export type FeedAction =
  | "updated" // downloaded and imported
  | "unchanged" // the server said 304: carried over from the live database
  | "kept"; // not selected (--feed): carried over as it was

export interface FeedOutcome {
  feed: string;
  title: string;
  action: FeedAction;
  /** Records in the new database for this feed (carried feeds: as the live database counted them). */
  records: number;
  /** Bytes downloaded for it. */
  bytes: number;
  origin: string;
  dataDate: string | null;
}

export interface UpdateReport {
  location: string;
  feeds: FeedOutcome[];
  /** Feeds in the live database that no importer knows any more: not carried into the new one. */
  dropped: string[];
  downloadedBytes: number;
  /** HTTP requests made (retries included). */
  requests: number;
}

interface PlannedDownload {
  name: string;
  url: URL;
  path: string;
  validators: Validators | null;
}

interface FeedPlan {
  feed: FeedImporter;
  dir: string;
  downloads: PlannedDownload[];
  previous: FeedState | null;
}

interface FetchedFeed {
  plan: FeedPlan;
  /** null: every download answered 304. */
  validators: Validators[] | null;
  bytes: number;
  /** The files to import (the feed's downloads and any follow-ups). */
  inputs: string[];
}

/** Local file names come from importers; keep them inside the feed's directory regardless. */
function safeName(name: string, index: number): string {
  const base = basename(name).replace(/[^A-Za-z0-9._-]/g, "_");
  return base === "" || base === "." || base === ".." ? `download-${index}` : base;
}

/**
 * FeedState keeps one etag/lastModified: a single-download feed stores the server's values as they
 * are; a feed of several files stores a JSON object keyed by URL. Either way validators are only
 * reused for the exact URL they came from (a changed mirror starts afresh).
 */
export function encodeValidators(
  urls: URL[],
  validators: Validators[],
): { etag: string | null; lastModified: string | null } {
  if (urls.length === 1)
    return { etag: validators[0]?.etag ?? null, lastModified: validators[0]?.lastModified ?? null };
  const pick = (key: keyof Validators) => {
    const map: Record<string, string> = {};
    urls.forEach((u, i) => {
      const value = validators[i]?.[key];
      if (value) map[u.href] = value;
    });
    return Object.keys(map).length > 0 ? JSON.stringify(map) : null;
  };
  return { etag: pick("etag"), lastModified: pick("lastModified") };
}

export function decodeValidators(state: FeedState | null, urls: URL[]): (Validators | null)[] {
  if (!state) return urls.map(() => null);
  if (urls.length === 1) {
    const only = urls[0]!;
    if (state.origin !== only.href || (!state.etag && !state.lastModified)) return [null];
    return [{ etag: state.etag, lastModified: state.lastModified }];
  }
  const parse = (text: string | null): Record<string, unknown> => {
    if (!text) return {};
    try {
      const value: unknown = JSON.parse(text);
      return value && typeof value === "object" && !Array.isArray(value)
        ? (value as Record<string, unknown>)
        : {};
    } catch {
      return {};
    }
  };
  const etags = parse(state.etag);
  const dates = parse(state.lastModified);
  return urls.map((u) => {
    const etag = typeof etags[u.href] === "string" ? (etags[u.href] as string) : null;
    const lastModified = typeof dates[u.href] === "string" ? (dates[u.href] as string) : null;
    return etag || lastModified ? { etag, lastModified } : null;
  });
}

/** The origin recorded for a feed: its URL, or the first of several with a count. */
export function originOf(urls: URL[]): string {
  if (urls.length === 1) return urls[0]!.href;
  return `${urls[0]?.href ?? "(no downloads)"} (+${urls.length - 1} more)`;
}

/** One line naming the feed and the URL (the download the message mentions, else the first). */
function feedFailure(plan: FeedPlan, err: unknown, stage: "download" | "import"): ShipshapeError {
  if (err instanceof ShipshapeError && err.message.startsWith(`feed ${plan.feed.id} `)) return err;
  let message = describeError(err);
  // Temporary paths mean nothing to the user (and are gone): name the file by its URL instead.
  let url = plan.downloads[0]?.url.href ?? "(no downloads)";
  for (const d of plan.downloads) {
    if (message.includes(d.path)) {
      url = d.url.href;
      message = message.split(d.path).join(d.name);
    }
  }
  message = message.split(plan.dir).join(plan.feed.id);
  const text = message.includes(url)
    ? `feed ${plan.feed.id}: ${message}`
    : `feed ${plan.feed.id} (${url}): ${stage === "import" ? "import failed: " : ""}${message}`;
  return new ShipshapeError(err instanceof ShipshapeError ? err.kind : "input", text, { cause: err });
}

/**
 * Run `work` over `items` with at most `limit` at a time. The first failure stops new work and
 * `onFailure` (which aborts the others) runs once; that first failure is what is thrown.
 */
async function pool<T, R>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<R>,
  onFailure: (err: unknown) => void,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let first: { error: unknown } | null = null;
  const worker = async () => {
    while (first === null && next < items.length) {
      const i = next++;
      try {
        results[i] = await work(items[i]!);
      } catch (err) {
        if (first === null) {
          first = { error: err };
          onFailure(err);
        }
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (first !== null) throw (first as { error: unknown }).error;
  return results;
}

class UpdateRun {
  requests = 0;
  downloadedBytes = 0;
  readonly controller = new AbortController();
  private readonly maxBytes: number;

  constructor(
    readonly options: UpdateOptions,
    readonly transport: HttpTransport,
    readonly work: string,
  ) {
    this.maxBytes = options.maxDownloadBytes ?? DEFAULT_MAX_DOWNLOAD_BYTES;
  }

  private get signal(): AbortSignal {
    return this.controller.signal;
  }

  async plan(
    feed: FeedImporter,
    index: number,
    previous: FeedState | null,
    conditional: boolean,
  ): Promise<FeedPlan> {
    const dir = join(this.work, `${index}-${safeName(feed.id, index)}`);
    await mkdir(dir, { recursive: true });
    const base = baseFor(feed.id, this.options.mirror);
    const urls = feed.downloads.map((d) => rewriteUrl(d.url, base));
    const validators = conditional ? decodeValidators(previous, urls) : urls.map(() => null);
    const used = new Set<string>();
    return {
      feed,
      dir,
      previous,
      downloads: feed.downloads.map((d, i) => {
        let name = safeName(d.name, i);
        if (used.has(name)) name = `${i}-${name}`;
        used.add(name);
        return { name, url: urls[i]!, path: join(dir, name), validators: validators[i] ?? null };
      }),
    };
  }

  private async download(plan: FeedPlan, d: PlannedDownload, conditional: boolean) {
    const progress = this.options.progress;
    const result = await downloadFile(this.transport, {
      url: d.url,
      dest: d.path,
      validators: conditional ? d.validators : null,
      maxBytes: this.maxBytes,
      signal: this.signal,
      onStart: (total) => progress?.downloadStarted?.(plan.feed.id, d.url.href, total),
      onBytes: (n) => progress?.downloadBytes?.(plan.feed.id, n),
    });
    this.requests += result.attempts;
    if (result.status === "downloaded") this.downloadedBytes += result.bytes;
    progress?.downloadDone?.(plan.feed.id, d.url.href, result.status);
    return result;
  }

  /** Fetch a feed's files; `validators: null` when every one answered 304 (unchanged). */
  async fetch(plan: FeedPlan): Promise<FetchedFeed> {
    try {
      const results = [];
      for (const d of plan.downloads) results.push(await this.download(plan, d, true));
      if (plan.downloads.length > 0 && results.every((r) => r.status === "not-modified")) {
        return { plan, validators: null, bytes: 0, inputs: [] };
      }
      // Something changed: the importer needs every file, so fetch the unchanged ones whole too.
      const validators: Validators[] = [];
      let bytes = 0;
      for (const [i, d] of plan.downloads.entries()) {
        let r = results[i]!;
        if (r.status === "not-modified") r = await this.download(plan, d, false);
        if (r.status !== "downloaded")
          throw new ShipshapeError("network", `${d.url.href}: unexpected HTTP 304`);
        validators.push(r.validators);
        bytes += r.bytes;
      }
      const inputs = plan.downloads.map((d) => d.path);
      if (plan.feed.followUpDownloads) {
        const base = baseFor(plan.feed.id, this.options.mirror);
        const taken = new Set(plan.downloads.map((d) => d.name));
        for (const [i, extra] of (await plan.feed.followUpDownloads(plan.dir)).entries()) {
          let name = safeName(extra.name, plan.downloads.length + i);
          if (taken.has(name)) name = `${plan.downloads.length + i}-${name}`;
          taken.add(name);
          const d: PlannedDownload = {
            name,
            url: rewriteUrl(extra.url, base),
            path: join(plan.dir, name),
            validators: null,
          };
          plan.downloads.push(d);
          const r = await this.download(plan, d, false);
          if (r.status === "downloaded") bytes += r.bytes;
          inputs.push(d.path);
        }
      }
      return { plan, validators, bytes, inputs };
    } catch (err) {
      throw this.options.signal?.aborted ? interrupted() : feedFailure(plan, err, "download");
    }
  }

  /** Fetch several feeds, a few at a time; the first failure stops the others. */
  fetchAll(plans: FeedPlan[]): Promise<FetchedFeed[]> {
    return pool(
      plans,
      DOWNLOAD_CONCURRENCY,
      (p) => this.fetch(p),
      (err) => this.controller.abort(err),
    );
  }

  async import(f: FetchedFeed, session: BuildSession): Promise<{ state: FeedState; records: number }> {
    const { plan } = f;
    const { options } = this;
    if (options.signal?.aborted) throw interrupted();
    options.progress?.importStarted?.(plan.feed.id);
    const now = options.now ?? (() => new Date());
    const store = options.store;
    const ctx: FeedContext = {
      warn: (m) => (options.warn ?? (() => undefined))(`feed ${plan.feed.id}: ${m}`),
      now: now(),
      progress: (records) => options.progress?.importRecords?.(plan.feed.id, records),
      ...(canExportFeeds(store)
        ? { previous: { vulnerabilities: (prefixes) => store.feedVulnerabilities(plan.feed.id, prefixes) } }
        : {}),
    };
    let result: Awaited<ReturnType<FeedImporter["import"]>>;
    try {
      result = await plan.feed.import(f.inputs, session, ctx);
    } catch (err) {
      throw options.signal?.aborted ? interrupted() : feedFailure(plan, err, "import");
    }
    // Validators are kept for the feed's own downloads (follow-ups are derived from them).
    const own = plan.downloads.slice(0, plan.feed.downloads.length).map((d) => d.url);
    const state: FeedState = {
      feed: plan.feed.id,
      origin: originOf(own),
      importedAt: now().toISOString(),
      dataDate: result.dataDate,
      ...encodeValidators(own, f.validators ?? []),
      records: result.records,
    };
    await session.setFeedState(state);
    return { state, records: result.records };
  }
}

export async function updateDatabase(options: UpdateOptions): Promise<UpdateReport> {
  const { store, feeds } = options;
  const now = options.now ?? (() => new Date());
  const known = new Map(feeds.map((f) => [f.id, f]));
  for (const id of options.only ?? []) {
    if (!known.has(id)) {
      throw new ShipshapeError(
        "usage",
        `unknown feed ${JSON.stringify(id)} (known: ${[...known.keys()].join(", ") || "none"})`,
      );
    }
  }
  const selected = options.only && options.only.length > 0 ? new Set(options.only) : null;
  const live = await store.status();
  const liveStates = new Map(live.feeds.map((s) => [s.feed, s]));
  const dropped = live.feeds.map((s) => s.feed).filter((id) => !known.has(id));
  const index = new Map(feeds.map((f, i) => [f.id, i]));

  const work = await mkdtemp(join(options.tempDir ?? tmpdir(), "shipshape-db-update-"));
  const transport = await HttpTransport.create({
    userAgent: `shipshape/${VERSION} (vulnerability database update)`,
    ...options.transport,
  });
  const run = new UpdateRun(options, transport, work);
  const onOuterAbort = () => run.controller.abort(options.signal?.reason);
  options.signal?.addEventListener("abort", onOuterAbort, { once: true });
  let session: BuildSession | null = null;
  try {
    // With --feed, the others are kept as they are.
    const refresh = feeds.filter((f) => selected === null || selected.has(f.id));
    const plans: FeedPlan[] = [];
    for (const feed of refresh) {
      plans.push(await run.plan(feed, index.get(feed.id)!, liveStates.get(feed.id) ?? null, !options.force));
    }
    // Download every feed first: nothing is built unless all of it arrived.
    const fetched = await run.fetchAll(plans);

    session = await store.beginBuild();
    const outcomes = new Map<string, FeedOutcome>();
    const carried: FeedState[] = [];
    for (const f of fetched) {
      if (f.validators === null && f.plan.previous) {
        carried.push(f.plan.previous);
        continue;
      }
      const imported = await run.import(f, session);
      outcomes.set(f.plan.feed.id, {
        feed: f.plan.feed.id,
        title: f.plan.feed.title,
        action: "updated",
        records: imported.records,
        bytes: f.bytes,
        origin: imported.state.origin,
        dataDate: imported.state.dataDate,
      });
    }
    const kept = feeds
      .filter((f) => selected !== null && !refresh.includes(f) && liveStates.has(f.id))
      .map((f) => liveStates.get(f.id)!);

    const carry = [...carried, ...kept];
    if (carry.length > 0) {
      await session.copyFeedsFrom(
        store,
        carry.map((s) => s.feed),
      );
      // A 304 confirms the data is current: the feed counts as fetched now.
      for (const state of carried) await session.setFeedState({ ...state, importedAt: now().toISOString() });
    }
    const carriedOutcome = (state: FeedState, action: FeedAction): FeedOutcome => ({
      feed: state.feed,
      title: known.get(state.feed)?.title ?? state.feed,
      action,
      records: state.records,
      bytes: 0,
      origin: state.origin,
      dataDate: state.dataDate,
    });
    for (const state of carried) outcomes.set(state.feed, carriedOutcome(state, "unchanged"));
    for (const state of kept) outcomes.set(state.feed, carriedOutcome(state, "kept"));

    if (options.signal?.aborted) throw interrupted();
    await session.commit();
    session = null;
    return {
      location: store.location,
      feeds: [...outcomes.values()].sort((a, b) => (index.get(a.feed) ?? 0) - (index.get(b.feed) ?? 0)),
      dropped,
      downloadedBytes: run.downloadedBytes,
      requests: run.requests,
    };
  } catch (err) {
    if (options.signal?.aborted && !(err instanceof ShipshapeError)) throw interrupted();
    throw err;
  } finally {
    options.signal?.removeEventListener("abort", onOuterAbort);
    if (session) await session.abort().catch(() => undefined);
    transport.close();
    await rm(work, { recursive: true, force: true });
  }
}

function interrupted(): ShipshapeError {
  return new ShipshapeError("input", "db update interrupted: the database was left as it was");
}
