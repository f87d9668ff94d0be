/**
 * The parts of an ELF file that binary catalogers need: section headers with names (Go's
 * `.go.buildinfo`, cargo-auditable's `.dep-v0`) and loadable segments (to turn a virtual address
 * into file bytes). 32/64-bit, either byte order. Every table and offset is bounds-checked against
 * the buffer; a section table that is out of bounds or nonsensical is dropped (with a note) rather
 * than trusted, so a hostile header costs O(table size) and never reads outside the file.
 * Used by the Go and Rust catalogers.
 */
import { ShipshapeError } from "../../errors.js";

export const PT_LOAD = 1;
export const PF_X = 1;
export const PF_W = 2;
export const SHT_NOBITS = 8;

/** More section or program headers than any real binary has; beyond it a table is treated as bogus. */
const MAX_SECTIONS = 100_000;
const MAX_NAME = 256;
/** The largest upper half of a 64-bit value that still makes a safe integer (2^53 - 1). */
const MAX_SAFE_HIGH = 0x1fffff;

export interface ElfSection {
  name: string;
  type: number;
  addr: number;
  offset: number;
  size: number;
}

export interface ElfProgram {
  type: number;
  flags: number;
  offset: number;
  vaddr: number;
  filesz: number;
}

export interface ElfFile {
  is64: boolean;
  littleEndian: boolean;
  sections: ElfSection[];
  programs: ElfProgram[];
  /** Tables that were present but unusable. */
  problems: string[];
}

export function isElf(bytes: Buffer): boolean {
  return (
    bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46
  );
}

class Reader {
  constructor(
    readonly bytes: Buffer,
    readonly le: boolean,
    readonly is64: boolean,
  ) {}
  u16(o: number): number {
    return this.le ? this.bytes.readUInt16LE(o) : this.bytes.readUInt16BE(o);
  }
  u32(o: number): number {
    return this.le ? this.bytes.readUInt32LE(o) : this.bytes.readUInt32BE(o);
  }
  /** A 64-bit value, or NaN when it does not fit a safe integer (no real file offset is that big). */
  u64(o: number): number {
    // Two 32-bit halves, not BigInt: this runs for every section of every executable in an image.
    const high = this.le ? this.bytes.readUInt32LE(o + 4) : this.bytes.readUInt32BE(o);
    const low = this.le ? this.bytes.readUInt32LE(o) : this.bytes.readUInt32BE(o + 4);
    return high > MAX_SAFE_HIGH ? Number.NaN : high * 2 ** 32 + low;
  }
  word(o: number): number {
    return this.is64 ? this.u64(o) : this.u32(o);
  }
}

function inFile(bytes: Buffer, offset: number, length: number): boolean {
  return Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length >= 0
    ? offset + length <= bytes.length
    : false;
}

/** Headers already parsed, by buffer: the Go and Rust analyzers both read each executable. */
const parsed = new WeakMap<Buffer, ElfFile | ShipshapeError>();

/** parseElf, once per buffer (a buffer's bytes do not change while analyzers run over it). */
export function parseElfOnce(bytes: Buffer): ElfFile {
  let result = parsed.get(bytes);
  if (result === undefined) {
    try {
      result = parseElf(bytes);
    } catch (err) {
      if (!(err instanceof ShipshapeError)) throw err;
      result = err;
    }
    parsed.set(bytes, result);
  }
  if (result instanceof ShipshapeError) throw result;
  return result;
}

