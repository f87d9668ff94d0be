/**
 * DL3010 (hadolint): an archive COPYed in and then unpacked with `tar -x` in a later RUN of the same
 * stage — ADD would have extracted it without keeping the archive in a layer. Reported at the COPY.
 * The archive is recognised by the file name (source or destination, `/` or `\` separated) that the
 * tar command names; COPY --from (a file from another stage) does not count.
 */
import type { Rule, RuleHit } from "../rule.js";
import { argsNoFlags, hasAnyFlag } from "../shell.js";
import { copyOperands } from "../words.js";

/** hadolint's archiveFileFormatExtensions. */
export const ARCHIVE_EXTENSIONS = [
  ".tar",
  ".Z",
  ".bz2",
  ".gz",
  ".lz",
  ".lzma",
  ".tZ",
  ".tb2",
  ".tbz",
  ".tbz2",
  ".tgz",
  ".tlz",
  ".tpz",
  ".txz",
  ".xz",
];

export const isArchive = (path: string) => ARCHIVE_EXTENSIONS.some((e) => path.endsWith(e));

const baseName = (path: string) =>
  path
    .split(/[\\/]/)
    .filter((p) => p !== "")
    .pop() ?? "";

export const DL3010: Rule = {
  code: "DL3010",
  severity: "info",
  message: "Use ADD for extracting archives into an image",
  onbuild: true,
  check(stream, ctx) {
    let copied = new Map<string, number>(); // archive file name → COPY line
    const hits = new Set<number>();
    for (const i of stream) {
      if (i.keyword === "FROM") copied = new Map();
      else if (i.keyword === "COPY" && !i.flags.some((f) => f.name === "from") && i.heredocs.length === 0) {
        const ops = copyOperands(i);
        if (ops === null) continue;
        for (const src of ops.sources) {
          if (!isArchive(src)) continue;
          copied.set(baseName(src), i.line);
          if (isArchive(ops.target)) copied.set(baseName(ops.target), i.line);
        }
      } else if (i.keyword === "RUN" && copied.size > 0) {
        for (const c of ctx.shell(i).commands) {
          if (c.name !== "tar" || !hasAnyFlag(c, ["x", "extract", "get"])) continue;
          for (const arg of argsNoFlags(c)) {
            const line = copied.get(baseName(arg));
            if (line !== undefined) hits.add(line);
          }
        }
      }
    }
    return [...hits].map((line): RuleHit => ({ line }));
  },
};
