/**
 * The raw build information a Go linker leaves in every binary: the toolchain version and the
 * module-info text that `go version -m` prints. It is a 32-byte header starting with the magic
 * `\xff Go buildinf:` at a 16-byte boundary near the start of the data (the `.go.buildinfo` ELF
 * section, else the first writable segment; only its first 64 KiB are searched, as Go does), then:
 *   - Go ≥ 1.18 (flag bit 2): the two strings inline after the header, each varint-length-prefixed;
 *   - older: two pointers to Go string headers (address, length), resolved through the segments.
 * ELF is read through its headers; PE and Mach-O (and ELF files whose headers are unusable) are
 * searched for an aligned inline header, which covers every Go ≥ 1.18 binary. Strings are capped.
 */
import { ShipshapeError } from "../../errors.js";
import { type ElfFile, isElf, PF_W, PF_X, PT_LOAD, parseElfOnce, readVirtual, sectionBytes } from "./elf.js";

export const GO_BUILDINFO_MAGIC = Buffer.from("\xff Go buildinf:", "latin1");
const HEADER_SIZE = 32;
const ALIGN = 16;
const SEARCH_SIZE = 64 * 1024;
/** Longer version or module-info strings than this are not build info we will read. */
export const MAX_BUILDINFO_STRING = 4 * 1024 * 1024;
/** Aligned magic candidates tried in a whole-file search. */
const MAX_CANDIDATES = 64;

export interface RawGoBuildInfo {
  /** As the linker recorded it, e.g. `go1.19.8` or `go1.22.1 X:boringcrypto`. */
  goVersion: string;
  /** The module-info text without its framing; "" for GOPATH-mode or pre-module builds. */
  modInfo: string;
}

function isPe(bytes: Buffer): boolean {
  return bytes.length >= 64 && bytes[0] === 0x4d && bytes[1] === 0x5a;
}

function isMachO(bytes: Buffer): boolean {
  if (bytes.length < 4) return false;
  const be = bytes.readUInt32BE(0);
  // feedface / feedfacf in either byte order (not cafebabe: that is also a Java class file).
  return be === 0xfeedface || be === 0xfeedfacf || be === 0xcefaedfe || be === 0xcffaedfe;
}

/** Unsigned LEB128 (Go's binary.Uvarint): value and byte count, or null when malformed. */
function uvarint(bytes: Buffer, offset: number): { value: number; length: number } | null {
  let value = 0;
  let shift = 0;
  for (let i = 0; i < 10 && offset + i < bytes.length; i++) {
    const b = bytes[offset + i]!;
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return Number.isSafeInteger(value) ? { value, length: i + 1 } : null;
    shift += 7;
  }
  return null;
}

function tooLong(what: string, length: number): ShipshapeError {
  return new ShipshapeError(
    "limit",
    `Go build info ${what} of ${length} bytes is over the ${MAX_BUILDINFO_STRING}-byte cap`,
  );
}

/** The two inline strings after a Go ≥ 1.18 header (at `start`). */
function decodeInline(bytes: Buffer, start: number): [string, string] {
  const strings: string[] = [];
  let p = start + HEADER_SIZE;
  for (const what of ["version", "module info"]) {
    const n = uvarint(bytes, p);
    if (!n || n.value >= bytes.length - p - n.length + 1) {
      throw new ShipshapeError("input", `Go build info ${what} length runs past the end of the file`);
    }
    if (n.value > MAX_BUILDINFO_STRING) throw tooLong(what, n.value);
    strings.push(bytes.toString("utf8", p + n.length, p + n.length + n.value));
    p += n.length + n.value;
  }
  return [strings[0]!, strings[1]!];
}

