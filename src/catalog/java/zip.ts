/**
 * A synchronous, bounded zip reader over a Buffer holding a whole archive (a jar inside an image):
 * the central directory and the bytes of single entries. The zip structure itself is read by
 * src/zip/central-directory.ts, which checks every offset and length against the bytes; here, a jar
 * is the whole file, so the end records and the directory are views of it and stored entries are
 * returned without a copy. Inflating stops at a byte cap, so a lying directory or a zip bomb costs
 * at most the cap.
 *
 * Our own rather than a library: the catalog needs only the directory and a few small entries, must
 * run synchronously inside a FileRequest analyzer, and must bound every inflate.
 */
import { ShipshapeError } from "../../errors.js";
import {
  entryBytes,
  entryDataOffset,
  LOCAL_HEADER_SIZE,
  MAX_END_RECORDS_BYTES,
  readCentralDirectory,
  readEndOfDirectory,
  type ZipEntry,
  ZipFormatError,
  ZipLimitError,
} from "../../zip/central-directory.js";

export { METHOD_DEFLATE, METHOD_STORED, type ZipEntry } from "../../zip/central-directory.js";

export interface ZipDirectory {
  /** The entries `select` kept, in directory order. */
  entries: ZipEntry[];
  /** Entries in the directory, kept or not. */
  total: number;
  /** Bytes before the archive proper (a launcher script, a self-extractor stub). */
  prefixBytes: number;
}

export interface ZipReadOptions {
  /** Keep only entries whose name passes (the rest are walked, not stored). */
  select?: (name: string) => boolean;
  /** Refuse directories with more entries than this. */
  maxEntries?: number;
  /** Keep at most this many selected entries (the rest are counted in `total` only). */
  maxSelected?: number;
}

/** The shared reader's errors, as the catalog reports them (input errors; a cap is a limit). */
function asShipshapeError(err: unknown): unknown {
  if (err instanceof ZipLimitError) return new ShipshapeError("limit", `zip ${err.message}`, { cause: err });
  if (err instanceof ZipFormatError) {
    return new ShipshapeError(
      "input",
      err.notZip ? `not a zip archive: ${err.message}` : `zip ${err.message}`,
      {
        cause: err,
      },
    );
  }
  return err;
}

/** Read the central directory. Throws ShipshapeError("input") when it cannot be walked. */
export function readZipDirectory(bytes: Buffer, options: ZipReadOptions = {}): ZipDirectory {
  try {
    const tail = bytes.subarray(Math.max(0, bytes.length - MAX_END_RECORDS_BYTES));
    const end = readEndOfDirectory(tail, bytes.length);
    const directory = bytes.subarray(end.directoryOffset, end.directoryOffset + end.directorySize);
    const { entries, total } = readCentralDirectory(directory, end, {
      ...(options.select ? { select: options.select } : {}),
      maxEntries: options.maxEntries ?? 2_000_000,
      maxSelected: options.maxSelected ?? 100_000,
    });
    return { entries, total, prefixBytes: end.prefixBytes };
  } catch (err) {
    // A directory too big to list is refused like a malformed one: the jar's packages stay unknown.
    if (err instanceof ZipLimitError) throw new ShipshapeError("input", `zip ${err.message}`, { cause: err });
    throw asShipshapeError(err);
  }
}

/**
 * The uncompressed bytes of one entry, at most `maxBytes` of them (more is refused, whatever the
 * directory declared). Stored entries are returned as a view of `bytes`, not a copy.
 */
export function readZipEntry(bytes: Buffer, entry: ZipEntry, maxBytes: number): Buffer {
  try {
    if (entry.flags & 0x1) throw new ZipFormatError(`entry ${entry.name} is encrypted`);
    const lh = entry.localHeaderOffset;
    if (lh < 0 || lh + LOCAL_HEADER_SIZE > bytes.length) {
      throw new ZipFormatError(`entry ${entry.name}: local header is out of bounds`);
    }
    const dataStart = entryDataOffset(entry, bytes.subarray(lh, lh + LOCAL_HEADER_SIZE));
    const dataEnd = dataStart + entry.compressedSize;
    if (dataEnd > bytes.length)
      throw new ZipFormatError(`entry ${entry.name}: data runs past the end of the archive`);
    return entryBytes(entry, bytes.subarray(dataStart, dataEnd), maxBytes);
  } catch (err) {
    throw asShipshapeError(err);
  }
}