/** Parse the headers. Throws ShipshapeError("input") when the file header itself is unusable. */
export function parseElf(bytes: Buffer): ElfFile {
  if (!isElf(bytes)) throw new ShipshapeError("input", "not an ELF file");
  if (bytes.length < 52)
    throw new ShipshapeError("input", "ELF file is truncated before the end of its header");
  const cls = bytes[4];
  const data = bytes[5];
  if ((cls !== 1 && cls !== 2) || (data !== 1 && data !== 2)) {
    throw new ShipshapeError("input", `ELF header has an unknown class ${cls} or byte order ${data}`);
  }
  const is64 = cls === 2;
  if (is64 && bytes.length < 64)
    throw new ShipshapeError("input", "ELF file is truncated before the end of its header");
  const r = new Reader(bytes, data === 1, is64);
  const phoff = r.word(is64 ? 32 : 28);
  const shoff = r.word(is64 ? 40 : 32);
  const phentsize = r.u16(is64 ? 54 : 42);
  let phnum = r.u16(is64 ? 56 : 44);
  const shentsize = r.u16(is64 ? 58 : 46);
  let shnum = r.u16(is64 ? 60 : 48);
  let shstrndx = r.u16(is64 ? 62 : 50);
  const problems: string[] = [];
  const minSh = is64 ? 64 : 40;
  const minPh = is64 ? 56 : 32;

  // Extended numbering: counts that do not fit 16 bits live in section header 0.
  const sectionTableOk = shoff > 0 && shentsize >= minSh && inFile(bytes, shoff, shentsize);
  if (sectionTableOk) {
    if (shnum === 0) shnum = is64 ? r.u64(shoff + 32) : r.u32(shoff + 20);
    if (shstrndx === 0xffff) shstrndx = r.u32(shoff + (is64 ? 40 : 24)); // sh_link
    if (phnum === 0xffff) phnum = r.u32(shoff + (is64 ? 44 : 28)); // sh_info
  }

  const programs: ElfProgram[] = [];
  if (phoff > 0 && phnum > 0) {
    if (phentsize < minPh || phnum > MAX_SECTIONS || !inFile(bytes, phoff, phentsize * phnum)) {
      problems.push("program header table is out of bounds");
    } else {
      for (let i = 0; i < phnum; i++) {
        const o = phoff + i * phentsize;
        const p: ElfProgram = is64
          ? {
              type: r.u32(o),
              flags: r.u32(o + 4),
              offset: r.u64(o + 8),
              vaddr: r.u64(o + 16),
              filesz: r.u64(o + 32),
            }
          : {
              type: r.u32(o),
              offset: r.u32(o + 4),
              vaddr: r.u32(o + 8),
              filesz: r.u32(o + 16),
              flags: r.u32(o + 24),
            };
        if (
          Number.isSafeInteger(p.offset) &&
          Number.isSafeInteger(p.vaddr) &&
          Number.isSafeInteger(p.filesz)
        ) {
          programs.push(p);
        }
      }
    }
  }

  const sections: ElfSection[] = [];
  if (shoff > 0 && shnum > 0) {
    if (
      !sectionTableOk ||
      !Number.isSafeInteger(shnum) ||
      shnum > MAX_SECTIONS ||
      !inFile(bytes, shoff, shentsize * shnum)
    ) {
      problems.push("section header table is out of bounds");
    } else {
      const raw: (ElfSection & { nameOffset: number })[] = [];
      for (let i = 0; i < shnum; i++) {
        const o = shoff + i * shentsize;
        raw.push(
          is64
            ? {
                name: "",
                nameOffset: r.u32(o),
                type: r.u32(o + 4),
                addr: r.u64(o + 16),
                offset: r.u64(o + 24),
                size: r.u64(o + 32),
              }
            : {
                name: "",
                nameOffset: r.u32(o),
                type: r.u32(o + 4),
                addr: r.u32(o + 12),
                offset: r.u32(o + 16),
                size: r.u32(o + 20),
              },
        );
      }
      const strtab = raw[shstrndx];
      if (!strtab || !inFile(bytes, strtab.offset, strtab.size)) {
        problems.push("section name table is out of bounds");
      } else {
        const names = bytes.subarray(strtab.offset, strtab.offset + strtab.size);
        for (const s of raw) {
          if (s.nameOffset < names.length) {
            let end = names.indexOf(0, s.nameOffset);
            if (end < 0 || end - s.nameOffset > MAX_NAME)
              end = Math.min(names.length, s.nameOffset + MAX_NAME);
            s.name = names.toString("latin1", s.nameOffset, end);
          }
          sections.push({ name: s.name, type: s.type, addr: s.addr, offset: s.offset, size: s.size });
        }
      }
    }
  }
  return { is64, littleEndian: data === 1, sections, programs, problems };
}

/** The file bytes of a named section (a view, not a copy); null when absent, empty in the file, or out of bounds. */
export function sectionBytes(bytes: Buffer, elf: ElfFile, name: string): Buffer | null {
  const s = elf.sections.find((x) => x.name === name);
  if (!s || s.type === SHT_NOBITS || !inFile(bytes, s.offset, s.size)) return null;
  return bytes.subarray(s.offset, s.offset + s.size);
}

/** Up to `size` file bytes at virtual address `addr` (within one loadable segment); null when unmapped. */
export function readVirtual(bytes: Buffer, elf: ElfFile, addr: number, size: number): Buffer | null {
  if (!Number.isSafeInteger(addr) || !Number.isSafeInteger(size) || size < 0) return null;
  for (const p of elf.programs) {
    if (p.filesz === 0 || addr < p.vaddr || addr > p.vaddr + p.filesz - 1) continue;
    const n = Math.min(size, p.vaddr + p.filesz - addr);
    const start = p.offset + (addr - p.vaddr);
    if (!inFile(bytes, start, n)) return null;
    return bytes.subarray(start, start + n);
  }
  return null;
}
