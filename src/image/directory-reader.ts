/**
 * `dir:PATH`: a root filesystem on disk read as one layer. The walk never follows symlinks (they are
 * recorded as links and resolved later inside the image root), and captured files are opened with
 * O_NOFOLLOW so that a link swapped in during the walk cannot lead outside PATH.
 */
import {
  closeSync,
  constants,
  lstatSync,
  openSync,
  readdirSync,
  readlinkSync,
  readSync,
  type Stats,
} from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { describeError, ShipshapeError } from "../errors.js";
import { type AnalysisValue, runAnalyzers } from "./file-request.js";
import type { EntryKind, LayerEntry } from "./layer-entry.js";
import type { LayerReadResult, ReadLayerOptions } from "./layer-reader.js";
import type { DirectoryLayer } from "./source.js";

function kindOf(s: Stats): EntryKind {
  if (s.isFile()) return "file";
  if (s.isDirectory()) return "dir";
  if (s.isSymbolicLink()) return "symlink";
  if (s.isCharacterDevice()) return "char";
  if (s.isBlockDevice()) return "block";
  if (s.isFIFO()) return "fifo";
  return "other";
}

/** Like readFileNoFollow, synchronously (for the walk). */
export function readFileNoFollowSync(path: string, size: number): Buffer {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const buffer = Buffer.allocUnsafe(size);
    let read = 0;
    while (read < size) {
      const n = readSync(fd, buffer, read, size - read, read);
      if (n === 0) break;
      read += n;
    }
    return read === size ? buffer : buffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

/** Read at most `cap` bytes of a regular file without following a symlink at the last component. */
export async function readFileNoFollow(path: string, size: number): Promise<Buffer> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const buffer = Buffer.alloc(size);
    let read = 0;
    while (read < size) {
      const { bytesRead } = await handle.read(buffer, read, size - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return read === size ? buffer : buffer.subarray(0, read);
  } finally {
    await handle.close();
  }
}

export async function readDirectoryLayer(
  layer: DirectoryLayer,
  options: ReadLayerOptions,
): Promise<LayerReadResult> {
  const { limits, capture } = options;
  const entries: LayerEntry[] = [];
  const captured = new Map<number, Buffer>();
  const analyses = new Map<number, Record<string, AnalysisValue>>();
  const oversized = new Map<number, number>();
  const warnings: string[] = [];
  let bytes = 0;
  // Iterative depth-first walk in name order: deep trees cannot overflow the stack.
  const stack: string[] = [""];
  try {
    while (stack.length > 0) {
      const rel = stack.pop()!;
      // Synchronous calls on purpose: a walk awaits each of thousands of lstats in turn, and the
      // event loop has nothing else to do meanwhile (measured: 250 ms → 30 ms on a Debian root).
      const names = readdirSync(join(layer.root, rel));
      names.sort();
      const subdirs: string[] = [];
      for (const name of names) {
        options.signal?.throwIfAborted();
        const relPath = `${rel}/${name}`;
        const full = join(layer.root, relPath);
        const s = lstatSync(full);
        const kind = kindOf(s);
        const entry: LayerEntry = {
          path: relPath,
          kind,
          mode: s.mode & 0o7777,
          uid: s.uid,
          gid: s.gid,
          size: kind === "file" ? s.size : 0,
          mtime: Math.floor(s.mtimeMs / 1000),
        };
        if (kind === "symlink") entry.link = readlinkSync(full);
        if (entries.length >= limits.maxEntriesPerLayer) {
          throw new ShipshapeError(
            "limit",
            `${layer.location} has more than ${limits.maxEntriesPerLayer} entries, the limit`,
          );
        }
        const entryIndex = entries.length;
        entries.push(entry);
        if (kind === "dir") subdirs.push(relPath);
        if (kind === "file") {
          bytes += s.size;
          const plan = capture(entry, entryIndex);
          if (plan !== null && s.size > plan.cap) oversized.set(entryIndex, s.size);
          else if (plan !== null) {
            const bytes = readFileNoFollowSync(full, s.size);
            const results = runAnalyzers(plan, bytes, entry, (m) => warnings.push(m));
            if (results) analyses.set(entryIndex, results);
            if (plan.keep) captured.set(entryIndex, bytes);
          }
        }
      }
      // Push in reverse so that the walk continues in name order.
      for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]!);
    }
  } catch (err) {
    if (err instanceof ShipshapeError) throw err;
    throw new ShipshapeError("input", `${layer.location}: cannot read the directory: ${describeError(err)}`, {
      cause: err,
    });
  }
  options.onBytes?.(bytes);
  return {
    index: layer.index,
    members: entries.length,
    entries,
    captured,
    analyses,
    oversized,
    compression: "directory",
    compressedBytes: bytes,
    uncompressedBytes: bytes,
    digest: null,
    diffID: null,
    warnings,
    fromCache: false,
  };
}
