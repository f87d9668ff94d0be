/**
 * Permission bits that widen what a process in the container can do, from the squashed view (what
 * a container actually gets): setuid and setgid programs (Dockle's CIS-DI-0008) and files anyone may
 * write. Symlinks are always 0777 and say nothing; a world-writable directory is only a problem
 * without the sticky bit (`/tmp` is 1777 by design).
 */
import type { FsNode } from "../image/filesystem.js";
import type { FilesystemRule, RuleHit } from "./rule.js";

const SETUID = 0o4000;
const SETGID = 0o2000;
const STICKY = 0o1000;
const OTHER_WRITE = 0o002;

function octal(mode: number): string {
  return mode.toString(8).padStart(4, "0");
}

function modeHits(
  walk: Iterable<[string, FsNode]>,
  select: (node: FsNode) => boolean,
  title: (path: string, node: FsNode) => string,
): RuleHit[] {
  const hits: RuleHit[] = [];
  for (const [path, node] of walk) if (select(node)) hits.push({ title: title(path, node), path });
  return hits;
}

export const setuidRule: FilesystemRule = {
  id: "SS1006",
  scope: "filesystem",
  severity: "low",
  dockle: "CIS-DI-0008",
  title: "setuid file",
  remediation:
    "Remove the setuid bit from programs the application does not need (RUN chmod u-s FILE), or run with no-new-privileges / drop capabilities so it cannot be used.",
  test: ({ fs }) =>
    modeHits(
      fs.walk(),
      (n) => n.kind === "file" && (n.mode & SETUID) !== 0,
      (p, n) => `setuid file ${p} (mode ${octal(n.mode)}, owner uid ${n.uid})`,
    ),
};

export const setgidRule: FilesystemRule = {
  id: "SS1007",
  scope: "filesystem",
  severity: "low",
  dockle: "CIS-DI-0008",
  title: "setgid file",
  remediation:
    "Remove the setgid bit from programs the application does not need (RUN chmod g-s FILE), or run with no-new-privileges.",
  test: ({ fs }) =>
    modeHits(
      fs.walk(),
      (n) => n.kind === "file" && (n.mode & SETGID) !== 0,
      (p, n) => `setgid file ${p} (mode ${octal(n.mode)}, group gid ${n.gid})`,
    ),
};

export const worldWritableRule: FilesystemRule = {
  id: "SS1008",
  scope: "filesystem",
  severity: "medium",
  title: "World-writable file or directory",
  remediation:
    "Remove write permission for others (chmod o-w); give the application's user ownership of what it must write, and set the sticky bit on shared directories.",
  test: ({ fs }) =>
    modeHits(
      fs.walk(),
      (n) =>
        (n.mode & OTHER_WRITE) !== 0 && (n.kind === "file" || (n.kind === "dir" && (n.mode & STICKY) === 0)),
      (p, n) =>
        `World-writable ${n.kind === "dir" ? "directory (no sticky bit)" : "file"} ${p} (mode ${octal(n.mode)})`,
    ),
};
