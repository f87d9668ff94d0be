/**
 * GitHub's reviewed security advisories (https://github.com/github/advisory-database), which GitHub
 * publishes as OSV JSON: `advisories/github-reviewed/YYYY/MM/GHSA-…/GHSA-….json`. Mapped by the OSV
 * importer for every language ecosystem we match; GitHub's severity (`database_specific.severity`)
 * and CVSS vectors land with source "ghsa", which the matcher ranks after the vendor's and before
 * NVD's. A reviewed advisory with no fix event but a `last_known_affected_version_range` ("< 3.5.3.1")
 * is bounded by it rather than read as "every version". Unreviewed advisories (no package data worth
 * matching) are not read.
 *
 * The GraphQL-derived JSON that vunnel writes from GitHub's API (its `github:<ecosystem>` namespace
 * files) is a tool's intermediate output, not a feed GitHub publishes: not read here.
 */
import type { FeedImporter } from "./feed.js";
import { detectOsv, importOsvDocuments } from "./osv.js";

export const GHSA_FEED_ID = "ghsa";

export function isGhsaPath(relative: string): boolean {
  return (
    /(^|\/)GHSA-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}\.json$/.test(relative) &&
    !/(^|\/)github-unreviewed\//.test(relative)
  );
}

/** Language ecosystems only (no ":" release part): GHSA's "GitHub Actions", "Pub"… map nowhere anyway. */
const languageNamespace = (namespace: string) => !namespace.includes(":");

export const GHSA: FeedImporter = {
  id: GHSA_FEED_ID,
  title: "GitHub Security Advisories (reviewed)",
  downloads: [
    {
      name: "advisory-database.zip",
      url: "https://github.com/github/advisory-database/archive/refs/heads/main.zip",
      compression: "zip",
    },
  ],
  // A checkout (advisories/github-reviewed/YYYY/MM/GHSA-…/), the GitHub archive zip, or GHSA files.
  detect: (path) =>
    detectOsv(
      path,
      {
        select: isGhsaPath,
        rootSelect: (r) =>
          /^(advisories\/github-reviewed\/\d{4}\/\d{2}\/[^/]+\/)?[^/]+$/.test(r) && isGhsaPath(r),
        maxDepth: 6,
      },
      languageNamespace,
    ),
  import: (inputs, session, ctx) =>
    importOsvDocuments(inputs, session, ctx, {
      feedId: GHSA_FEED_ID,
      select: isGhsaPath,
      acceptNamespace: languageNamespace,
    }),
};
