/**
 * The image's filesystem as analyzers see it: ONE streaming pass over the layers (in parallel, each
 * layer independent and cacheable), then squashed in order. Only files that a FileRequest asks for
 * have their bytes in memory. A file reached some other way (through a symlinked directory, a hard
 * link to an unrequested member, or a later `readFile`) is fetched with a targeted second pass over
 * the one layer that holds it.
 */
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { ShipshapeError } from "../errors.js";
import { readDirectoryLayer, readFileNoFollow } from "./directory-reader.js";
import {
  type AnalysisValue,
  type CapturePlan,
  type CompiledRequests,
  capturePlanFor,
  compileRequests,
  type FileRequest,
  runAnalyzers,
} from "./file-request.js";
import type { LayerCache } from "./layer-cache.js";
import { type LayerReadResult, type ReadLayerOptions, readBlobLayer } from "./layer-reader.js";
import { formatBytes, type ReadLimits, withLimits } from "./limits.js";
import type { LayerRef, OpenedImage } from "./source.js";
import {
  compareWalkOrder,
  type FsNode,
  PathError,
  SquashedTree,
  type SquashSummary,
  type WhiteoutDetail,
} from "./squash.js";

export type { FsNode, SquashSummary, WhiteoutDetail } from "./squash.js";
export { PathError } from "./squash.js";

export interface ReadProgress {
  layer: number;
  /** Stored bytes of this layer read so far by this chunk. */
  bytes: number;
}

export interface ReadFilesystemOptions {
  requests?: FileRequest[];
  limits?: Partial<ReadLimits>;
  /** null disables caching. */
  cache?: LayerCache | null;
  /** Layers read at once (default: 2–4 by CPU count). */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (p: ReadProgress) => void;
}

export interface LayerFacts {
  index: number;
  entries: number;
  whiteouts: number;
  compression: LayerReadResult["compression"];
  compressedBytes: number;
  uncompressedBytes: number;
  digest: string | null;
  diffID: string | null;
  fromCache: boolean;
}

/** A second pass over one layer: the members wanted, each with what to do with its bytes. */
type ContentLoader = (
  layer: number,
  wanted: Map<number, CapturePlan>,
) => Promise<Pick<LayerReadResult, "captured" | "analyses">>;

export class ImageFilesystem {
  private readonly tree: SquashedTree;
  /** Per-layer results: entries (for history-aware checks) and captured bytes. */
  readonly layers: readonly LayerReadResult[];
  private readonly requests: CompiledRequests;
  private readonly loader: ContentLoader;
  /** How many targeted second passes were needed (a cost worth seeing in tests and benchmarks). */
  secondPasses = 0;

  private readonly maxCapturedFileBytes: number;

  constructor(
    tree: SquashedTree,
    layers: LayerReadResult[],
    requests: CompiledRequests,
    loader: ContentLoader,
    maxCapturedFileBytes: number,
  ) {
    this.maxCapturedFileBytes = maxCapturedFileBytes;
    this.tree = tree;
    this.layers = layers;
    this.requests = requests;
    this.loader = loader;
  }

  get whiteouts(): readonly WhiteoutDetail[] {
    return this.tree.whiteouts;
  }

  get opaqueDirs(): readonly { layer: number; path: string }[] {
    return this.tree.opaqueDirs;
  }

  /** Odd but survivable facts: clamped member names, dangling hard links, replaced directories. */
  get warnings(): string[] {
    return [
      ...this.layers.flatMap((l) => l.warnings.map((w) => `layer ${l.index}: ${w}`)),
      ...this.tree.warnings,
    ];
  }

  summary(): SquashSummary {
    return this.tree.summary();
  }

  layerFacts(): LayerFacts[] {
    return this.layers.map((l) => ({
      index: l.index,
      entries: l.members,
      whiteouts: l.entries.filter((e) => e.kind === "whiteout" || e.kind === "opaque").length,
      compression: l.compression,
      compressedBytes: l.compressedBytes,
      uncompressedBytes: l.uncompressedBytes,
      digest: l.digest,
      diffID: l.diffID,
      fromCache: l.fromCache,
    }));
  }

