/**
 * Temporary space for archives that cannot be read in place: a whole-file-gzipped `docker save`
 * (`docker save | gzip`, as trivy's fixtures are) is decompressed once into a private directory
 * under OpenOptions.tempDir, so that its members can then be served as byte ranges like any tar.
 * The decompressed size is capped (a bomb stops with a "limit" error), and the directory is
 * removed by the image's close() and on every error path.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { describeError, ShipshapeError } from "../../errors.js";

export interface TempArea {
  dir: string;
  /** Remove the directory and everything in it. Idempotent. */
  remove(): Promise<void>;
}

export async function createTempArea(base?: string): Promise<TempArea> {
  const root = base ?? tmpdir();
  let dir: string;
  try {
    dir = await mkdtemp(join(root, "shipshape-"));
  } catch (err) {
    throw new ShipshapeError(
      "input",
      `cannot create a temporary directory under ${root}: ${describeError(err)}`,
    );
  }
  let removed = false;
  return {
    dir,
    async remove() {
      if (removed) return;
      removed = true;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const GiB = 1024 ** 3;

/**
 * How much a gzipped archive may expand on disk: 100× its compressed size (real image tars
 * compress 2–5×), at least 1 GiB, at most 64 GiB.
 */
export function spoolLimitFor(compressedBytes: number): number {
  return Math.min(64 * GiB, Math.max(1 * GiB, compressedBytes * 100));
}

class ByteLimit extends Transform {
  count = 0;
  constructor(
    private readonly limit: number,
    private readonly what: string,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.count += chunk.length;
    if (this.count > this.limit) {
      callback(
        new ShipshapeError(
          "limit",
          `${this.what} expands to more than ${this.limit} bytes when decompressed; refusing to spool it (decompression bomb?)`,
        ),
      );
      return;
    }
    callback(null, chunk);
  }
}

/** Decompress gzip file `source` into `dest` (created exclusively, mode 0600). Returns the byte count. */
export async function gunzipToFile(
  source: string,
  dest: string,
  limit: number,
  what: string,
  signal?: AbortSignal,
): Promise<number> {
  const counter = new ByteLimit(limit, what);
  try {
    await pipeline(
      createReadStream(source),
      createGunzip(),
      counter,
      createWriteStream(dest, { flags: "wx", mode: 0o600 }),
      signal ? { signal } : {},
    );
  } catch (err) {
    if (err instanceof ShipshapeError) throw err;
    if ((err as { name?: string }).name === "AbortError") throw err;
    throw new ShipshapeError(
      "input",
      `${what} is gzip-compressed but cannot be decompressed: ${describeError(err)}`,
    );
  }
  return counter.count;
}
