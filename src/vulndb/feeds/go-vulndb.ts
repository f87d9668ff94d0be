/**
 * The Go vulnerability database (https://vuln.go.dev): OSV records `GO-YYYY-NNNN` for Go modules, plus
 * the pseudo-modules `stdlib` (the standard library, versioned by Go release) and `toolchain` (the go
 * command). Served whole as `vulndb.zip` (entries `ID/GO-….json`); a checkout of golang/vulndb holds
 * the same records under `data/osv/`.
 *
 * Go specifics: versions in the vulndb carry no `v` ("1.19.9", "0.10.0") while the catalog reports
 * module versions and the toolchain as Go does (`v0.9.1`, stdlib `v1.19.8` for go1.19.8); the go
 * version scheme compares the two forms alike, so the records keep the vulndb's own spelling. The
 * stdlib records apply to every Go binary through the `stdlib` package the Go cataloger emits for the
 * toolchain that built it; `toolchain` records (bugs in the go command) match no binary.
 */
import type { FeedImporter } from "./feed.js";
import { detectOsv, importOsvDocuments } from "./osv.js";

export const GO_VULNDB_FEED_ID = "go-vulndb";

/** `GO-2023-1989.json` at the top of a tree, under `ID/` (vulndb.zip) or `data/osv/` (repository). */
export function isGoVulndbPath(relative: string): boolean {
  return /(^|\/)GO-\d{4}-\d{4,}\.json$/.test(relative);
}

const onlyGo = (namespace: string) => namespace === "go";

export const GO_VULNDB: FeedImporter = {
  id: GO_VULNDB_FEED_ID,
  title: "Go vulnerability database (vuln.go.dev)",
  downloads: [{ name: "vulndb.zip", url: "https://vuln.go.dev/vulndb.zip", compression: "zip" }],
  // A golang/vulndb checkout (data/osv/), vulndb.zip or its unpacked tree (ID/), or a folder of records.
  detect: (path) =>
    detectOsv(
      path,
      {
        select: isGoVulndbPath,
        rootSelect: (r) => /^(data\/osv\/|ID\/)?GO-\d{4}-\d{4,}\.json$/.test(r),
        maxDepth: 3,
      },
      onlyGo,
    ),
  import: (inputs, session, ctx) =>
    importOsvDocuments(inputs, session, ctx, {
      feedId: GO_VULNDB_FEED_ID,
      select: isGoVulndbPath,
      acceptNamespace: onlyGo,
    }),
};
