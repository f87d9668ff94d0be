/** A vulnerability finding: one vulnerability affecting one installed package (DESIGN.md `scan` contract). */
import type { PackageType } from "../catalog/package.js";
import type { AffectedStatus, CvssScore, Severity } from "../vulndb/records.js";

export interface Finding {
  id: string;
  aliases: string[];
  pkgName: string;
  pkgType: PackageType;
  installedVersion: string;
  /** The first version that fixes it for this package/release; null when there is none (yet). */
  fixedVersion: string | null;
  severity: Severity;
  /** Whose severity that is: the vendor's (debian, redhat, alpine…), else "ghsa", else "nvd". */
  severitySource: string;
  /** A fixed version exists that the package can be upgraded to. */
  fixable: boolean;
  status: AffectedStatus;
  /** The preferred CVSS score (vendor, else GHSA, else NVD; newest CVSS version). */
  cvss?: CvssScore;
  /** Listed in CISA's Known Exploited Vulnerabilities catalog. */
  kev?: { dateAdded: string; dueDate: string | null; knownRansomware: boolean };
  epss?: { score: number; percentile: number; date: string };
  /** The feed whose data matched. */
  source: string;
  namespace: string;
  purl: string;
  /** Where the package was found. */
  pkgPath?: string;
  /** When the fix was published, for the A–F grade. */
  fixPublished: string | null;
  title: string | null;
  advisory: string | null;
}

/** The contract's JSON view of a finding. */
export interface FindingJson {
  id: string;
  aliases: string[];
  pkgName: string;
  pkgType: PackageType;
  installedVersion: string;
  fixedVersion: string | null;
  severity: Severity;
  fixable: boolean;
  cvss?: CvssScore;
  kev?: Finding["kev"];
  epss?: Finding["epss"];
  source: string;
  status: AffectedStatus;
  severitySource: string;
  purl: string;
  pkgPath?: string;
  title: string | null;
  advisory: string | null;
  fixPublished: string | null;
}

export function findingJson(f: Finding): FindingJson {
  const out: FindingJson = {
    id: f.id,
    aliases: f.aliases,
    pkgName: f.pkgName,
    pkgType: f.pkgType,
    installedVersion: f.installedVersion,
    fixedVersion: f.fixedVersion,
    severity: f.severity,
    fixable: f.fixable,
    source: f.source,
    status: f.status,
    severitySource: f.severitySource,
    purl: f.purl,
    title: f.title,
    advisory: f.advisory,
    fixPublished: f.fixPublished,
  };
  if (f.cvss) out.cvss = f.cvss;
  if (f.kev) out.kev = f.kev;
  if (f.epss) out.epss = f.epss;
  if (f.pkgPath) out.pkgPath = f.pkgPath;
  return out;
}
