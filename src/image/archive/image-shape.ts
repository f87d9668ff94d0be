/**
 * Checks every image source applies once it has a manifest and a config: that the manifest is a
 * container image (not an artifact), that layers and diffIDs line up, and which platform the image
 * is, checked against the one the user asked for.
 */
import { ShipshapeError } from "../../errors.js";
import { MediaType } from "../media-types.js";
import type { ImageConfig, ImageManifest, Platform } from "../oci.js";
import { formatPlatform, platformMatches } from "../platform.js";

const IMAGE_CONFIG_TYPES = new Set<string>([MediaType.ociConfig, MediaType.dockerConfig]);

export function assertContainerImage(manifest: ImageManifest, what: string): void {
  if (IMAGE_CONFIG_TYPES.has(manifest.config.mediaType)) return;
  const kind = manifest.artifactType ? `an artifact of type ${manifest.artifactType}` : "an artifact";
  throw new ShipshapeError(
    "input",
    `${what} is ${kind} (config media type ${manifest.config.mediaType}), not a container image`,
  );
}

/** Layers and rootfs.diff_ids must pair up one to one, as Docker and containerd require. */
export function assertLayersMatchDiffIDs(layerCount: number, config: ImageConfig, what: string): void {
  const diffIDs = config.rootfs.diff_ids.length;
  if (layerCount !== diffIDs) {
    throw new ShipshapeError(
      "integrity",
      `${what} lists ${layerCount} layer${layerCount === 1 ? "" : "s"} but its config's rootfs.diff_ids has ${diffIDs}`,
    );
  }
}

/** The image's platform: the config's when it says one, else the index descriptor's. */
export function imagePlatform(config: ImageConfig, indexPlatform: Platform | undefined): Platform {
  if (config.os !== "" && config.architecture !== "") {
    const p: Platform = { os: config.os, architecture: config.architecture };
    if (config.variant) p.variant = config.variant;
    if (config["os.version"]) p["os.version"] = config["os.version"];
    return p;
  }
  if (indexPlatform) {
    const p: Platform = { os: indexPlatform.os, architecture: indexPlatform.architecture };
    if (indexPlatform.variant) p.variant = indexPlatform.variant;
    return p;
  }
  return { os: config.os, architecture: config.architecture };
}

/**
 * For images that were not chosen from an index by platform (docker archives, single manifests):
 * a requested platform the image is known not to have is an error, not a silent substitution.
 */
export function assertRequestedPlatform(
  requested: Platform | undefined,
  platform: Platform,
  reference: string,
): void {
  if (!requested || platform.os === "" || platform.architecture === "") return;
  if (platformMatches(requested, platform)) return;
  throw new ShipshapeError(
    "not-found",
    `${reference}: the image is ${formatPlatform(platform)}, not the requested ${formatPlatform(requested)}`,
  );
}
