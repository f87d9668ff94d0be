/**
 * One entry point for every image reference form (DESIGN.md contract):
 * `docker-archive:PATH`, `oci-archive:PATH`, `oci:DIR[:TAG]`, `dir:PATH`, and a bare
 * `[REGISTRY/]REPO[:TAG][@DIGEST]` (or `docker://…`, as skopeo writes it) for a registry.
 */
import { ShipshapeError } from "../errors.js";
import type { OpenedImage, OpenOptions } from "./source.js";

const TRANSPORTS = ["docker-archive:", "oci-archive:", "oci:", "dir:", "docker://"] as const;

export async function openImage(reference: string, options: OpenOptions = {}): Promise<OpenedImage> {
  const text = reference.trim();
  if (text === "") throw new ShipshapeError("usage", "no image reference given");
  // Each source's module loads only for its transport (start-up counts on a cached rescan).
  if (text.startsWith("docker-archive:")) {
    return (await import("./sources/docker-archive.js")).openDockerArchive(text, options);
  }
  if (text.startsWith("oci-archive:")) {
    return (await import("./sources/oci-archive.js")).openOciArchive(text, options);
  }
  if (text.startsWith("oci:")) return (await import("./sources/oci-layout.js")).openOciLayout(text, options);
  if (text.startsWith("dir:")) return (await import("./sources/dir.js")).openDirectory(text, options);
  if (text.startsWith("docker://")) return openRegistry(text.slice("docker://".length), options);
  const transport = /^([a-z][a-z0-9+.-]*):(?!\d|\/\/)/.exec(text);
  if (transport && !text.includes("/") && !TRANSPORTS.some((t) => text.startsWith(t))) {
    // `containers-storage:x`, `docker-daemon:x`: say what we read instead of a confusing registry error.
    throw new ShipshapeError(
      "usage",
      `unsupported image transport "${transport[1]}:" in ${JSON.stringify(text)}; use docker-archive:, oci-archive:, oci:, dir: or a registry reference`,
    );
  }
  return openRegistry(text, options);
}

/** The registry client (http/https/tls, credentials) loads only when a registry is read. */
async function openRegistry(reference: string, options: OpenOptions): Promise<OpenedImage> {
  const { openRegistryImage } = await import("./sources/registry.js");
  return openRegistryImage(reference, options);
}