  /** Every node with its absolute path, depth-first in name order. */
  walk(): Generator<[string, FsNode]> {
    return this.tree.walk();
  }

  /** The node at `path` without following a final symlink; null when absent. */
  lstat(path: string): FsNode | null {
    try {
      return this.tree.resolve(path, false).node;
    } catch {
      return null;
    }
  }

  /** The node `path` leads to, following symlinks inside the root; throws PathError. */
  stat(path: string): FsNode {
    return this.tree.resolve(path, true).node;
  }

  /** The canonical path `path` leads to (symlinks resolved inside the root); throws PathError. */
  realpath(path: string): string {
    return this.tree.resolve(path, true).path;
  }

  exists(path: string): boolean {
    try {
      this.tree.resolve(path, true);
      return true;
    } catch {
      return false;
    }
  }

  /** Regular files (squashed view) that the request with this id matches, in name order. */
  filesFor(requestId: string): string[] {
    return (this.requestedFiles().get(requestId) ?? []).map((f) => f.path);
  }

  /**
   * One walk answers every request, for prefetching and for catalogers asking one after another:
   * each regular file of the squashed view with the requests that match it.
   */
  private requestedFiles(): Map<string, RequestedFile[]> {
    if (this.filesByRequest) return this.filesByRequest;
    const byRequest = new Map<string, RequestedFile[]>();
    const byPath = new Map<string, FsNode>();
    if (!this.requests.empty) {
      // Children in insertion order, and only matched files sorted afterwards (in walk order):
      // sorting every directory of the tree costs more than the matching.
      const visit = (dir: FsNode, prefix: string): void => {
        for (const [name, node] of dir.children!) {
          const path = `${prefix}/${name}`;
          if (node.kind === "dir") {
            visit(node, path);
            continue;
          }
          if (node.kind !== "file") continue;
          const matched = this.requests.matching(path, node.mode, node.size);
          if (matched.length === 0) continue;
          const file: RequestedFile = { path, node, requests: matched };
          byPath.set(path, node);
          for (const r of matched) {
            let list = byRequest.get(r.id);
            if (!list) {
              list = [];
              byRequest.set(r.id, list);
            }
            list.push(file);
          }
        }
      };
      visit(this.tree.root, "");
      for (const list of byRequest.values()) list.sort((a, b) => compareWalkOrder(a.path, b.path));
    }
    this.filesByRequest = byRequest;
    this.requestedByPath = byPath;
    return byRequest;
  }

  /** The requested files by path (regular files at their canonical path), once requestedFiles ran. */
  private requestedByPath: Map<string, FsNode> | undefined;

  private filesByRequest: Map<string, RequestedFile[]> | undefined;

  /** The bytes of a regular file, following symlinks inside the root. */
  async readFile(path: string): Promise<Buffer> {
    const map = await this.readFiles([path]);
    const result = map.get(path);
    if (result instanceof Error) throw result;
    return result!;
  }

