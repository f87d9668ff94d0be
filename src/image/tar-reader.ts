/**
 * A streaming reader of a layer's tar, one pass, no per-member streams: headers are announced to a
 * handler, which says whether to keep the member's bytes; kept bytes arrive whole. It reads tars the
 * way container runtimes (Go's archive/tar) do: ustar/GNU/v7 headers, pax `x` records (path,
 * linkpath, size, uid, gid, mtime), GNU long names, base-256 numbers, and it stops at the first
 * end-of-archive block — what follows (an eStargz TOC, say) is not part of the filesystem. A stream
 * that ends inside a header or a member is truncated: an error, never a partial success.
 */
import { Writable } from "node:stream";
import { ShipshapeError } from "../errors.js";
import {
  hasNoData,
  isZeroBlock,
  parsePaxRecords,
  parseTarHeader,
  roundUpToBlock,
  TAR_BLOCK,
  type TarHeader,
} from "./archive/tar-header.js";

/** pax records and GNU long names larger than this are not real metadata. */
const MAX_EXTENDED_HEADER = 1024 * 1024;

export interface TarMember extends TarHeader {
  /** Bytes of data the member carries (pax size applied, 0 for links and directories). */
  size: number;
}

export interface TarHandler {
  /**
   * Called for every member in order. Return true to receive its bytes via `data` (only for a size
   * you accept to hold: that many bytes are allocated when the member spans chunks), or
   * "transient" to read them only while `data` runs (the reader may free them after). May throw.
   */
  member(member: TarMember): boolean | "transient";
  /**
   * The whole data of the member just announced, when `member` asked for it. `isView`: the bytes
   * are a view into the stream's chunk (with the reader's `views` option) or will be freed when
   * `data` returns ("transient"): copy them to keep them.
   */
  data(bytes: Buffer, isView: boolean): void;
}

type Extended = {
  kind: "pax" | "global" | "longname" | "longlink";
  size: number;
  chunks: Buffer[];
  got: number;
};

export class TarReader extends Writable {
  private readonly handler: TarHandler;
  /** Bytes of a header block split across chunks. */
  private headerParts: Buffer[] = [];
  private headerBytes = 0;
  /** Data bytes of the current member still to come, and padding after them. */
  private dataLeft = 0;
  private padLeft = 0;
  /**
   * The bytes of the member being kept: the one view of the chunk it lies in, or, when it spans
   * chunks, a buffer of its size that each piece is copied into as it passes (so the chunks can go
   * at once: collecting pieces to concatenate at the end held a large file twice).
   */
  private keep: { view: Buffer | null; whole: Buffer | null; filled: number; transient: boolean } | null =
    null;
  private extended: Extended | null = null;
  private pax: Map<string, string> | null = null;
  private longName: string | null = null;
  private longLink: string | null = null;
  private offset = 0;
  private ended = false;
  /** Members read (extended headers not counted). */
  members = 0;
  /** Non-zero bytes followed the end-of-archive marker (ignored, as runtimes ignore them). */
  trailingData = false;

  /** Hand members that fit one chunk to the handler as views (no copy); see TarHandler.data. */
  private readonly views: boolean;

  private readonly chunkDone: ((chunk: Buffer) => void) | undefined;
  private readonly freeTransient: ((bytes: Buffer) => void) | undefined;

