/**
 * Finding programs in the squashed filesystem the way a shell's PATH lookup would: by name in the
 * bin directories, following symlinks inside the image (busybox applets `/usr/bin/wget ->
 * /bin/busybox`, alternatives chains `/usr/bin/nc -> /etc/alternatives/nc -> /bin/nc.openbsd`).
 * A dangling symlink is not a program. Directories that are symlinks of each other (merged /usr:
 * `/bin -> usr/bin`) are looked at once, under their real path.
 */
import type { FsNode, ImageFilesystem } from "../image/filesystem.js";
import { BIN_DIRECTORIES, type ToolSpec } from "./tool-table.js";

export interface ToolInstance {
  /** The path it is found under (real directory + the name). */
  path: string;
  /** Where symlinks lead (equals `path` for a regular file). */
  target: string;
}

export interface FoundTool {
  spec: ToolSpec;
  /** Distinct programs (different files), in the order of the spec's names. */
  instances: ToolInstance[];
}

interface BinDirectory {
  path: string;
  children: ReadonlyMap<string, FsNode>;
}

/** The bin directories that exist, each once, under their real path. */
export function binDirectories(
  fs: ImageFilesystem,
  dirs: readonly string[] = BIN_DIRECTORIES,
): BinDirectory[] {
  const out: BinDirectory[] = [];
  const seen = new Set<string>();
  for (const dir of dirs) {
    let real: string;
    let node: FsNode;
    try {
      real = fs.realpath(dir);
      node = fs.stat(real);
    } catch {
      continue;
    }
    if (node.kind !== "dir" || !node.children || seen.has(real)) continue;
    seen.add(real);
    out.push({ path: real, children: node.children });
  }
  return out;
}

/** Same file for hard links and symlinks alike: the member that holds the bytes, else the real path. */
function identity(node: FsNode, target: string): string {
  return node.content ? `${node.content.layer}:${node.content.entry}` : target;
}

function namesMatching(name: string | RegExp, dir: BinDirectory): string[] {
  if (typeof name === "string") return dir.children.has(name) ? [name] : [];
  return [...dir.children.keys()].filter((n) => name.test(n)).sort();
}

export function findTool(fs: ImageFilesystem, spec: ToolSpec, dirs: readonly BinDirectory[]): FoundTool {
  const instances: ToolInstance[] = [];
  const seen = new Set<string>();
  for (const name of spec.names) {
    for (const dir of dirs) {
      for (const file of namesMatching(name, dir)) {
        const path = `${dir.path === "/" ? "" : dir.path}/${file}`;
        let node: FsNode;
        let target: string;
        try {
          target = fs.realpath(path);
          node = fs.stat(path);
        } catch {
          continue; // dangling or looping symlink: nothing runs under this name
        }
        if (node.kind !== "file") continue;
        const id = identity(node, target);
        if (seen.has(id)) continue;
        seen.add(id);
        instances.push({ path, target });
      }
    }
  }
  return { spec, instances };
}

/** Every tool of a table that is present, in table order. */
export function findTools(
  fs: ImageFilesystem,
  specs: readonly ToolSpec[],
  searchPath: readonly string[] = BIN_DIRECTORIES,
): FoundTool[] {
  const dirs = binDirectories(fs, searchPath);
  return specs.map((s) => findTool(fs, s, dirs)).filter((t) => t.instances.length > 0);
}

/** "/usr/bin/nc (→ /usr/bin/nc.openbsd)": the path and, when it is a link, where it leads. */
export function describeInstance(i: ToolInstance): string {
  return i.target === i.path ? i.path : `${i.path} (→ ${i.target})`;
}
