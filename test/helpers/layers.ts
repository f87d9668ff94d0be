/**
 * Build OpenedImages straight from layer tar files (the `*-layer.tar` fixtures are single layers,
 * not images) or from in-memory tars made with tar-stream, so the layer reader and the squashed view
 * can be tested without an image source.
 */
import { createReadStream, statSync } from "node:fs";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import tar from "tar-stream";
import type { BlobLayer, OpenedImage } from "../../src/image/source.js";

export function fileLayer(path: string, index: number, extra: Partial<BlobLayer> = {}): BlobLayer {
  return {
    kind: "blob",
    index,
    mediaType: "application/vnd.oci.image.layer.v1.tar",
    digest: null,
    size: statSync(path).size,
    diffID: null,
    location: path,
    open: async () => createReadStream(path),
    ...extra,
  };
}

export function bufferLayer(bytes: Buffer, index: number, extra: Partial<BlobLayer> = {}): BlobLayer {
  return {
    kind: "blob",
    index,
    mediaType: "application/vnd.oci.image.layer.v1.tar",
    digest: null,
    size: bytes.length,
    diffID: null,
    location: `memory-layer-${index}`,
    open: async () => Readable.from([bytes]),
    ...extra,
  };
}

export function syntheticImage(layers: BlobLayer[]): OpenedImage {
  return {
    reference: "test:synthetic",
    transport: "oci-archive",
    names: [],
    indexDigests: [],
    manifestDigest: null,
    manifestMediaType: null,
    manifestSize: null,
    manifest: null,
    configDigest: null,
    config: { architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] } },
    platform: { os: "linux", architecture: "amd64" },
    layers,
    warnings: [],
    close: async () => undefined,
  };
}

export type TarMember =
  | { name: string; type?: "file"; content: string | Buffer; mode?: number }
  | { name: string; type: "directory"; mode?: number }
  | { name: string; type: "symlink" | "link"; linkname: string };

/** A tar archive in memory, written by tar-stream (an independent writer from our reader). */
export async function makeTar(members: TarMember[], options: { gzip?: boolean } = {}): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on("data", (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    pack.on("end", resolve);
    pack.on("error", reject);
  });
  for (const m of members) {
    if (m.type === "directory") pack.entry({ name: m.name, type: "directory", mode: m.mode ?? 0o755 });
    else if (m.type === "symlink" || m.type === "link")
      pack.entry({ name: m.name, type: m.type, linkname: m.linkname });
    else if (m.type === undefined || m.type === "file")
      pack.entry({ name: m.name, mode: m.mode ?? 0o644 }, m.content);
  }
  pack.finalize();
  await done;
  const bytes = Buffer.concat(chunks);
  return options.gzip ? gzipSync(bytes) : bytes;
}
