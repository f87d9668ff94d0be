/**
 * One tar member of a layer, normalised: an absolute, clean path inside the image root, a kind,
 * and the whiteout semantics of the OCI image spec (`.wh.NAME` deletes NAME, `.wh..wh..opq`
 * empties the directory in lower layers).
 */
import { posix } from "node:path";

export type EntryKind =
  | "file"
  | "dir"
  | "symlink"
  | "hardlink"
  | "char"
  | "block"
  | "fifo"
  | "whiteout" // path = the deleted path
  | "opaque" // path = the directory whose lower contents are hidden
  | "other";

export interface LayerEntry {
  /** Absolute, normalised path in the image ("/usr/bin/bash"); for whiteouts, the deleted path. */
  path: string;
  kind: EntryKind;
  /** Permission and special bits (07777). */
  mode: number;
  uid: number;
  gid: number;
  /** Bytes of content (regular files; 0 otherwise). */
  size: number;
  /** Symlink target as written (may be relative), or hard-link target as a normalised absolute path. */
  link?: string;
  /** Seconds since the epoch. */
  mtime: number;
}

export interface RawTarHeader {
  name: string;
  type: string | null;
  mode: number | null | undefined;
  uid: number | null | undefined;
  gid: number | null | undefined;
  size: number | null | undefined;
  linkname: string | null | undefined;
  mtime?: Date | null | undefined;
}

const WHITEOUT_PREFIX = ".wh.";
const OPAQUE_MARKER = ".wh..wh..opq";

/**
 * Clean a member name into an absolute path under "/". `..` at the root stays at the root (chroot
 * semantics, as containerd applies layers). Returns whether the raw name tried to climb out, so the
 * caller can report it.
 */
export function cleanMemberPath(name: string): { path: string; escaped: boolean } {
  // Strip NULs and trailing slashes of directory names; treat backslashes literally (Linux semantics).
  const raw = name.replace(/\0.*$/s, "");
  const parts = raw.split("/");
  const out: string[] = [];
  let escaped = false;
  for (const part of parts) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length === 0) escaped = true;
      else out.pop();
      continue;
    }
    out.push(part);
  }
  return { path: `/${out.join("/")}`, escaped };
}

function kindOf(type: string | null): EntryKind {
  switch (type) {
    case "file":
    case "contiguous-file":
      return "file";
    case "directory":
      return "dir";
    case "symlink":
      return "symlink";
    case "link":
      return "hardlink";
    case "character-device":
      return "char";
    case "block-device":
      return "block";
    case "fifo":
      return "fifo";
    default:
      return "other";
  }
}

export interface NormalizedEntry {
  entry: LayerEntry;
  /** The raw member name climbed above the root (`../x`); it was clamped to the root. */
  escaped: boolean;
  /** The hard-link target climbed above the root. */
  linkEscaped: boolean;
}

/**
 * Normalise a tar header. The root directory itself ("./") is kept as path "/" (its mode matters);
 * returns null only for a root member that is not a directory, which no extractor would apply.
 */
export function normalizeEntry(header: RawTarHeader): NormalizedEntry | null {
  const { path, escaped } = cleanMemberPath(header.name);
  if (path === "/" && kindOf(header.type) !== "dir") return null;
  let kind = kindOf(header.type);
  let entryPath = path;
  const base = posix.basename(path);
  if (base.startsWith(WHITEOUT_PREFIX)) {
    const dir = posix.dirname(path);
    if (base === OPAQUE_MARKER) {
      kind = "opaque";
      entryPath = dir;
    } else if (base.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`)) {
      // Other AUFS metadata (.wh..wh.plnk, .wh..wh.aufs): not part of the image's filesystem.
      kind = "other";
    } else {
      kind = "whiteout";
      entryPath = posix.join(dir, base.slice(WHITEOUT_PREFIX.length));
    }
  }
  let link: string | undefined;
  let linkEscaped = false;
  if (kind === "symlink") {
    link = header.linkname ?? "";
  } else if (kind === "hardlink") {
    const cleaned = cleanMemberPath(header.linkname ?? "");
    link = cleaned.path;
    linkEscaped = cleaned.escaped;
  }
  const size = kind === "file" && typeof header.size === "number" && header.size > 0 ? header.size : 0;
  const entry: LayerEntry = {
    path: entryPath,
    kind,
    mode: (header.mode ?? 0) & 0o7777,
    uid: header.uid ?? 0,
    gid: header.gid ?? 0,
    size,
    mtime: header.mtime ? Math.floor(header.mtime.getTime() / 1000) : 0,
  };
  if (link !== undefined) entry.link = link;
  return { entry, escaped, linkEscaped };
}
