/**
 * The Python Packaging Advisory Database (https://github.com/pypa/advisory-database): OSV records in
 * YAML, `vulns/<project>/PYSEC-YYYY-N.yaml`, read by the OSV importer's mapping (namespace "pypi",
 * PEP 440 versions, names normalised per PEP 503). The same records reach OSV.dev's PyPI export
 * (osv-pypi) as JSON, alongside GHSA's: wire one or the other for PYSEC ids, not both.
 */
import type { FeedImporter } from "./feed.js";
import { detectOsv, importOsvDocuments } from "./osv.js";

export const PYPA_FEED_ID = "pypa";

/** `PYSEC-….yaml` anywhere but `triage/` (the maintainers' false-positive notes). */
export function isPypaPath(relative: string): boolean {
  return /(^|\/)(PYSEC|GHSA|OSV|CVE)-[^/]+\.ya?ml$/.test(relative) && !/(^|\/)triage\//.test(relative);
}

const onlyPypi = (namespace: string) => namespace === "pypi";

export const PYPA: FeedImporter = {
  id: PYPA_FEED_ID,
  title: "Python Packaging Advisory Database (PyPA)",
  downloads: [
    {
      name: "advisory-database.zip",
      url: "https://github.com/pypa/advisory-database/archive/refs/heads/main.zip",
      compression: "zip",
    },
  ],
  // A checkout (vulns/<project>/…), its vulns/ folder, or the GitHub archive zip.
  detect: (path) =>
    detectOsv(
      path,
      {
        select: isPypaPath,
        rootSelect: (r) => /^(vulns\/)?[^/]+\/[^/]+$/.test(r) && isPypaPath(r),
        maxDepth: 3,
      },
      onlyPypi,
    ),
  import: (inputs, session, ctx) =>
    importOsvDocuments(inputs, session, ctx, {
      feedId: PYPA_FEED_ID,
      select: isPypaPath,
      acceptNamespace: onlyPypi,
    }),
};
