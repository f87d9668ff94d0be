/**
 * A real SQLite vulnerability store for the scan tests, built with the real Alpine secdb importer
 * from the legacy secdb in ../shared (alpinelinux/alpine-secdb, v3.3–v3.11) plus NVD's severity and
 * CVSS for the CVEs those images have, written with a BuildSession from Trivy's integration fixture
 * database (aquasecurity/trivy integration/testdata/fixtures/db/vulnerability.yaml in ../shared,
 * NVD data as Trivy's DB carries it: Severity, CVSS.nvd.V3Vector/V3Score, Title, Description).
 *
 * Also the independent expectation: what the secdb's fixed versions imply for an image's apk
 * packages, read from the YAML with the yaml library (not the importer) and compared with apk
 * version order.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import type { Package } from "../../src/catalog/package.js";
import { compareVersions } from "../../src/versions/index.js";
import { ALPINE_FEED_ID, alpineSecdbImporter } from "../../src/vulndb/feeds/alpine-secdb.js";
import type { Severity, VulnerabilityRecord } from "../../src/vulndb/records.js";
import { SqliteStore } from "../../src/vulndb/sqlite-store.js";
import type { BuildSession } from "../../src/vulndb/store.js";
import { dataPath, fixturePath } from "../helpers/shared.js";

export const ALPINE_LEGACY = () => dataPath("vuln", "feeds", "alpine-secdb-legacy");
const TRIVY_DB = () =>
  dataPath(
    "vuln",
    "fixtures",
    "trivy-fixtures",
    "integration",
    "testdata",
    "fixtures",
    "db",
    "vulnerability.yaml",
  );

const IMAGES = "aquasecurity+trivy/_history/6013ed9fd7f0/integration/testdata/fixtures";
/** The real Alpine 3.9.4 / 3.10.2 images (2019) from Trivy's test data, as docker-archive references. */
export const alpineImage = (name: "alpine-39" | "alpine-310") =>
  `docker-archive:${fixturePath("real-images", IMAGES, `${name}.tar.gz`)}`;

interface TrivyVuln {
  Title?: string;
  Description?: string;
  Severity?: string;
  CVSS?: { nvd?: { V2Vector?: string; V2Score?: number; V3Vector?: string; V3Score?: number } };
  PublishedDate?: string;
  LastModifiedDate?: string;
}

/** NVD facts per CVE from Trivy's fixture database. */
export function nvdFacts(): Map<string, TrivyVuln> {
  const doc = parse(readFileSync(TRIVY_DB(), "utf8")) as {
    bucket: string;
    pairs: { key: string; value: TrivyVuln }[];
  }[];
  const out = new Map<string, TrivyVuln>();
  for (const bucket of doc) for (const p of bucket.pairs) out.set(p.key, p.value);
  return out;
}

/** Our severity for a CVE per those facts ("unknown" when Trivy's DB has none). */
export function nvdSeverity(cve: string): Severity {
  const s = nvdFacts().get(cve)?.Severity?.toLowerCase();
  return (s as Severity | undefined) ?? "unknown";
}

function nvdRecords(): VulnerabilityRecord[] {
  return [...nvdFacts()]
    .filter(([id]) => id.startsWith("CVE-"))
    .map(([id, v]) => {
      const cvss: VulnerabilityRecord["cvss"] = [];
      const n = v.CVSS?.nvd;
      if (n?.V3Vector && n.V3Score !== undefined) {
        cvss.push({
          version: n.V3Vector.startsWith("CVSS:3.1") ? "3.1" : "3.0",
          vector: n.V3Vector,
          score: n.V3Score,
          source: "nvd",
        });
      }
      if (n?.V2Vector && n.V2Score !== undefined)
        cvss.push({ version: "2.0", vector: n.V2Vector, score: n.V2Score, source: "nvd" });
      return {
        id,
        aliases: [],
        summary: v.Title ?? null,
        description: v.Description ?? null,
        published: v.PublishedDate ?? null,
        modified: v.LastModifiedDate ?? null,
        severities: v.Severity ? [{ source: "nvd", severity: v.Severity.toLowerCase() as Severity }] : [],
        cvss,
        cwes: [],
        references: [],
      };
    });
}

export interface ScanStore {
  dir: string;
  path: string;
  dispose(): void;
}

/**
 * Write the test data into a build: `alpine` imports the legacy secdb with the real importer; NVD
 * facts always. `importedAt` dates the feeds (an old date makes a stale database).
 */
export async function populate(
  session: BuildSession,
  options: { alpine: boolean; importedAt?: Date },
): Promise<void> {
  const importedAt = (options.importedAt ?? new Date()).toISOString();
  if (options.alpine) {
    const r = await alpineSecdbImporter.import([ALPINE_LEGACY()], session, {
      warn: () => undefined,
      now: new Date(),
    });
    await session.setFeedState({
      feed: ALPINE_FEED_ID,
      origin: ALPINE_LEGACY(),
      importedAt,
      dataDate: r.dataDate,
      etag: null,
      lastModified: null,
      records: r.records,
    });
  }
  const nvd = nvdRecords();
  await session.putVulnerabilities("nvd", nvd);
  await session.setFeedState({
    feed: "nvd",
    origin: TRIVY_DB(),
    importedAt,
    dataDate: null,
    etag: null,
    lastModified: null,
    records: nvd.length,
  });
}

/** A SQLite store in a temp directory, populated and committed. */
export async function buildScanStore(options: { alpine: boolean; importedAt?: Date }): Promise<ScanStore> {
  const dir = mkdtempSync(join(tmpdir(), "shipshape-scan-test-"));
  const path = join(dir, "db.sqlite");
  const session = await SqliteStore.open(path).beginBuild();
  try {
    await populate(session, options);
    await session.commit();
  } catch (err) {
    await session.abort();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return { dir, path, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `CVE pkg fixedVersion` for every CVE the secdb's fix versions imply for the apk packages. */
export function expectedAlpineFindings(
  packages: readonly Pick<Package, "type" | "name" | "version" | "sourceName">[],
  branch: string,
): Set<string> {
  const byOrigin = new Map<string, Map<string, string[]>>();
  for (const repo of ["main", "community"]) {
    const doc = parse(readFileSync(join(ALPINE_LEGACY(), `v${branch}`, `${repo}.yaml`), "utf8")) as {
      packages: { pkg: { name: string; secfixes?: Record<string, (string | null)[] | null> } }[];
    };
    for (const { pkg } of doc.packages) {
      for (const [fix, ids] of Object.entries(pkg.secfixes ?? {})) {
        for (const line of ids ?? []) {
          for (const m of String(line).matchAll(/CVE[-_ ](\d{4})-(\d+)/g)) {
            const cve = `CVE-${m[1]}-${m[2]}`;
            const cves = byOrigin.get(pkg.name) ?? new Map<string, string[]>();
            cves.set(cve, [...(cves.get(cve) ?? []), fix]);
            byOrigin.set(pkg.name, cves);
          }
        }
      }
    }
  }
  const out = new Set<string>();
  for (const p of packages.filter((x) => x.type === "apk")) {
    for (const [cve, fixes] of byOrigin.get(p.sourceName ?? p.name) ?? []) {
      const above = fixes
        .filter((f) => f !== "0" && compareVersions("apk", p.version, f) < 0)
        .sort((a, b) => compareVersions("apk", a, b));
      if (above.length > 0) out.add(`${cve} ${p.name} ${above[0]}`);
    }
  }
  return out;
}
