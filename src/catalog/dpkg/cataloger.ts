/**
 * The dpkg cataloger: installed Debian packages from `var/lib/dpkg/status` and distroless
 * `var/lib/dpkg/status.d/*`, with the files each installed (`info/*.list`, status.d `*.md5sums`) for
 * OS-owned folding, and licence names from `/usr/share/doc/<pkg>/copyright`. Every file is parsed while
 * the layers stream (see analysis.ts); this only wires the results together.
 *
 * Location: the status file, with the layer that installed this version of the package (the first
 * layer, since it was last absent, whose copy of the status lists it) — what a user needs to find the
 * Dockerfile step. For status.d, each package has its own file and layer.
 */
import type { ImageFilesystem } from "../../image/filesystem.js";
import type { CatalogContext, Cataloger } from "../cataloger.js";
import type { Package } from "../package.js";
import {
  analyzeDpkgFile,
  DOC_DIR,
  DPKG_INFO,
  DPKG_STATUS,
  DPKG_STATUS_D,
  type DpkgAnalysis,
  dpkgFileKind,
  readDpkgAnalysis,
} from "./analysis.js";
import { debPurl } from "./purl.js";
import { type DpkgEntry, isInstalled, sourceOf } from "./status.js";

const ID = "dpkg";

function keyOf(e: DpkgEntry): string {
  return `${e.package}\0${e.architecture ?? ""}\0${e.version}`;
}

/**
 * For each installed package of the final status file, the layer that installed its current version:
 * walk every layer's copy of the status in order and carry a package's layer forward while it stays.
 */
function introductionLayers(fs: ImageFilesystem, statusPath: string): Map<string, number> {
  let current = new Map<string, number>();
  for (const layer of fs.layers) {
    for (const [entryIndex, values] of layer.analyses) {
      if (layer.entries[entryIndex]?.path !== statusPath) continue;
      const analysis = readDpkgAnalysis(values[ID]);
      if (analysis?.kind !== "status") continue;
      const next = new Map<string, number>();
      for (const e of analysis.entries) {
        if (!isInstalled(e)) continue;
        const key = keyOf(e);
        next.set(key, current.get(key) ?? layer.index);
      }
      current = next;
    }
  }
  return current;
}

/** A file's parsed analysis; for an empty file that the reader skipped, the parse of no bytes. */
function analysisOf(ctx: CatalogContext, path: string): DpkgAnalysis | null {
  const stored = readDpkgAnalysis(ctx.fs.analysis(ID, path));
  if (stored) return stored;
  try {
    if (ctx.fs.stat(path).size === 0) return readDpkgAnalysis(analyzeDpkgFile(Buffer.alloc(0), { path }));
  } catch {
    // absent: null below
  }
  return null;
}

function pathsOf(ctx: CatalogContext, path: string): string[] | null {
  const a = analysisOf(ctx, path);
  return a?.kind === "files" ? a.paths : null;
}

/** Files a package installed: dpkg's `.list` (multi-arch name first), or distroless md5sums. */
function filesOf(ctx: CatalogContext, e: DpkgEntry, statusFile: string): string[] | null {
  const candidates: string[] = [];
  if (statusFile.startsWith(DPKG_STATUS_D)) {
    candidates.push(`${statusFile}.md5sums`, `${DPKG_STATUS_D}${e.package}.md5sums`);
  }
  if (e.architecture) candidates.push(`${DPKG_INFO}${e.package}:${e.architecture}.list`);
  candidates.push(`${DPKG_INFO}${e.package}.list`);
  for (const candidate of candidates) {
    const paths = pathsOf(ctx, candidate);
    if (paths) return paths;
  }
  return null;
}

function licensesOf(ctx: CatalogContext, name: string): string[] {
  const a = analysisOf(ctx, `${DOC_DIR}${name}/copyright`);
  return a?.kind === "licenses" ? a.licenses : [];
}

async function catalog(ctx: CatalogContext): Promise<Package[]> {
  const statusFiles = ctx.files.filter((p) => dpkgFileKind(p) === "status");
  const listCount = ctx.files.filter((p) => dpkgFileKind(p) === "list").length;
  const seen = new Set<string>();
  const packages: Package[] = [];
  let withoutFiles = 0;

  for (const statusFile of statusFiles) {
    const analysis = analysisOf(ctx, statusFile);
    if (analysis?.kind !== "status") {
      ctx.incomplete(
        statusFile,
        "could not be read (larger than the read limit or unreadable): its packages are missing",
      );
      continue;
    }
    for (const w of analysis.warnings) ctx.warn(`${statusFile}: ${w}`);
    if (analysis.truncated) {
      ctx.incomplete(
        statusFile,
        `looks truncated (${analysis.truncated}): packages after that point are missing`,
      );
    }
    const installed = analysis.entries.filter(isInstalled);
    if (statusFile === DPKG_STATUS && analysis.entries.length === 0) {
      ctx.warn(`${statusFile} lists no packages`);
      if (listCount > 0) {
        ctx.incomplete(
          statusFile,
          `lists no packages, but ${DPKG_INFO} has file lists of ${listCount}: the database looks emptied or damaged`,
        );
      }
    }
    const layers = statusFile === DPKG_STATUS ? introductionLayers(ctx.fs, statusFile) : null;
    const fileLayer = ctx.layerOf(statusFile);

    for (const e of installed) {
      const key = keyOf(e);
      if (seen.has(key)) continue;
      seen.add(key);
      const files = filesOf(ctx, e, statusFile);
      if (!files && statusFile === DPKG_STATUS) withoutFiles++;
      const source = sourceOf(e);
      const licenses = licensesOf(ctx, e.package);
      const layer = layers?.get(key) ?? fileLayer;
      const p: Package = {
        type: "deb",
        name: e.package,
        version: e.version,
        purl: debPurl(e, ctx.os),
        sourceName: source.name,
        sourceVersion: source.version,
        locations: [layer === undefined ? { path: statusFile } : { path: statusFile, layer }],
        foundBy: ID,
        files: files ?? [],
      };
      if (e.architecture) p.arch = e.architecture;
      if (licenses.length > 0) p.licenses = licenses;
      packages.push(p);
    }
  }
  if (statusFiles.length === 0 && listCount > 0) {
    ctx.warn(
      `${DPKG_INFO} has file lists of ${listCount} package(s) but there is no ${DPKG_STATUS}: the package database was removed, its packages cannot be listed`,
    );
  }
  if (withoutFiles > 0) {
    ctx.warn(
      `${withoutFiles} installed package(s) have no file list in ${DPKG_INFO}: files they own cannot be attributed to them`,
    );
  }
  return packages;
}

export const dpkgCataloger: Cataloger = {
  id: ID,
  version: "1",
  request: {
    paths: [DPKG_STATUS],
    globs: [`${DPKG_STATUS_D}*`, `${DPKG_INFO}*.list`, `${DOC_DIR}*/copyright`],
    analyze: analyzeDpkgFile,
  },
  catalog,
};
