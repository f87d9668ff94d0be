/**
 * A zipped egg (`name-version-pyX.Y.egg`) keeps its metadata in the member `EGG-INFO/PKG-INFO`.
 * Only that member is read, with the catalog's bounded zip reader (java/zip.ts over the shared
 * src/zip/ structure reader): every offset and length is checked against the file and inflating is
 * capped, so a hostile zip costs at most one bounded inflate.
 */
import { isShipshapeError, ShipshapeError } from "../../errors.js";
import { readZipDirectory, readZipEntry } from "../java/zip.js";

const MEMBER = "EGG-INFO/PKG-INFO";
/** PKG-INFO is a metadata file: more than this is not one. */
export const MAX_PKG_INFO_BYTES = 4 * 1024 * 1024;

/** The bytes of `EGG-INFO/PKG-INFO`, or null when the zip has no such member. */
export function readEggPkgInfo(zip: Buffer): Buffer | null {
  try {
    const { entries } = readZipDirectory(zip, { select: (name) => name === MEMBER, maxSelected: 1 });
    const entry = entries[0];
    return entry ? readZipEntry(zip, entry, MAX_PKG_INFO_BYTES) : null;
  } catch (err) {
    if (!isShipshapeError(err)) throw err;
    throw new ShipshapeError(err.kind, `egg is not a readable zip: ${err.message}`, { cause: err });
  }
}
