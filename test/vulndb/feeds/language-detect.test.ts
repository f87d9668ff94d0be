/**
 * `db import` offers every path it walks to every importer's `detect`: each language importer must
 * claim its own feed's root (checkout, archive, flat export) and nothing else — not a parent folder
 * that merely contains it, not another feed's data.
 */
import { describe, expect, it } from "vitest";
import type { FeedImporter } from "../../../src/vulndb/feeds/feed.js";
import { GHSA } from "../../../src/vulndb/feeds/ghsa.js";
import { GO_VULNDB } from "../../../src/vulndb/feeds/go-vulndb.js";
import { NODEJS_SECURITY_WG } from "../../../src/vulndb/feeds/nodejs-security-wg.js";
import {
  OSV_ALMALINUX,
  OSV_CRATES,
  OSV_GO,
  OSV_MAVEN,
  OSV_NPM,
  OSV_NUGET,
  OSV_PACKAGIST,
  OSV_PYPI,
  OSV_ROCKY,
  OSV_RUBYGEMS,
} from "../../../src/vulndb/feeds/osv.js";
import { PYPA } from "../../../src/vulndb/feeds/pypa.js";
import { RUSTSEC } from "../../../src/vulndb/feeds/rustsec.js";
import { dataPath } from "../../helpers/shared.js";

const IMPORTERS: FeedImporter[] = [
  GO_VULNDB,
  PYPA,
  RUSTSEC,
  NODEJS_SECURITY_WG,
  GHSA,
  OSV_PYPI,
  OSV_NPM,
  OSV_CRATES,
  OSV_MAVEN,
  OSV_RUBYGEMS,
  OSV_PACKAGIST,
  OSV_NUGET,
  OSV_GO,
  OSV_ALMALINUX,
  OSV_ROCKY,
];

async function claimers(path: string): Promise<string[]> {
  const out: string[] = [];
  for (const i of IMPORTERS) if (await i.detect(path)) out.push(i.id);
  return out;
}

const fixtures = (...p: string[]) => dataPath("vuln", "fixtures", ...p);

describe("language feed detection", () => {
  it("each feed's root is claimed by its importer alone", async () => {
    const cases: [string, string[]][] = [
      [dataPath("vuln", "feeds", "golang-vulndb"), ["go-vulndb"]],
      [dataPath("vuln", "feeds", "golang-vulndb", "data", "osv"), ["go-vulndb", "osv-go"]],
      [dataPath("vuln", "feeds", "pypa-advisory-db"), ["pypa"]],
      [dataPath("vuln", "feeds", "pypa-advisory-db", "vulns"), ["pypa"]],
      [dataPath("vuln", "feeds", "rustsec"), ["rustsec"]],
      [dataPath("vuln", "feeds", "nodejs-security-wg"), ["nodejs-security-wg"]],
      [fixtures("trivy-db-testdata", "ghsa", "testdata", "happy", "ghsa"), ["ghsa"]],
      [fixtures("trivy-db-testdata", "osv", "testdata", "happy", "vuln-list", "osv", "python"), ["osv-pypi"]],
      [fixtures("vunnel-fixtures", "rocky", "test-fixtures", "osv"), ["osv-rocky"]],
      [
        fixtures("vunnel-fixtures", "alma", "test-fixtures", "osv-database", "advisories", "almalinux8"),
        ["osv-almalinux"],
      ],
    ];
    for (const [path, expected] of cases) expect([path, await claimers(path)]).toEqual([path, expected]);
  });

  it("folders that only contain feeds, and other feeds' data, are not claimed", async () => {
    for (const path of [
      dataPath("vuln", "feeds"),
      dataPath("vuln"),
      dataPath("vuln", "feeds", "cisa-kev"),
      dataPath("vuln", "feeds", "alpine-secdb-legacy"),
      dataPath("vuln", "feeds", "cisa-kev", "known_exploited_vulnerabilities.json"),
      fixtures("vunnel-fixtures", "govulndb"),
      dataPath("vuln", "feeds", "rustsec", "crates", "badge", "RUSTSEC-2022-0057.md"), // informational, still RustSec
    ]) {
      const expected = path.endsWith(".md") ? ["rustsec"] : [];
      expect([path, await claimers(path)]).toEqual([path, expected]);
    }
  });
});
