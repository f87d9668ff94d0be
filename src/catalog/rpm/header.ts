/**
 * rpm header blobs, as every rpmdb backend stores them (SQLite `Packages.blob`, Berkeley DB values,
 * NDB blobs): a big-endian index count `il` and data length `dl`, `il` index entries of 16 bytes
 * (tag, type, offset into the data store, count), then the data store. The first entry is usually a
 * region tag (HEADERIMMUTABLE) describing the signed part; entries after the region ("dribbles",
 * added at install time) replace region entries with the same tag, as rpm's header import does.
 *
 * Every length, offset and count is checked against the bytes actually present: a header that lies
 * yields the tags that can still be read plus a list of problems, or a ShipshapeError when not even
 * the package's identity (name, version, release) is readable. Work and memory are bounded by the
 * blob's size (and the file list by MAX_FILE_LIST_CHARS).
 */
import { ShipshapeError } from "../../errors.js";

/** Tags this parser reads (rpm's lib/rpmtag.h). */
export const RpmTag = {
  HEADERIMAGE: 61,
  HEADERSIGNATURES: 62,
  HEADERIMMUTABLE: 63,
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  VENDOR: 1011,
  LICENSE: 1014,
  ARCH: 1022,
  OLDFILENAMES: 1027,
  SOURCERPM: 1044,
  DIRINDEXES: 1116,
  BASENAMES: 1117,
  DIRNAMES: 1118,
  MODULARITYLABEL: 5096,
} as const;

/** rpm's tag data types (rpmTagType). */
const TagType = {
  NULL: 0,
  CHAR: 1,
  INT8: 2,
  INT16: 3,
  INT32: 4,
  INT64: 5,
  STRING: 6,
  BIN: 7,
  STRING_ARRAY: 8,
  I18NSTRING: 9,
} as const;

/** rpm refuses headers with more index entries than this (hdrchkTags) … */
const MAX_INDEX_ENTRIES = 0xffff;
/** … or a data store of 256 MiB or more (headerMaxbytes). */
const MAX_DATA_BYTES = 256 * 1024 * 1024;
/** More elements than this in one array tag is a lie (no package installs a million files). */
export const MAX_ARRAY_ELEMENTS = 1_000_000;
/** A file list longer than this (in UTF-16 units, all paths together) is cut: nothing real comes near. */
export const MAX_FILE_LIST_CHARS = 64 * 1024 * 1024;

/** What a scanner needs from one installed package's header. */
export interface RpmHeader {
  name: string;
  version: string;
  release: string;
  epoch: number | null;
  arch: string | null;
  sourceRpm: string | null;
  license: string | null;
  vendor: string | null;
  modularityLabel: string | null;
  /** Every path the package installed (directories included), as `rpm -ql` lists them. */
  files: string[];
  /** Parts of the header that could not be read (lying offsets, truncation); empty when intact. */
  problems: string[];
}

interface IndexEntry {
  tag: number;
  type: number;
  /** Absolute offset of the entry's data in the blob. */
  start: number;
  count: number;
}

