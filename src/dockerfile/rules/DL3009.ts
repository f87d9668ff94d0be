/**
 * DL3009 (hadolint): a RUN with `apt-get update` that does not remove /var/lib/apt/lists (any `rm`
 * with `-rf` or `/var/lib/apt/lists/*` counts, as in hadolint). Only in stages that end up in the
 * image: the last stage, or a stage another FROM builds on. BuildKit cache mounts of
 * /var/lib/apt/lists, or of both /var/lib/apt and /var/cache/apt, keep the lists out of the image.
 */
import type { FromImage } from "../parse.js";
import { hasCacheMount, type Rule, type RuleHit } from "../rule.js";
import { cmdHasArgs, type ParsedShell } from "../shell.js";

const NO_FROM: FromImage = {
  image: "scratch",
  tag: null,
  digest: null,
  registry: null,
  alias: null,
  platform: null,
  text: "scratch",
  valid: true,
};

function sameFrom(a: FromImage, b: FromImage): boolean {
  return (
    a.image === b.image &&
    a.tag === b.tag &&
    a.digest === b.digest &&
    a.alias === b.alias &&
    a.platform === b.platform
  );
}

function forgotToCleanup(shell: ParsedShell): boolean {
  const update = shell.commands.some((c) => cmdHasArgs(c, "apt-get", ["update"]));
  const cleanup = shell.commands.some((c) => cmdHasArgs(c, "rm", ["-rf", "/var/lib/apt/lists/*"]));
  return update && !cleanup;
}

export const DL3009: Rule = {
  code: "DL3009",
  severity: "info",
  message: "Delete the apt-get lists after installing something",
  onbuild: true,
  check(stream, ctx) {
    let lastFrom: FromImage | null = null;
    const baseImages = new Set<string>();
    const forgets: { line: number; from: FromImage }[] = [];
    for (const i of stream) {
      if (i.from !== null) {
        lastFrom = i.from;
        baseImages.add(i.from.image);
      } else if (i.keyword === "RUN") {
        if (!forgotToCleanup(ctx.shell(i))) continue;
        if (hasCacheMount(i, "/var/lib/apt/lists")) continue;
        if (hasCacheMount(i, "/var/lib/apt") && hasCacheMount(i, "/var/cache/apt")) continue;
        lastFrom ??= NO_FROM;
        forgets.push({ line: i.line, from: lastFrom });
      }
    }
    const hits: RuleHit[] = [];
    for (const f of forgets) {
      const final = lastFrom !== null && sameFrom(f.from, lastFrom);
      const usedLater = f.from.alias !== null && baseImages.has(f.from.alias);
      if (final || usedLater) hits.push({ line: f.line });
    }
    return hits;
  },
};
