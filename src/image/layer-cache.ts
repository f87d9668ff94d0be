/**
 * A local cache of per-layer read results, keyed by the layer's diffID and the set of analyzer
 * requests (ids + versions + caps): rescanning an image that shares base layers re-reads only the new
 * layers. Entries are written atomically (temp file + rename) and any unreadable entry is a miss.
 * Only layers whose diffID was verified against the config are stored, so a key names exact content.
 */
import { createHash } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseDigest } from "./digest.js";
import type { AnalysisValue } from "./file-request.js";
import type { EntryKind, LayerEntry } from "./layer-entry.js";
import type { LayerReadResult } from "./layer-reader.js";

const MAGIC = Buffer.from("SHIPSHAPE-LAYER-CACHE 5\n");
/** Bump when the entry encoding or the reader's semantics change. */
const FORMAT_VERSION = 5;

type PackedEntry = [string, EntryKind, number, number, number, number, number, string?];

interface CacheHeader {
  format: number;
  diffID: string;
  requestKey: string;
  digest: string | null;
  compression: LayerReadResult["compression"];
  compressedBytes: number;
  uncompressedBytes: number;
  warnings: string[];
  members: number;
  entries: PackedEntry[];
  captured: [number, number, number][];
  analyses: [number, Record<string, AnalysisValue>][];
  oversized: [number, number][];
}

export { defaultCacheDir } from "./cache-dir.js";

export class LayerCache {
  readonly dir: string;
  /** Soft cap on the cache's size; the least recently used entries go first. */
  readonly maxBytes: number;

  constructor(dir: string, maxBytes = 4 * 1024 ** 3) {
    this.dir = dir;
    this.maxBytes = maxBytes;
  }

  private fileFor(diffID: string, requestKey: string): string {
    const { hex } = parseDigest(diffID);
    const keyHash = createHash("sha256")
      .update(`${FORMAT_VERSION}\n${requestKey}`)
      .digest("hex")
      .slice(0, 24);
    return join(this.dir, `${hex}-${keyHash}.layer`);
  }

  async get(index: number, diffID: string, requestKey: string): Promise<LayerReadResult | null> {
    const file = this.fileFor(diffID, requestKey);
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch {
      return null;
    }
    try {
      const result = decode(bytes, index, diffID, requestKey);
      const now = new Date();
      await utimes(file, now, now).catch(() => undefined);
      return result;
    } catch {
      await rm(file, { force: true }).catch(() => undefined);
      return null;
    }
  }

  async put(result: LayerReadResult, requestKey: string): Promise<void> {
    if (!result.diffID) return;
    const file = this.fileFor(result.diffID, requestKey);
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    const handle = await open(tmp, "wx", 0o600);
    try {
      for (const part of encode(result, requestKey)) await handle.write(part);
      await handle.close();
      await rename(tmp, file);
    } catch (err) {
      await handle.close().catch(() => undefined);
      await rm(tmp, { force: true }).catch(() => undefined);
      throw err;
    }
    await this.prune().catch(() => undefined);
  }

  /**
   * A derived document (e.g. an image's catalog) under a key the caller computed from verified
   * identities (diffIDs) and versions; null when absent or unreadable.
   */
  async getDocument(key: string): Promise<unknown | null> {
    const file = join(this.dir, `${documentName(key)}.json`);
    try {
      const value: unknown = JSON.parse(await readFile(file, "utf8"));
      const now = new Date();
      await utimes(file, now, now).catch(() => undefined);
      return value;
    } catch {
      return null;
    }
  }

  async putDocument(key: string, value: unknown): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const file = join(this.dir, `${documentName(key)}.json`);
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      await writeFile(tmp, JSON.stringify(value), { mode: 0o600, flag: "wx" });
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw err;
    }
    await this.prune().catch(() => undefined);
  }

  /** Drop least-recently-used entries while the cache is over its cap. */
  async prune(): Promise<void> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const files = await Promise.all(
      names
        // Layer entries, catalog documents, and the CLI's output memos (src/cli/output-memo.ts).
        .filter((n) => n.endsWith(".layer") || n.endsWith(".json") || /^memo-.*\.out$/.test(n))
        .map(async (n) => {
          const s = await stat(join(this.dir, n)).catch(() => null);
          return s ? { path: join(this.dir, n), size: s.size, used: s.mtimeMs } : null;
        }),
    );
    const present = files.filter((f): f is { path: string; size: number; used: number } => f !== null);
    let total = present.reduce((a, f) => a + f.size, 0);
    present.sort((a, b) => a.used - b.used);
    for (const f of present) {
      if (total <= this.maxBytes) break;
      await rm(f.path, { force: true });
      total -= f.size;
    }
  }
}

function encode(result: LayerReadResult, requestKey: string): Buffer[] {
  const blobs: Buffer[] = [];
  const captured: [number, number, number][] = [];
  let offset = 0;
  for (const [entryIndex, bytes] of result.captured) {
    captured.push([entryIndex, offset, bytes.length]);
    blobs.push(bytes);
    offset += bytes.length;
  }
  const header: CacheHeader = {
    format: FORMAT_VERSION,
    diffID: result.diffID!,
    requestKey,
    digest: result.digest,
    compression: result.compression,
    compressedBytes: result.compressedBytes,
    uncompressedBytes: result.uncompressedBytes,
    warnings: result.warnings,
    members: result.members,
    entries: result.entries.map((e) => {
      const packed: PackedEntry = [e.path, e.kind, e.mode, e.uid, e.gid, e.size, e.mtime];
      if (e.link !== undefined) packed.push(e.link);
      return packed;
    }),
    captured,
    analyses: [...result.analyses],
    oversized: [...result.oversized],
  };
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(4);
  length.writeUInt32BE(json.length);
  return [MAGIC, length, json, ...blobs];
}

function decode(bytes: Buffer, index: number, diffID: string, requestKey: string): LayerReadResult {
  if (!bytes.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error("not a cache entry");
  const length = bytes.readUInt32BE(MAGIC.length);
  const start = MAGIC.length + 4;
  const header = JSON.parse(bytes.subarray(start, start + length).toString("utf8")) as CacheHeader;
  if (header.format !== FORMAT_VERSION || header.diffID !== diffID || header.requestKey !== requestKey) {
    throw new Error("stale cache entry");
  }
  const dataStart = start + length;
  const captured = new Map<number, Buffer>();
  for (const [entryIndex, offset, size] of header.captured) {
    const begin = dataStart + offset;
    if (begin + size > bytes.length) throw new Error("truncated cache entry");
    captured.set(entryIndex, Buffer.from(bytes.subarray(begin, begin + size)));
  }
  const entries: LayerEntry[] = header.entries.map(([path, kind, mode, uid, gid, size, mtime, link]) => {
    const e: LayerEntry = { path, kind, mode, uid, gid, size, mtime };
    if (link !== undefined) e.link = link;
    return e;
  });
  return {
    index,
    members: header.members,
    entries,
    captured,
    analyses: new Map(header.analyses),
    oversized: new Map(header.oversized),
    compression: header.compression,
    compressedBytes: header.compressedBytes,
    uncompressedBytes: header.uncompressedBytes,
    digest: header.digest,
    diffID,
    warnings: header.warnings,
    fromCache: true,
  };
}

/** File names from keys: a digest, so any key is a safe name. */
function documentName(key: string): string {
  return `doc-${createHash("sha256").update(key).digest("hex").slice(0, 40)}`;
}