  /** Like readFile for many paths, with at most one second pass per layer; errors per path. */
  async readFiles(paths: string[]): Promise<Map<string, Buffer | Error>> {
    const out = new Map<string, Buffer | Error>();
    const wanted = new Map<number, Map<number, string[]>>();
    for (const path of paths) {
      let node: FsNode;
      try {
        node = this.tree.resolve(path, true).node;
      } catch (err) {
        out.set(path, err as Error);
        continue;
      }
      if (node.kind !== "file" || !node.content) {
        out.set(
          path,
          new PathError(
            node.kind === "dir" ? "EISDIR" : "EINVAL",
            path,
            `is a ${node.kind}, not a regular file`,
          ),
        );
        continue;
      }
      const { layer, entry } = node.content;
      const result = this.layers[layer];
      const bytes = result?.captured.get(entry);
      if (bytes) {
        out.set(path, bytes);
        continue;
      }
      const oversize = result?.oversized.get(entry);
      if (oversize !== undefined) {
        out.set(
          path,
          new ShipshapeError(
            "limit",
            `${path} is ${formatBytes(oversize)}, larger than analyzers read into memory`,
          ),
        );
        continue;
      }
      if (node.size === 0) {
        out.set(path, Buffer.alloc(0));
        continue;
      }
      let perLayer = wanted.get(layer);
      if (!perLayer) {
        perLayer = new Map();
        wanted.set(layer, perLayer);
      }
      const list = perLayer.get(entry) ?? [];
      list.push(path);
      perLayer.set(entry, list);
    }
    for (const [layer, entries] of wanted) {
      const keepOnly: CapturePlan = { cap: this.maxCapturedFileBytes, keep: true, analyzers: [] };
      await this.secondPass(layer, new Map([...entries.keys()].map((e) => [e, keepOnly])));
      const result = this.layers[layer]!;
      for (const [entry, pathsForEntry] of entries) {
        const bytes = result.captured.get(entry);
        for (const p of pathsForEntry) {
          out.set(
            p,
            bytes ??
              new ShipshapeError("input", `${p}: member ${entry} of layer ${layer} could not be read again`),
          );
        }
      }
    }
    return out;
  }

  /** Re-read one layer for some members and merge what it yields into that layer's result. */
  private async secondPass(layer: number, wanted: Map<number, CapturePlan>): Promise<void> {
    this.secondPasses++;
    const loaded = await this.loader(layer, wanted);
    const result = this.layers[layer]!;
    for (const [entry, bytes] of loaded.captured) result.captured.set(entry, bytes);
    for (const [entry, values] of loaded.analyses) {
      result.analyses.set(entry, { ...(result.analyses.get(entry) ?? {}), ...values });
    }
  }

  /**
   * What request `requestId`'s analyzer returned for the file `path` leads to; undefined when the
   * file is absent, not a regular file, or was not analyzed (oversized).
   */
  analysis(requestId: string, path: string): AnalysisValue | undefined {
    // Catalogers ask for the files filesFor gave them: those are known without resolving the path.
    let node = this.requestedByPath?.get(path);
    if (node === undefined) {
      try {
        node = this.tree.resolve(path, true).node;
      } catch {
        return undefined;
      }
    }
    if (node.kind !== "file" || !node.content) return undefined;
    return this.layers[node.content.layer]?.analyses.get(node.content.entry)?.[requestId];
  }

  /**
   * After squashing: files the requests match in the final view that the first pass did not keep or
   * analyze (their member had another path, e.g. under a symlinked directory or via a hard link).
   */
  async prefetchRequested(): Promise<void> {
    if (this.requests.empty) return;
    const wanted = new Map<number, Map<number, CapturePlan>>();
    const seen = new Set<RequestedFile>();
    for (const files of this.requestedFiles().values()) {
      for (const file of files) {
        if (seen.has(file)) continue;
        seen.add(file);
        const { node } = file;
        if (!node.content) continue;
        const { layer, entry } = node.content;
        const result = this.layers[layer];
        if (!result || result.oversized.has(entry)) continue;
        const plan = this.requests.planOf(file.requests);
        if (!plan) continue;
        const done = result.analyses.get(entry) ?? {};
        const analyzers = plan.analyzers.filter((r) => !(r.id in done));
        const keep = plan.keep && node.size > 0 && !result.captured.has(entry);
        if (!keep && analyzers.length === 0) continue;
        if (node.size > plan.cap) continue;
        let perLayer = wanted.get(layer);
        if (!perLayer) {
          perLayer = new Map();
          wanted.set(layer, perLayer);
        }
        const earlier = perLayer.get(entry);
        // Two paths to one member (a hard link): read it once for everything either path needs.
        const next: CapturePlan = { cap: plan.cap, keep, analyzers };
        perLayer.set(entry, earlier ? mergePlans(earlier, next) : next);
      }
    }
    for (const [layer, plans] of wanted) await this.secondPass(layer, plans);
  }
}

