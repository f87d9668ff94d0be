/**
 * `dir:PATH`: a root filesystem on disk (an unpacked image, a chroot, a mounted volume), scanned
 * as a single directory layer. There is no manifest and no config, so the config is synthetic:
 * Linux on this host's architecture, no history, no diffIDs.
 */
import { readFile, realpath, stat } from "node:fs/promises";
import { join } from "node:path";
import { ShipshapeError } from "../../errors.js";
import { attributeError } from "../archive/attribute-error.js";
import { withoutPrefix } from "../archive/reference-split.js";
import type { ImageConfig } from "../oci.js";
import { hostPlatform } from "../platform.js";
import type { DirectoryLayer, OpenedImage, OpenOptions } from "../source.js";

/** skopeo's own `dir:` transport writes an image copy, not a root filesystem; say so rather than scan blobs. */
async function isSkopeoImageCopy(root: string): Promise<boolean> {
  try {
    const version = await readFile(join(root, "version"), { encoding: "utf8", flag: "r" });
    return (
      version.startsWith("Directory Transport Version") && (await stat(join(root, "manifest.json"))).isFile()
    );
  } catch {
    return false;
  }
}

/** Open `dir:PATH`; `text` is the reference with or without its prefix. */
export async function openDirectory(text: string, options: OpenOptions = {}): Promise<OpenedImage> {
  const spec = withoutPrefix(text, "dir:");
  const reference = `dir:${spec}`;
  try {
    if (spec === "") throw new ShipshapeError("usage", `${reference}: no directory given (dir:PATH)`);
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(spec);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT")
        throw new ShipshapeError("not-found", `${reference}: no such directory ${spec}`);
      throw err;
    }
    if (!info.isDirectory()) {
      throw new ShipshapeError(
        "input",
        `${reference}: ${spec} is not a directory; use docker-archive:${spec} or oci-archive:${spec} for an image archive`,
      );
    }
    const root = await realpath(spec);
    if (await isSkopeoImageCopy(root)) {
      throw new ShipshapeError(
        "input",
        `${reference}: ${spec} is a skopeo \`dir:\` image copy (manifest.json + version), not a root filesystem; copy it to a layout with \`skopeo copy dir:${spec} oci:DIR:TAG\` and scan oci:DIR:TAG`,
      );
    }
    const host = hostPlatform();
    const architecture = options.platform?.architecture ?? host.architecture;
    const config: ImageConfig = {
      os: "linux",
      architecture,
      config: {},
      rootfs: { type: "layers", diff_ids: [] },
      history: [],
    };
    const layer: DirectoryLayer = {
      kind: "directory",
      index: 0,
      root,
      location: spec,
      diffID: null,
      digest: null,
      size: null,
      mediaType: "directory",
    };
    return {
      reference,
      transport: "dir",
      names: [],
      indexDigests: [],
      manifestDigest: null,
      manifestMediaType: null,
      manifestSize: null,
      manifest: null,
      configDigest: null,
      config,
      platform: { os: "linux", architecture },
      layers: [layer],
      warnings: [],
      close: async () => {},
    };
  } catch (err) {
    throw attributeError(reference, err);
  }
}
