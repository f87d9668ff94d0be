/**
 * What GNU tar (an independent reader) says a real image archive holds: the layer tars of a
 * docker-archive (`manifest.json` + `Layers`) and their entries, with hard-link and symlink targets.
 * The hygiene tests derive their expectations for busybox images from this, not from our reader.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TarEntry {
  /** Path in the image, absolute, no trailing slash ("/bin/sh"). */
  path: string;
  /** tar's type letter: "-" file, "h" hard link, "l" symlink, "d" directory… */
  type: string;
  /** Permission bits as tar prints them (rwsr-xr-x) */
  perms: string;
}

/** Every entry of every layer of a docker-archive (gzipped or not), in layer order. */
export function dockerArchiveEntries(archive: string): TarEntry[][] {
  const dir = mkdtempSync(join(tmpdir(), "shipshape-tar-listing-"));
  try {
    execFileSync("tar", ["-xf", archive, "-C", dir], { stdio: "pipe" });
    const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as { Layers: string[] }[];
    return manifest[0]!.Layers.map((layer) => listTar(join(dir, layer)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One file's bytes from the last layer of a docker-archive that has it (tar -xO), or null. */
export function dockerArchiveFile(archive: string, path: string): string | null {
  const dir = mkdtempSync(join(tmpdir(), "shipshape-tar-file-"));
  try {
    execFileSync("tar", ["-xf", archive, "-C", dir], { stdio: "pipe" });
    const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as { Layers: string[] }[];
    let found: string | null = null;
    for (const layer of manifest[0]!.Layers) {
      const member = path.replace(/^\//, "");
      const names = execFileSync("tar", ["-tf", join(dir, layer)], { encoding: "utf8", maxBuffer: 64 << 20 });
      if (!names.split("\n").some((n) => n.replace(/^\.\//, "") === member)) continue;
      found = execFileSync("tar", ["-xOf", join(dir, layer), member], { encoding: "utf8" });
    }
    return found;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `tar -tvf` of one layer tar, parsed (GNU tar's verbose format, numeric owners). */
export function listTar(path: string): TarEntry[] {
  const out = execFileSync("tar", ["--numeric-owner", "-tvf", path], {
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  const entries: TarEntry[] = [];
  for (const line of out.split("\n")) {
    // drwxr-xr-x 0/0  0 2019-05-09 20:49 bin/   or   hrwxr-xr-x 0/0 0 … bin/ash link to bin/busybox
    const m = /^(\S)(\S{9})\s+\S+\s+\S+\s+\S+\s+\S+\s+(.*?)(?: link to .*| -> .*)?$/.exec(line);
    if (!m) continue;
    const name = m[3]!.replace(/^\.?\/?/, "").replace(/\/$/, "");
    entries.push({ type: m[1]!, perms: m[2]!, path: `/${name}` });
  }
  return entries;
}
