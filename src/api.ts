/**
 * shipshape's programmatic API (`import { … } from "shipshape"`). Re-exports and thin compositions
 * only; the logic lives in the layers below.
 */
import { type ReadFilesystemOptions, readFilesystem } from "./image/filesystem.js";
import { buildInspectReport, type InspectReport } from "./image/inspect.js";
import { openImage } from "./image/open.js";
import type { OpenOptions } from "./image/source.js";

export { ShipshapeError } from "./errors.js";
export type { FileRequest } from "./image/file-request.js";
export { type ImageFilesystem, PathError, readFilesystem } from "./image/filesystem.js";
export type { InspectReport } from "./image/inspect.js";
export { defaultCacheDir, LayerCache } from "./image/layer-cache.js";
export { DEFAULT_LIMITS, type ReadLimits } from "./image/limits.js";
export { openImage } from "./image/open.js";
export { formatPlatform, parsePlatform } from "./image/platform.js";
export { parseReference } from "./image/reference.js";
export type { OpenedImage, OpenOptions } from "./image/source.js";
export { VERSION } from "./version.js";

export interface InspectOptions extends OpenOptions, Omit<ReadFilesystemOptions, "requests" | "signal"> {
  /** Called once the layers are known, with the total stored bytes to read (for progress bars). */
  onStart?: (totalBytes: number) => void | Promise<void>;
}

/** Open an image, read every layer once (digests verified), and report its facts. */
export async function inspectImage(reference: string, options: InspectOptions = {}): Promise<InspectReport> {
  const image = await openImage(reference, options);
  try {
    await options.onStart?.(image.layers.reduce((sum, l) => sum + (l.size ?? 0), 0));
    const readOptions: ReadFilesystemOptions = {};
    if (options.limits) readOptions.limits = options.limits;
    if (options.cache !== undefined) readOptions.cache = options.cache;
    if (options.concurrency) readOptions.concurrency = options.concurrency;
    if (options.onProgress) readOptions.onProgress = options.onProgress;
    if (options.signal) readOptions.signal = options.signal;
    const fs = await readFilesystem(image, readOptions);
    return buildInspectReport(image, fs);
  } finally {
    await image.close();
  }
}
