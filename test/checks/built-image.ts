/**
 * Real OCI images for the hygiene checks' positive cases that no fixture has, built with umoci (the
 * real tool, not our writer): each layer is `umoci unpack` → files written on disk with their modes →
 * `umoci repack`; the config with `umoci config` (which also records history entries). Docker-only
 * config fields umoci cannot set (Healthcheck) are patched into the config blob, with the manifest and
 * index digests rewritten. The image is read back as `oci:DIR:TAG`.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export interface LayerSpec {
  files?: Record<string, string | Buffer | { content: string | Buffer; mode: number }>;
  dirs?: Record<string, number>;
  symlinks?: Record<string, string>;
  /** Paths to delete (umoci records whiteouts). */
  remove?: string[];
}

export interface ImageSpec {
  layers: LayerSpec[];
  /** `umoci config` flags, e.g. ["--config.user", "0:0"]. */
  config?: string[];
  /** One `umoci config --history.created_by` call each (empty-layer history entries). */
  history?: string[];
  /** Edit the config JSON after umoci (Docker-only fields). */
  patchConfig?: (config: Record<string, unknown>) => void;
}

function umoci(args: string[]): void {
  const rootless = process.getuid?.() === 0 ? [] : ["--rootless"];
  const [command, ...rest] = args;
  execFileSync("umoci", [command!, ...(command === "unpack" ? rootless : []), ...rest], { stdio: "pipe" });
}

function writeLayer(rootfs: string, layer: LayerSpec): void {
  for (const [path, mode] of Object.entries(layer.dirs ?? {})) {
    mkdirSync(join(rootfs, path), { recursive: true });
    chmodSync(join(rootfs, path), mode);
  }
  for (const [path, spec] of Object.entries(layer.files ?? {})) {
    const file = join(rootfs, path);
    mkdirSync(dirname(file), { recursive: true });
    const { content, mode } =
      typeof spec === "string" || Buffer.isBuffer(spec) ? { content: spec, mode: 0o644 } : spec;
    writeFileSync(file, content);
    chmodSync(file, mode);
  }
  for (const [path, target] of Object.entries(layer.symlinks ?? {})) {
    const file = join(rootfs, path);
    mkdirSync(dirname(file), { recursive: true });
    symlinkSync(target, file);
  }
  for (const path of layer.remove ?? []) rmSync(join(rootfs, path), { recursive: true, force: true });
}

function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function patch(layout: string, tag: string, edit: (config: Record<string, unknown>) => void): void {
  const blob = (digest: string) => join(layout, "blobs", "sha256", digest.replace(/^sha256:/, ""));
  const put = (value: unknown) => {
    const bytes = Buffer.from(JSON.stringify(value));
    const hex = sha256(bytes);
    writeFileSync(join(layout, "blobs", "sha256", hex), bytes);
    return { digest: `sha256:${hex}`, size: bytes.length };
  };
  const index = JSON.parse(readFileSync(join(layout, "index.json"), "utf8")) as {
    manifests: { digest: string; size: number; annotations?: Record<string, string> }[];
  };
  const descriptor = index.manifests.find(
    (m) => m.annotations?.["org.opencontainers.image.ref.name"] === tag,
  )!;
  const manifest = JSON.parse(readFileSync(blob(descriptor.digest), "utf8")) as {
    config: { digest: string; size: number };
  };
  const config = JSON.parse(readFileSync(blob(manifest.config.digest), "utf8")) as Record<string, unknown>;
  edit(config);
  Object.assign(manifest.config, put(config));
  Object.assign(descriptor, put(manifest));
  writeFileSync(join(layout, "index.json"), JSON.stringify(index));
}

/** Build the image in `work/NAME` and return its reference `oci:DIR:TAG`. */
export function buildImage(work: string, name: string, tag: string, spec: ImageSpec): string {
  const layout = join(work, name);
  const bundle = join(work, `${name}-bundle`);
  umoci(["init", "--layout", layout]);
  umoci(["new", "--image", `${layout}:${tag}`]);
  for (const layer of spec.layers) {
    umoci(["unpack", "--image", `${layout}:${tag}`, bundle]);
    writeLayer(join(bundle, "rootfs"), layer);
    umoci(["repack", "--image", `${layout}:${tag}`, bundle]);
    rmSync(bundle, { recursive: true, force: true });
  }
  if (spec.config && spec.config.length > 0) {
    umoci(["config", "--image", `${layout}:${tag}`, "--no-history", ...spec.config]);
  }
  for (const line of spec.history ?? []) {
    umoci(["config", "--image", `${layout}:${tag}`, "--history.created_by", line]);
  }
  if (spec.patchConfig) patch(layout, tag, spec.patchConfig);
  return `oci:${layout}:${tag}`;
}