  /**
   * @param options.chunkDone called with each chunk once it is read: the reader keeps no reference
   *   to it (pieces of headers that span chunks are copied), so its producer may reuse the memory.
   * @param options.freeTransient called with the buffer a "transient" member spanning chunks was
   *   gathered in, once `data` returned: nobody references it any more.
   */
  constructor(
    handler: TarHandler,
    options: {
      views?: boolean;
      chunkDone?: (chunk: Buffer) => void;
      freeTransient?: (bytes: Buffer) => void;
    } = {},
  ) {
    super({ highWaterMark: 1024 * 1024 });
    this.handler = handler;
    this.views = options.views ?? false;
    this.chunkDone = options.chunkDone;
    this.freeTransient = options.freeTransient;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, callback: (error?: Error | null) => void): void {
    try {
      this.consume(chunk);
      this.chunkDone?.(chunk);
      callback();
    } catch (err) {
      callback(err instanceof Error ? err : new Error(String(err)));
    }
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.ended) {
      callback();
      return;
    }
    const inHeader = this.headerBytes > 0 && !isZeroBlock(Buffer.concat(this.headerParts));
    if (this.dataLeft > 0 || this.extended || inHeader) {
      callback(new ShipshapeError("input", "unexpected end of tar stream (the layer is truncated)"));
      return;
    }
    // A stream that ends at a block boundary without end-of-archive blocks is accepted, as tar(1) does.
    callback();
  }

  private consume(chunk: Buffer): void {
    let pos = 0;
    const length = chunk.length;
    while (pos < length) {
      if (this.ended) {
        if (!this.trailingData && !isZeroBlock(chunk.subarray(pos))) this.trailingData = true;
        return;
      }
      if (this.dataLeft > 0) {
        const take = Math.min(this.dataLeft, length - pos);
        const piece = chunk.subarray(pos, pos + take);
        if (this.extended) {
          // Copied: it outlives the chunk (see chunkDone). Extended headers are small and rare.
          this.extended.chunks.push(Buffer.from(piece));
          this.extended.got += take;
        } else if (this.keep) {
          const keep = this.keep;
          if (keep.whole === null && keep.view === null && take === this.dataLeft) {
            keep.view = piece; // the whole member, in this chunk
          } else {
            // Never from Node's shared pool: a transient buffer is freed at once (freeTransient).
            keep.whole ??= Buffer.allocUnsafeSlow(this.dataLeft);
            piece.copy(keep.whole, keep.filled);
            keep.filled += take;
          }
        }
        this.dataLeft -= take;
        pos += take;
        this.offset += take;
        if (this.dataLeft === 0) this.finishData();
        continue;
      }
      if (this.padLeft > 0) {
        const take = Math.min(this.padLeft, length - pos);
        this.padLeft -= take;
        pos += take;
        this.offset += take;
        continue;
      }
      // A header block: whole in this chunk (the common case), or assembled across chunks.
      let block: Buffer;
      if (this.headerBytes === 0 && length - pos >= TAR_BLOCK) {
        block = chunk.subarray(pos, pos + TAR_BLOCK);
        pos += TAR_BLOCK;
      } else {
        const take = Math.min(TAR_BLOCK - this.headerBytes, length - pos);
        this.headerParts.push(Buffer.from(chunk.subarray(pos, pos + take)));
        this.headerBytes += take;
        pos += take;
        if (this.headerBytes < TAR_BLOCK) return;
        block = Buffer.concat(this.headerParts);
        this.headerParts = [];
        this.headerBytes = 0;
      }
      this.header(block);
      this.offset += TAR_BLOCK;
      if (this.ended && pos < length && !isZeroBlock(chunk.subarray(pos))) this.trailingData = true;
    }
  }

  private header(block: Buffer): void {
    const header = parseTarHeader(block, this.offset);
    if (header === null) {
      this.ended = true;
      return;
    }
    const flag = header.typeflag;
    if (flag === "x" || flag === "g" || flag === "L" || flag === "K") {
      if (header.size > MAX_EXTENDED_HEADER) {
        throw new ShipshapeError(
          "limit",
          `tar extended header at byte ${this.offset} is ${header.size} bytes, over the ${MAX_EXTENDED_HEADER}-byte limit`,
        );
      }
      const kind = flag === "x" ? "pax" : flag === "g" ? "global" : flag === "L" ? "longname" : "longlink";
      this.extended = { kind, size: header.size, chunks: [], got: 0 };
      this.dataLeft = header.size;
      this.padLeft = roundUpToBlock(header.size) - header.size;
      if (header.size === 0) this.finishData();
      return;
    }
    const pax = this.pax;
    const member: TarMember = { ...header };
    if (pax) {
      const path = pax.get("path");
      if (path !== undefined) member.name = path;
      const linkpath = pax.get("linkpath");
      if (linkpath !== undefined) member.linkname = linkpath;
      const size = pax.get("size");
      if (size !== undefined) {
        if (!/^\d{1,16}$/.test(size) || Number(size) > Number.MAX_SAFE_INTEGER) {
          throw new ShipshapeError(
            "input",
            `pax size ${JSON.stringify(size.slice(0, 40))} at byte ${this.offset} is not a number`,
          );
        }
        member.size = Number(size);
      }
      for (const key of ["uid", "gid"] as const) {
        const value = pax.get(key);
        if (value !== undefined && /^\d{1,16}$/.test(value)) member[key] = Number(value);
      }
      const mtime = pax.get("mtime");
      if (mtime !== undefined && /^-?\d+(\.\d+)?$/.test(mtime)) member.mtime = Math.floor(Number(mtime));
    }
    if (this.longName !== null && pax?.get("path") === undefined) member.name = this.longName;
    if (this.longLink !== null && pax?.get("linkpath") === undefined) member.linkname = this.longLink;
    this.pax = null;
    this.longName = null;
    this.longLink = null;
    // A trailing slash on a v7 regular file marks a directory.
    if (member.typeflag === "0" && member.name.endsWith("/")) member.typeflag = "5";
    if (hasNoData(member.typeflag)) member.size = 0;
    this.members++;
    const wanted = this.handler.member(member);
    this.dataLeft = member.size;
    this.padLeft = roundUpToBlock(member.size) - member.size;
    this.keep = wanted ? { view: null, whole: null, filled: 0, transient: wanted === "transient" } : null;
    if (member.size === 0) this.finishData();
  }

  private finishData(): void {
    const extended = this.extended;
    if (extended) {
      this.extended = null;
      const data = Buffer.concat(extended.chunks, extended.got);
      if (extended.kind === "pax") this.pax = parsePaxRecords(data);
      else if (extended.kind === "global")
        parsePaxRecords(data); // checked; global defaults are not applied
      else {
        const end = data.indexOf(0);
        const text = data.subarray(0, end < 0 ? data.length : end).toString("utf8");
        if (extended.kind === "longname") this.longName = text;
        else this.longLink = text;
      }
      return;
    }
    const keep = this.keep;
    this.keep = null;
    if (!keep) return;
    if (keep.whole && keep.transient) {
      this.handler.data(keep.whole, true);
      this.freeTransient?.(keep.whole);
    } else if (keep.whole) this.handler.data(keep.whole, false);
    else if (keep.view === null) this.handler.data(Buffer.alloc(0), false);
    else if (this.views) this.handler.data(keep.view, true);
    // A copy, so that a kept small member does not hold on to the whole chunk it came in.
    else this.handler.data(Buffer.from(keep.view), false);
  }
}
