/**
 * A read stream over a byte range of a file (a layer blob inside an image archive) whose chunks can
 * be handed back once their last reader is done with them, to be read into again.
 *
 * Why: every chunk of fs.createReadStream is a new 256 KiB buffer. Reading a layer allocates
 * little else for the garbage collector to notice, so dead chunks pile up between collections:
 * about 20 MB on a 2 GiB image, most of its peak memory above the small images'. The ISA-L
 * inflater reports when it has consumed a chunk (isal-gunzip.ts), and the layer reader releases it
 * here; chunks nobody releases (node:zlib's, say) are garbage as before.
 */
import { close, open, read } from "node:fs";
import { addAbortSignal, Readable } from "node:stream";

const CHUNK = 256 * 1024;
/** Free chunks kept for any stream of this process: a few layers' worth of read-ahead. */
const POOL_MAX = 16;
const pool: Buffer[] = [];

export class PooledReadStream extends Readable {
  private readonly path: string;
  private position: number;
  /** One past the last byte to read. */
  private readonly end: number;
  private fd: number | null = null;
  /**
   * Chunks pushed and not yet released, by their memory. Weak: a chunk nobody releases (a plain or
   * zstd layer, or node:zlib's) is garbage as soon as its reader drops it, as with fs streams.
   */
  private outstanding = new WeakMap<ArrayBufferLike, Buffer>();

  constructor(path: string, start: number, length: number, signal?: AbortSignal) {
    super({ highWaterMark: CHUNK });
    this.path = path;
    this.position = start;
    this.end = start + length;
    if (signal) addAbortSignal(signal, this);
  }

  override _construct(callback: (error?: Error | null) => void): void {
    open(this.path, "r", (err, fd) => {
      if (err) {
        callback(err);
        return;
      }
      this.fd = fd;
      callback();
    });
  }

  override _read(): void {
    const want = Math.min(CHUNK, this.end - this.position);
    if (want <= 0 || this.fd === null) {
      this.push(null);
      return;
    }
    const buffer = pool.pop() ?? Buffer.allocUnsafe(CHUNK);
    read(this.fd, buffer, 0, want, this.position, (err, bytesRead) => {
      if (err) {
        this.destroy(err);
        return;
      }
      if (bytesRead === 0) {
        // The file is shorter than the range: the reader's size check says so.
        this.push(null);
        return;
      }
      this.position += bytesRead;
      this.outstanding.set(buffer.buffer, buffer);
      this.push(bytesRead === CHUNK ? buffer : buffer.subarray(0, bytesRead));
    });
  }

  /**
   * A chunk this stream pushed that nobody references any more (the caller vouches for that): its
   * memory is read into again. Unknown chunks are ignored.
   */
  release(chunk: Uint8Array): void {
    const buffer = this.outstanding.get(chunk.buffer);
    if (buffer === undefined) return;
    this.outstanding.delete(chunk.buffer);
    if (pool.length < POOL_MAX) pool.push(buffer);
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.outstanding = new WeakMap();
    if (this.fd === null) {
      callback(err);
      return;
    }
    const fd = this.fd;
    this.fd = null;
    close(fd, () => callback(err));
  }
}
