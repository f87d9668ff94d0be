/**
 * Installed Ruby gems: the specification RubyGems (or Bundler, or Debian's gem2deb) writes for each
 * installed gem into a `specifications/` directory (`/usr/lib/ruby/gems/<ver>/specifications`,
 * `/usr/local/bundle/specifications`, `/var/lib/gems/<ver>/specifications`,
 * `/usr/share/rubygems-integration/all/specifications`, vendor/bundle trees), and Ruby's default
 * gems in `specifications/default/`. A `.gemspec` elsewhere is a gem's source (often computing its
 * version in Ruby) and a Gemfile.lock is a lockfile of a source tree: neither is an installed gem.
 * purl `pkg:gem/NAME@VERSION`, with `?platform=` for a platform gem (purl spec: default `ruby`).
 */
import type { Cataloger } from "./cataloger.js";
import { parseGemspec } from "./gemspec.js";
import {
  analyzedFiles,
  analyzeWith,
  languagePackage,
  purlOf,
  stringField,
  stringsField,
} from "./lang-files.js";
import type { Package } from "./package.js";

const ID = "gem";
const MAX_FILE_BYTES = 1024 * 1024;

export function isInstalledGemspec(path: string): boolean {
  return /\/specifications\/(?:default\/)?[^/]+\.gemspec$/.test(path);
}

export const gemCataloger: Cataloger = {
  id: ID,
  version: "1",
  request: {
    match: (path) => isInstalledGemspec(path),
    maxFileBytes: MAX_FILE_BYTES,
    analyze: analyzeWith((bytes) => {
      const g = parseGemspec(bytes);
      return [{ name: g.name, version: g.version, licenses: g.licenses, platform: g.platform }];
    }),
  },
  async catalog(ctx) {
    const packages: Package[] = [];
    for (const { path, records } of analyzedFiles(ctx, ID, MAX_FILE_BYTES)) {
      for (const r of records) {
        const name = stringField(r, "name");
        const version = stringField(r, "version");
        if (!name || !version) continue;
        const platform = stringField(r, "platform") ?? "ruby";
        const purl = purlOf(ctx, path, {
          type: "gem",
          name,
          version,
          ...(platform !== "ruby" ? { qualifiers: { platform } } : {}),
        });
        if (!purl) continue;
        packages.push(
          languagePackage(ctx, path, {
            type: "gem",
            name,
            version,
            purl,
            licenses: stringsField(r, "licenses"),
            foundBy: ID,
            metadata: {
              platform,
              ...(path.includes("/specifications/default/") ? { defaultGem: true } : {}),
            },
          }),
        );
      }
    }
    return packages;
  },
};
