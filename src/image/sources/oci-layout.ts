/**
 * `oci:DIR[:TAG]`: an OCI image layout directory (index.json, oci-layout, blobs/), as skopeo,
 * umoci, buildx `type=oci,tar=false`, regctl `ocidir://` and `tar -xf X.oci.tar` produce. The tag
 * selects by `org.opencontainers.image.ref.name` (or containerd's `io.containerd.image.name`).
 */
import { createReadStream, existsSync } from "node:fs";
import { open, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { ShipshapeError } from "../../errors.js";
import { attributeError } from "../archive/attribute-error.js";
import { blobPath, type LayoutStore } from "../archive/layout-store.js";
import { readOciImage } from "../archive/oci-image.js";
import { isRefName, splitPathAndReference, withoutPrefix } from "../archive/reference-split.js";
import type { OpenedImage, OpenOptions } from "../source.js";

/** Reads a regular file of at most `maxBytes` (checked before reading, and again while reading). */
async function readCapped(path: string, maxBytes: number, what: string): Promise<Uint8Array> {
  const handle = await open(path, "r");
  try {
    const info = await handle.stat();
    if (!info.isFile())
      throw new ShipshapeError(
        "input",
        `${what} is ${info.isDirectory() ? "a directory" : "not a regular file"}`,
      );
    if (info.size > maxBytes)
      throw new ShipshapeError("limit", `${what} is ${info.size} bytes, over the ${maxBytes}-byte limit`);
    const buf = Buffer.alloc(info.size);
    let done = 0;
    while (done < info.size) {
      const { bytesRead } = await handle.read(buf, done, info.size - done, done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return buf.subarray(0, done);
  } finally {
    await handle.close();
  }
}

export function directoryLayoutStore(dir: string): LayoutStore {
  const pathOf = (digest: string) => join(dir, ...blobPath(digest).split("/"));
  return {
    kind: "layout directory",
    async readIndexJson(maxBytes) {
      const path = join(dir, "index.json");
      let info: Awaited<ReturnType<typeof stat>>;
      try {
        info = await stat(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") {
          throw new ShipshapeError("input", `${dir} has no index.json, so it is not an OCI image layout`);
        }
        throw err;
      }
      if (info.isDirectory()) throw new ShipshapeError("input", "index.json is a directory, not a file");
      return readCapped(path, maxBytes, "index.json");
    },
    async blobSize(digest) {
      try {
        const info = await stat(pathOf(digest));
        // A FIFO or device named like a blob would hang or lie: only regular files are blobs.
        if (!info.isFile()) throw new ShipshapeError("input", `${blobPath(digest)} is not a regular file`);
        return info.size;
      } catch (err) {
        if (
          (err as NodeJS.ErrnoException).code === "ENOENT" ||
          (err as NodeJS.ErrnoException).code === "ENOTDIR"
        )
          return undefined;
        throw err;
      }
    },
    readBlob: (digest, maxBytes) => readCapped(pathOf(digest), maxBytes, blobPath(digest)),
    async openBlob(digest: string, signal?: AbortSignal): Promise<Readable> {
      return createReadStream(pathOf(digest), { highWaterMark: 256 * 1024, ...(signal ? { signal } : {}) });
    },
  };
}

/** `DIR[:TAG]` → path and tag, preferring an existing path (a directory may contain colons). */
export function splitLayoutReference(spec: string): { path: string; ref?: string } {
  return splitPathAndReference(spec, existsSync, isRefName);
}

/** Open `oci:DIR[:TAG]`; `text` is the reference with or without its prefix. */
export async function openOciLayout(text: string, options: OpenOptions = {}): Promise<OpenedImage> {
  const spec = withoutPrefix(text, "oci:");
  const reference = `oci:${spec}`;
  const { path, ref } = splitLayoutReference(spec);
  try {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        throw new ShipshapeError("not-found", `${reference}: no such directory ${path}`);
      }
      throw err;
    }
    if (!info.isDirectory()) {
      throw new ShipshapeError(
        "input",
        `${reference}: ${path} is a file, not an OCI layout directory; use oci-archive:${path} or docker-archive:${path} for an archive`,
      );
    }
    return await readOciImage(directoryLayoutStore(path), {
      reference,
      transport: "oci",
      ...(ref !== undefined ? { ref } : {}),
      options,
      close: async () => {},
    });
  } catch (err) {
    throw attributeError(reference, err);
  }
}
