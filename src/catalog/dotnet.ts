/**
 * .NET applications' dependencies from their `*.deps.json` (see dotnet-deps.ts for what counts):
 * NuGet packages, the application's own projects (`metadata.kind: "project"`, as Trivy and Syft list
 * the root project too) and a self-contained app's bundled runtime (`metadata.kind: "runtimepack"`).
 * The file lists many packages, so a file that cannot be read is reported incomplete.
 * purl `pkg:nuget/NAME@VERSION`.
 */
import type { Cataloger } from "./cataloger.js";
import { parseDotnetDeps } from "./dotnet-deps.js";
import { analyzedFiles, analyzeWith, field, languagePackage, purlOf, stringField } from "./lang-files.js";
import type { Package } from "./package.js";

const ID = "dotnet-deps";
const MAX_FILE_BYTES = 8 * 1024 * 1024;

export const dotnetCataloger: Cataloger = {
  id: ID,
  version: "1",
  request: {
    match: (path) => path.endsWith(".deps.json"),
    maxFileBytes: MAX_FILE_BYTES,
    analyze: analyzeWith((bytes) => {
      const deps = parseDotnetDeps(bytes);
      return [
        { skipped: deps.skipped },
        ...deps.libraries.map((l) => ({ name: l.name, version: l.version, kind: l.kind })),
      ];
    }),
  },
  async catalog(ctx) {
    const packages: Package[] = [];
    for (const { path, records } of analyzedFiles(ctx, ID, MAX_FILE_BYTES, { database: true })) {
      for (const r of records) {
        const skipped = field(r, "skipped");
        if (typeof skipped === "number") {
          if (skipped > 0) ctx.warn(`${path}: ${skipped} libraries without a Name/Version key skipped`);
          continue;
        }
        const name = stringField(r, "name");
        const version = stringField(r, "version");
        const kind = stringField(r, "kind") ?? "package";
        if (!name || !version) continue;
        const purl = purlOf(ctx, path, { type: "nuget", name, version });
        if (!purl) continue;
        packages.push(
          languagePackage(ctx, path, {
            type: "nuget",
            name,
            version,
            purl,
            licenses: [],
            foundBy: ID,
            ...(kind !== "package" ? { metadata: { kind } } : {}),
          }),
        );
      }
    }
    return packages;
  },
};
