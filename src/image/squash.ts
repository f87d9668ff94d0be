/**
 * The squashed tree of an image: every layer's members applied in order, whiteouts and
 * opaque directories honoured (against lower layers only, as the OCI spec says), hard links and
 * symlinks resolved with chroot semantics: nothing ever resolves outside the image root, `..` at the
 * root stays at the root, and a symlink loop or an over-long chain is an error for that path only.
 * File contents are not held here: nodes point at (layer, member) and a ContentStore serves bytes.
 */
import { posix } from "node:path";
import type { EntryKind, LayerEntry } from "./layer-entry.js";

export type NodeKind = Exclude<EntryKind, "whiteout" | "opaque" | "hardlink" | "other">;

export interface FsNode {
  kind: NodeKind;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  /** Symlink target as written. */
  link?: string;
  /** The layer that put this node here. */
  layer: number;
  /** Where the bytes live: the member that carried them (a hard link points at its target's member). */
  content?: { layer: number; entry: number };
  /** For nodes made by a hard link: the path it linked to. */
  hardlinkOf?: string;
  /** Children of a directory, by name. */
  children?: Map<string, FsNode>;
}

export interface WhiteoutDetail {
  layer: number;
  path: string;
  existedBelow: boolean;
  entriesRemoved: number;
}

export interface SquashSummary {
  regularFiles: number;
  regularFilesExcludingHardlinks: number;
  hardlinks: number;
  symlinks: number;
  directories: number;
  devices: number;
  fifos: number;
  regularBytes: number;
  setuid: string[];
  setgid: string[];
  worldWritableFiles: string[];
}

/** A path that cannot be resolved: not found, not a directory, or a symlink loop/over-long chain. */
export class PathError extends Error {
  readonly code: "ENOENT" | "ENOTDIR" | "ELOOP" | "EISDIR" | "EINVAL";
  readonly path: string;

  constructor(code: PathError["code"], path: string, detail: string) {
    super(`${path}: ${detail}`);
    this.name = "PathError";
    this.code = code;
    this.path = path;
  }
}

/** Linux's limit on symlinks followed while resolving one path. */
export const MAX_SYMLINK_HOPS = 40;

function newDir(layer: number, mode = 0o755): FsNode {
  return { kind: "dir", mode, uid: 0, gid: 0, size: 0, mtime: 0, layer, children: new Map() };
}

/** A node for a member: its kind and size, the member's mode, owner and time, and the layer. */
function memberNode(kind: NodeKind, entry: LayerEntry, layer: number, size: number): FsNode {
  return { kind, mode: entry.mode, uid: entry.uid, gid: entry.gid, size, mtime: entry.mtime, layer };
}

function splitPath(path: string): string[] {
  return path.split("/").filter((p) => p !== "" && p !== ".");
}

function countNodes(node: FsNode): number {
  let n = 1;
  if (node.children) for (const child of node.children.values()) n += countNodes(child);
  return n;
}

export class SquashedTree {
  readonly root: FsNode = newDir(-1);
  /** The parent cache is an optimisation only; tests turn it off to compare. */
  private readonly useParentCache: boolean;

  constructor(options: { parentCache?: boolean } = {}) {
    this.useParentCache = options.parentCache ?? true;
  }

  /** Whether a layer listed the root directory as a member ("./"); then it counts as a directory. */
  private rootListed = false;
  /** The last parent resolved by parentFor; dropped whenever a directory or symlink is replaced. */
  private parentCache: { dirname: string; dir: FsNode; dirPath: string } | null = null;

  /** Put `node` at `dir/name`; replacing a directory or symlink can change how paths resolve. */
  private place(dir: FsNode, name: string, node: FsNode): void {
    const existing = dir.children!.get(name);
    if (existing && (existing.kind === "dir" || existing.kind === "symlink")) this.parentCache = null;
    dir.children!.set(name, node);
  }
  readonly whiteouts: WhiteoutDetail[] = [];
  readonly opaqueDirs: { layer: number; path: string }[] = [];
  readonly warnings: string[] = [];

  /**
   * Resolve `path` to [node, canonical path]. Intermediate symlinks are always followed; the last
   * one only when `followFinal`. Missing components give ENOENT; files in the middle ENOTDIR.
   */
  resolve(path: string, followFinal: boolean): { node: FsNode; path: string } {
    return this.walkPath(path, followFinal, null);
  }

