/**
 * Installed Python distributions: wheel installs (`*.dist-info/METADATA`), setuptools/Debian installs
 * (`*.egg-info/PKG-INFO`, or `*.egg-info` as a single file), and eggs (a directory with
 * `EGG-INFO/PKG-INFO`, or a zip `*.egg` whose `EGG-INFO/PKG-INFO` is read; an egg that cannot be
 * read is reported from its file name, with a warning). `name` is the distribution's own spelling
 * (`Jinja2`); the purl carries the PEP 503 name (`pkg:pypi/jinja2@3.1.2`).
 */
import { ShipshapeError } from "../../errors.js";
import type { Cataloger } from "../cataloger.js";
import {
  analyzedFiles,
  analyzeWith,
  type JsonRecord,
  languagePackage,
  purlOf,
  stringField,
  stringsField,
} from "../lang-files.js";
import type { Package } from "../package.js";
import { parseCoreMetadata } from "./core-metadata.js";
import { readEggPkgInfo } from "./egg-zip.js";
import { eggFileName, normalizePythonName } from "./names.js";

const ID = "python";
/** METADATA files are small; a zipped egg is an archive and may be larger. */
const MAX_FILE_BYTES = 8 * 1024 * 1024;

export function isPythonMetadataFile(path: string): boolean {
  return (
    path.endsWith(".dist-info/METADATA") ||
    path.endsWith(".egg-info/PKG-INFO") ||
    path.endsWith("/EGG-INFO/PKG-INFO") ||
    path.endsWith(".egg-info") ||
    path.endsWith(".egg")
  );
}

function parsePythonFile(bytes: Buffer, path: string): JsonRecord[] {
  let metadata: Buffer = bytes;
  if (path.endsWith(".egg")) {
    const member = readEggPkgInfo(bytes);
    if (!member) throw new ShipshapeError("input", "the egg has no EGG-INFO/PKG-INFO");
    metadata = member;
  }
  const m = parseCoreMetadata(metadata);
  return [{ name: m.name, version: m.version, licenses: m.licenses }];
}

export const pythonCataloger: Cataloger = {
  id: ID,
  version: "1",
  request: {
    match: (path) => isPythonMetadataFile(path),
    maxFileBytes: MAX_FILE_BYTES,
    analyze: analyzeWith(parsePythonFile),
  },
  async catalog(ctx) {
    const files = analyzedFiles(ctx, ID, MAX_FILE_BYTES, {
      fallback: (path) => {
        const egg = path.endsWith(".egg") ? eggFileName(path) : null;
        return egg ? [{ name: egg.name, version: egg.version, licenses: [] }] : null;
      },
    });
    const packages: Package[] = [];
    for (const { path, records } of files) {
      for (const r of records) {
        const name = stringField(r, "name");
        const version = stringField(r, "version");
        if (!name || !version) continue;
        const purl = purlOf(ctx, path, { type: "pypi", name: normalizePythonName(name), version });
        if (!purl) continue;
        packages.push(
          languagePackage(ctx, path, {
            type: "pypi",
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
