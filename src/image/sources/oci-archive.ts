/**
 * `oci-archive:PATH[:REF]`: a tar of an OCI image layout (skopeo `oci-archive:`, buildx
 * `type=oci`, Docker 25+ `docker save`, containerd export). REF selects by ref name. A Docker
 * archive without index.json given here is read as a docker-archive (the prefix is a hint).
 */
import { existsSync } from "node:fs";
import { openArchiveFile } from "../archive/archive-file.js";
import { archiveLayoutStore } from "../archive/archive-layout-store.js";
import { attributeError } from "../archive/attribute-error.js";
import { unsupportedArchiveError } from "../archive/detect.js";
import { readOciImage } from "../archive/oci-image.js";
import { isRefName, splitPathAndReference, withoutPrefix } from "../archive/reference-split.js";
import { MAX_MANIFEST_BYTES, parseIndex } from "../manifest.js";
import type { OpenedImage, OpenOptions } from "../source.js";

export function splitOciArchiveReference(spec: string): { path: string; ref?: string } {
  return splitPathAndReference(spec, existsSync, isRefName);
}

/** Open `oci-archive:PATH[:REF]`; `text` is the reference with or without its prefix. */
export async function openOciArchive(text: string, options: OpenOptions = {}): Promise<OpenedImage> {
  const spec = withoutPrefix(text, "oci-archive:");
  const reference = `oci-archive:${spec}`;
  const { path, ref } = splitOciArchiveReference(spec);
  const archive = await openArchiveFile(reference, path, options);
  try {
    const readAsOci = () =>
      readOciImage(archiveLayoutStore(archive), {
        reference,
        transport: "oci-archive",
        ...(ref !== undefined ? { ref } : {}),
        options,
        close: () => archive.close(),
      });
    const readAsDocker = async () =>
      (await import("./docker-archive.js")).readDockerArchive(archive, {
        reference,
        transport: "oci-archive",
        ...(ref !== undefined ? { selector: ref } : {}),
        options,
      });
    switch (archive.format) {
      case "oci-archive":
        return await readAsOci();
      case "docker-and-oci": {
        // An untagged Docker 25+ save has `"manifests": null`: only manifest.json names the image.
        const indexJson = archive.find("index.json");
        const listed = indexJson
          ? parseIndex(await archive.read(indexJson, MAX_MANIFEST_BYTES, "index.json"), "index.json")
              .manifests.length
          : 0;
        return listed > 0 ? await readAsOci() : await readAsDocker();
      }
      case "docker-archive":
        return await readAsDocker();
      default:
        throw unsupportedArchiveError(reference, archive.format, archive.index);
    }
  } catch (err) {
    await archive.close();
    throw attributeError(reference, err);
  }
}