  /**
   * The shared walker. With `createIn` (a layer index), missing directories are created and a
   * non-directory in the way is replaced, as extracting a member through that path would do.
   */
  private walkPath(
    path: string,
    followFinal: boolean,
    createIn: number | null,
  ): { node: FsNode; path: string } {
    let hops = 0;
    // Remaining components; symlink targets are spliced in front.
    let pending = splitPath(path);
    let stack: FsNode[] = [this.root];
    let names: string[] = [];
    while (pending.length > 0) {
      const name = pending.shift()!;
      const current = stack[stack.length - 1]!;
      if (name === "..") {
        // `..` at the root stays at the root (chroot semantics).
        if (stack.length > 1) {
          stack = stack.slice(0, -1);
          names = names.slice(0, -1);
        }
        continue;
      }
      if (current.kind !== "dir") {
        throw new PathError("ENOTDIR", path, `/${names.join("/")} is not a directory`);
      }
      let child = current.children!.get(name);
      const isLast = pending.length === 0;
      if (!child || (createIn !== null && child.kind !== "dir" && child.kind !== "symlink")) {
        if (createIn === null)
          throw new PathError("ENOENT", path, `/${[...names, name].join("/")} does not exist`);
        if (child) {
          this.warnings.push(
            `layer ${createIn}: /${[...names, name].join("/")} is not a directory; replaced by one to hold ${path}`,
          );
        }
        child = newDir(createIn);
        current.children!.set(name, child);
      }
      if (child.kind === "symlink" && (!isLast || followFinal)) {
        hops++;
        if (hops > MAX_SYMLINK_HOPS) {
          throw new PathError("ELOOP", path, `too many levels of symbolic links (over ${MAX_SYMLINK_HOPS})`);
        }
        const target = child.link ?? "";
        if (target.startsWith("/")) {
          stack = [this.root];
          names = [];
        }
        pending = [...splitPath(target), ...pending];
        continue;
      }
      stack.push(child);
      names.push(name);
    }
    return { node: stack[stack.length - 1]!, path: `/${names.join("/")}` };
  }

  /** The node at `path` (parent resolved through symlinks, final component not), or null. */
  private lookupExisting(path: string): { node: FsNode; parent: FsNode | null; name: string } | null {
    if (path === "/") return { node: this.root, parent: null, name: "" };
    try {
      const parent = this.resolve(posix.dirname(path), true).node;
      const name = posix.basename(path);
      const node = parent.kind === "dir" ? parent.children!.get(name) : undefined;
      return node ? { node, parent, name } : null;
    } catch {
      return null;
    }
  }

  /**
   * The directory to place `path`'s last component in: parents resolved through symlinks inside the
   * root (as containerd does), missing ones created. Null (with a warning) when a loop is in the way.
   */
  private parentFor(path: string, layer: number): { dir: FsNode; name: string; dirPath: string } | null {
    // Entry paths are clean and absolute (layer-entry.ts): the last "/" splits parent and name.
    // Anything else (a trailing slash) takes the general route.
    const slash = path.lastIndexOf("/");
    const clean = slash < path.length - 1;
    const name = clean ? path.slice(slash + 1) : posix.basename(path);
    if (name === "" || path === "/") return null;
    const dirname = !clean ? posix.dirname(path) : slash <= 0 ? "/" : path.slice(0, slash);
    // Tar members come grouped by directory: most lookups repeat the previous one.
    const cached = this.useParentCache ? this.parentCache : null;
    if (cached && cached.dirname === dirname) return { dir: cached.dir, name, dirPath: cached.dirPath };
    // The common case, directories only on the way: no symlink to follow, nothing to replace.
    const direct = this.directoriesOnly(dirname, layer);
    if (direct !== null) {
      const dirPath = dirname === "/" ? "" : dirname;
      this.parentCache = { dirname, dir: direct, dirPath };
      return { dir: direct, name, dirPath };
    }
    try {
      const parent = this.walkPath(dirname, true, layer);
      const dirPath = parent.path === "/" ? "" : parent.path;
      this.parentCache = { dirname, dir: parent.node, dirPath };
      return { dir: parent.node, name, dirPath };
    } catch (err) {
      this.warnings.push(
        `layer ${layer}: ${path}: ${err instanceof Error ? err.message : String(err)}; member skipped`,
      );
      return null;
    }
  }

  /**
   * walkPath(dirname, true, layer) for a clean absolute path whose existing components are all
   * directories: those are descended, missing ones created (as walkPath does). Null when a component
   * is empty, "." or "..", or exists as anything but a directory: walkPath decides those.
   */
  private directoriesOnly(dirname: string, layer: number): FsNode | null {
    let node = this.root;
    if (dirname === "/") return node;
    if (dirname.charCodeAt(0) !== 0x2f) return null;
    let start = 1;
    while (start <= dirname.length) {
      let end = dirname.indexOf("/", start);
      if (end < 0) end = dirname.length;
      const part = dirname.slice(start, end);
      if (part === "" || part === "." || part === "..") return null;
      let child = node.children!.get(part);
      if (child === undefined) {
        child = newDir(layer);
        node.children!.set(part, child);
      } else if (child.kind !== "dir") {
        return null;
      }
      node = child;
      start = end + 1;
    }
    return node;
  }