/** The two strings a pre-1.18 header points at, through the ELF's segments. */
function decodePointers(bytes: Buffer, start: number, elf: ElfFile | null): [string, string] {
  if (!elf)
    throw new ShipshapeError("input", "Go build info uses pointers (Go < 1.18) in a file we cannot map");
  const ptrSize = bytes[start + 14];
  const bigEndian = (bytes[start + 15]! & 1) !== 0;
  const readPtr = (b: Buffer, o: number): number => {
    if (ptrSize === 4) return bigEndian ? b.readUInt32BE(o) : b.readUInt32LE(o);
    const v = bigEndian ? b.readBigUInt64BE(o) : b.readBigUInt64LE(o);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : Number(v);
  };
  const out: string[] = [];
  for (const [i, what] of ["version", "module info"].entries()) {
    const headerAddr = readPtr(bytes, start + 16 + i * ptrSize!);
    const header = readVirtual(bytes, elf, headerAddr, 2 * ptrSize!);
    if (!header || header.length < 2 * ptrSize!) {
      out.push("");
      continue;
    }
    const dataAddr = readPtr(header, 0);
    const length = readPtr(header, ptrSize!);
    if (length < 0) throw new ShipshapeError("input", `Go build info ${what} has an impossible length`);
    if (length > MAX_BUILDINFO_STRING) throw tooLong(what, length);
    const data = readVirtual(bytes, elf, dataAddr, length);
    out.push(data && data.length === length ? data.toString("utf8") : "");
  }
  return [out[0]!, out[1]!];
}

function decodeAt(bytes: Buffer, start: number, elf: ElfFile | null): RawGoBuildInfo | null {
  const ptrSize = bytes[start + 14];
  if (ptrSize !== 4 && ptrSize !== 8)
    throw new ShipshapeError("input", `Go build info has pointer size ${ptrSize}`);
  const inline = (bytes[start + 15]! & 2) !== 0;
  const [goVersion, rawMod] = inline ? decodeInline(bytes, start) : decodePointers(bytes, start, elf);
  if (goVersion === "") return null;
  // The module info is framed by two 16-byte sentinels; without them there is none.
  const modInfo = rawMod.length >= 33 && rawMod[rawMod.length - 17] === "\n" ? rawMod.slice(16, -16) : "";
  return { goVersion, modInfo };
}

/** The first magic at a 16-byte boundary (relative to `from`) in [from, to) with a whole header after it. */
function findHeader(bytes: Buffer, from: number, to: number): number | null {
  let i = from;
  while (i < to) {
    const at = bytes.indexOf(GO_BUILDINFO_MAGIC, i);
    if (at < 0 || at + HEADER_SIZE > to) return null;
    if ((at - from) % ALIGN === 0) return at;
    i = at + 1;
  }
  return null;
}

/** Where the structured search looks: file offsets of the data start, from the ELF headers. */
function elfSearchWindow(bytes: Buffer, elf: ElfFile): { from: number; to: number } | null {
  const section = sectionBytes(bytes, elf, ".go.buildinfo");
  if (section) {
    const from = section.byteOffset - bytes.byteOffset;
    return { from, to: Math.min(bytes.length, from + Math.max(section.length, SEARCH_SIZE)) };
  }
  const segment = elf.programs.find((p) => p.type === PT_LOAD && (p.flags & (PF_X | PF_W)) === PF_W);
  if (!segment || segment.offset >= bytes.length) return null;
  return {
    from: segment.offset,
    to: Math.min(bytes.length, segment.offset + segment.filesz, segment.offset + SEARCH_SIZE),
  };
}

/**
 * The Go build info of an executable's bytes; null when it is not a Go binary. Throws
 * ShipshapeError when it is one but the build info cannot be read.
 */
export function readRawGoBuildInfo(bytes: Buffer): RawGoBuildInfo | null {
  let elf: ElfFile | null = null;
  if (isElf(bytes)) {
    try {
      elf = parseElfOnce(bytes);
    } catch {
      elf = null;
    }
    if (elf && elf.problems.length === 0) {
      const window = elfSearchWindow(bytes, elf);
      if (!window) return null;
      const at = findHeader(bytes, window.from, window.to);
      return at === null ? null : decodeAt(bytes, at, elf);
    }
  } else if (!isPe(bytes) && !isMachO(bytes)) {
    return null;
  }
  // PE, Mach-O, or an ELF whose headers are damaged: look for an aligned header anywhere.
  let from = 0;
  for (let tries = 0; tries < MAX_CANDIDATES; tries++) {
    const at = bytes.indexOf(GO_BUILDINFO_MAGIC, from);
    if (at < 0 || at + HEADER_SIZE > bytes.length) return null;
    from = at + 1;
    if (at % ALIGN !== 0) continue;
    const inline = (bytes[at + 15]! & 2) !== 0;
    if (!inline && !elf) continue;
    try {
      const info = decodeAt(bytes, at, elf);
      if (info) return info;
    } catch {
      // Not a real header (the magic can also appear as a string constant): try the next one.
    }
  }
  return null;
}
