/**
 * gzip decompression on Intel's ISA-L (igzip) through shipshape's small native addon
 * (native/isal-inflate, built by `npm run build` when libisal-dev is installed). ISA-L inflates a
 * Debian layer in 0.11 s where zlib takes 0.25 s, and inflating is most of what reading an image
 * costs. Without the addon (no ISA-L on the machine, or SHIPSHAPE_INFLATE=zlib) layers are inflated
 * by node:zlib, with the same results and the same errors.
 *
 * The stream behaves as node:zlib's Gunzip does: one inflate call at a time runs on the thread pool
 * while the main thread works on the previous chunk; gzip members follow each other (eStargz);
 * a zero byte after a member ends the gzip data, any other byte must start a new member; a stream that ends
 * inside a member is truncated; backpressure is honoured, so a decompression bomb never gets ahead
 * of the checks downstream by more than one chunk.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { Transform, type TransformCallback } from "node:stream";
import { packageFile } from "../package-files.js";
import { GzipHeaderReader } from "./gzip-header.js";

/** The addon's functions (native/isal-inflate/isal_inflate.c). */
export interface IsalBinding {
  create(): IsalHandle;
  reset(handle: IsalHandle): void;
  inflate(
    handle: IsalHandle,
    input: Uint8Array,
    inOffset: number,
    inLength: number,
    output: Uint8Array,
    outOffset: number,
    outLength: number,
    callback: (status: number, consumed: number, produced: number, memberEnded: boolean) => void,
  ): void;
}

declare const isalHandle: unique symbol;
export type IsalHandle = { readonly [isalHandle]: true };

/** Where `npm run build` puts the addon (scripts/build-native.mjs). */
export const ISAL_ADDON_PATH = ["dist", "native", "isal_inflate.node"] as const;

let binding: IsalBinding | null | undefined;

/**
 * The addon, or null when it is not built, cannot load (libisal missing at run time), or
 * SHIPSHAPE_INFLATE=zlib asks for node:zlib.
 */
export function loadIsal(): IsalBinding | null {
  if (binding !== undefined) return binding;
  binding = null;
  if (process.env.SHIPSHAPE_INFLATE === "zlib") return binding;
  const path = packageFile(...ISAL_ADDON_PATH);
  if (!existsSync(path)) return binding;
  try {
    binding = createRequire(import.meta.url)(path) as IsalBinding;
  } catch {
    // Built on a machine with libisal, run on one without it: zlib does the same work.
    binding = null;
  }
  return binding;
}

/** ISA-L's inflate return codes (igzip_lib.h) in the words zlib uses for the same faults. */
function describeStatus(status: number): string {
  switch (status) {
    case -1:
      return "invalid block type (ISA-L: invalid deflate block)";
    case -2:
      return "invalid code (ISA-L: invalid deflate symbol)";
    case -3:
      return "invalid distance too far back (ISA-L: invalid lookback)";
    case -4:
      return "incorrect header check (ISA-L: invalid gzip header)";
    case -5:
      return "unknown compression method (ISA-L: unsupported method)";
    case -6:
      return "incorrect data check (ISA-L: checksum or length mismatch)";
    case -100:
      return "inflate was cancelled";
    default:
      return `ISA-L inflate failed with status ${status}`;
  }
}

/** Carries zlib's code for corrupt data, so callers see one vocabulary whichever inflater ran. */
function inflateError(status: number): Error {
  return Object.assign(new Error(describeStatus(status)), { code: "Z_DATA_ERROR", errno: status });
}

function truncated(): Error {
  return Object.assign(new Error("unexpected end of file"), { code: "Z_BUF_ERROR" });
}

const EMPTY = Buffer.alloc(0);

export class IsalGunzip extends Transform {
  private readonly isal: IsalBinding;
  private readonly handle: IsalHandle;
  private readonly chunkSize: number;
  private out: Buffer;
  private outOffset = 0;
  /** The current member reached its end (trailer checked); what follows is padding or a member. */
  private memberEnded = false;
  /** No byte of a member has been consumed yet (nothing at all is a truncated stream). */
  private memberStarted = false;
  private sawMember = false;
  /** The current member's header, read here: ISA-L is given the deflate data and the trailer. */
  private header = new GzipHeaderReader();
  /** A zero byte followed a member: the rest of the stream is padding. */
  private padding = false;
  private resumeAfterRead: (() => void) | null = null;

  constructor(isal: IsalBinding, chunkSize: number) {
    // Hold about one inflated chunk on the readable side, as node:zlib does, so that backpressure
    // from the consumer stops inflating at once.
    super({ readableHighWaterMark: chunkSize });
    this.isal = isal;
    this.handle = isal.create();
    this.chunkSize = chunkSize;
    this.out = Buffer.allocUnsafe(chunkSize);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.feed(chunk, 0, false, callback);
  }

  override _flush(callback: TransformCallback): void {
    this.feed(EMPTY, 0, true, callback);
  }

  override _read(size: number): void {
    const resume = this.resumeAfterRead;
    if (resume) {
      this.resumeAfterRead = null;
      resume();
    }
    super._read(size);
  }

  /** Inflate `input` from `offset`; `final` means no input follows. Calls `done` once. */
  private feed(input: Buffer, offset: number, final: boolean, done: TransformCallback): void {
    let at = offset;
    if (this.padding) {
      done();
      return;
    }
    if (this.memberEnded && at < input.length) {
      // After a member, a zero byte ends the gzip data and what follows is ignored, as node:zlib
      // does (the blob's digest still covers it); any other byte must start the next member.
      if (input[at] === 0) {
        this.padding = true;
        done();
        return;
      }
      this.isal.reset(this.handle);
      this.memberEnded = false;
      this.memberStarted = false;
      this.header = new GzipHeaderReader();
    }
    if (!this.header.done && at < input.length) {
      try {
        at += this.header.read(input, at);
      } catch (err) {
        done(err as Error);
        return;
      }
      this.memberStarted = true;
      this.sawMember = true;
    }
    if (at === input.length && !final) {
      done();
      return;
    }
    if (at === input.length && final && !this.memberStarted) {
      // Nothing at all, or padding only after complete members.
      done(this.sawMember ? null : truncated());
      return;
    }
    if (!this.header.done) {
      done(truncated());
      return;
    }
    const out = this.out;
    const outOffset = this.outOffset;
    this.isal.inflate(
      this.handle,
      input,
      at,
      input.length - at,
      out,
      outOffset,
      out.length - outOffset,
      (status, consumed, produced, memberEnded) => {
        if (status < 0) {
          done(inflateError(status));
          return;
        }
        let bufferFull = false;
        if (produced > 0) {
          bufferFull = !this.push(out.subarray(outOffset, outOffset + produced));
          this.outOffset += produced;
          if (this.outOffset === out.length) {
            this.out = Buffer.allocUnsafe(this.chunkSize);
            this.outOffset = 0;
          }
        }
        const next = at + consumed;
        if (memberEnded) this.memberEnded = true;
        const progress = consumed > 0 || produced > 0 || memberEnded;
        if (!progress) {
          // The inflater needs more input than there is.
          if (final) done(truncated());
          else done();
          return;
        }
        // More to do: input left, or output that did not fit (the inflater keeps it), or the end of
        // the stream, where a member still open is truncated (the next call makes no progress).
        const outputFull = produced === out.length - outOffset;
        const more = next < input.length || (!memberEnded && (outputFull || final));
        if (!more) {
          done();
          return;
        }
        const proceed = () => this.feed(input, next, final, done);
        if (bufferFull) this.resumeAfterRead = proceed;
        else proceed();
      },
    );
  }
}
