/**
 * An index of the members of an outer image archive (docker save / OCI archive): name → where the
 * member's bytes sit in the file. Built once by hopping from header to header (member data is never
 * read), so a layer can later be streamed with a ranged read instead of scanning the archive again.
 * Member names are normalised (`./`, leading `/`, `//`); a name with a `..` component is refused.
 * Links between members (`<id>/layer.tar -> ../<diffid>.tar`) are resolved inside the archive only.
 */
import { posix } from "node:path";
import { ShipshapeError } from "../../errors.js";
import type { RandomAccessSource } from "./random-access.js";
import {
  hasNoData,
  isZeroBlock,
  parsePaxRecords,
  parseTarHeader,
  roundUpToBlock,
  TAR_BLOCK,
} from "./tar-header.js";

export type MemberType = "file" | "directory" | "symlink" | "hardlink" | "other";

export interface TarMember {
  /** Normalised name (no `./`, no leading `/`). */
  name: string;
  type: MemberType;
  /** Byte offset of the member's data in the archive file. */
  offset: number;
  size: number;
  linkname: string;
  /** GNU sparse members cannot be served as one byte range. */
  sparse: boolean;
}

export interface TarIndex {
  members: ReadonlyMap<string, TarMember>;
  /** Headers seen, including directories and duplicates. */
  entryCount: number;
}

export interface TarIndexLimits {
  /** An image archive has a few members per layer; a huge count means it is something else. */
  maxMembers: number;
  /** pax / GNU long-name data is read into memory; real ones are a few hundred bytes. */
  maxExtendedHeaderBytes: number;
}

export const DEFAULT_TAR_INDEX_LIMITS: TarIndexLimits = {
  maxMembers: 200_000,
  maxExtendedHeaderBytes: 1024 * 1024,
};

function typeOf(flag: string): MemberType {
  switch (flag) {
    case "0":
    case "7": // contiguous file: a regular file everywhere but on one 1980s system
      return "file";
    case "5":
      return "directory";
    case "2":
      return "symlink";
    case "1":
      return "hardlink";
    default:
      return "other";
  }
}

/** Types whose header is followed by no data whatever the size field says (pax: size is ignored). */
/**
 * `./a//b/` → `a/b`; `/manifest.json` → `manifest.json`; `.` and `` → null (the root).
 * A `..` component is refused: in an image archive it can only be an attempt to reach outside.
 */
export function normalizeMemberName(raw: string): string | null {
  const parts = raw.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) {
    throw new ShipshapeError(
      "input",
      `archive member name ${JSON.stringify(raw.slice(0, 200))} climbs out with ".."`,
    );
  }
  return parts.length === 0 ? null : parts.join("/");
}

/**
 * Index every member of the tar in `source`. Throws ShipshapeError("input") for a file that is not
 * a tar archive or is truncated, and ShipshapeError("limit") past the limits. Terminates on any input:
 * each step advances by at least one block.
 */
