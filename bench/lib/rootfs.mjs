/**
 * The unpacked root filesystem of an OCI archive, for the tools that catalog a directory
 * (`shipshape sbom dir:`, Trivy's rootfs cataloger). It is derived with umoci, an independent
 * implementation (whiteouts and opaque directories applied as the OCI spec says), once per archive:
 * later runs reuse it while a stamp file records the same archive path, size and mtime.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";

export const UMOCI = "umoci";

function run(argv, what) {
  const result = spawnSync(argv[0], argv.slice(1), { stdio: ["ignore", "ignore", "pipe"] });
  if (result.error) throw new Error(`${what}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`${what} exited with ${result.status}: ${result.stderr.toString().trim().slice(-500)}`);
  }
}

export function haveUmoci() {
  const result = spawnSync(UMOCI, ["--version"], { stdio: "ignore" });
  return !result.error && result.status === 0;
}

/**
 * Unpacks `archive` (an oci-archive tar) into `workDir/rootfs/NAME/bundle/rootfs` unless the stamp
 * says it is already there. Returns the root filesystem's path.
 */
export async function unpackedRootfs(archive, workDir) {
  const name = basename(archive).replace(/\.tar$/, "");
  const dir = join(workDir, "rootfs", name);
  const stampPath = join(dir, "stamp.json");
  const rootfs = join(dir, "bundle", "rootfs");
  const { size, mtimeMs } = await stat(archive);
  const stamp = { archive, size, mtimeMs };
  if (existsSync(rootfs) && existsSync(stampPath)) {
    const old = JSON.parse(await readFile(stampPath, "utf8"));
    if (old.archive === archive && old.size === size && old.mtimeMs === mtimeMs) return rootfs;
  }
  await rm(dir, { recursive: true, force: true });
  const layout = join(dir, "layout");
  await mkdir(layout, { recursive: true });
  run(["tar", "-xf", archive, "-C", layout], `tar -xf ${archive}`);
  const index = JSON.parse(await readFile(join(layout, "index.json"), "utf8"));
  const tag = index.manifests?.[0]?.annotations?.["org.opencontainers.image.ref.name"];
  if (!tag) throw new Error(`${archive}: index.json names no tag (org.opencontainers.image.ref.name)`);
  const rootless = typeof process.getuid === "function" && process.getuid() !== 0 ? ["--rootless"] : [];
  run(
    [UMOCI, "unpack", ...rootless, "--image", `${layout}:${tag}`, join(dir, "bundle")],
    `umoci unpack ${archive}`,
  );
  // The blobs are not needed any more; the stamp goes last, so a half-done unpack is redone.
  await rm(layout, { recursive: true, force: true });
  await writeFile(stampPath, `${JSON.stringify({ ...stamp, tag, manifest: index.manifests[0].digest })}\n`);
  return rootfs;
}