/** The raw tag store of one header blob: lookups by tag, each bounds-checked when decoded. */
export class HeaderBlob {
  private readonly entries = new Map<number, IndexEntry>();
  readonly problems: string[] = [];
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  /** End of the data store actually present (≤ the declared end when truncated). */
  private readonly dataEnd: number;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.length < 8) {
      throw new ShipshapeError(
        "input",
        `rpm header is ${bytes.length} bytes, shorter than its 8-byte preamble`,
      );
    }
    const il = this.view.getUint32(0);
    const dl = this.view.getUint32(4);
    if (il < 1 || il > MAX_INDEX_ENTRIES) {
      throw new ShipshapeError(
        "input",
        `rpm header claims ${il} index entries (allowed 1–${MAX_INDEX_ENTRIES})`,
      );
    }
    if (dl >= MAX_DATA_BYTES) {
      throw new ShipshapeError(
        "input",
        `rpm header claims a ${dl}-byte data store (limit ${MAX_DATA_BYTES})`,
      );
    }
    const dataStart = 8 + il * 16;
    if (dataStart > bytes.length) {
      throw new ShipshapeError(
        "input",
        `rpm header claims ${il} index entries but is only ${bytes.length} bytes long`,
      );
    }
    const declaredEnd = dataStart + dl;
    this.dataEnd = Math.min(declaredEnd, bytes.length);
    if (declaredEnd > bytes.length) {
      this.problems.push(
        `header truncated: data store claims ${dl} bytes, ${bytes.length - dataStart} present`,
      );
    }
    for (let i = 0; i < il; i++) {
      const at = 8 + i * 16;
      const tag = this.view.getInt32(at);
      const type = this.view.getUint32(at + 4);
      const offset = this.view.getInt32(at + 8);
      const count = this.view.getUint32(at + 12);
      // Region tags describe the signed part (their data is a trailer): nothing to read.
      if (tag === RpmTag.HEADERIMAGE || tag === RpmTag.HEADERSIGNATURES || tag === RpmTag.HEADERIMMUTABLE)
        continue;
      if (type > TagType.I18NSTRING || offset < 0 || offset >= dl) {
        this.problems.push(
          `tag ${tag}: type ${type} at offset ${offset} is outside the ${dl}-byte data store`,
        );
        continue;
      }
      // Later entries (install-time dribbles) replace earlier ones, as rpm's header import does.
      this.entries.set(tag, { tag, type, start: dataStart + offset, count });
    }
  }

  has(tag: number): boolean {
    return this.entries.has(tag);
  }

  /** The first string of a STRING / I18NSTRING / STRING_ARRAY tag; null when absent or unreadable. */
  string(tag: number): string | null {
    const e = this.entries.get(tag);
    if (!e) return null;
    if (e.type !== TagType.STRING && e.type !== TagType.I18NSTRING && e.type !== TagType.STRING_ARRAY) {
      this.problems.push(`tag ${tag}: expected a string, found type ${e.type}`);
      return null;
    }
    const end = this.bytes.indexOf(0, e.start);
    if (end < 0 || end >= this.dataEnd) {
      this.problems.push(`tag ${tag}: string runs past the end of the data store`);
      return null;
    }
    return decodeUtf8(this.bytes, e.start, end);
  }

  /** The strings of a STRING_ARRAY tag; null when absent or unreadable. */
  stringArray(tag: number): string[] | null {
    const e = this.entries.get(tag);
    if (!e) return null;
    if (e.type !== TagType.STRING_ARRAY && e.type !== TagType.I18NSTRING) {
      this.problems.push(`tag ${tag}: expected a string array, found type ${e.type}`);
      return null;
    }
    // Each string takes at least one byte: a count beyond the data store is a lie, refused before allocating.
    if (e.count > this.dataEnd - e.start || e.count > MAX_ARRAY_ELEMENTS) {
      this.problems.push(`tag ${tag}: ${e.count} strings cannot fit in the data store`);
      return null;
    }
    const out: string[] = new Array(e.count);
    let at = e.start;
    for (let i = 0; i < e.count; i++) {
      const end = this.bytes.indexOf(0, at);
      if (end < 0 || end >= this.dataEnd) {
        this.problems.push(`tag ${tag}: string ${i + 1} of ${e.count} runs past the end of the data store`);
        return null;
      }
      out[i] = decodeUtf8(this.bytes, at, end);
      at = end + 1;
    }
    return out;
  }

  /** The values of an INT8/16/32 tag; null when absent or unreadable. */
  integers(tag: number): number[] | null {
    const e = this.entries.get(tag);
    if (!e) return null;
    const width = INTEGER_WIDTH[e.type] ?? 0;
    if (width === 0) {
      this.problems.push(`tag ${tag}: expected an integer, found type ${e.type}`);
      return null;
    }
    if (e.count > (this.dataEnd - e.start) / width || e.count > MAX_ARRAY_ELEMENTS) {
      this.problems.push(
        `tag ${tag}: ${e.count} values of ${width} bytes run past the end of the data store`,
      );
      return null;
    }
    const out: number[] = new Array(e.count);
    for (let i = 0; i < e.count; i++) {
      const at = e.start + i * width;
      out[i] =
        width === 4
          ? this.view.getUint32(at)
          : width === 2
            ? this.view.getUint16(at)
            : this.view.getUint8(at);
    }
    return out;
  }
}

