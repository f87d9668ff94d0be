/**
 * Installed npm packages: the `package.json` of every package directory under a `node_modules`
 * folder (npm, yarn, pnpm's `.pnpm/<id>/node_modules/<name>`, global `/usr/lib/node_modules`), and
 * under the roots Debian installs Node libraries into (`/usr/share/nodejs`, `/usr/lib/nodejs`,
 * `/usr/lib/<triplet>/nodejs`), when it has both a name and a version.
 *
 * Only a package directory counts: `<root>/<name>/package.json` or `<root>/@scope/<name>/package.json`.
 * Other package.json files inside a package (test fixtures such as `resolve/test/.../package.json`,
 * examples, `dist/esm/package.json` type markers) are not installed packages; on real npm trees this
 * rule yields exactly the entries of npm's own `node_modules/.package-lock.json`. An application's
 * own package.json (`/app/package.json`) is a source tree, not an installed package, and is skipped.
 */
import type { Cataloger } from "./cataloger.js";
import {
  analyzedFiles,
  analyzeWith,
  languagePackage,
  purlOf,
  stringField,
  stringsField,
} from "./lang-files.js";
import { parseNpmPackageJson } from "./npm-package-json.js";
import type { Package } from "./package.js";

const ID = "npm";
const MAX_FILE_BYTES = 2 * 1024 * 1024;

/** Directories whose children are package directories, besides any `node_modules`. */
const DEBIAN_ROOTS = /^\/usr\/(?:share\/nodejs|lib\/nodejs|lib\/[^/]+\/nodejs)\//;
const NODE_MODULES = "/node_modules/";

/** Whether `path` is the package.json of a package directory (see the file comment). */
export function isInstalledPackageJson(path: string): boolean {
  if (!path.endsWith("/package.json")) return false;
  const dir = path.slice(0, -"/package.json".length);
  const i = dir.lastIndexOf(NODE_MODULES);
  let rest: string;
  if (i >= 0) rest = dir.slice(i + NODE_MODULES.length);
  else {
    const root = DEBIAN_ROOTS.exec(`${dir}/`);
    if (!root) return false;
    rest = dir.slice(root[0].length);
  }
  const parts = rest.split("/");
  const [first, second] = parts;
  if (first === undefined || first === "" || first.startsWith(".")) return false;
  if (parts.length === 1) return !first.startsWith("@");
  return (
    parts.length === 2 && first.startsWith("@") && first.length > 1 && !!second && !second.startsWith(".")
  );
}

export const npmCataloger: Cataloger = {
  id: ID,
  version: "1",
  request: {
    match: (path) => isInstalledPackageJson(path),
    maxFileBytes: MAX_FILE_BYTES,
    analyze: analyzeWith((bytes) => {
      const p = parseNpmPackageJson(bytes);
      return p ? [{ name: p.name, version: p.version, licenses: p.licenses }] : [];
    }),
  },
  async catalog(ctx) {
    const packages: Package[] = [];
    for (const { path, records } of analyzedFiles(ctx, ID, MAX_FILE_BYTES)) {
      for (const r of records) {
        const name = stringField(r, "name");
        const version = stringField(r, "version");
        if (!name || !version) continue;
        const scoped = /^(@[^/]+)\/(.+)$/.exec(name);
        const purl = purlOf(ctx, path, {
          type: "npm",
          namespace: scoped?.[1],
          name: scoped ? scoped[2]! : name,
          version,
        });
        if (!purl) continue;
        packages.push(
          languagePackage(ctx, path, {
            type: "npm",
            name,
            version,
            purl,
            licenses: stringsField(r, "licenses"),
            foundBy: ID,
          }),
        );
      }
    }
    return packages;
  },
};