export async function indexTar(
  source: RandomAccessSource,
  limits: TarIndexLimits = DEFAULT_TAR_INDEX_LIMITS,
): Promise<TarIndex> {
  const members = new Map<string, TarMember>();
  let offset = 0;
  let entryCount = 0;
  let pax: Map<string, string> | null = null;
  let longName: string | null = null;
  let longLink: string | null = null;

  const readData = async (at: number, size: number, what: string): Promise<Uint8Array> => {
    if (size > limits.maxExtendedHeaderBytes) {
      throw new ShipshapeError(
        "limit",
        `${what} at byte ${at - TAR_BLOCK} is ${size} bytes, over the ${limits.maxExtendedHeaderBytes}-byte limit`,
      );
    }
    return source.read(at, size);
  };

  for (;;) {
    if (offset >= source.size) break; // EOF at a block boundary without an end marker: accepted, as tar(1) does
    const block = await source.read(offset, TAR_BLOCK);
    if (block.length < TAR_BLOCK) {
      if (isZeroBlock(block)) break;
      throw new ShipshapeError(
        "input",
        `truncated tar archive: ${block.length} stray bytes at byte ${offset}`,
      );
    }
    const header = parseTarHeader(block, offset);
    if (header === null) break; // end-of-archive marker
    const dataOffset = offset + TAR_BLOCK;
    const flag = header.typeflag;
    const declared = hasNoData(flag) ? 0 : header.size;
    if (declared > source.size - dataOffset) {
      throw new ShipshapeError(
        "input",
        `truncated tar archive: member at byte ${offset} declares ${declared} bytes but only ${source.size - dataOffset} remain`,
      );
    }
    entryCount++;
    if (entryCount > limits.maxMembers) {
      throw new ShipshapeError(
        "limit",
        `archive has more than ${limits.maxMembers} members; not an image archive`,
      );
    }

    if (flag === "x" || flag === "g" || flag === "L" || flag === "K") {
      const data = await readData(
        dataOffset,
        declared,
        flag === "L" || flag === "K" ? "GNU long name" : "pax header",
      );
      if (flag === "x") pax = parsePaxRecords(data);
      else if (flag === "g")
        parsePaxRecords(data); // validated, but global defaults never name our members
      else {
        let end = data.indexOf(0);
        if (end < 0) end = data.length;
        const text = new TextDecoder().decode(data.subarray(0, end));
        if (flag === "L") longName = text;
        else longLink = text;
      }
      offset = dataOffset + roundUpToBlock(declared);
      continue;
    }

    let size = declared;
    const paxSize = pax?.get("size");
    if (paxSize !== undefined && !hasNoData(flag)) {
      if (!/^\d{1,16}$/.test(paxSize) || Number(paxSize) > Number.MAX_SAFE_INTEGER) {
        throw new ShipshapeError(
          "input",
          `pax size ${JSON.stringify(paxSize.slice(0, 40))} at byte ${offset} is not a number`,
        );
      }
      size = Number(paxSize);
      if (size > source.size - dataOffset) {
        throw new ShipshapeError(
          "input",
          `truncated tar archive: member at byte ${offset} declares ${size} bytes but only ${source.size - dataOffset} remain`,
        );
      }
    }
    const rawName = pax?.get("path") ?? longName ?? header.name;
    const linkname = pax?.get("linkpath") ?? longLink ?? header.linkname;
    const sparse = flag === "S" || [...(pax?.keys() ?? [])].some((k) => k.startsWith("GNU.sparse."));
    pax = null;
    longName = null;
    longLink = null;

    // A trailing slash on a v7 "regular file" marks a directory.
    const type = flag === "0" && rawName.endsWith("/") ? "directory" : typeOf(flag);
    const name = normalizeMemberName(rawName);
    if (name !== null) {
      // Later members replace earlier ones of the same name, as extraction would.
      members.set(name, { name, type, offset: dataOffset, size, linkname, sparse });
    }
    offset = dataOffset + roundUpToBlock(size);
  }
  return { members, entryCount };
}

const MAX_LINK_HOPS = 16;

/**
 * The regular-file member that `name` designates, following symlinks (relative to the link's
 * directory; absolute targets from the archive root) and hard links, never leaving the archive.
 * Returns undefined when `name` itself is absent; throws for links that escape, loop or dangle.
 */
export function findMember(index: TarIndex, name: string): TarMember | undefined {
  let current = normalizeMemberName(name);
  if (current === null) return undefined;
  const chain: string[] = [];
  for (let hop = 0; hop <= MAX_LINK_HOPS; hop++) {
    const member: TarMember | undefined = index.members.get(current);
    if (member === undefined) {
      if (hop === 0) return undefined;
      throw new ShipshapeError(
        "input",
        `archive member ${chain.join(" -> ")} is a link to ${current}, which is not in the archive`,
      );
    }
    chain.push(current);
    if (member.type === "file") {
      if (member.sparse)
        throw new ShipshapeError(
          "input",
          `archive member ${current} is a sparse file, which is not supported`,
        );
      return member;
    }
    if (member.type === "symlink" || member.type === "hardlink") {
      // Symlinks are relative to their directory; hard-link names are archive paths already.
      const base =
        member.type === "symlink" && !member.linkname.startsWith("/") ? posix.dirname(current) : ".";
      const joined = posix.normalize(posix.join("/", base, member.linkname));
      const unclamped = posix.normalize(posix.join(base === "." ? "" : base, member.linkname));
      if (unclamped === ".." || unclamped.startsWith("../")) {
        throw new ShipshapeError(
          "input",
          `archive member ${current} links to ${member.linkname}, outside the archive`,
        );
      }
      const next = normalizeMemberName(joined);
      if (next === null)
        throw new ShipshapeError("input", `archive member ${current} links to the archive root`);
      current = next;
      continue;
    }
    throw new ShipshapeError(
      "input",
      `archive member ${current} is a ${member.type === "other" ? "special file" : member.type}, not a file`,
    );
  }
  throw new ShipshapeError("input", `archive member ${name} is a chain of more than ${MAX_LINK_HOPS} links`);
}
