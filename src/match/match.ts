/**
 * Packages × advisories. OS packages are looked up in their distribution's namespace only (by source
 * package for Debian/Ubuntu/Alpine, by binary for RPM distros); language packages in their ecosystem.
 * Each (vulnerability, package) pair becomes one finding, enriched with severity (vendor, then GHSA,
 * then NVD — the source is recorded), the preferred CVSS score, KEV and EPSS.
 */
import type { OsInfo } from "../catalog/os.js";
import { OS_PACKAGE_TYPES, type Package } from "../catalog/package.js";
import { compareText } from "../compare-text.js";
import { lookupKey } from "../vulndb/namespace.js";
import type { AffectedRecord, CvssScore, Severity, VulnerabilityRecord } from "../vulndb/records.js";
import type { VulnStore } from "../vulndb/store.js";
import type { Finding } from "./finding.js";
import { comparatorFor, firstFixAbove, isAffected } from "./ranges.js";
import { archApplies, inRhelScope, isOtherVendorRpm } from "./rhel-scope.js";

export interface MatchResult {
  findings: Finding[];
  warnings: string[];
  /** Namespaces the packages needed that the database has no data for (e.g. "alpine:3.9"). */
  missingNamespaces: string[];
  /** Packages that were looked up (had a namespace). */
  matchedPackages: number;
}

export interface MatchOptions {
  /** Packages whose rpm modularity label names a stream ("nodejs:16"), keyed by package name. */
  modules?: Map<string, string>;
  /**
   * RHEL: the image's repository CPEs (from its content manifests, via `resolveRhelScope`). A record
   * that names CPEs then applies only when it shares one; absent (or empty), records of the RHEL
   * platform's own streams apply and layered products' do not (rhel-scope.ts).
   */
  cpes?: readonly string[] | null;
}

const ECOSYSTEM_SOURCES = new Set(["ghsa", "nvd"]);

/** Severity: the vendor's (the record's own, then the vendor feed's), then GHSA, then NVD, then CVSS. */
function chooseSeverity(
  record: AffectedRecord,
  vuln: VulnerabilityRecord | undefined,
): { severity: Severity; source: string } {
  if (record.severity && record.severity !== "unknown")
    return { severity: record.severity, source: record.source };
  const severities = vuln?.severities ?? [];
  const vendor = severities.find((s) => s.source === record.source && s.severity !== "unknown");
  if (vendor) return vendor;
  for (const source of ["ghsa", "nvd"]) {
    const s = severities.find((x) => x.source === source && x.severity !== "unknown");
    if (s) return s;
  }
  const other = severities.find((s) => !ECOSYSTEM_SOURCES.has(s.source) && s.severity !== "unknown");
  if (other) return other;
  const cvss = chooseCvss(record, vuln);
  if (cvss) return { severity: severityOfScore(cvss.score), source: cvss.source };
  return { severity: "unknown", source: record.source };
}

export function severityOfScore(score: number): Severity {
  if (score >= 9) return "critical";
  if (score >= 7) return "high";
  if (score >= 4) return "medium";
  if (score > 0) return "low";
  return "negligible";
}

const CVSS_VERSION_RANK: Record<string, number> = { "3.1": 4, "3.0": 3, "4.0": 2, "2.0": 1 };

function chooseCvss(record: AffectedRecord, vuln: VulnerabilityRecord | undefined): CvssScore | undefined {
  const all = vuln?.cvss ?? [];
  for (const source of [record.source, "ghsa", "nvd"]) {
    const mine = all.filter((c) => c.source === source);
    if (mine.length > 0) {
      return [...mine].sort(
        (a, b) => (CVSS_VERSION_RANK[b.version] ?? 0) - (CVSS_VERSION_RANK[a.version] ?? 0),
      )[0];
    }
  }
  return all[0];
}

function cveIds(id: string, aliases: string[]): string[] {
  return [id, ...aliases].filter((x) => x.startsWith("CVE-"));
}

