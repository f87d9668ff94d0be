/**
 * The documents of a file-per-advisory feed, one at a time: a directory tree (a checkout of the
 * feed's repository), a zip archive of it (OSV's `all.zip`, the Go vulndb's `vulndb.zip`), or single
 * files. Documents are yielded in a stable (sorted) order and never all held at once; each is capped
 * in size, so a hostile tree or archive costs at most one capped document of memory.
 */
import { lstat, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describeError, ShipshapeError } from "../../errors.js";
import { ZipFile } from "./zip-file.js";

export interface FeedDocument {
  /** Where it came from: a path, or `archive.zip!entry/name.json`. */
  name: string;
  /** The path inside the tree or archive ("crates/foo/RUSTSEC-….md"), "/"-separated. */
  relative: string;
  bytes: Buffer;
}

export interface FeedFileOptions {
  /** Which documents to read, by their path inside the tree or archive. */
  select(relative: string): boolean;
  /** Refuse a document larger than this (bytes). */
  maxDocumentBytes?: number;
  /** In directories, look at files at most this many levels down (1: the directory's own files). */
  maxDepth?: number;
}

export const DEFAULT_MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

export function isZipPath(path: string): boolean {
  return path.toLowerCase().endsWith(".zip");
}

/** Every selected document under the inputs, in order. Symbolic links are not followed. */
export async function* feedDocuments(
  inputs: string[],
  options: FeedFileOptions,
): AsyncGenerator<FeedDocument> {
  const max = options.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  for (const input of inputs) {
    let info: Awaited<ReturnType<typeof lstat>>;
    try {
      info = await lstat(input);
    } catch (err) {
      throw new ShipshapeError("not-found", `feed input ${input} cannot be read (${describeError(err)})`);
    }
    if (info.isDirectory()) {
      yield* walk(input, "", options, max);
    } else if (info.isFile() && isZipPath(input)) {
      yield* zipDocuments(input, options, max);
    } else if (info.isFile()) {
      // A file named on its own is read whatever its name: the caller chose it.
      const name = input.split("/").at(-1) ?? input;
      yield { name: input, relative: name, bytes: await readCapped(input, info.size, max) };
    }
  }
}

async function readCapped(path: string, size: number, max: number): Promise<Buffer> {
  if (size > max) {
    throw new ShipshapeError("limit", `feed document ${path} is ${size} bytes, over the ${max}-byte cap`);
  }
  return readFile(path);
}

async function* walk(
  root: string,
  relative: string,
  options: FeedFileOptions,
  max: number,
): AsyncGenerator<FeedDocument> {
  const dir = relative ? join(root, relative) : root;
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  for (const entry of entries) {
    if (entry.name.startsWith(".")) continue; // .git, editor files
    const rel = relative ? `${relative}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (rel.split("/").length < (options.maxDepth ?? Number.POSITIVE_INFINITY))
        yield* walk(root, rel, options, max);
    } else if (entry.isFile() && options.select(rel)) {
      const path = join(root, rel);
      const info = await lstat(path);
      yield { name: path, relative: rel, bytes: await readCapped(path, info.size, max) };
    }
  }
}

async function* zipDocuments(
  path: string,
  options: FeedFileOptions,
  max: number,
): AsyncGenerator<FeedDocument> {
  const zip = await ZipFile.open(path, { maxEntryBytes: max });
  try {
    const entries = zip.entries
      .filter((e) => !e.name.endsWith("/") && options.select(e.name))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      yield { name: `${path}!${entry.name}`, relative: entry.name, bytes: await zip.read(entry) };
    }
  } finally {
    await zip.close();
  }
}

export interface DetectionLayout {
  /** The feed's documents wherever they are (what `import` reads): for a named file or a zip's entries. */
  select(relative: string): boolean;
  /** The feed's documents as they sit below the feed's own root directory ("data/osv/GO-….json"). */
  rootSelect(relative: string): boolean;
  /** How deep below the root those documents are at most. */
  maxDepth: number;
}

/**
 * A few documents that make `path` look like this feed, for `detect`: a file named like one of its
 * documents, a zip holding them, or a directory that is the feed's root (its documents at their
 * places, at most `maxDepth` down: a parent directory of the feed is not the feed). Empty when none.
 */
export async function detectionSample(
  path: string,
  layout: DetectionLayout,
  count = 3,
): Promise<FeedDocument[]> {
  const out: FeedDocument[] = [];
  let info: Awaited<ReturnType<typeof lstat>>;
  try {
    info = await lstat(path);
  } catch {
    return out;
  }
  if (info.isFile() && !isZipPath(path) && !layout.select(path.split("/").at(-1) ?? path)) return out;
  const options: FeedFileOptions = info.isDirectory()
    ? { select: (rel) => layout.rootSelect(rel), maxDepth: layout.maxDepth }
    : { select: (rel) => layout.select(rel) };
  for await (const doc of feedDocuments([path], options)) {
    out.push(doc);
    if (out.length >= count) break;
  }
  return out;
}
