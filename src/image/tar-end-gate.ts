/**
 * Stops a layer's tar stream at its end-of-archive marker, as every container runtime does (Go's
 * archive/tar, GNU tar, containerd): members after the first zero block are not part of the
 * filesystem. eStargz layers, for one, put a TOC member after that marker. tar-stream would read on,
 * so this gate walks the header chain itself (cheaply: headers only, data is counted, not parsed)
 * and passes nothing after the marker. It consumes the rest of its input, so the diffID hash upstream
 * still covers every byte. If a header does not parse, the gate steps aside and lets the tar parser
 * report the problem.
 */
import { Transform, type TransformCallback } from "node:stream";
import { isZeroBlock, parsePaxRecords, parseTarHeader, TAR_BLOCK } from "./archive/tar-header.js";

/** pax and GNU long-name data larger than this is not something we need to read. */
const MAX_EXTENDED_HEADER = 1024 * 1024;

export class TarEndGate extends Transform {
  /** Bytes still to pass before the next header (member data plus padding). */
  private dataRemaining = 0;
  /** Collecting a pax ('x'/'g') header's data to learn a size override. */
  private paxBuffer: Buffer[] | null = null;
  private paxBytes = 0;
  private nextSize: number | null = null;
  /** A partial header block carried to the next chunk. */
  private partial: Buffer | null = null;
  private offset = 0;
  private ended = false;
  private bypass = false;
  /** Non-zero bytes followed the end-of-archive marker (reported, then ignored). */
  trailingData = false;

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    if (this.bypass) {
      callback(null, chunk);
      return;
    }
    if (this.ended) {
      if (!this.trailingData && !isZeroBlock(chunk)) this.trailingData = true;
      callback();
      return;
    }
    const buf = this.partial ? Buffer.concat([this.partial, chunk]) : chunk;
    this.partial = null;
    let pos = 0;
    let passEnd = 0; // bytes of buf [0, passEnd) go downstream
    while (pos < buf.length) {
      if (this.dataRemaining > 0) {
        const take = Math.min(this.dataRemaining, buf.length - pos);
        if (this.paxBuffer && this.paxBytes > 0) {
          const want = Math.min(take, this.paxBytes);
          this.paxBuffer.push(buf.subarray(pos, pos + want));
          this.paxBytes -= want;
          if (this.paxBytes === 0) this.finishPax();
        }
        this.dataRemaining -= take;
        pos += take;
        this.offset += take;
        passEnd = pos;
        continue;
      }
      if (buf.length - pos < TAR_BLOCK) {
        this.partial = Buffer.from(buf.subarray(pos));
        break;
      }
      const block = buf.subarray(pos, pos + TAR_BLOCK);
      if (isZeroBlock(block)) {
        // End of archive: pass the marker on, swallow the rest.
        passEnd = pos + TAR_BLOCK;
        this.ended = true;
        const rest = buf.subarray(pos + TAR_BLOCK);
        if (!isZeroBlock(rest)) this.trailingData = true;
        break;
      }
      let header: ReturnType<typeof parseTarHeader>;
      try {
        header = parseTarHeader(block, this.offset);
      } catch {
        // Not ours to judge: let the tar parser see the bytes and explain.
        this.bypass = true;
        callback(null, buf);
        return;
      }
      pos += TAR_BLOCK;
      this.offset += TAR_BLOCK;
      passEnd = pos;
      if (header === null) continue;
      let size = header.size;
      const type = header.typeflag;
      // Mirror the member parser (tar-stream) exactly, or the two would disagree on where headers are:
      // a pax 'x' header's `size` overrides the next member's; a directory carries no data.
      if (type === "x") {
        if (size > 0 && size <= MAX_EXTENDED_HEADER) {
          this.paxBuffer = [];
          this.paxBytes = size;
        }
      } else if (type !== "g" && type !== "L" && type !== "K") {
        if (this.nextSize !== null) size = this.nextSize;
        this.nextSize = null;
        if (type === "5") size = 0;
      }
      this.dataRemaining = size + ((TAR_BLOCK - (size % TAR_BLOCK)) % TAR_BLOCK);
    }
    if (passEnd >= buf.length && this.partial === null) {
      callback(null, buf);
      return;
    }
    const out = buf.subarray(0, passEnd);
    callback(null, out.length > 0 ? out : undefined);
  }

  override _flush(callback: TransformCallback): void {
    if (this.partial && !this.ended) this.push(this.partial);
    this.partial = null;
    callback();
  }

  private finishPax(): void {
    const data = Buffer.concat(this.paxBuffer ?? []);
    this.paxBuffer = null;
    try {
      const size = parsePaxRecords(data).get("size");
      if (size !== undefined && /^\d+$/.test(size)) this.nextSize = Number(size);
    } catch {
      // A malformed pax record: tar-stream will have its own say.
    }
  }
}
