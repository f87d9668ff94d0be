/**
 * Which image references name an existing SBOM instead of an image: `sbom:PATH`, or a path ending in
 * `.json` that names an existing regular file. Kept apart from the readers so that the check costs
 * nothing on every run; the readers (./open.ts) load only when an SBOM is read.
 */
import { stat } from "node:fs/promises";
import { ShipshapeError } from "../errors.js";

export const SBOM_PREFIX = "sbom:";

/**
 * The SBOM path a reference names, or null when it names an image. `sbom:PATH` always names one
 * (a missing file is then an error when read); a reference ending in `.json` does when a regular
 * file exists there — `foo.json` is also a valid repository name, so an absent file means a registry.
 */
export async function sbomInputPath(reference: string): Promise<string | null> {
  const text = reference.trim();
  if (text.startsWith(SBOM_PREFIX)) {
    const path = text.slice(SBOM_PREFIX.length);
    if (path === "") throw new ShipshapeError("usage", `"${text}" names no file: use sbom:PATH`);
    return path;
  }
  if (!/\.json$/i.test(text)) return null;
  try {
    return (await stat(text)).isFile() ? text : null;
  } catch {
    return null;
  }
}

/**
 * The packages, OS and image facts of a reference that names an SBOM, or null when it names an
 * image: the branch `catalogImageResult` takes before opening an image.
 */
export async function readSbomReference(
  reference: string,
  options: import("./result.js").SbomReadOptions & { maxBytes?: number } = {},
): Promise<import("./result.js").SbomReadResult | null> {
  const path = await sbomInputPath(reference);
  if (path === null) return null;
  const { readSbomFile } = await import("./open.js");
  return readSbomFile(path, { ...options, reference });
}
