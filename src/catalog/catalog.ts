/**
 * Run OS detection and every cataloger over an image's squashed filesystem, then fold language
 * packages whose files an OS package owns into that OS package (as Trivy does: Debian's
 * python3-urllib3 is matched against Debian's advisories, not PyPI's).
 */

import type { FileRequest } from "../image/file-request.js";
import type { ImageFilesystem } from "../image/filesystem.js";
import { type CatalogContext, type Cataloger, requestOf } from "./cataloger.js";
import type { OsDetector, OsInfo } from "./os.js";
import { comparePackages, OS_PACKAGE_TYPES, type Package } from "./package.js";

export interface CatalogOptions {
  catalogers: readonly Cataloger[];
  osDetector: OsDetector;
  /** Keep language packages that an OS package owns as packages of their own. */
  includeOsOwned?: boolean;
}

export interface IncompleteSource {
  path: string;
  reason: string;
}

export interface CatalogResult {
  os: OsInfo | null;
  /** Sorted; OS-owned language packages only with includeOsOwned. */
  packages: Package[];
  /** Language packages folded into the OS package that owns their files. */
  folded: number;
  warnings: string[];
  /** Databases or files that could not be read fully: the package set may be missing entries. */
  incomplete: IncompleteSource[];
  /**
   * Red Hat content manifests (`/root/buildinfo/content_manifests/*.json`) as found: which repositories
   * the image's rpms came from, which scopes Red Hat's advisories. Absent when the image has none.
   */
  contentManifests?: { path: string; text: string }[];
}

/** Where Red Hat's build system records an image's repositories (atomic-reactor's content manifests). */
const CONTENT_MANIFESTS = {
  id: "rhel-content-manifests",
  version: "1",
  globs: ["/root/buildinfo/content_manifests/*.json"],
  maxFileBytes: 4 * 1024 * 1024,
};

/** Every FileRequest the catalog needs: pass these to readFilesystem. */
export function catalogRequests(options: Pick<CatalogOptions, "catalogers" | "osDetector">): FileRequest[] {
  const d = options.osDetector;
  return [
    { ...d.request, id: d.id, version: d.version },
    CONTENT_MANIFESTS,
    ...options.catalogers.map(requestOf),
  ];
}

export async function catalogFilesystem(
  fs: ImageFilesystem,
  options: CatalogOptions,
): Promise<CatalogResult> {
  const warnings: string[] = [];
  const incomplete: IncompleteSource[] = [];
  const read = (path: string) => fs.readFile(path);
  const d = options.osDetector;
  const os = await d.detect({
    read,
    exists: (p) => fs.exists(p),
    files: fs.filesFor(d.id),
    warn: (m) => warnings.push(`${d.id}: ${m}`),
  });

  const packages: Package[] = [];
  for (const cataloger of options.catalogers) {
    const ctx: CatalogContext = {
      fs,
      os,
      files: fs.filesFor(cataloger.id),
      read,
      layerOf: (path) => fs.lstat(path)?.layer,
      warn: (m) => warnings.push(`${cataloger.id}: ${m}`),
      incomplete: (path, reason) => incomplete.push({ path, reason }),
    };
    packages.push(...(await cataloger.catalog(ctx)));
  }

  const folded = foldOsOwned(fs, packages);
  const visible = options.includeOsOwned ? packages : packages.filter((p) => p.ownedBy === undefined);
  visible.sort(comparePackages);
  const result: CatalogResult = { os, packages: visible, folded, warnings, incomplete };
  const manifests = fs.filesFor(CONTENT_MANIFESTS.id);
  if (manifests.length > 0) {
    result.contentManifests = [];
    for (const path of manifests)
      result.contentManifests.push({ path, text: (await read(path)).toString("utf8") });
  }
  return result;
}

/**
 * The path with its directory resolved inside the image (merged /usr: dpkg lists /bin/x, the file is
 * /usr/bin/x). Only the directory: a listed file that is itself a symlink is listed beside its target.
 * Directories repeat, so their resolution is memoised.
 */
function canonicalizer(fs: ImageFilesystem): (path: string) => string {
  const dirs = new Map<string, string>();
  return (path) => {
    const slash = path.lastIndexOf("/");
    if (slash <= 0) return path;
    const dir = path.slice(0, slash);
    let real = dirs.get(dir);
    if (real === undefined) {
      try {
        real = fs.realpath(dir);
      } catch {
        real = dir;
      }
      dirs.set(dir, real);
    }
    return real === dir ? path : `${real === "/" ? "" : real}${path.slice(slash)}`;
  };
}

/**
 * Mark language packages whose evidence file an OS package installed. Paths are compared after
 * resolving symlinks, so dpkg's `/bin/x` owns `/usr/bin/x` on merged-/usr systems. Returns how many
 * were marked.
 */
export function foldOsOwned(fs: ImageFilesystem, packages: Package[]): number {
  const language = packages.filter((p) => !OS_PACKAGE_TYPES.has(p.type));
  if (language.length === 0) return 0;
  const canonical = canonicalizer(fs);
  // Only the paths that prove a language package matter: look those up, not every OS-owned file.
  const wanted = new Set<string>();
  for (const p of language) {
    for (const l of p.locations) {
      wanted.add(l.path);
      wanted.add(canonical(l.path));
    }
  }
  const owners = new Map<string, Package>();
  for (const p of packages) {
    if (!OS_PACKAGE_TYPES.has(p.type) || !p.files) continue;
    for (const file of p.files) {
      if (wanted.has(file)) owners.set(file, p);
      else {
        const real = canonical(file);
        if (real !== file && wanted.has(real)) owners.set(real, p);
      }
    }
  }
  if (owners.size === 0) return 0;
  let count = 0;
  for (const p of language) {
    for (const location of p.locations) {
      const owner = owners.get(location.path) ?? owners.get(canonical(location.path));
      if (owner) {
        p.ownedBy = { type: owner.type, name: owner.name };
        count++;
        break;
      }
    }
  }
  return count;
}
