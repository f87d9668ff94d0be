/**
 * How current the vulnerability database is: what `db status` shows and what `scan` checks before it
 * trusts a "no vulnerabilities". A database is as old as its least recently refreshed feed (a feed
 * the server answered 304 for counts as refreshed then). Past the maximum age it is stale: a warning,
 * and in CI mode (env CI=true or --ci) an error unless --skip-db-age-check.
 *
 * Default maximum age: 24 hours for a database built by `db update` (the public feeds change daily);
 * 7 days for one built by `db import` from local files (air-gapped sites refresh by hand).
 */
import { ShipshapeError } from "../errors.js";
import type { StoreStatus } from "./store.js";

export const HOUR_MS = 3_600_000;
export const DEFAULT_MAX_AGE_UPDATE_MS = 24 * HOUR_MS;
export const DEFAULT_MAX_AGE_IMPORT_MS = 7 * 24 * HOUR_MS;

export interface FeedFreshness {
  feed: string;
  title: string | null;
  origin: string;
  importedAt: string;
  dataDate: string | null;
  records: number;
  /** Milliseconds since the feed was last fetched or confirmed current (null: unknown date). */
  ageMs: number | null;
  stale: boolean;
}

export interface DbFreshness {
  location: string;
  /** "update": built from URLs; "import": from local files; "empty": no database yet. */
  kind: "update" | "import" | "empty";
  builtAt: string | null;
  schemaVersion: number;
  counts: StoreStatus["counts"];
  /** Feed ids, in the order shown. */
  sources: string[];
  feeds: FeedFreshness[];
  /** Age of the database (its oldest feed; the build time when it records no feed). */
  ageMs: number | null;
  maxAgeMs: number;
  stale: boolean;
}

export interface FreshnessOptions {
  /** Override the default maximum age (milliseconds). */
  maxAgeMs?: number;
  now?: Date;
  /** Feed titles by id, for display. */
  titles?: ReadonlyMap<string, string>;
}

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: HOUR_MS,
  d: 24 * HOUR_MS,
  w: 7 * 24 * HOUR_MS,
};

/** "90m", "24h", "7d", "2w", "3600s", or a bare number of hours. */
export function parseDuration(text: string, what = "--max-db-age"): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/i.exec(text);
  if (!m) {
    throw new ShipshapeError(
      "usage",
      `${what} ${JSON.stringify(text)} is not a duration (examples: 12h, 7d, 90m; a bare number is hours)`,
    );
  }
  const value = Number(m[1]) * UNITS[(m[2] ?? "h").toLowerCase()]!;
  if (!Number.isFinite(value) || value <= 0) throw new ShipshapeError("usage", `${what} must be more than 0`);
  return value;
}

/** "3 h", "2 d 4 h", "45 min": ages for people. */
export function formatAge(ms: number): string {
  if (ms < 0) return "in the future";
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h`;
  const days = Math.floor(hours / 24);
  const rest = hours % 24;
  return rest === 0 || days >= 14 ? `${days} d` : `${days} d ${rest} h`;
}

const isUrl = (origin: string) => /^https?:\/\//i.test(origin);

function ageSince(iso: string | null, now: Date): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : Math.max(0, now.getTime() - t);
}

export function assessFreshness(status: StoreStatus, options: FreshnessOptions = {}): DbFreshness {
  const now = options.now ?? new Date();
  const empty = status.builtAt === null && status.feeds.length === 0;
  const kind: DbFreshness["kind"] = empty
    ? "empty"
    : status.feeds.some((f) => isUrl(f.origin))
      ? "update"
      : "import";
  const maxAgeMs =
    options.maxAgeMs ?? (kind === "import" ? DEFAULT_MAX_AGE_IMPORT_MS : DEFAULT_MAX_AGE_UPDATE_MS);
  const feeds: FeedFreshness[] = status.feeds.map((f) => {
    const ageMs = ageSince(f.importedAt, now);
    return {
      feed: f.feed,
      title: options.titles?.get(f.feed) ?? null,
      origin: f.origin,
      importedAt: f.importedAt,
      dataDate: f.dataDate,
      records: f.records,
      ageMs,
      stale: ageMs === null || ageMs > maxAgeMs,
    };
  });
  const ages = feeds.map((f) => f.ageMs);
  const ageMs = empty
    ? null
    : ages.length > 0
      ? ages.some((a) => a === null)
        ? null
        : Math.max(...(ages as number[]))
      : ageSince(status.builtAt, now);
  return {
    location: status.location,
    kind,
    builtAt: status.builtAt,
    schemaVersion: status.schemaVersion,
    counts: status.counts,
    sources: feeds.map((f) => f.feed),
    feeds,
    ageMs,
    maxAgeMs,
    stale: empty || ageMs === null || ageMs > maxAgeMs,
  };
}

/** One line saying why the database is not current, or null when it is. */
export function freshnessProblem(f: DbFreshness): string | null {
  if (!f.stale) return null;
  const fix =
    f.kind === "import" ? "import current feed files with shipshape db import" : "run shipshape db update";
  if (f.kind === "empty") {
    return `vulnerability database ${f.location} has not been built: run shipshape db update (or db import for air-gapped sites)`;
  }
  const stale = f.feeds.filter((x) => x.stale).map((x) => x.feed);
  const age = f.ageMs === null ? "of unknown age" : `${formatAge(f.ageMs)} old`;
  const which =
    stale.length > 0 && stale.length < f.feeds.length ? ` (stale feeds: ${stale.join(", ")})` : "";
  return `vulnerability database ${f.location} is ${age}, over the maximum age of ${formatAge(f.maxAgeMs)}${which}: ${fix}, or set --max-db-age`;
}

export interface AgeCheckOptions {
  /** CI mode: a stale database is an error. */
  ci: boolean;
  /** Accept a stale database even in CI mode. */
  skipAgeCheck: boolean;
}

/** CI mode from the environment: CI=true (or 1), as GitHub Actions, GitLab CI and most others set it. */
export function ciFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = (env.CI ?? "").trim().toLowerCase();
  return value === "true" || value === "1";
}

/**
 * Apply the age policy: returns the warnings to print (stale, not CI, or skipped), throws in CI mode.
 * `scan` calls this after opening the database, `db status` after printing it.
 */
export function checkDatabaseAge(f: DbFreshness, options: AgeCheckOptions): string[] {
  const problem = freshnessProblem(f);
  if (problem === null) return [];
  if (options.skipAgeCheck) return [`${problem} (ignored: --skip-db-age-check)`];
  if (options.ci) {
    throw new ShipshapeError("input", `${problem} (CI mode; pass --skip-db-age-check to accept it)`);
  }
  return [problem];
}
