/**
 * What analyzers ask of an image's filesystem, in the spirit of Trivy's `Required()`: exact paths,
 * globs, or a predicate over path, mode and size. Only the bytes of matching files are kept.
 */
import { createRequire } from "node:module";
import type picomatchType from "picomatch";
import type { LayerEntry } from "./layer-entry.js";

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
  /** Keep at most this many bytes of one file (default: the read limits' maxCapturedFileBytes). */
  maxFileBytes?: number;
}

export interface CompiledRequests {
  /** The cap to keep a regular file under, or false when no request wants it. */
  decide(path: string, mode: number, size: number): number | false;
  /** Which requests match a path (for handing files to analyzers). */
  matching(path: string, mode: number, size: number): FileRequest[];
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

export function compileRequests(requests: FileRequest[], defaultCap: number): CompiledRequests {
  const compiled = requests.map((r) => {
    const exact = new Set(r.paths ?? []);
    const globs = (r.globs ?? []).map((g) => loadPicomatch()(g, { dot: true }));
    const cap = Math.min(r.maxFileBytes ?? defaultCap, defaultCap);
    const test = (path: string, mode: number, size: number): boolean =>
      exact.has(path) || globs.some((g) => g(path)) || (r.match ? r.match(path, { mode, size }) : false);
    return { request: r, test, cap };
  });
  const key = requests
    .map((r) => `${r.id}@${r.version}:${r.maxFileBytes ?? defaultCap}`)
    .sort()
    .join(",");
  return {
    decide(path, mode, size) {
      let best: number | false = false;
      for (const c of compiled) {
        if (c.test(path, mode, size) && (best === false || c.cap > best)) best = c.cap;
      }
      return best;
    },
    matching(path, mode, size) {
      return compiled.filter((c) => c.test(path, mode, size)).map((c) => c.request);
    },
    key: `${defaultCap}|${key}`,
    empty: requests.length === 0,
  };
}

export function captureDecisionFor(requests: CompiledRequests): (entry: LayerEntry) => number | false {
  if (requests.empty) return () => false;
  return (entry) => requests.decide(entry.path, entry.mode, entry.size);
}
