/**
 * Whether a file one layer wrote is what the final filesystem shows. A file deleted (whiteout) or
 * overwritten in a later layer is gone from a running container, but its bytes stay in the image
 * for anyone who pulls it: findings about such files say so, and name both layers.
 */
import type { ImageFilesystem } from "../image/filesystem.js";

export type LayerPresence =
  | { state: "visible" }
  | { state: "deleted"; by: number }
  | { state: "replaced"; by: number }
  | { state: "hidden" };

function under(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir === "/" ? "/" : `${dir}/`);
}

export function layerPresence(
  fs: ImageFilesystem,
  layer: number,
  entryIndex: number,
  path: string,
): LayerPresence {
  const node = fs.lstat(path);
  if (node?.content && node.content.layer === layer && node.content.entry === entryIndex) {
    return { state: "visible" };
  }
  let deletedBy: number | undefined;
  for (const w of fs.whiteouts) {
    if (w.layer > layer && under(path, w.path) && (deletedBy === undefined || w.layer < deletedBy)) {
      deletedBy = w.layer;
    }
  }
  for (const o of fs.opaqueDirs) {
    if (
      o.layer > layer &&
      under(path, o.path) &&
      path !== o.path &&
      (deletedBy === undefined || o.layer < deletedBy)
    ) {
      deletedBy = o.layer;
    }
  }
  let replacedBy: number | undefined;
  for (const l of fs.layers) {
    if (l.index <= layer || (replacedBy !== undefined && l.index >= replacedBy)) continue;
    if (l.entries.some((e) => e.path === path && e.kind !== "whiteout" && e.kind !== "opaque"))
      replacedBy = l.index;
  }
  if (deletedBy !== undefined && (replacedBy === undefined || deletedBy <= replacedBy)) {
    return { state: "deleted", by: deletedBy };
  }
  if (replacedBy !== undefined) return { state: "replaced", by: replacedBy };
  return { state: "hidden" };
}

/** "", or "; deleted in layer 11, still in the image" for a title. */
export function presenceNote(p: LayerPresence): string {
  switch (p.state) {
    case "visible":
      return "";
    case "deleted":
      return `; deleted in layer ${p.by}, still in the image`;
    case "replaced":
      return `; replaced in layer ${p.by}, the old copy is still in the image`;
    default:
      return "; not visible in the final filesystem, still in the image";
  }
}
