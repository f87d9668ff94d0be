/**
 * An OCI image layout stored inside a tar (oci-archive, or the OCI half of a Docker 25+ archive),
 * served from the archive's member index.
 */
import { ShipshapeError } from "../../errors.js";
import type { ArchiveFile } from "./archive-file.js";
import { blobPath, type LayoutStore } from "./layout-store.js";

export function archiveLayoutStore(archive: ArchiveFile): LayoutStore {
  const member = (digest: string) => archive.find(blobPath(digest));
  return {
    kind: "archive",
    async readIndexJson(maxBytes) {
      const m = archive.find("index.json");
      if (!m)
        throw new ShipshapeError(
          "input",
          "the archive has no index.json, so it is not an OCI image layout archive",
        );
      return archive.read(m, maxBytes, "index.json");
    },
    async blobSize(digest) {
      return member(digest)?.size;
    },
    async readBlob(digest, maxBytes) {
      const m = member(digest);
      if (!m) throw new ShipshapeError("input", `blob ${blobPath(digest)} is not in the archive`);
      return archive.read(m, maxBytes, blobPath(digest));
    },
    async openBlob(digest, signal) {
      const m = member(digest);
      if (!m) throw new ShipshapeError("input", `blob ${blobPath(digest)} is not in the archive`);
      return archive.open(m, signal);
    },
  };
}