export async function matchPackages(
  packages: readonly Package[],
  os: OsInfo | null,
  store: VulnStore,
  options: MatchOptions = {},
): Promise<MatchResult> {
  const warnings: string[] = [];
  const keyed: { pkg: Package; key: NonNullable<ReturnType<typeof lookupKey>> }[] = [];
  let otherVendor = 0;
  for (const pkg of packages) {
    const key = lookupKey(pkg, os);
    if (!key) continue;
    // Red Hat's data judges Red Hat's builds; EPEL or third-party rpms of the same name are not its.
    if (os?.id === "rhel" && isOtherVendorRpm(pkg)) {
      otherVendor++;
      continue;
    }
    // rpm versions are compared with their epoch ("1:2.3-4"); the package's version omits it.
    if (pkg.type === "rpm" && typeof pkg.epoch === "number" && pkg.epoch > 0) {
      key.version = `${pkg.epoch}:${key.version}`;
    }
    keyed.push({ pkg, key });
  }
  if (otherVendor > 0) {
    warnings.push(
      `${otherVendor} rpm package(s) from vendors other than Red Hat are not matched against Red Hat's data`,
    );
  }
  const namespaces = [...new Set(keyed.map((k) => k.key.namespace))];
  const missingNamespaces: string[] = [];
  for (const ns of namespaces) if (!(await store.hasNamespace(ns))) missingNamespaces.push(ns);

  const records = await store.affected(
    keyed.map(({ key }) => ({ namespace: key.namespace, packageName: key.packageName })),
  );
  const byKey = new Map<string, AffectedRecord[]>();
  for (const r of records) {
    const k = `${r.namespace}\0${r.packageName}`;
    const list = byKey.get(k) ?? [];
    list.push(r);
    byKey.set(k, list);
  }

  interface Hit {
    pkg: Package;
    key: (typeof keyed)[number]["key"];
    record: AffectedRecord;
    fixedVersion: string | null;
  }
  const hits: Hit[] = [];
  for (const { pkg, key } of keyed) {
    const candidates = (byKey.get(`${key.namespace}\0${key.packageName}`) ?? []).filter((r) =>
      appliesToPackage(r, pkg, options),
    );
    if (candidates.length === 0) continue;
    const byVuln = new Map<string, AffectedRecord[]>();
    for (const r of candidates) {
      const list = byVuln.get(r.vulnerabilityId) ?? [];
      list.push(r);
      byVuln.set(r.vulnerabilityId, list);
    }
    for (const [, recs] of byVuln) {
      const cmp = comparatorFor(recs[0]!.scheme);
      let affecting: AffectedRecord[];
      try {
        affecting = recs.filter((r) => isAffected(key.version, r, cmp));
      } catch (err) {
        warnings.push(
          `${pkg.name} ${key.version}: cannot compare with ${recs[0]!.vulnerabilityId} (${err instanceof Error ? err.message : String(err)})`,
        );
        continue;
      }
      if (affecting.length === 0) continue;
      let fixedVersion: string | null = null;
      let fixUnknown = false;
      try {
        fixedVersion = firstFixAbove(key.version, affecting, cmp);
      } catch {
        fixUnknown = true;
      }
      // Prefer the record that carries that fix (its advisory and date: several streams, e.g. RHEL
      // EUS and main, fix one CVE in different advisories), else any record that names a fix.
      const record =
        (fixedVersion !== null
          ? affecting.find(
              (r) => r.fixedVersion === fixedVersion || r.ranges.some((x) => x.fixed === fixedVersion),
            )
          : undefined) ??
        affecting.find((r) => r.fixedVersion !== null || r.ranges.some((x) => x.fixed)) ??
        affecting[0]!;
      if (fixUnknown) fixedVersion = record.fixedVersion;
      hits.push({ pkg, key, record, fixedVersion });
    }
  }

  const vulns = await store.vulnerabilities([...new Set(hits.map((h) => h.record.vulnerabilityId))]);
  const cves = new Set<string>();
  for (const h of hits) {
    const v = vulns.get(h.record.vulnerabilityId);
    for (const c of cveIds(h.record.vulnerabilityId, v?.aliases ?? [])) cves.add(c);
  }
  const kev = await store.kev([...cves]);
  const epss = await store.epss([...cves]);

  const findings: Finding[] = hits.map(({ pkg, key, record, fixedVersion }) => {
    const vuln = vulns.get(record.vulnerabilityId);
    const aliases = vuln?.aliases ?? [];
    const { severity, source: severitySource } = chooseSeverity(record, vuln);
    const cvss = chooseCvss(record, vuln);
    const ids = cveIds(record.vulnerabilityId, aliases);
    const kevHit = ids.map((c) => kev.get(c)).find((x) => x !== undefined);
    const epssHit = ids.map((c) => epss.get(c)).find((x) => x !== undefined);
    const finding: Finding = {
      id: record.vulnerabilityId,
      aliases,
      pkgName: pkg.name,
      pkgType: pkg.type,
      installedVersion: pkg.version,
      fixedVersion,
      severity,
      severitySource,
      fixable: fixedVersion !== null,
      status: fixedVersion !== null ? "fixed" : record.status,
      source: record.source,
      namespace: key.namespace,
      purl: pkg.purl,
      fixPublished: record.fixPublished,
      title: vuln?.summary ?? null,
      advisory: record.advisory,
    };
    if (cvss) finding.cvss = cvss;
    if (kevHit) {
      finding.kev = {
        dateAdded: kevHit.dateAdded,
        dueDate: kevHit.dueDate,
        knownRansomware: kevHit.knownRansomware,
      };
    }
    if (epssHit) finding.epss = { score: epssHit.score, percentile: epssHit.percentile, date: epssHit.date };
    const path = pkg.locations[0]?.path;
    if (path && !OS_PACKAGE_TYPES.has(pkg.type)) finding.pkgPath = path;
    return finding;
  });
  const merged = mergeAliases(findings);
  merged.sort(
    (a, b) =>
      compareText(a.pkgName, b.pkgName) ||
      compareText(a.installedVersion, b.installedVersion) ||
      compareText(a.id, b.id),
  );
  return { findings: merged, warnings, missingNamespaces, matchedPackages: keyed.length };
}

