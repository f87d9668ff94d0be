/**
 * A minimal ELF writer for tests: an ELF header, one PT_LOAD segment per section that has an
 * address, the sections' bytes, a section-name table and the section headers. 32/64-bit, either
 * byte order. SYNTHETIC ON PURPOSE: there is no Go toolchain older than 1.18 (pointer-format build
 * info), no 32-bit big-endian Go build and no cargo-auditable (no crates.io) on these machines, so
 * the tests write the exact layouts those tools produce. The layouts follow the ELF specification
 * (`readelf -S -l` reads the output, and Go 1.19's `go version -m` prints the same build info from
 * both formats as our reader: checked when this builder was written); real binaries are
 * covered separately (the fixtures' Go binaries, the host's Go programs, objcopy-made sections).
 */

export interface BuiltSection {
  name: string;
  data: Buffer;
  /** Virtual address; when set, a PT_LOAD segment maps the section's bytes there. */
  addr?: number;
  /** Segment flags (PF_X=1, PF_W=2, PF_R=4); default readable + writable. */
  flags?: number;
  /** Section type (default SHT_PROGBITS = 1). */
  type?: number;
}

export interface ElfOptions {
  is64?: boolean;
  littleEndian?: boolean;
  sections: BuiltSection[];
}

class Writer {
  readonly buf: Buffer;
  constructor(
    size: number,
    readonly le: boolean,
  ) {
    this.buf = Buffer.alloc(size);
  }
  u8(o: number, v: number) {
    this.buf[o] = v;
  }
  u16(o: number, v: number) {
    if (this.le) this.buf.writeUInt16LE(v, o);
    else this.buf.writeUInt16BE(v, o);
  }
  u32(o: number, v: number) {
    if (this.le) this.buf.writeUInt32LE(v >>> 0, o);
    else this.buf.writeUInt32BE(v >>> 0, o);
  }
  u64(o: number, v: number) {
    if (this.le) this.buf.writeBigUInt64LE(BigInt(v), o);
    else this.buf.writeBigUInt64BE(BigInt(v), o);
  }
}

const align = (n: number, a: number) => Math.ceil(n / a) * a;

export function buildElf(options: ElfOptions): Buffer {
  const is64 = options.is64 ?? true;
  const le = options.littleEndian ?? true;
  const ehsize = is64 ? 64 : 52;
  const phentsize = is64 ? 56 : 32;
  const shentsize = is64 ? 64 : 40;
  const mapped = options.sections.filter((s) => s.addr !== undefined);

  // Section names: "\0" + each name + "\0" + ".shstrtab\0".
  const names: number[] = [];
  let strtab = "\0";
  for (const s of options.sections) {
    names.push(strtab.length);
    strtab += `${s.name}\0`;
  }
  const shstrtabName = strtab.length;
  strtab += ".shstrtab\0";
  const strtabBytes = Buffer.from(strtab, "latin1");

  let offset = align(ehsize + phentsize * mapped.length, 16);
  const offsets: number[] = [];
  for (const s of options.sections) {
    offsets.push(offset);
    offset = align(offset + s.data.length, 16);
  }
  const strtabOffset = offset;
  offset = align(offset + strtabBytes.length, 16);
  const shoff = offset;
  const shnum = options.sections.length + 2;
  const w = new Writer(shoff + shnum * shentsize, le);

  // ELF header.
  w.buf.write("\x7fELF", 0, "latin1");
  w.u8(4, is64 ? 2 : 1);
  w.u8(5, le ? 1 : 2);
  w.u8(6, 1);
  w.u16(16, 2); // ET_EXEC
  w.u16(18, is64 ? 62 : 3); // x86-64 / i386 (the machine does not matter to the readers)
  w.u32(20, 1);
  if (is64) {
    w.u64(32, mapped.length > 0 ? ehsize : 0);
    w.u64(40, shoff);
  } else {
    w.u32(28, mapped.length > 0 ? ehsize : 0);
    w.u32(32, shoff);
  }
  w.u16(is64 ? 52 : 40, ehsize);
  w.u16(is64 ? 54 : 42, phentsize);
  w.u16(is64 ? 56 : 44, mapped.length);
  w.u16(is64 ? 58 : 46, shentsize);
  w.u16(is64 ? 60 : 48, shnum);
  w.u16(is64 ? 62 : 50, shnum - 1);

  // Program headers: one PT_LOAD per mapped section.
  mapped.forEach((s, i) => {
    const o = ehsize + i * phentsize;
    const fileOffset = offsets[options.sections.indexOf(s)]!;
    const flags = s.flags ?? 6;
    w.u32(o, 1);
    if (is64) {
      w.u32(o + 4, flags);
      w.u64(o + 8, fileOffset);
      w.u64(o + 16, s.addr!);
      w.u64(o + 24, s.addr!);
      w.u64(o + 32, s.data.length);
      w.u64(o + 40, s.data.length);
      w.u64(o + 48, 16);
    } else {
      w.u32(o + 4, fileOffset);
      w.u32(o + 8, s.addr!);
      w.u32(o + 12, s.addr!);
      w.u32(o + 16, s.data.length);
      w.u32(o + 20, s.data.length);
      w.u32(o + 24, flags);
      w.u32(o + 28, 16);
    }
  });

  options.sections.forEach((s, i) => {
    s.data.copy(w.buf, offsets[i]!);
  });
  strtabBytes.copy(w.buf, strtabOffset);

  // Section headers: the null one, the sections, .shstrtab.
  const header = (index: number, name: number, type: number, addr: number, off: number, size: number) => {
    const o = shoff + index * shentsize;
    w.u32(o, name);
    w.u32(o + 4, type);
    if (is64) {
      w.u64(o + 16, addr);
      w.u64(o + 24, off);
      w.u64(o + 32, size);
      w.u64(o + 48, 1);
    } else {
      w.u32(o + 12, addr);
      w.u32(o + 16, off);
      w.u32(o + 20, size);
      w.u32(o + 32, 1);
    }
  };
  options.sections.forEach((s, i) => {
    header(i + 1, names[i]!, s.type ?? 1, s.addr ?? 0, offsets[i]!, s.data.length);
  });
  header(shnum - 1, shstrtabName, 3, 0, strtabOffset, strtabBytes.length);
  return w.buf;
}