/** Bytes per value of the integer types this parser reads (CHAR, INT8, INT16, INT32); 0 otherwise. */
const INTEGER_WIDTH: Readonly<Record<number, number>> = {
  [TagType.CHAR]: 1,
  [TagType.INT8]: 1,
  [TagType.INT16]: 2,
  [TagType.INT32]: 4,
};

const utf8 = new TextDecoder("utf-8", { fatal: false });

function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  return utf8.decode(bytes.subarray(start, end));
}

/**
 * Parse one header blob. Throws a ShipshapeError when the blob is not a header or its name, version
 * or release cannot be read; anything else that cannot be read is listed in `problems`.
 */
export function parseRpmHeader(bytes: Uint8Array): RpmHeader {
  const h = new HeaderBlob(bytes);
  const name = h.string(RpmTag.NAME);
  const version = h.string(RpmTag.VERSION);
  const release = h.string(RpmTag.RELEASE);
  if (!name || !version || !release) {
    const missing = [!name && "NAME", !version && "VERSION", !release && "RELEASE"]
      .filter(Boolean)
      .join(", ");
    const why = h.problems.length > 0 ? ` (${h.problems[0]})` : "";
    throw new ShipshapeError("input", `rpm header has no readable ${missing}${why}`);
  }
  const epochs = h.integers(RpmTag.EPOCH);
  // EPOCH is an INT32; rpm prints it unsigned. An empty array counts as absent.
  const epoch = epochs && epochs.length > 0 ? epochs[0]! : null;
  return {
    name,
    version,
    release,
    epoch,
    arch: h.string(RpmTag.ARCH),
    sourceRpm: noneToNull(h.string(RpmTag.SOURCERPM)),
    license: noneToNull(h.string(RpmTag.LICENSE)),
    vendor: noneToNull(h.string(RpmTag.VENDOR)),
    modularityLabel: noneToNull(h.string(RpmTag.MODULARITYLABEL)),
    files: fileList(h),
    problems: h.problems,
  };
}

/** rpm writes "(none)" for some unset values; treat it (and empty strings) as absent. */
function noneToNull(value: string | null): string | null {
  return value === null || value === "" || value === "(none)" ? null : value;
}

/**
 * Installed paths: BASENAMES joined to DIRNAMES[DIRINDEXES[i]] (rpm ≥ 4 "compressed" file lists), or
 * the older OLDFILENAMES. Mismatched counts or out-of-range indexes are problems, never crashes.
 */
function fileList(h: HeaderBlob): string[] {
  const basenames = h.stringArray(RpmTag.BASENAMES);
  if (basenames === null) {
    if (h.has(RpmTag.BASENAMES)) return [];
    return capped(h, h.stringArray(RpmTag.OLDFILENAMES) ?? []);
  }
  const dirnames = h.stringArray(RpmTag.DIRNAMES);
  const dirindexes = h.integers(RpmTag.DIRINDEXES);
  if (dirnames === null || dirindexes === null) {
    h.problems.push("file list: BASENAMES without readable DIRNAMES/DIRINDEXES");
    return [];
  }
  if (dirindexes.length !== basenames.length) {
    h.problems.push(`file list: ${basenames.length} BASENAMES but ${dirindexes.length} DIRINDEXES`);
  }
  const n = Math.min(basenames.length, dirindexes.length);
  const out: string[] = [];
  let chars = 0;
  for (let i = 0; i < n; i++) {
    const dir = dirnames[dirindexes[i]!];
    if (dir === undefined) {
      h.problems.push(`file list: DIRINDEXES[${i}] = ${dirindexes[i]} but only ${dirnames.length} DIRNAMES`);
      continue;
    }
    const path = dir + basenames[i]!;
    chars += path.length;
    if (chars > MAX_FILE_LIST_CHARS) {
      h.problems.push(
        `file list: longer than ${MAX_FILE_LIST_CHARS} characters, cut after ${out.length} paths`,
      );
      break;
    }
    out.push(path);
  }
  return out;
}

function capped(h: HeaderBlob, paths: string[]): string[] {
  let chars = 0;
  for (let i = 0; i < paths.length; i++) {
    chars += paths[i]!.length;
    if (chars > MAX_FILE_LIST_CHARS) {
      h.problems.push(`file list: longer than ${MAX_FILE_LIST_CHARS} characters, cut after ${i} paths`);
      return paths.slice(0, i);
    }
  }
  return paths;
}
