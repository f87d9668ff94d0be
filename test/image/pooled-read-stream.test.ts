/**
 * The pooled read stream behind archive layer blobs (src/image/archive/pooled-read-stream.ts): it
 * reads exactly the byte range fs.createReadStream reads, reuses only chunks released to it (a
 * chunk still held keeps its bytes), ends early on a short file, and stops on abort.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PooledReadStream } from "../../src/image/archive/pooled-read-stream.js";

const dir = mkdtempSync(join(tmpdir(), "shipshape-pooled-"));
const file = join(dir, "blob.bin");
const content = randomBytes(3 * 256 * 1024 + 12_345);
writeFileSync(file, content);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function collect(stream: PooledReadStream, release: boolean): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    chunks.push(release ? Buffer.from(chunk as Buffer) : (chunk as Buffer));
    if (release) stream.release(chunk as Buffer);
  }
  return chunks;
}

describe("PooledReadStream", () => {
  it("reads the byte range, whether its chunks are released or kept", async () => {
    for (const [start, length] of [
      [0, content.length],
      [1, 256 * 1024],
      [100_000, 500_001],
      [content.length - 7, 7],
      [5, 0],
    ] as const) {
      const expected = content.subarray(start, start + length);
      const released = await collect(new PooledReadStream(file, start, length), true);
      expect(Buffer.concat(released).equals(expected)).toBe(true);
      const kept = await collect(new PooledReadStream(file, start, length), false);
      expect(Buffer.concat(kept).equals(expected)).toBe(true);
    }
  });

  it("reuses released memory and never memory still held", async () => {
    const first = new PooledReadStream(file, 0, content.length);
    const held: Buffer[] = [];
    for await (const chunk of first) held.push(chunk as Buffer);
    // None was released: another stream must not read into them.
    const second = new PooledReadStream(file, 256 * 1024, 2 * 256 * 1024);
    for await (const chunk of second) second.release(chunk as Buffer);
    expect(Buffer.concat(held).equals(content)).toBe(true);
    // Released chunks are read into again by the next stream.
    const seen = new Set<ArrayBufferLike>();
    const third = new PooledReadStream(file, 0, content.length);
    for await (const chunk of third) {
      seen.add((chunk as Buffer).buffer);
      third.release(chunk as Buffer);
    }
    expect(seen.size).toBeLessThan(4);
  });

  it("ends where the file ends when the range runs past it", async () => {
    const chunks = await collect(new PooledReadStream(file, content.length - 10, 1000), true);
    expect(Buffer.concat(chunks).equals(content.subarray(content.length - 10))).toBe(true);
  });

  it("fails on a missing file and stops on abort", async () => {
    await expect(collect(new PooledReadStream(join(dir, "missing"), 0, 10), true)).rejects.toThrow(/ENOENT/);
    const controller = new AbortController();
    const stream = new PooledReadStream(file, 0, content.length, controller.signal);
    const reading = collect(stream, true);
    controller.abort();
    await expect(reading).rejects.toThrow(/abort/i);
  });
});
