/**
 * What analyzers ask of an image's filesystem, in the spirit of Trivy's `Required()`: exact paths,
 * globs, or a predicate over path, mode and size. A request either keeps the bytes of matching
 * files (small databases: dpkg status, METADATA files) or analyzes each file as it streams past and
 * keeps only the small result (binaries and archives: Go build info, jar manifests), so memory does
 * not grow with the number of executables in an image.
 */
import { createRequire } from "node:module";
import type picomatchType from "picomatch";
import type { LayerEntry } from "./layer-entry.js";

/** What an analyzer may keep per file: JSON, so that it can live in the layer cache. */
export type AnalysisValue =
  | null
  | boolean
  | number
  | string
  | AnalysisValue[]
  | { [key: string]: AnalysisValue };

export interface FileRequest {
  /** Analyzer id; with `version`, part of the layer-cache key. */
  id: string;
  /** Bump when what the analyzer asks for, or how it reads it, changes. */
  version: string;
  /** Absolute paths, e.g. "/var/lib/dpkg/status". */
  paths?: string[];
  /** picomatch globs over absolute paths, e.g. "/**\/node_modules/*\/package.json". */
  globs?: string[];
  /** Anything else: decided per regular file. */
  match?: (path: string, info: { mode: number; size: number }) => boolean;
  /** At most this many bytes of one file are read (default: the read limits' maxCapturedFileBytes). */
  maxFileBytes?: number;
  /**
   * Analyze each matching file while the layer streams and keep only the result (the bytes are
   * dropped). Must be synchronous and must not throw for bad input: return null or an error value.
   */
  analyze?: (bytes: Buffer, file: { path: string; mode: number; size: number }) => AnalysisValue;
}

/** What to do with one regular file. */
export interface CapturePlan {
  /** Read at most this many bytes; larger files are listed as oversized. */
  cap: number;
  /** Keep the bytes (some request has no `analyze`). */
  keep: boolean;
  /** Requests whose `analyze` runs on the bytes. */
  analyzers: FileRequest[];
}

export interface CompiledRequests {
  /** The plan for a regular file, or null when no request wants it. */
  plan(path: string, mode: number, size: number): CapturePlan | null;
  /** Which requests match a path (for handing files to analyzers). */
  matching(path: string, mode: number, size: number): FileRequest[];
  /** The plan for a file that these requests (from `matching`) match; null for none. */
  planOf(matched: readonly FileRequest[]): CapturePlan | null;
  /** Stable identity of the request set, for cache keys. */
  key: string;
  empty: boolean;
}

let picomatch: typeof picomatchType | undefined;
/** picomatch loads only when a request has globs (inspect has none and starts faster without it). */
function loadPicomatch(): typeof picomatchType {
  picomatch ??= createRequire(import.meta.url)("picomatch") as typeof picomatchType;
  return picomatch;
}

/**
 * A glob as a test of absolute paths. Matched without the leading "/": picomatch's "/**\/x" does not
 * match "/x", while "**\/x" matches "x". A glob that starts with a literal directory
 * ("/var/lib/dpkg/info/*.list") first checks that prefix, which most paths fail far more cheaply
 * than the matcher's regular expression.
 */
function compileGlob(glob: string): (path: string) => boolean {
  const pattern = glob.replace(/^\/+/, "");
  const pm = loadPicomatch();
  const matcher = pm(pattern, { dot: true });
  const scan = pm.scan(pattern);
  if (!scan.isGlob || scan.negated || scan.base === "") return (path) => matcher(path.slice(1));
  // The directory itself can match too ("a/**" matches "a").
  const base = `/${scan.base}`;
  const prefix = `${base}/`;
  return (path) => (path.startsWith(prefix) || path === base) && matcher(path.slice(1));
}

/**
 * `defaultCap` bounds files whose bytes are kept; `analyzedCap` bounds files an analyzer only parses
 * (held while parsing, then dropped), so those may be larger.
 */
export function compileRequests(
  requests: FileRequest[],
  defaultCap: number,
  analyzedCap = defaultCap,
): CompiledRequests {
  const compiled = requests.map((r) => {
    const exact = new Set(r.paths ?? []);
    const globs = (r.globs ?? []).map(compileGlob);
    const cap = r.analyze
      ? Math.min(r.maxFileBytes ?? defaultCap, analyzedCap)
      : Math.min(r.maxFileBytes ?? defaultCap, defaultCap);
    // Every file of every layer is tested against every request: only the parts a request has.
    const parts: ((path: string, mode: number, size: number) => boolean)[] = [];
    if (exact.size > 0) parts.push((path) => exact.has(path));
    parts.push(...globs);
    const match = r.match;
    if (match) parts.push((path, mode, size) => match(path, { mode, size }));
    const test =
      parts.length === 1
        ? parts[0]!
        : (path: string, mode: number, size: number): boolean => {
            for (const part of parts) if (part(path, mode, size)) return true;
            return false;
          };
    return { request: r, test, cap };
  });
  const key = requests
    .map((r) => `${r.id}@${r.version}:${r.maxFileBytes ?? defaultCap}${r.analyze ? ":a" : ""}`)
    .sort()
    .join(",");
  const capOf = new Map(compiled.map((c) => [c.request, c.cap]));
  const planOf = (matched: readonly FileRequest[]): CapturePlan | null => {
    if (matched.length === 0) return null;
    const plan: CapturePlan = { cap: 0, keep: false, analyzers: [] };
    for (const request of matched) {
      plan.cap = Math.max(plan.cap, capOf.get(request) ?? 0);
      if (request.analyze) plan.analyzers.push(request);
      else plan.keep = true;
    }
    return plan;
  };
  return {
    plan(path, mode, size) {
      let plan: CapturePlan | null = null;
      for (const c of compiled) {
        if (!c.test(path, mode, size)) continue;
        plan ??= { cap: 0, keep: false, analyzers: [] };
        plan.cap = Math.max(plan.cap, c.cap);
        if (c.request.analyze) plan.analyzers.push(c.request);
        else plan.keep = true;
      }
      return plan;
    },
    matching(path, mode, size) {
      const matched: FileRequest[] = [];
      for (const c of compiled) if (c.test(path, mode, size)) matched.push(c.request);
      return matched;
    },
    planOf,
    key: `${defaultCap}|${key}`,
    empty: requests.length === 0,
  };
}

export function capturePlanFor(requests: CompiledRequests): (entry: LayerEntry) => CapturePlan | null {
  if (requests.empty) return () => null;
  return (entry) => requests.plan(entry.path, entry.mode, entry.size);
}

/** Run a plan's analyzers on one file's bytes; an analyzer that throws records null (with a warning). */
export function runAnalyzers(
  plan: CapturePlan,
  bytes: Buffer,
  file: { path: string; mode: number; size: number },
  warn: (message: string) => void,
): Record<string, AnalysisValue> | undefined {
  if (plan.analyzers.length === 0) return undefined;
  const out: Record<string, AnalysisValue> = {};
  for (const r of plan.analyzers) {
    try {
      out[r.id] = r.analyze!(bytes, file);
    } catch (err) {
      warn(`${r.id} could not analyze ${file.path}: ${err instanceof Error ? err.message : String(err)}`);
      out[r.id] = null;
    }
  }
  return out;
}
