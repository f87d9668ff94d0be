/**
 * What an archive holds, decided by content rather than by the transport prefix (which is only a
 * hint): a Docker `docker save` archive (manifest.json), an OCI image layout archive (index.json),
 * both at once (Docker 25+ and containerd exports), a pre-1.10 `docker save`, a plain
 * filesystem/layer tar, or an empty tar; and whether the whole file is compressed. Pure functions.
 */
import type { TarIndex } from "./tar-index.js";

export type WholeFileCompression = "none" | "gzip" | "zstd" | "xz" | "bzip2";

export type ArchiveFormat =
  | "docker-archive"
  | "oci-archive"
  | "docker-and-oci"
  | "legacy-docker"
  | "layer-tar"
  | "empty";

/** Compression of a whole file from its first bytes (magic numbers). */
export function sniffCompression(head: Uint8Array): WholeFileCompression {
  const b = (i: number) => head[i] ?? -1;
  if (b(0) === 0x1f && b(1) === 0x8b) return "gzip";
  if (b(0) === 0x28 && b(1) === 0xb5 && b(2) === 0x2f && b(3) === 0xfd) return "zstd";
  if (b(0) === 0xfd && b(1) === 0x37 && b(2) === 0x7a && b(3) === 0x58 && b(4) === 0x5a && b(5) === 0x00)
    return "xz";
  // "BZh" + block size digit + the block magic (pi), so that a tar member named "BZh…" is not taken for bzip2.
  const bzBlock = [0x31, 0x41, 0x59, 0x26, 0x53, 0x59];
  if (
    b(0) === 0x42 &&
    b(1) === 0x5a &&
    b(2) === 0x68 &&
    b(3) >= 0x31 &&
    b(3) <= 0x39 &&
    bzBlock.every((x, i) => b(4 + i) === x)
  ) {
    return "bzip2";
  }
  return "none";
}

const LEGACY_LAYER_JSON = /^[a-f0-9]{64}\/json$/;

/** Classify an indexed tar by the members that each format requires. Pure. */
export function classifyArchive(index: TarIndex): ArchiveFormat {
  const has = (name: string) => {
    const m = index.members.get(name);
    return m !== undefined && m.type !== "directory";
  };
  const docker = has("manifest.json");
  const oci = has("index.json");
  if (docker && oci) return "docker-and-oci";
  if (docker) return "docker-archive";
  if (oci) return "oci-archive";
  if (has("repositories") && [...index.members.keys()].some((n) => LEGACY_LAYER_JSON.test(n)))
    return "legacy-docker";
  for (const m of index.members.values()) if (m.type !== "directory") return "layer-tar";
  return "empty";
}
