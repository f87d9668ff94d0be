/**
 * Run language catalogers over an image the way the sbom pipeline does (readFilesystem with their
 * requests, then catalogFilesystem), without the other catalogers.
 */
import { readFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import { OS_DETECTOR } from "../../../src/catalog/all.js";
import { type CatalogResult, catalogFilesystem, catalogRequests } from "../../../src/catalog/catalog.js";
import type { Cataloger } from "../../../src/catalog/cataloger.js";
import { readFilesystem } from "../../../src/image/filesystem.js";
import { openImage } from "../../../src/image/open.js";
import type { OpenedImage } from "../../../src/image/source.js";
import { bufferLayer, makeTar, syntheticImage, type TarMember } from "../../helpers/layers.js";

export async function catalogWith(
  image: OpenedImage | string,
  catalogers: Cataloger[],
): Promise<CatalogResult> {
  const opened = typeof image === "string" ? await openImage(image) : image;
  try {
    const fs = await readFilesystem(opened, {
      cache: null,
      requests: catalogRequests({ catalogers, osDetector: OS_DETECTOR }),
    });
    return await catalogFilesystem(fs, { catalogers, osDetector: OS_DETECTOR, includeOsOwned: true });
  } finally {
    await opened.close();
  }
}

/** An image of one layer per member list (tar-stream writes them: an independent writer). */
export async function imageOf(...layers: TarMember[][]): Promise<OpenedImage> {
  const blobs = await Promise.all(layers.map((members) => makeTar(members)));
  return syntheticImage(blobs.map((b, i) => bufferLayer(b, i)));
}

/** An image whose one layer is a (gzipped) layer tar file. */
export async function imageOfLayerFile(path: string): Promise<OpenedImage> {
  let bytes = await readFile(path);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  return syntheticImage([bufferLayer(bytes, 0)]);
}
