/**
 * gzip decompression on Intel's ISA-L (igzip) through shipshape's small native addon
 * (isal-addon.ts; built by `npm run build` when libisal-dev is installed). ISA-L inflates a
 * Debian layer in 0.11 s where zlib takes 0.25 s, and inflating is most of what reading an image
 * costs. Without the addon (no ISA-L on the machine, or SHIPSHAPE_INFLATE=zlib) layers are inflated
 * by node:zlib, with the same results and the same errors.
 *
 * The addon inflates on a thread of its own into output buffers lent to it here (`ahead` of them),
 * so it runs ahead while the main thread hashes and parses: node:zlib inflates one chunk, then waits
 * for the main thread to take it. Input is handed over as it comes, at most QUEUED_INPUTS chunks
 * at a time; output buffers are lent again only while the consumer reads (backpressure), so a
 * decompression bomb is never more than a few chunks ahead of the checks downstream.
 *
 * gzip framing is read here (gzip-header.ts): members follow each other (eStargz); a zero byte
 * after a member ends the gzip data, as node:zlib has it; any other byte must start a new member;
 * a stream that ends inside a member or its header is truncated.
 */
import { Transform, type TransformCallback } from "node:stream";
import { GzipHeaderReader } from "./gzip-header.js";
import type { IsalBinding, IsalHandle } from "./isal-addon.js";

/** The kinds of the addon's events. */
const IsalEvent = {
  /** value: the slot filled; length: bytes in it. */
  Output: 0,
  /** value: how many written inputs were consumed. */
  InputTaken: 1,
  /** The member's trailer checked; the thread waits for resume() or close(). */
  MemberEnd: 2,
  /** value: ISA-L's status, or -101 (input ended inside a member). */
  Error: 3,
} as const;

/** ISA-L's inflate return codes (igzip_lib.h) in the words zlib uses for the same faults. */
function describeStatus(status: number): string {
  switch (status) {
    case -1:
      return "invalid block type (ISA-L: invalid deflate block)";
    case -2:
      return "invalid code (ISA-L: invalid deflate symbol)";
    case -3:
      return "invalid distance too far back (ISA-L: invalid lookback)";
    case -6:
      return "incorrect data check (ISA-L: checksum or length mismatch)";
    default:
      return `ISA-L inflate failed with status ${status}`;
  }
}

/** Carries zlib's codes, so callers see one vocabulary whichever inflater ran. */
function inflateError(status: number): Error {
  if (status === -101) return truncated();
  return Object.assign(new Error(describeStatus(status)), { code: "Z_DATA_ERROR", errno: status });
}

function truncated(): Error {
  return Object.assign(new Error("unexpected end of file"), { code: "Z_BUF_ERROR" });
}

/**
 * Output buffers handed back (recycle) or no longer lent, for any inflater of this process to
 * fill again. One pool for all layers: a buffer that lives through a few collections is promoted
 * to V8's old generation, whose garbage waits for a full collection, so a pool per stream left
 * about 2 MB behind per layer read.
 */
const pool: Buffer[] = [];
const POOL_MAX = 32;

function takeBuffer(size: number): Buffer {
  const buffer = pool.pop();
  if (buffer !== undefined && buffer.length === size) return buffer;
  // Never a slice of Node's shared pool: each buffer must own its memory, which is its identity.
  return Buffer.allocUnsafeSlow(size);
}

function releaseBuffer(buffer: Buffer): void {
  if (pool.length < POOL_MAX) pool.push(buffer);
}

/** Written inputs the inflater may hold before the stream waits for it (input backpressure). */
const QUEUED_INPUTS = 2;

