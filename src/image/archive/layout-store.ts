/**
 * The content store of an OCI image layout (`index.json` + `blobs/<alg>/<hex>`), whether it sits
 * in a directory or inside a tar. Blob paths are built only from validated digests, never from
 * raw strings, so a descriptor cannot point the reader anywhere but into `blobs/`.
 */
import type { Readable } from "node:stream";
import { ShipshapeError } from "../../errors.js";
import { digestOf, parseDigest } from "../digest.js";
import type { Descriptor } from "../oci.js";

export interface LayoutStore {
  /** "archive" or "layout directory", for messages. */
  readonly kind: string;
  /** The bytes of index.json, refused over `maxBytes`. */
  readIndexJson(maxBytes: number): Promise<Uint8Array>;
  /** The stored size of a blob; undefined when the blob is absent. */
  blobSize(digest: string): Promise<number | undefined>;
  /** A blob's bytes (caller checked the size first). */
  readBlob(digest: string, maxBytes: number): Promise<Uint8Array>;
  openBlob(digest: string, signal?: AbortSignal): Promise<Readable>;
}

/** `blobs/sha256/<hex>` for a valid digest; throws ShipshapeError for anything else. */
export function blobPath(digest: string): string {
  let parsed: ReturnType<typeof parseDigest>;
  try {
    parsed = parseDigest(digest);
  } catch {
    throw new ShipshapeError("input", `invalid digest ${JSON.stringify(digest.slice(0, 140))}`);
  }
  return `blobs/${parsed.algorithm}/${parsed.hex}`;
}

/**
 * A small content-addressed document (index, manifest, config): present, of the declared size,
 * under the cap, and hashing to its descriptor's digest.
 */
export async function readVerifiedBlob(
  store: LayoutStore,
  d: Descriptor,
  what: string,
  maxBytes: number,
): Promise<Uint8Array> {
  const location = blobPath(d.digest);
  const size = await store.blobSize(d.digest);
  if (size === undefined)
    throw new ShipshapeError("input", `${what}: blob ${location} is not in the ${store.kind}`);
  if (size !== d.size) {
    throw new ShipshapeError(
      "integrity",
      `${what}: blob ${location} is ${size} bytes but its descriptor says ${d.size}`,
    );
  }
  if (size > maxBytes)
    throw new ShipshapeError("limit", `${what} is ${size} bytes, over the ${maxBytes}-byte limit`);
  const bytes = await store.readBlob(d.digest, maxBytes);
  const { algorithm } = parseDigest(d.digest);
  const actual = digestOf(algorithm, bytes);
  if (actual !== d.digest) {
    throw new ShipshapeError("integrity", `${what}: blob ${location} has digest ${actual}, not ${d.digest}`);
  }
  return bytes;
}
