/**
 * The apk cataloger: installed Alpine/Wolfi packages from `lib/apk/db/installed` (also at
 * `usr/lib/apk/db/installed`, where a merged-/usr system keeps it).
 *
 * purl: `pkg:apk/<os id: alpine, wolfi, chainguard…>/<name>@<version>?arch=…&distro=<id>-<versionId>`,
 * plus `upstream=<origin>` when the origin differs from the name (as Syft does).
 * Location: the database file, with the layer that installed this version of the package (the first
 * layer, since it was last absent, whose copy of the database lists it).
 */
import { PackageURL } from "packageurl-js";
import type { ImageFilesystem } from "../../image/filesystem.js";
import type { CatalogContext, Cataloger } from "../cataloger.js";
import { distroQualifier } from "../dpkg/purl.js";
import type { OsInfo } from "../os.js";
import type { Package } from "../package.js";
import { type ApkEntry, apkLicenses, parseApkInstalled } from "./installed.js";

const ID = "apk";
export const APK_DATABASES = ["/lib/apk/db/installed", "/usr/lib/apk/db/installed"];

function keyOf(e: ApkEntry): string {
  return `${e.name}\0${e.arch ?? ""}\0${e.version}`;
}

export function apkPurl(e: ApkEntry, os: OsInfo | null): string {
  const qualifiers: Record<string, string> = {};
  if (e.arch) qualifiers.arch = e.arch;
  const distro = distroQualifier(os);
  if (distro) qualifiers.distro = distro;
  if (e.origin && e.origin !== e.name) qualifiers.upstream = e.origin;
  const namespace = os?.id ? os.id.toLowerCase() : "alpine";
  return new PackageURL("apk", namespace, e.name, e.version, qualifiers, undefined).toString();
}

/** Each package's installing layer, from every layer's copy of the database (see dpkg's twin). */
function introductionLayers(fs: ImageFilesystem, dbPath: string): Map<string, number> {
  let current = new Map<string, number>();
  for (const layer of fs.layers) {
    for (const [entryIndex, bytes] of layer.captured) {
      if (layer.entries[entryIndex]?.path !== dbPath) continue;
      const next = new Map<string, number>();
      for (const e of parseApkInstalled(bytes).entries) {
        const key = keyOf(e);
        next.set(key, current.get(key) ?? layer.index);
      }
      current = next;
    }
  }
  return current;
}

async function catalog(ctx: CatalogContext): Promise<Package[]> {
  const packages: Package[] = [];
  const seen = new Set<string>();
  const done = new Set<string>();
  for (const db of ctx.files) {
    // Both paths may lead to one file (a /lib -> usr/lib symlink): read it once.
    let real = db;
    try {
      real = ctx.fs.realpath(db);
    } catch {
      // keep db
    }
    if (done.has(real)) continue;
    done.add(real);
    let bytes: Buffer;
    try {
      bytes = await ctx.read(db);
    } catch (err) {
      ctx.incomplete(db, `could not be read: ${err instanceof Error ? err.message : String(err)}`);
      continue;
    }
    const parsed = parseApkInstalled(bytes);
    for (const w of parsed.warnings) ctx.warn(`${db}: ${w}`);
    if (parsed.truncated) {
      ctx.incomplete(db, `looks truncated (${parsed.truncated}): packages after that point are missing`);
    }
    if (parsed.entries.length === 0) ctx.warn(`${db} lists no packages`);
    const layers = introductionLayers(ctx.fs, db);
    const fileLayer = ctx.layerOf(db);
    for (const e of parsed.entries) {
      const key = keyOf(e);
      if (seen.has(key)) continue;
      seen.add(key);
      const layer = layers.get(key) ?? fileLayer;
      const p: Package = {
        type: "apk",
        name: e.name,
        version: e.version,
        purl: apkPurl(e, ctx.os),
        sourceName: e.origin ?? e.name,
        sourceVersion: e.version,
        locations: [layer === undefined ? { path: db } : { path: db, layer }],
        foundBy: ID,
        files: e.files,
      };
      if (e.arch) p.arch = e.arch;
      const licenses = apkLicenses(e.license);
      if (licenses.length > 0) p.licenses = licenses;
      packages.push(p);
    }
  }
  return packages;
}

export const apkCataloger: Cataloger = {
  id: ID,
  version: "1",
  request: { paths: APK_DATABASES },
  catalog,
};