  /** Apply one layer: whiteouts and opaque markers first (they hide lower layers only), then members. */
  applyLayer(layer: number, entries: readonly LayerEntry[]): void {
    this.parentCache = null;
    for (const entry of entries) {
      if (entry.kind !== "opaque" && entry.kind !== "whiteout") continue;
      const node = this.lookupExisting(entry.path);
      if (entry.kind === "opaque") {
        if (node?.node.kind === "dir" && node.node.children!.size > 0) node.node.children = new Map();
        this.opaqueDirs.push({ layer, path: entry.path });
        continue;
      }
      if (node?.parent) node.parent.children!.delete(node.name);
      this.whiteouts.push({
        layer,
        path: entry.path,
        existedBelow: node !== null,
        entriesRemoved: node ? countNodes(node.node) : 0,
      });
    }
    this.parentCache = null;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      if (entry.kind === "opaque" || entry.kind === "whiteout" || entry.kind === "other") continue;
      if (entry.path === "/") {
        // The root's own member: its mode and owner apply (a world-writable root matters), nothing else.
        Object.assign(this.root, {
          mode: entry.mode,
          uid: entry.uid,
          gid: entry.gid,
          mtime: entry.mtime,
          layer,
        });
        this.rootListed = true;
        continue;
      }
      const target = this.parentFor(entry.path, layer);
      if (!target) continue;
      const { dir, name } = target;
      const existing = dir.children!.get(name);
      switch (entry.kind) {
        case "dir":
          if (existing?.kind === "dir") {
            existing.mode = entry.mode;
            existing.uid = entry.uid;
            existing.gid = entry.gid;
            existing.mtime = entry.mtime;
            existing.layer = layer;
          } else {
            const node = memberNode("dir", entry, layer, 0);
            node.children = new Map();
            this.place(dir, name, node);
          }
          break;
        case "file": {
          const node = memberNode("file", entry, layer, entry.size);
          node.content = { layer, entry: i };
          this.place(dir, name, node);
          break;
        }
        case "symlink": {
          const node = memberNode("symlink", entry, layer, 0);
          node.link = entry.link ?? "";
          this.place(dir, name, node);
          break;
        }
        case "hardlink":
          this.applyHardlink(layer, entry, dir, name, target.dirPath);
          break;
        case "char":
        case "block":
        case "fifo":
          this.place(dir, name, memberNode(entry.kind, entry, layer, 0));
          break;
      }
    }
  }

  private applyHardlink(layer: number, entry: LayerEntry, dir: FsNode, name: string, dirPath: string): void {
    const linkPath = `${dirPath}/${name}`;
    let target: FsNode;
    try {
      // link(2) does not follow a final symlink: a hard link to a symlink is a symlink.
      target = this.resolve(entry.link ?? "", false).node;
    } catch {
      this.warnings.push(
        `layer ${layer}: hard link ${linkPath} -> ${entry.link}: the target is not in the image; skipped`,
      );
      return;
    }
    if (target.kind === "dir") {
      this.warnings.push(
        `layer ${layer}: hard link ${linkPath} -> ${entry.link} points at a directory; skipped`,
      );
      return;
    }
    const node: FsNode = { ...target, layer, hardlinkOf: entry.link ?? "" };
    delete node.children;
    this.place(dir, name, node);
  }

  /** Depth-first, sorted by name: every node with its absolute path. */
  *walk(from: FsNode = this.root, prefix = ""): Generator<[string, FsNode]> {
    if (!from.children) return;
    const names = [...from.children.keys()].sort();
    for (const name of names) {
      const node = from.children.get(name)!;
      const path = `${prefix}/${name}`;
      yield [path, node];
      if (node.kind === "dir") yield* this.walk(node, path);
    }
  }

  summary(): SquashSummary {
    const s: SquashSummary = {
      regularFiles: 0,
      regularFilesExcludingHardlinks: 0,
      hardlinks: 0,
      symlinks: 0,
      directories: 0,
      devices: 0,
      fifos: 0,
      regularBytes: 0,
      setuid: [],
      setgid: [],
      worldWritableFiles: [],
    };
    if (this.rootListed) s.directories++;
    // Counting needs no order and no paths: only the few flagged files get a path, and those lists
    // are sorted as walk() would list them (depth-first, names in order) at the end.
    const count = (dir: FsNode, prefix: string): void => {
      for (const [name, node] of dir.children!) {
        switch (node.kind) {
          case "file":
            s.regularFiles++;
            if (node.hardlinkOf !== undefined) s.hardlinks++;
            else {
              s.regularFilesExcludingHardlinks++;
              s.regularBytes += node.size;
            }
            if (node.mode & 0o6002) {
              const path = `${prefix}/${name}`;
              if (node.mode & 0o4000) s.setuid.push(path);
              if (node.mode & 0o2000) s.setgid.push(path);
              if (node.mode & 0o002) s.worldWritableFiles.push(path);
            }
            break;
          case "dir":
            s.directories++;
            count(node, `${prefix}/${name}`);
            break;
          case "symlink":
            s.symlinks++;
            break;
          case "char":
          case "block":
            s.devices++;
            break;
          case "fifo":
            s.fifos++;
            break;
        }
      }
    };
    count(this.root, "");
    s.setuid.sort(compareWalkOrder);
    s.setgid.sort(compareWalkOrder);
    s.worldWritableFiles.sort(compareWalkOrder);
    return s;
  }
}

/** The order of walk(): by path component, each compared as names are sorted (UTF-16 code units). */
export function compareWalkOrder(a: string, b: string): number {
  const x = a.split("/");
  const y = b.split("/");
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  }
  return x.length - y.length;
}

export function joinImagePath(dir: string, name: string): string {
  return posix.join(dir, name);
}
