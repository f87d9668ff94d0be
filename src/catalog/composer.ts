/**
 * Installed PHP packages: Composer's `vendor/composer/installed.json` (Composer 1 and 2 layouts; a
 * renamed vendor-dir still ends in `composer/installed.json`). A composer.lock is a source tree's
 * lockfile, not what an image has installed. Packages installed with require-dev are reported too
 * (they are on disk) with `metadata.dev`. The file lists many packages, so a file that cannot be
 * read is reported incomplete. purl `pkg:composer/VENDOR/NAME@VERSION`.
 */
import type { Cataloger } from "./cataloger.js";
import { parseComposerInstalled } from "./composer-installed.js";
import {
  analyzedFiles,
  analyzeWith,
  field,
  languagePackage,
  purlOf,
  stringField,
  stringsField,
} from "./lang-files.js";
import type { Package } from "./package.js";

const ID = "composer";
const MAX_FILE_BYTES = 8 * 1024 * 1024;

export const composerCataloger: Cataloger = {
  id: ID,
  version: "1",
  request: {
    match: (path) => path.endsWith("/composer/installed.json"),
    maxFileBytes: MAX_FILE_BYTES,
    analyze: analyzeWith((bytes) => {
      const installed = parseComposerInstalled(bytes);
      return [
        { skipped: installed.skipped },
        ...installed.packages.map((p) => ({
          name: p.name,
          version: p.version,
          licenses: p.licenses,
          dev: p.dev,
        })),
      ];
    }),
  },
  async catalog(ctx) {
    const packages: Package[] = [];
    for (const { path, records } of analyzedFiles(ctx, ID, MAX_FILE_BYTES, { database: true })) {
      for (const r of records) {
        const skipped = field(r, "skipped");
        if (typeof skipped === "number") {
          if (skipped > 0) ctx.warn(`${path}: ${skipped} entries without a vendor/name and version skipped`);
          continue;
        }
        const name = stringField(r, "name");
        const version = stringField(r, "version");
        if (!name || !version) continue;
        const [vendor, project] = name.split("/");
        const purl = purlOf(ctx, path, {
          type: "composer",
          namespace: vendor,
          name: project ?? name,
          version,
        });
        if (!purl) continue;
        packages.push(
          languagePackage(ctx, path, {
            type: "composer",
            name,
            version,
            purl,
            licenses: stringsField(r, "licenses"),
            foundBy: ID,
            ...(field(r, "dev") === true ? { metadata: { dev: true } } : {}),
          }),
        );
      }
    }
    return packages;
  },
};
