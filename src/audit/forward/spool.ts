/**
 * A bounded on-disk queue of documents waiting for the log store: NDJSON segment files in one
 * directory, appended with fsync (a document is durable before enqueue resolves), read oldest first.
 * When the size cap would be exceeded, whole oldest segments are dropped and the documents counted,
 * never silently. Segments are rewritten (temp file + rename) when part of one was delivered.
 * Appends and sealing are serialised: once `seal()` returns, no append touches the sealed
 * segments, so a drain can rewrite them without losing documents appended meanwhile.
 */
import { mkdirSync } from "node:fs";
import { open, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describeError, ShipshapeError } from "../../errors.js";

export interface SpoolDocument {
  /** Target index. */
  index: string;
  /** Document id (deterministic, so a resend after a lost acknowledgement is recognised). */
  id: string;
  doc: Record<string, unknown>;
}

export interface SpoolOptions {
  /** Most bytes kept on disk (default 256 MiB). */
  maxBytes?: number;
  /** A segment is closed at this size (default 1 MiB). */
  segmentBytes?: number;
}

const SEGMENT = /^seg-(\d{12})\.ndjson$/;

export class Spool {
  readonly dir: string;
  private readonly maxBytes: number;
  private readonly segmentBytes: number;
  private next = 0;
  private current: string | undefined;
  private currentBytes = 0;
  /** Documents dropped because the cap was reached, since this spool was opened. */
  dropped = 0;
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(dir: string, options: SpoolOptions) {
    this.dir = dir;
    this.maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
    this.segmentBytes = options.segmentBytes ?? 1024 * 1024;
  }

  static async open(dir: string, options: SpoolOptions = {}): Promise<Spool> {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const spool = new Spool(dir, options);
      const names = await spool.segments();
      const last = names.at(-1);
      spool.next = last === undefined ? 0 : Number(SEGMENT.exec(last)?.[1]) + 1;
      // Leftover temp files of an interrupted rewrite hold nothing the segment does not.
      for (const name of await readdir(dir))
        if (name.endsWith(".tmp")) await rm(join(dir, name), { force: true });
      return spool;
    } catch (err) {
      throw new ShipshapeError("input", `cannot use the forwarding spool ${dir}: ${describeError(err)}`, {
        cause: err,
      });
    }
  }

  /** Segment file names, oldest first. */
  async segments(): Promise<string[]> {
    return (await readdir(this.dir)).filter((n) => SEGMENT.test(n)).sort();
  }

  async sizeBytes(): Promise<number> {
    let total = 0;
    for (const name of await this.segments()) total += (await stat(join(this.dir, name))).size;
    return total;
  }

  /** Runs fn after every earlier locked operation finished. */
  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => {});
    return run;
  }

  /** Appends documents durably; drops oldest segments first when the cap would be exceeded. */
  append(docs: SpoolDocument[]): Promise<{ dropped: number }> {
    return this.locked(() => this.appendNow(docs));
  }

  /** Closes the current segment; returns every closed segment, oldest first (what a drain may take). */
  seal(): Promise<string[]> {
    return this.locked(async () => {
      this.rotate();
      return this.segments();
    });
  }

  private async appendNow(docs: SpoolDocument[]): Promise<{ dropped: number }> {
    if (docs.length === 0) return { dropped: 0 };
    const text = `${docs.map((d) => JSON.stringify(d)).join("\n")}\n`;
    const bytes = Buffer.byteLength(text);
    if (bytes > this.maxBytes) {
      throw new ShipshapeError(
        "limit",
        `a batch of ${bytes} bytes does not fit the forwarding spool's cap of ${this.maxBytes} bytes; raise the cap`,
      );
    }
    let dropped = 0;
    let size = await this.sizeBytes();
    for (const name of await this.segments()) {
      if (size + bytes <= this.maxBytes) break;
      const path = join(this.dir, name);
      const content = await readFile(path, "utf8");
      dropped += content.split("\n").filter((l) => l !== "").length;
      size -= Buffer.byteLength(content);
      await rm(path, { force: true });
      if (name === this.current) this.current = undefined;
    }
    this.dropped += dropped;
    if (this.current === undefined || this.currentBytes + bytes > this.segmentBytes) this.rotate();
    const handle = await open(join(this.dir, this.current as string), "a", 0o600);
    try {
      await handle.appendFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    this.currentBytes += bytes;
    return { dropped };
  }

  /** Starts a new segment for later appends, so the ones before can be drained whole. */
  private rotate(): void {
    this.current = `seg-${String(this.next++).padStart(12, "0")}.ndjson`;
    this.currentBytes = 0;
  }

  async read(name: string): Promise<SpoolDocument[]> {
    const text = await readFile(join(this.dir, name), "utf8").catch(() => "");
    const docs: SpoolDocument[] = [];
    for (const line of text.split("\n")) {
      if (line === "") continue;
      try {
        const d = JSON.parse(line) as SpoolDocument;
        if (typeof d.index === "string" && typeof d.id === "string" && d.doc && typeof d.doc === "object")
          docs.push(d);
      } catch {
        // A torn last line (a crash mid-append before fsync) is not a document anyone was promised.
      }
    }
    return docs;
  }

  /**
   * Replaces a sealed segment's content with what is left of it (removes it when nothing is). A
   * segment the cap dropped meanwhile stays dropped: its documents were already counted as lost.
   */
  replace(name: string, left: SpoolDocument[]): Promise<void> {
    return this.locked(async () => {
      const path = join(this.dir, name);
      if (left.length === 0) {
        await rm(path, { force: true });
        return;
      }
      if (
        !(await stat(path).then(
          () => true,
          () => false,
        ))
      )
        return;
      const tmp = `${path}.tmp`;
      await writeFile(tmp, `${left.map((d) => JSON.stringify(d)).join("\n")}\n`, { mode: 0o600 });
      await rename(tmp, path);
    });
  }
}
