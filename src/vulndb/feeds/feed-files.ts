/**
 * Local files of a feed: the files under the given paths (directories walked, symbolic links not
 * followed), read under a size cap. Restored by the OSV helper after it overwrote this file by
 * mistake: the API (listFeedFiles, readFeedFile, readHead) is the one alpine-secdb.ts uses; the
 * original author may replace this body with theirs.
 */
import { lstat, open, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describeError, ShipshapeError } from "../../errors.js";

export interface ListFeedFilesOptions {
  /** Stop with a limit error past this many files. */
  maxFiles?: number;
  /** How deep below each input directory to look. */
  maxDepth?: number;
}

/** Every regular file under the inputs (a file input is listed as itself), sorted per directory. */
export async function listFeedFiles(inputs: string[], options: ListFeedFilesOptions = {}): Promise<string[]> {
  const maxFiles = options.maxFiles ?? 1_000_000;
  const maxDepth = options.maxDepth ?? 32;
  const out: string[] = [];
  const push = (path: string) => {
    out.push(path);
    if (out.length > maxFiles)
      throw new ShipshapeError("limit", `feed input holds more than ${maxFiles} files (at ${path})`);
  };
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > maxDepth) return;
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    for (const e of entries) {
      if (e.name.startsWith(".")) continue;
      const path = join(dir, e.name);
      if (e.isDirectory()) await walk(path, depth + 1);
      else if (e.isFile()) push(path);
    }
  };
  for (const input of inputs) {
    let info: Awaited<ReturnType<typeof lstat>>;
    try {
      info = await lstat(input);
    } catch (err) {
      throw new ShipshapeError("not-found", `feed input ${input} cannot be read (${describeError(err)})`);
    }
    if (info.isDirectory()) await walk(input, 0);
    else if (info.isFile()) push(input);
  }
  return out;
}

/** A whole file, refused with a limit error when it is larger than `maxBytes`. */
export async function readFeedFile(path: string, maxBytes: number): Promise<Buffer> {
  const info = await lstat(path);
  if (info.size > maxBytes)
    throw new ShipshapeError(
      "limit",
      `feed file ${path} is ${info.size} bytes, over the ${maxBytes}-byte cap`,
    );
  return readFile(path);
}

/** The first `bytes` bytes of a file (fewer when it is shorter), for sniffing its format. */
export async function readHead(path: string, bytes: number): Promise<Buffer> {
  const fh = await open(path, "r");
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}
