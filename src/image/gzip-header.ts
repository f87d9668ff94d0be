/**
 * A streaming reader of one gzip member header (RFC 1952, section 2.3), for the ISA-L inflater,
 * which is given the raw deflate data after it: ISA-L's own header parser skips the header CRC
 * check when the header is split across calls. Checked as zlib checks: magic, method 8, no
 * reserved flag bits, and the header CRC when FHCRC is set. Extra field, name and comment are
 * skipped, whatever their length, without being held.
 */
import { crc32 } from "node:zlib";

const FHCRC = 2;
const FEXTRA = 4;
const FNAME = 8;
const FCOMMENT = 16;

type Stage = "fixed" | "extra-length" | "extra" | "name" | "comment" | "crc" | "done";

export class GzipHeaderError extends Error {
  readonly code = "Z_DATA_ERROR";
}

export class GzipHeaderReader {
  private stage: Stage = "fixed";
  /** Bytes still wanted by a fixed-size stage, and the bytes gathered for it. */
  private want = 10;
  private readonly gathered = Buffer.alloc(10);
  private got = 0;
  private flags = 0;
  /** CRC-32 of the header bytes read so far (FHCRC holds its low 16 bits). */
  private crc = 0;

  get done(): boolean {
    return this.stage === "done";
  }

  /** Reads header bytes from `bytes[offset…]`; returns how many it took. Throws GzipHeaderError. */
  read(bytes: Uint8Array, offset: number): number {
    let at = offset;
    while (this.stage !== "done" && at < bytes.length) {
      if (this.stage === "name" || this.stage === "comment") {
        const zero = bytes.indexOf(0, at);
        const end = zero < 0 ? bytes.length : zero + 1;
        this.hash(bytes, at, end);
        at = end;
        if (zero >= 0) this.next();
        continue;
      }
      const take = Math.min(this.want - this.got, bytes.length - at);
      if (this.stage !== "extra") this.gathered.set(bytes.subarray(at, at + take), this.got);
      if (this.stage !== "crc") this.hash(bytes, at, at + take);
      this.got += take;
      at += take;
      if (this.got === this.want) this.complete();
    }
    return at - offset;
  }

  private hash(bytes: Uint8Array, from: number, to: number): void {
    if (this.flags & FHCRC || this.stage === "fixed") this.crc = crc32(bytes.subarray(from, to), this.crc);
  }

  private complete(): void {
    const g = this.gathered;
    switch (this.stage) {
      case "fixed":
        if (g[0] !== 0x1f || g[1] !== 0x8b) throw new GzipHeaderError("incorrect header check");
        if (g[2] !== 8) throw new GzipHeaderError("unknown compression method");
        if ((g[3]! & 0xe0) !== 0) throw new GzipHeaderError("unknown header flags set");
        this.flags = g[3]!;
        this.next();
        return;
      case "extra-length": {
        const length = g[0]! | (g[1]! << 8);
        this.stage = "extra";
        this.want = length;
        this.got = 0;
        if (length === 0) this.next();
        return;
      }
      case "extra":
        this.next();
        return;
      case "crc":
        if ((g[0]! | (g[1]! << 8)) !== (this.crc & 0xffff)) throw new GzipHeaderError("header crc mismatch");
        this.stage = "done";
        return;
      default:
        return;
    }
  }

  /** The stage after the current one, given the flags. */
  private next(): void {
    const order: Stage[] = ["fixed", "extra-length", "extra", "name", "comment", "crc", "done"];
    const present: Record<Stage, boolean> = {
      fixed: true,
      "extra-length": (this.flags & FEXTRA) !== 0,
      extra: false, // entered from extra-length only
      name: (this.flags & FNAME) !== 0,
      comment: (this.flags & FCOMMENT) !== 0,
      crc: (this.flags & FHCRC) !== 0,
      done: true,
    };
    let i = order.indexOf(this.stage === "extra" ? "extra-length" : this.stage) + 1;
    while (!present[order[i]!]) i++;
    this.stage = order[i]!;
    this.got = 0;
    this.want = this.stage === "extra-length" || this.stage === "crc" ? 2 : 0;
  }
}
