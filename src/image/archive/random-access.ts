/**
 * Positional reads over a file or an in-memory buffer, so that the tar indexer can jump from header
 * to header without reading member data, and stay a pure function over bytes in tests and fuzzing.
 */
import { open } from "node:fs/promises";

export interface RandomAccessSource {
  readonly size: number;
  /** Exactly `min(length, size - offset)` bytes starting at `offset`. */
  read(offset: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

export function bufferSource(bytes: Uint8Array): RandomAccessSource {
  return {
    size: bytes.length,
    read: async (offset, length) => bytes.subarray(offset, Math.min(bytes.length, offset + length)),
    close: async () => {},
  };
}

/** Reads ahead in windows so that consecutive small headers cost one syscall, not one each. */
const WINDOW = 64 * 1024;

export async function openFileSource(path: string): Promise<RandomAccessSource> {
  const handle = await open(path, "r");
  try {
    const { size } = await handle.stat();
    let windowStart = -1;
    let window: Uint8Array = new Uint8Array(0);
    let closed = false;
    const readExact = async (offset: number, length: number): Promise<Uint8Array> => {
      const buf = Buffer.alloc(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(buf, done, length - done, offset + done);
        if (bytesRead === 0) break; // the file shrank under us; the caller sees a short read
        done += bytesRead;
      }
      return buf.subarray(0, done);
    };
    return {
      size,
      async read(offset, length) {
        if (closed) throw new Error("read after close");
        const want = Math.max(0, Math.min(length, size - offset));
        if (want === 0) return new Uint8Array(0);
        if (windowStart >= 0 && offset >= windowStart && offset + want <= windowStart + window.length) {
          return window.subarray(offset - windowStart, offset - windowStart + want);
        }
        if (want > WINDOW) return readExact(offset, want);
        window = await readExact(offset, Math.min(WINDOW, size - offset));
        windowStart = offset;
        return window.subarray(0, Math.min(want, window.length));
      },
      async close() {
        if (closed) return;
        closed = true;
        await handle.close();
      },
    };
  } catch (err) {
    await handle.close();
    throw err;
  }
}
