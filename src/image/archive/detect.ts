/**
 * Tell what an archive file is (docker-archive, oci-archive, both, plain layer tar, empty, legacy)
 * and how it is compressed, and the one-line refusal for the kinds that hold no readable image.
 */
import { ShipshapeError } from "../../errors.js";
import type { OpenOptions } from "../source.js";
import { openArchiveFile } from "./archive-file.js";
import type { ArchiveFormat, WholeFileCompression } from "./archive-format.js";
import type { TarIndex } from "./tar-index.js";

export type { ArchiveFormat, WholeFileCompression } from "./archive-format.js";
export { classifyArchive, sniffCompression } from "./archive-format.js";

/** The one-line refusal for archives that hold no image we can read. */
export function unsupportedArchiveError(
  reference: string,
  format: ArchiveFormat,
  index: TarIndex,
): ShipshapeError {
  switch (format) {
    case "empty":
      return new ShipshapeError("input", `${reference}: empty tar archive (no files), not an image`);
    case "legacy-docker":
      return new ShipshapeError(
        "input",
        `${reference}: a pre-2016 \`docker save\` archive (repositories and <id>/json, no manifest.json), which is not supported; re-save the image with Docker 1.10 or later`,
      );
    case "layer-tar": {
      const files = [...index.members.values()].filter((m) => m.type !== "directory").length;
      return new ShipshapeError(
        "input",
        `${reference}: neither manifest.json nor index.json in the archive, so it is not a docker-archive or oci-archive image (it looks like a plain filesystem tar with ${files} entries; extract it and scan dir:PATH instead)`,
      );
    }
    default:
      return new ShipshapeError("input", `${reference}: not an image archive (${format})`);
  }
}

export interface DetectedArchive {
  format: ArchiveFormat;
  compression: WholeFileCompression;
}

/**
 * Look at an archive file and say what it is. Gzipped archives are decompressed into
 * `options.tempDir` to be indexed, and the temporary copy is removed before returning.
 */
export async function detectArchive(path: string, options: OpenOptions = {}): Promise<DetectedArchive> {
  const archive = await openArchiveFile(path, path, options);
  try {
    return { format: archive.format, compression: archive.compression };
  } finally {
    await archive.close();
  }
}