export class IsalGunzip extends Transform {
  private readonly isal: IsalBinding;
  private readonly handle: IsalHandle;
  private readonly chunkSize: number;
  /** Output buffers lent to the inflater, by slot. */
  private readonly lent = new Map<number, Buffer>();
  /**
   * Output buffers handed downstream and not yet handed back (recycle), by their memory. Weak: a
   * consumer that never recycles leaves garbage, as with node:zlib, not a growing map.
   */
  private outstanding = new WeakMap<ArrayBufferLike, Buffer>();
  private nextSlot = 0;
  /** Buffers to lend again once the consumer reads (backpressure). */
  private owed = 0;
  /** Inputs written to the inflater and not yet taken: held here, since it reads them in place. */
  private readonly queued: Buffer[] = [];
  /** The transform callback held while the inflater's input queue is full. */
  private heldInput: TransformCallback | null = null;
  /** _flush's callback, called when the last member ends (or with the error). */
  private flushed: TransformCallback | null = null;
  /** Reading a member header here (at the start, and after a member's end), else null. */
  private header: GzipHeaderReader | null = new GzipHeaderReader();
  /** The inflater is paused after a member's end: input is read here until the next header. */
  private betweenMembers = false;
  /** A zero byte followed a member: the rest of the stream is padding. */
  private padding = false;
  private inputEnded = false;
  private failed = false;
  /** The notifier keeps the event loop alive: only while this stream waits for the thread. */
  private referenced = false;

  private readonly inputDone: ((chunk: Buffer) => void) | undefined;

  /**
   * @param options.ahead output buffers of `chunkSize` lent to the inflater at once: how far it may
   *   run ahead of the consumer. 2, 4 and 8 measure the same time; 2 uses 4–5 MB less on sbom of
   *   debian12-app (two layers at once).
   * @param options.inputDone called with each input chunk the inflater has consumed and no longer
   *   references (the stream that produced it may reuse its memory).
   */
  constructor(
    isal: IsalBinding,
    chunkSize: number,
    options: { ahead?: number; inputDone?: (chunk: Buffer) => void } = {},
  ) {
    // Hold about one inflated chunk on the readable side, as node:zlib does, so that backpressure
    // from the consumer stops lending buffers at once.
    super({ readableHighWaterMark: chunkSize });
    this.isal = isal;
    this.chunkSize = chunkSize;
    this.inputDone = options.inputDone;
    this.handle = isal.create((kind, value, length) => this.onEvent(kind, value, length));
    isal.unref(this.handle);
    for (let i = 0; i < (options.ahead ?? 2); i++) this.lend();
  }

  /**
   * A chunk this stream pushed, handed back by the last consumer, which keeps no reference to it:
   * its memory is lent to the inflater again. Without recycling every chunk is a new buffer, and
   * dead ones wait for the garbage collector: with a fast inflater and little other allocation to
   * trigger it, tens of MB of them.
   */
  recycle(chunk: Buffer): void {
    const buffer = this.outstanding.get(chunk.buffer);
    if (buffer === undefined) return;
    this.outstanding.delete(chunk.buffer);
    releaseBuffer(buffer);
  }

  /**
   * Keep the process alive while the thread has input to inflate or the stream's end to reach,
   * and not otherwise: a dropped, idle inflater must not keep Node from exiting.
   */
  private updateRef(): void {
    const waiting = !this.destroyed && (this.queued.length > 0 || this.flushed !== null);
    if (waiting === this.referenced) return;
    this.referenced = waiting;
    if (waiting) this.isal.ref(this.handle);
    else this.isal.unref(this.handle);
  }

  private lend(): void {
    const slot = this.nextSlot++;
    const buffer = takeBuffer(this.chunkSize);
    this.lent.set(slot, buffer);
    this.isal.provide(this.handle, buffer, slot);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    if (this.betweenMembers || this.header !== null) {
      const err = this.readBetween(chunk);
      callback(err);
      return;
    }
    this.toInflater(chunk, 0, callback);
  }

  /** Hand `chunk[offset…]` to the inflater; hold the callback while its queue is full. */
  private toInflater(chunk: Buffer, offset: number, callback: TransformCallback | null): void {
    if (offset < chunk.length) {
      this.isal.write(this.handle, chunk, offset, chunk.length - offset);
      this.queued.push(chunk);
      this.updateRef();
    }
    if (callback === null) return;
    if (this.queued.length < QUEUED_INPUTS) callback();
    else this.heldInput = callback;
  }

