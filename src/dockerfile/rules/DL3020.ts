/**
 * DL3020 (hadolint): ADD of plain files or folders (not a tar archive ADD unpacks, not an http(s) URL):
 * COPY does that. `.zip` counts as a plain file: ADD does not extract it.
 */
import { instructionRule } from "../rule.js";
import { copyOperands } from "../words.js";

const ADD_ARCHIVES = [
  ".tar",
  ".gz",
  ".bz2",
  ".xz",
  ".tgz",
  ".tb2",
  ".tbz",
  ".tbz2",
  ".lz",
  ".lzma",
  ".tlz",
  ".txz",
  ".Z",
  ".tZ",
];

const isArchive = (p: string) => ADD_ARCHIVES.some((e) => p.endsWith(e));
const isUrl = (p: string) => p.startsWith("https://") || p.startsWith("http://");

export const DL3020 = instructionRule({
  code: "DL3020",
  severity: "error",
  message: "Use COPY instead of ADD for files and folders",
  test: (i) => {
    if (i.keyword !== "ADD" || i.heredocs.length > 0) return false;
    const ops = copyOperands(i);
    return ops !== null && !ops.sources.every((s) => isArchive(s) || isUrl(s));
  },
});
