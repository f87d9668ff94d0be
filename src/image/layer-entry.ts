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

/** What a tar header says of a member (see tar-reader.ts), before normalisation. */
export interface RawTarHeader {
  name: string;
  /** The tar type flag: "0" file, "1" hard link, "2" symlink, "3"/"4" devices, "5" dir, "6" fifo… */
  typeflag: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  linkname: string;
  /** Seconds since the epoch. */
  mtime: number;
}

const WHITEOUT_PREFIX = ".wh.";
const OPAQUE_MARKER = ".wh..wh..opq";

/**
 * The absolute path of a name that needs no cleaning ("usr/bin/x", "./usr/bin/x", "/usr/bin/x",
 * "usr/share/" — what real layers hold), or null when the general cleaner must decide. Every layer
 * member goes through here; splitting each name into parts is what this saves.
 */
function alreadyClean(name: string): string | null {
  let start = 0;
  if (name.startsWith("./")) start = 2;
  else if (name.startsWith("/")) start = 1;
  let end = name.length;
  if (end > start && name.charCodeAt(end - 1) === 0x2f) end--;
  if (end <= start) return null;
  const body = start === 0 && end === name.length ? name : name.slice(start, end);
  if (
    body.charCodeAt(0) === 0x2f ||
    body.charCodeAt(body.length - 1) === 0x2f ||
    body.includes("//") ||
    body.includes("\0") ||
    body === "." ||
    body === ".." ||
    body.startsWith("./") ||
    body.startsWith("../") ||
    body.endsWith("/.") ||
    body.endsWith("/..") ||
    body.includes("/./") ||
    body.includes("/../")
  ) {
    return null;
  }
  return `/${body}`;
}

/**
 * Clean a member name into an absolute path under "/". `..` at the root stays at the root (chroot
 * semantics, as containerd applies layers). Returns whether the raw name tried to climb out, so the
 * caller can report it.
 */
export function cleanMemberPath(name: string): { path: string; escaped: boolean } {
  const clean = alreadyClean(name);
  if (clean !== null) return { path: clean, escaped: false };
  return cleanAnyMemberPath(name);
}

/** The general cleaner behind cleanMemberPath, for any name (exported so tests hold the fast path to it). */
export function cleanAnyMemberPath(name: string): { path: string; escaped: boolean } {
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

function kindOf(typeflag: string): EntryKind {
  switch (typeflag) {
    case "0":
    case "7": // contiguous file: a regular file everywhere that matters
      return "file";
    case "5":
      return "dir";
    case "2":
      return "symlink";
    case "1":
      return "hardlink";
    case "3":
      return "char";
    case "4":
      return "block";
    case "6":
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
  if (path === "/" && kindOf(header.typeflag) !== "dir") return null;
  let kind = kindOf(header.typeflag);
  let entryPath = path;
  const slash = path.lastIndexOf("/");
  const base = path.slice(slash + 1);
  if (base.startsWith(WHITEOUT_PREFIX)) {
    const dir = slash === 0 ? "/" : path.slice(0, slash);
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
    link = header.linkname;
  } else if (kind === "hardlink") {
    const cleaned = cleanMemberPath(header.linkname);
    link = cleaned.path;
    linkEscaped = cleaned.escaped;
  }
  const size = kind === "file" && header.size > 0 ? header.size : 0;
  const entry: LayerEntry = {
    path: entryPath,
    kind,
    mode: header.mode & 0o7777,
    uid: header.uid,
    gid: header.gid,
    size,
    mtime: header.mtime,
  };
  if (link !== undefined) entry.link = link;
  return { entry, escaped, linkEscaped };
}