/** One read of a member that serves both plans. */
function mergePlans(a: CapturePlan, b: CapturePlan): CapturePlan {
  const analyzers = [...a.analyzers, ...b.analyzers.filter((r) => !a.analyzers.includes(r))];
  return { cap: Math.max(a.cap, b.cap), keep: a.keep || b.keep, analyzers };
}

/** A regular file of the squashed view and the requests that match it. */
interface RequestedFile {
  path: string;
  node: FsNode;
  requests: FileRequest[];
}

/** Layer errors name the layer; a user also needs to know which image: prefix the reference once. */
function namingInput(err: unknown, reference: string): unknown {
  if (!(err instanceof ShipshapeError) || err.message.includes(reference)) return err;
  return new ShipshapeError(err.kind, `${reference}: ${err.message}`, { cause: err, exitCode: err.exitCode });
}

/** Run `tasks` with at most `limit` in flight; rejects on the first failure and stops starting new ones. */
async function runPool<T>(count: number, limit: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < count) {
      const i = next++;
      try {
        results[i] = await task(i);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  return results;
}

function readLayer(ref: LayerRef, options: ReadLayerOptions): Promise<LayerReadResult> {
  return ref.kind === "directory" ? readDirectoryLayer(ref, options) : readBlobLayer(ref, options);
}

/** Read every layer of an opened image into the squashed filesystem view. */
export async function readFilesystem(
  image: OpenedImage,
  options: ReadFilesystemOptions = {},
): Promise<ImageFilesystem> {
  const limits = withLimits(options.limits);
  const requests = compileRequests(
    options.requests ?? [],
    limits.maxCapturedFileBytes,
    limits.maxAnalyzedFileBytes,
  );
  const cache = options.cache ?? null;
  const concurrency = options.concurrency ?? Math.max(2, Math.min(4, availableParallelism()));
  // A shared controller: the first failing layer cancels the others.
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener("abort", onOuterAbort, { once: true });
  const capture = capturePlanFor(requests);

  try {
    const results = await runPool(image.layers.length, concurrency, async (i) => {
      const ref = image.layers[i]!;
      if (cache && ref.diffID) {
        const hit = await cache.get(i, ref.diffID, requests.key);
        if (hit) {
          options.onProgress?.({ layer: i, bytes: ref.size ?? hit.compressedBytes });
          return hit;
        }
      }
      const readOptions: ReadLayerOptions = {
        limits,
        capture,
        signal: controller.signal,
        onBytes: (bytes) => options.onProgress?.({ layer: i, bytes }),
      };
      let result: LayerReadResult;
      try {
        result = await readLayer(ref, readOptions);
      } catch (err) {
        controller.abort(err);
        throw err;
      }
      // Store only what was verified against the config: the key must name exact content.
      if (cache && ref.diffID && result.diffID === ref.diffID) {
        await cache.put(result, requests.key).catch(() => undefined);
      }
      return result;
    });

    const tree = new SquashedTree();
    for (const result of results) tree.applyLayer(result.index, result.entries);

    const loader: ContentLoader = async (layerIndex, wanted) => {
      const ref = image.layers[layerIndex]!;
      const result = results[layerIndex]!;
      if (ref.kind === "directory") {
        const captured = new Map<number, Buffer>();
        const analyses = new Map<number, Record<string, AnalysisValue>>();
        for (const [entryIndex, plan] of wanted) {
          const entry = result.entries[entryIndex]!;
          const bytes = await readFileNoFollow(join(ref.root, entry.path), entry.size);
          const values = runAnalyzers(plan, bytes, entry, (m) => result.warnings.push(m));
          if (values) analyses.set(entryIndex, values);
          if (plan.keep) captured.set(entryIndex, bytes);
        }
        return { captured, analyses };
      }
      return readBlobLayer(ref, {
        limits,
        capture: (_entry, entryIndex) => wanted.get(entryIndex) ?? null,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    };
    const fs = new ImageFilesystem(tree, results, requests, loader, limits.maxCapturedFileBytes);
    await fs.prefetchRequested();
    return fs;
  } catch (err) {
    throw namingInput(err, image.reference);
  } finally {
    options.signal?.removeEventListener("abort", onOuterAbort);
  }
}