/** Go's unsigned varint (LEB128). */
export function uvarint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Buffer.from(out);
}

/** The 16-byte sentinels cmd/go frames module info with (their content does not matter to readers). */
export const MODINFO_START = Buffer.from("3077af0c9274080241e1c107e6d618e6", "hex");
export const MODINFO_END = Buffer.from("f932433186182072008242104116d8f2", "hex");

export function framedModInfo(text: string): Buffer {
  return Buffer.concat([MODINFO_START, Buffer.from(text, "utf8"), MODINFO_END]);
}

/** A Go ≥ 1.18 `.go.buildinfo` blob: header with the inline flag, then the two varint strings. */
export function inlineBuildInfo(goVersion: string, modInfo: Buffer, ptrSize = 8): Buffer {
  const header = Buffer.alloc(32);
  header.write("\xff Go buildinf:", 0, "latin1");
  header[14] = ptrSize;
  header[15] = 2;
  const version = Buffer.from(goVersion, "utf8");
  // Padding after the strings, as in a real data segment (Go's reader wants bytes after the last string).
  return Buffer.concat([
    header,
    uvarint(version.length),
    version,
    uvarint(modInfo.length),
    modInfo,
    Buffer.alloc(32),
  ]);
}

/**
 * A Go < 1.18 binary's build info: the header in `.go.buildinfo` at `base` points at two Go string
 * headers (address, length) placed after it, which point at the string bytes after those.
 */
export function pointerBuildInfo(
  goVersion: string,
  modInfo: Buffer,
  options: { base: number; ptrSize?: 4 | 8; littleEndian?: boolean },
): Buffer {
  const ptr = options.ptrSize ?? 8;
  const le = options.littleEndian ?? true;
  const version = Buffer.from(goVersion, "utf8");
  const headersAt = 32;
  const versionAt = headersAt + 4 * ptr;
  const modAt = versionAt + version.length;
  const out = Buffer.alloc(modAt + modInfo.length);
  out.write("\xff Go buildinf:", 0, "latin1");
  out[14] = ptr;
  out[15] = le ? 0 : 1;
  const put = (o: number, v: number) => {
    if (ptr === 4) {
      if (le) out.writeUInt32LE(v, o);
      else out.writeUInt32BE(v, o);
    } else if (le) out.writeBigUInt64LE(BigInt(v), o);
    else out.writeBigUInt64BE(BigInt(v), o);
  };
  put(16, options.base + headersAt);
  put(16 + ptr, options.base + headersAt + 2 * ptr);
  put(headersAt, options.base + versionAt);
  put(headersAt + ptr, version.length);
  put(headersAt + 2 * ptr, options.base + modAt);
  put(headersAt + 3 * ptr, modInfo.length);
  version.copy(out, versionAt);
  modInfo.copy(out, modAt);
  return out;
}
