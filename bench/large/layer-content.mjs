/**
 * The tar stream of one generated layer, as a generator of Buffers (file bodies are views of the
 * shared pools, so nothing is copied and no layer is ever held in memory). Layer N holds ~bytes of
 * files under usr/share/bench/lN (text) and usr/lib/bench/lN (binary) with sizes like a real
 * distribution's (mostly small, a few tens of MB), some symlinks, and — above the first layer —
 * whiteouts and rewrites of the layer below, plus one opaque directory in the top layer.
 */
import { mix, Prng } from "./prng.mjs";
import { END_OF_ARCHIVE, tarHeader, tarPadding } from "./tar-header.mjs";

const MTIME = 1767225600; // 2026-01-01T00:00:00Z
const FILES_PER_DIR = 64;

/** Text or binary is a pure function of (seed, layer, file), so upper layers can name lower files. */
function kindOf(seed, layer, file) {
  return mix(seed, layer, file) % 100 < 55 ? "text" : "binary";
}

function dirOf(seed, layer, file) {
  const root = kindOf(seed, layer, file) === "text" ? "usr/share/bench" : "usr/lib/bench";
  return `${root}/l${layer}/d${Math.floor(file / FILES_PER_DIR)}`;
}

function nameOf(seed, layer, file) {
  return `f${file}.${kindOf(seed, layer, file) === "text" ? "txt" : "bin"}`;
}

/** Sizes: 75% small (64 B-16 KiB), 23.5% medium (16-512 KiB), 1.5% large (512 KiB-48 MiB). */
function fileSize(prng) {
  const u = prng.float();
  if (u < 0.75) return prng.logUniform(64, 16 * 1024);
  if (u < 0.985) return prng.logUniform(16 * 1024, 512 * 1024);
  return prng.logUniform(512 * 1024, 48 * 1024 * 1024);
}

/** Views of random slices of the pool adding up to `size` bytes. */
function* body(prng, pool, size) {
  let left = size;
  while (left > 0) {
    const length = Math.min(left, prng.logUniform(4096, 65536));
    const from = prng.below(pool.length - length);
    yield pool.subarray(from, from + length);
    left -= length;
  }
  yield tarPadding(size);
}

function* file(path, size, mode, prng, pool) {
  yield tarHeader({ path, type: "file", size, mode, mtime: MTIME });
  yield* body(prng, pool, size);
}

function* directory(path) {
  yield tarHeader({ path: `${path}/`, type: "directory", mode: 0o755, mtime: MTIME });
}

function* entries({ seed, layer, bytes, layers, pools }) {
  const prng = new Prng(mix(seed, layer, 0x1a7e5));
  const made = new Set();
  function* ensureDir(path) {
    const parts = path.split("/");
    for (let i = 1; i <= parts.length; i++) {
      const dir = parts.slice(0, i).join("/");
      if (!made.has(dir)) {
        made.add(dir);
        yield* directory(dir);
      }
    }
  }
  if (layer > 0) {
    const below = layer - 1;
    // Delete a few files of the layer below, and rewrite a few others (a package upgrade).
    for (let i = 1; i < 40; i += 7) {
      const dir = dirOf(seed, below, i);
      yield* ensureDir(dir);
      yield tarHeader({
        path: `${dir}/.wh.${nameOf(seed, below, i)}`,
        type: "file",
        mode: 0o644,
        mtime: MTIME,
      });
    }
    for (let i = 40; i < 44; i++) {
      const dir = dirOf(seed, below, i);
      yield* ensureDir(dir);
      const kind = kindOf(seed, below, i);
      yield* file(`${dir}/${nameOf(seed, below, i)}`, 2000 + i, 0o644, prng, pools[kind]);
    }
  }
  if (layer === layers - 1 && layer > 0) {
    // Replace one directory of the bottom layer wholesale.
    const dir = dirOf(seed, 0, FILES_PER_DIR);
    yield* ensureDir(dir);
    yield tarHeader({ path: `${dir}/.wh..wh..opq`, type: "file", mode: 0o644, mtime: MTIME });
  }
  let written = 0;
  for (let i = 0; written < bytes; i++) {
    const kind = kindOf(seed, layer, i);
    const dir = dirOf(seed, layer, i);
    const name = nameOf(seed, layer, i);
    const size = Math.min(fileSize(prng), Math.max(64, bytes - written));
    yield* ensureDir(dir);
    yield* file(`${dir}/${name}`, size, kind === "text" ? 0o644 : 0o755, prng, pools[kind]);
    written += size;
    if (i % 50 === 7) {
      yield tarHeader({
        path: `${dir}/f${i}.link`,
        type: "symlink",
        mode: 0o777,
        mtime: MTIME,
        linkname: name,
      });
    }
  }
  yield END_OF_ARCHIVE;
}

const BATCH = 256 * 1024;

/** The layer's tar as Buffers of at least ~64 KiB (small headers and bodies are packed together). */
export function* layerTar(options) {
  let batch = Buffer.allocUnsafe(BATCH);
  let used = 0;
  for (const piece of entries(options)) {
    if (piece.length >= 64 * 1024) {
      if (used > 0) {
        yield batch.subarray(0, used);
        batch = Buffer.allocUnsafe(BATCH);
        used = 0;
      }
      yield piece;
      continue;
    }
    if (used + piece.length > BATCH) {
      yield batch.subarray(0, used);
      batch = Buffer.allocUnsafe(BATCH);
      used = 0;
    }
    used += piece.copy(batch, used);
  }
  if (used > 0) yield batch.subarray(0, used);
}