/**
 * RHEL module streams: a modular record applies only to a package built for that stream. Records
 * naming repository CPEs apply within the image's scope; records naming architectures, to those.
 */
function appliesToPackage(record: AffectedRecord, pkg: Package, options: MatchOptions): boolean {
  if (!inRhelScope(record, options.cpes) || !archApplies(record, pkg)) return false;
  if (record.moduleStream === null) {
    // A non-modular record does not apply to a package built for a module stream, and vice versa.
    return !moduleOf(pkg, options);
  }
  return moduleOf(pkg, options) === record.moduleStream;
}

/** "nodejs:16" from an rpm's modularity label "nodejs:16:8050020210304101010:bd1311ed". */
function moduleOf(pkg: Package, options: MatchOptions): string | null {
  const fromOptions = options.modules?.get(pkg.name);
  if (fromOptions) return fromOptions;
  const label = pkg.metadata?.modularityLabel;
  if (typeof label !== "string" || label === "") return null;
  const [name, stream] = label.split(":");
  return name && stream ? `${name}:${stream}` : null;
}

/**
 * One finding per vulnerability per package: feeds that publish the same vulnerability under other
 * ids (GO-…, PYSEC-…, GHSA-… and the CVE) merge into one. The CVE id wins as the id when there is
 * one (also for a single finding: ignore files and VEX name CVEs); the other ids become aliases. The fix is the lowest one named; severity and CVSS come from the
 * finding whose source ranks first (a vendor's over GHSA's over others').
 */
export function mergeAliases(findings: Finding[]): Finding[] {
  const byPackage = new Map<string, Finding[]>();
  for (const f of findings) {
    const key = `${f.purl}\0${f.pkgPath ?? ""}`;
    const list = byPackage.get(key) ?? [];
    list.push(f);
    byPackage.set(key, list);
  }
  const out: Finding[] = [];
  for (const group of byPackage.values()) {
    // Union-find over ids and aliases.
    const parent = new Map<string, string>();
    const find = (x: string): string => {
      let root = x;
      while (parent.get(root) !== undefined && parent.get(root) !== root) root = parent.get(root)!;
      parent.set(x, root);
      return root;
    };
    const union = (a: string, b: string) => {
      const ra = find(a);
      const rb = find(b);
      if (ra !== rb) parent.set(ra, rb);
    };
    for (const f of group) {
      parent.set(f.id, find(f.id));
      for (const a of f.aliases) {
        if (!parent.has(a)) parent.set(a, a);
        union(f.id, a);
      }
    }
    const clusters = new Map<string, Finding[]>();
    for (const f of group) {
      const root = find(f.id);
      const list = clusters.get(root) ?? [];
      list.push(f);
      clusters.set(root, list);
    }
    for (const cluster of clusters.values()) out.push(mergeCluster(cluster));
  }
  return out;
}

function sourceRank(f: Finding): number {
  if (f.severitySource === "ghsa" || f.source.startsWith("ghsa")) return 1;
  if (f.severitySource === "nvd") return 0;
  if (
    f.source.startsWith("osv-") ||
    f.source === "go-vulndb" ||
    f.source === "pypa" ||
    f.source === "rustsec"
  )
    return 2;
  return 3; // a distribution's own data
}

function mergeCluster(cluster: Finding[]): Finding {
  const ranked = [...cluster].sort((a, b) => sourceRank(b) - sourceRank(a) || compareText(a.id, b.id));
  const primary = { ...ranked[0]! };
  const ids = new Set(cluster.flatMap((f) => [f.id, ...f.aliases]));
  const cve = [...ids].filter((x) => x.startsWith("CVE-")).sort()[0];
  primary.id = cve ?? primary.id;
  ids.delete(primary.id);
  primary.aliases = [...ids].sort();
  const fixes = cluster.map((f) => f.fixedVersion).filter((v): v is string => v !== null);
  if (primary.fixedVersion === null && fixes.length > 0) {
    primary.fixedVersion = fixes[0]!;
    primary.fixable = true;
    primary.status = "fixed";
  }
  primary.kev ??= cluster.find((f) => f.kev)?.kev;
  primary.epss ??= cluster.find((f) => f.epss)?.epss;
  primary.cvss ??= cluster.find((f) => f.cvss)?.cvss;
  if (!primary.kev) delete primary.kev;
  if (!primary.epss) delete primary.epss;
  if (!primary.cvss) delete primary.cvss;
  return primary;
}
