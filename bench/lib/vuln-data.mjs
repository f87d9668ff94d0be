/**
 * The vulnerability part of the bench: which feed data the database is built from, and what the
 * outputs of `db import`, `db status` and the match workers must say for a run to count.
 *
 * The database: the demo's (`scripts/demo.sh`: all of ../shared/data/vuln/feeds) plus the real
 * fixture payloads that import cleanly and add what the feeds lack: Debian's tracker JSON (the feeds
 * hold only the DSA/DLA lists, which give advisories but no affected packages, so without it no
 * Debian image has a namespace to look up), NVD CVE API 2.0 pages (CVSS), EPSS scores, Red Hat CSAF
 * VEX (rhel:6/8/9; trivy-db's copy carries the repository-to-CPE mapping) and Ubuntu OSV.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";

/** Relative to the shared folder; every path must exist. */
const INPUTS = [
  "data/vuln/feeds",
  "data/vuln/fixtures/vunnel-fixtures/debian/test-fixtures/input/debian.json",
  "data/vuln/fixtures/vunnel-fixtures/nvd",
  "data/vuln/fixtures/vunnel-fixtures/epss",
  "data/vuln/fixtures/vunnel-fixtures/rhel",
  "data/vuln/fixtures/trivy-db-testdata/redhat-csaf",
  "data/vuln/fixtures/vunnel-fixtures/ubuntu",
];

/** The feeds the import must report, each with records. */
export const EXPECTED_FEEDS = [
  "alpine",
  "cisa-kev",
  "debian",
  "epss",
  "go-vulndb",
  "nodejs-security-wg",
  "nvd",
  "pypa",
  "redhat-csaf",
  "rustsec",
  "ubuntu",
];

export function vulnInputs(shared) {
  const paths = INPUTS.map((p) => join(shared, p));
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length > 0) throw new Error(`vulnerability data not found: ${missing.join(", ")}`);
  return paths;
}

/** `db import --format json`: every expected feed imported, with records. */
export function importFacts(stdout) {
  const report = JSON.parse(stdout);
  if (!Array.isArray(report.imported)) throw new Error("no imported list");
  const feeds = Object.fromEntries(report.imported.map((f) => [f.feed, f.records]));
  const missing = EXPECTED_FEEDS.filter((f) => !(feeds[f] > 0));
  if (missing.length > 0) throw new Error(`feeds without records: ${missing.join(", ")}`);
  return { feeds, unrecognised: report.unrecognised?.length ?? 0 };
}

/** `db status --format json`: the record counts, which must not be empty. */
export function statusFacts(stdout) {
  const status = JSON.parse(stdout);
  const counts = status.counts;
  if (!(counts?.affected > 0 && counts.vulnerabilities > 0)) {
    throw new Error(`an empty database: ${JSON.stringify(counts)}`);
  }
  return {
    counts,
    feeds: Object.fromEntries(status.feeds.map((f) => [f.feed, f.records])),
    builtAt: status.builtAt,
  };
}

/** A stable digest of per-feed records and counts: every import must give the same. */
export function recordsKey(status) {
  return JSON.stringify([status.counts, Object.entries(status.feeds).sort()]);
}

/** match.mjs's JSON: every image timed, and the synthetic case at its size. */
export function matchFacts(stdout, { images, synthetic }) {
  const facts = JSON.parse(stdout);
  const missing = images.filter((name) => !facts.images?.[name]);
  if (missing.length > 0) throw new Error(`no timing for ${missing.join(", ")}`);
  for (const [name, r] of Object.entries(facts.images)) {
    if (!(r.medianMs >= 0) || r.packages === 0) throw new Error(`${name}: no packages or no timing`);
  }
  if (synthetic && facts.synthetic?.packages !== synthetic) {
    throw new Error(`the synthetic case has ${facts.synthetic?.packages} packages, not ${synthetic}`);
  }
  if (synthetic && !(facts.synthetic.findings > 0)) throw new Error("the synthetic case found nothing");
  return facts;
}

/** match-cold.mjs's JSON. */
export function matchColdFacts(stdout, packages) {
  const facts = JSON.parse(stdout);
  if (facts.packages !== packages || !(facts.firstMs > 0)) {
    throw new Error(`expected a timed match of ${packages} packages`);
  }
  return facts;
}
