/**
 * An independent reference for what an image's squashed filesystem holds, made without shipshape's
 * code: skopeo converts the image to an OCI layout, umoci applies its layers (whiteouts included)
 * onto a real directory, and `find` counts what is there. GNU tar lists each layer's members (to see
 * whether a layer lists the root directory itself) and Node's zlib recomputes the diffIDs.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import { createGunzip } from "node:zlib";

const run = promisify(execFile);

export interface TreeCounts {
  /** `find -type f`: every regular file path, hard links included. */
  regularFiles: number;
  /** Regular-file paths beyond the first of each inode (what hard links added). */
  hardlinks: number;
  /** Bytes of the distinct regular-file inodes. */
  regularBytes: number;
  symlinks: number;
  /** `find -type d`, without the root directory itself. */
  directories: number;
  devices: number;
  fifos: number;
  /** Absolute paths inside the tree ("/etc/passwd"), sorted, by find's type letter (f, l, d, c, b, p…). */
  paths: Record<string, string[]>;
}

/** Count a directory tree with one `find` (GNU): type, inode and size per path, NUL-separated. */
export async function countTree(root: string): Promise<TreeCounts> {
  const { stdout } = await run("find", [root, "-mindepth", "1", "-printf", "%y %i %s /%P\\0"], {
    maxBuffer: 256 * 1024 * 1024,
  });
  const counts: TreeCounts = {
    regularFiles: 0,
    hardlinks: 0,
    regularBytes: 0,
    symlinks: 0,
    directories: 0,
    devices: 0,
    fifos: 0,
    paths: {},
  };
  const inodes = new Set<string>();
  for (const record of stdout.split("\0")) {
    if (record === "") continue;
    const [type = "", inode = "", size = "0"] = record.split(" ", 3);
    const path = record.slice(type.length + inode.length + size.length + 3);
    const list = counts.paths[type] ?? [];
    list.push(path);
    counts.paths[type] = list;
    switch (type) {
      case "f":
        counts.regularFiles++;
        if (inodes.has(inode)) counts.hardlinks++;
        else {
          inodes.add(inode);
          counts.regularBytes += Number(size);
        }
        break;
      case "l":
        counts.symlinks++;
        break;
      case "d":
        counts.directories++;
        break;
      case "c":
      case "b":
        counts.devices++;
        break;
      case "p":
        counts.fifos++;
        break;
    }
  }
  for (const list of Object.values(counts.paths)) list.sort();
  return counts;
}

export interface ReferenceWalk extends TreeCounts {
  /** Whether some layer lists the root directory as a member ("./", "/", "." or an empty name). */
  rootListed: boolean;
  /** The config's rootfs.diff_ids, as skopeo copied the config. */
  configDiffIDs: string[];
  /** sha256 of each layer blob decompressed here, in manifest order. */
  computedDiffIDs: string[];
}

export interface WalkPlatform {
  os: string;
  architecture: string;
  variant?: string;
}

/** The member names GNU tar lists for a (possibly gzipped) layer tar; -P keeps leading slashes. */
export async function tarMemberNames(file: string): Promise<string[]> {
  const { stdout } = await run("tar", ["-tPf", file], { maxBuffer: 256 * 1024 * 1024 });
  // One name per line (GNU tar escapes newlines in names); an empty line is an empty member name.
  if (stdout === "") return [];
  return (stdout.endsWith("\n") ? stdout.slice(0, -1) : stdout).split("\n");
}

/** "./", "/", ".", "" (and repetitions such as ".//./") all name the root directory. */
export function namesRoot(name: string): boolean {
  return name.split("/").every((part) => part === "" || part === ".");
}

async function isGzip(file: string): Promise<boolean> {
  const handle = await open(file, "r");
  try {
    const head = Buffer.alloc(2);
    await handle.read(head, 0, 2, 0);
    return head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

async function uncompressedSha256(file: string): Promise<string> {
  const hash = createHash("sha256");
  const source = createReadStream(file);
  if (await isGzip(file)) await pipeline(source, createGunzip(), hash);
  else await pipeline(source, hash);
  return `sha256:${hash.digest("hex")}`;
}

interface Descriptor {
  mediaType: string;
  digest: string;
}

/**
 * Convert `source` (a skopeo transport reference) to an OCI layout under `work`, unpack it with
 * `umoci unpack --rootless`, and count the result. `recompressGzip` makes skopeo store the layers
 * gzip-compressed (umoci 0.4.7 cannot unpack zstd layers). `work` is removed before returning.
 */
export async function umociReferenceWalk(
  source: string,
  work: string,
  options: { platform?: WalkPlatform; recompressGzip?: boolean } = {},
): Promise<ReferenceWalk> {
  await mkdir(work, { recursive: true });
  try {
    const layout = join(work, "layout");
    const bundle = join(work, "bundle");
    const args = ["--insecure-policy", "copy", "--quiet"];
    if (options.platform) {
      args.push("--override-os", options.platform.os, "--override-arch", options.platform.architecture);
      if (options.platform.variant) args.push("--override-variant", options.platform.variant);
    }
    if (options.recompressGzip) args.push("--dest-compress", "--dest-compress-format", "gzip");
    args.push(source, `oci:${layout}:x`);
    // A private HOME/TMPDIR: no auth files or policy of the machine, no temp files left elsewhere.
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: work, TMPDIR: work };
    await run("skopeo", args, { env }).catch((err: { stderr?: string }) => {
      throw new Error(`skopeo copy ${source} failed: ${(err.stderr ?? String(err)).trim()}`);
    });
    await run("umoci", ["unpack", "--rootless", "--image", `${layout}:x`, bundle], { env }).catch(
      (err: { stderr?: string }) => {
        throw new Error(`umoci unpack of ${source} failed: ${(err.stderr ?? String(err)).trim()}`);
      },
    );
    const blob = (digest: string) => join(layout, "blobs", ...digest.split(":"));
    const index = JSON.parse(await readFile(join(layout, "index.json"), "utf8")) as {
      manifests: Descriptor[];
    };
    if (index.manifests.length !== 1) throw new Error(`skopeo wrote ${index.manifests.length} manifests`);
    const manifest = JSON.parse(await readFile(blob(index.manifests[0]!.digest), "utf8")) as {
      config: Descriptor;
      layers: Descriptor[];
    };
    const config = JSON.parse(await readFile(blob(manifest.config.digest), "utf8")) as {
      rootfs?: { diff_ids?: string[] };
    };
    let rootListed = false;
    const computedDiffIDs: string[] = [];
    for (const layer of manifest.layers) {
      computedDiffIDs.push(await uncompressedSha256(blob(layer.digest)));
      if ((await tarMemberNames(blob(layer.digest))).some(namesRoot)) rootListed = true;
    }
    const counts = await countTree(join(bundle, "rootfs"));
    return { ...counts, rootListed, configDiffIDs: config.rootfs?.diff_ids ?? [], computedDiffIDs };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