  /**
   * Input while no member is open: padding, or a member header (read here), whose deflate data
   * then goes to the inflater. Returns an error for a bad header.
   */
  private readBetween(bytes: Buffer): Error | null {
    let at = 0;
    if (this.padding) return null;
    if (this.header === null) {
      if (bytes.length === 0) return null;
      // After a member, a zero byte ends the gzip data and what follows is ignored, as node:zlib
      // does (the blob's digest still covers it); any other byte must start the next member.
      if (bytes[0] === 0) {
        this.padding = true;
        return null;
      }
      this.header = new GzipHeaderReader();
    }
    try {
      at = this.header.read(bytes, 0);
    } catch (err) {
      return err as Error;
    }
    if (!this.header.done) return null;
    this.header = null;
    this.toInflater(bytes, at, null);
    if (this.betweenMembers) {
      this.betweenMembers = false;
      this.isal.resume(this.handle);
    }
    if (this.inputEnded) this.isal.end(this.handle);
    return null;
  }

  override _flush(callback: TransformCallback): void {
    this.inputEnded = true;
    if (this.padding || (this.betweenMembers && this.header === null)) {
      callback();
      return;
    }
    if (this.header !== null) {
      // Ended in (or before) a member header: nothing at all is as truncated as half a header.
      callback(truncated());
      return;
    }
    this.flushed = callback;
    this.updateRef();
    this.isal.end(this.handle);
  }

  override _read(size: number): void {
    while (this.owed > 0 && !this.failed) {
      this.owed--;
      this.lend();
    }
    super._read(size);
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.isal.close(this.handle);
    // The thread is joined: the lent buffers are free. Chunks still downstream come back through
    // recycle(), or are garbage.
    for (const buffer of this.lent.values()) releaseBuffer(buffer);
    this.lent.clear();
    this.outstanding = new WeakMap();
    this.inputsTaken(this.queued.length);
    callback(err);
  }

  private onEvent(kind: number, value: number, length: number): void {
    if (this.failed || this.destroyed) return;
    try {
      this.handleEvent(kind, value, length);
    } catch (err) {
      // A consumer's 'data' listener threw while a chunk was pushed: the stream fails with its
      // error, as it would from node:zlib's callback, instead of losing the events after it.
      this.fail(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private handleEvent(kind: number, value: number, length: number): void {
    switch (kind) {
      case IsalEvent.Output: {
        const buffer = this.lent.get(value);
        this.lent.delete(value);
        if (buffer === undefined) return;
        if (length > 0) this.outstanding.set(buffer.buffer, buffer);
        const more =
          length === 0 || this.push(length === buffer.length ? buffer : buffer.subarray(0, length));
        if (more) this.lend();
        else this.owed++;
        return;
      }
      case IsalEvent.InputTaken: {
        this.inputsTaken(value);
        this.releaseInput();
        return;
      }
      case IsalEvent.MemberEnd:
        this.memberEnded();
        return;
      default:
        this.fail(inflateError(value));
    }
  }

  private inputsTaken(count: number): void {
    const taken = this.queued.splice(0, count);
    if (this.inputDone) for (const chunk of taken) this.inputDone(chunk);
    this.updateRef();
  }

  private releaseInput(): void {
    const held = this.heldInput;
    if (held !== null && this.queued.length < QUEUED_INPUTS) {
      this.heldInput = null;
      held();
    }
  }

  /** The inflater paused after a member: what it has not read is padding or the next member. */
  private memberEnded(): void {
    const rest = this.isal.takeRest(this.handle); // a copy
    this.inputsTaken(this.queued.length);
    this.betweenMembers = true;
    const err = this.readBetween(rest);
    if (err) {
      this.fail(err);
      return;
    }
    this.releaseInput();
    if (this.inputEnded && this.betweenMembers) {
      // No member follows: the stream is complete, unless a header was cut off.
      const flushed = this.flushed;
      this.flushed = null;
      this.updateRef();
      flushed?.(this.header === null ? null : truncated());
    }
  }

  private fail(err: Error): void {
    this.failed = true;
    const callback = this.flushed ?? this.heldInput;
    this.flushed = null;
    this.heldInput = null;
    this.updateRef();
    if (callback) callback(err);
    else this.destroy(err);
  }
}
