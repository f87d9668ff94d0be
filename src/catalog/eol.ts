/**
 * End-of-life dates of the distributions shipshape detects, as their vendors publish them, and the
 * lookup that tells whether a detected release is past its end of life on a given day.
 *
 * What "end of life" means here: the last day on which the release gets security updates without a
 * paid contract. Paid or extended programmes that continue afterwards (Ubuntu Pro ESM, SUSE LTSS,
 * Red Hat ELS, Debian ELTS by Freexian) are recorded as `extended`, not as the end of life.
 * Dates are the last day of support (inclusive), ISO `YYYY-MM-DD`, read as UTC.
 * A release missing from a table is unknown: the lookup answers `eol: null`, never a guess.
 */

export interface EolEntry {
  /** The release as this table keys it (see `releaseKey`): "12", "22.04", "3.16", "15.3", "2023"… */
  release: string;
  codename?: string;
  /** Last day of free security support; null: supported, and no end date is published yet. */
  eol: string | null;
  /** Support that continues after `eol` for those who pay or opt in. */
  extended?: { name: string; until: string };
}

export interface EolStatus {
  /** Past its end of life on `today`; null when the release is not in our tables. */
  eol: boolean | null;
  eolDate?: string;
  /** Extended (paid/opt-in) support programme and its last day, when there is one. */
  extended?: { name: string; until: string };
}

// Source: Debian's own release data, distro-info-data 0.58+deb12u6 (/usr/share/distro-info/debian.csv,
// maintained by Debian; https://salsa.debian.org/debian/distro-info-data), cross-checked with
// https://www.debian.org/releases/ and https://wiki.debian.org/LTS. `eol` is the end of Debian LTS
// (free, published as DLAs in Debian's security tracker); before LTS existed (≤ 5.0) the end of
// security support. `extended` is Freexian's paid ELTS. Releases before 4.0 predate os-release and
// containers and are left out (unknown → null).
const ELTS = "Debian ELTS (Freexian, paid)";
const DEBIAN: EolEntry[] = [
  { release: "4", codename: "etch", eol: "2010-02-15" },
  { release: "5", codename: "lenny", eol: "2012-02-06" },
  { release: "6", codename: "squeeze", eol: "2016-02-29" },
  { release: "7", codename: "wheezy", eol: "2018-05-31", extended: { name: ELTS, until: "2020-06-30" } },
  { release: "8", codename: "jessie", eol: "2020-06-30", extended: { name: ELTS, until: "2025-06-30" } },
  { release: "9", codename: "stretch", eol: "2022-06-30", extended: { name: ELTS, until: "2027-06-30" } },
  { release: "10", codename: "buster", eol: "2024-06-30", extended: { name: ELTS, until: "2029-06-30" } },
  { release: "11", codename: "bullseye", eol: "2026-08-31", extended: { name: ELTS, until: "2031-06-30" } },
  { release: "12", codename: "bookworm", eol: "2028-06-30", extended: { name: ELTS, until: "2033-06-30" } },
  { release: "13", codename: "trixie", eol: "2030-06-30", extended: { name: ELTS, until: "2035-06-30" } },
];

// Source: Ubuntu's release data, distro-info-data 0.58+deb12u6 (/usr/share/distro-info/ubuntu.csv),
// matching https://ubuntu.com/about/release-cycle. `eol` is the end of standard support (the later of
// the `eol` and `eol-server` columns: containers are server installs); LTS releases continue with Ubuntu Pro's Expanded Security Maintenance (`eol-esm`), which
// needs a (free for personal use) Pro subscription, so it is `extended`, not the end of life.
const ESM = "Ubuntu Pro ESM";
const UBUNTU: EolEntry[] = [
  { release: "4.10", codename: "warty", eol: "2006-04-30" },
  { release: "5.04", codename: "hoary", eol: "2006-10-31" },
  { release: "5.10", codename: "breezy", eol: "2007-04-13" },
  { release: "6.06", codename: "dapper", eol: "2011-06-01" },
  { release: "6.10", codename: "edgy", eol: "2008-04-25" },
  { release: "7.04", codename: "feisty", eol: "2008-10-19" },
  { release: "7.10", codename: "gutsy", eol: "2009-04-18" },
  { release: "8.04", codename: "hardy", eol: "2013-05-09" },
  { release: "8.10", codename: "intrepid", eol: "2010-04-30" },
  { release: "9.04", codename: "jaunty", eol: "2010-10-23" },
  { release: "9.10", codename: "karmic", eol: "2011-04-30" },
  { release: "10.04", codename: "lucid", eol: "2015-04-30" },
  { release: "10.10", codename: "maverick", eol: "2012-04-10" },
  { release: "11.04", codename: "natty", eol: "2012-10-28" },
  { release: "11.10", codename: "oneiric", eol: "2013-05-09" },
  { release: "12.04", codename: "precise", eol: "2017-04-28", extended: { name: ESM, until: "2019-04-26" } },
  { release: "12.10", codename: "quantal", eol: "2014-05-16" },
  { release: "13.04", codename: "raring", eol: "2014-01-27" },
  { release: "13.10", codename: "saucy", eol: "2014-07-17" },
  { release: "14.04", codename: "trusty", eol: "2019-04-25", extended: { name: ESM, until: "2024-04-25" } },
  { release: "14.10", codename: "utopic", eol: "2015-07-23" },
  { release: "15.04", codename: "vivid", eol: "2016-02-04" },
  { release: "15.10", codename: "wily", eol: "2016-07-28" },
  { release: "16.04", codename: "xenial", eol: "2021-04-30", extended: { name: ESM, until: "2026-04-23" } },
  { release: "16.10", codename: "yakkety", eol: "2017-07-20" },
  { release: "17.04", codename: "zesty", eol: "2018-01-13" },
  { release: "17.10", codename: "artful", eol: "2018-07-19" },
  { release: "18.04", codename: "bionic", eol: "2023-05-31", extended: { name: ESM, until: "2028-04-26" } },
  { release: "18.10", codename: "cosmic", eol: "2019-07-18" },
  { release: "19.04", codename: "disco", eol: "2020-01-23" },
  { release: "19.10", codename: "eoan", eol: "2020-07-17" },
  { release: "20.04", codename: "focal", eol: "2025-05-29", extended: { name: ESM, until: "2030-04-23" } },
  { release: "20.10", codename: "groovy", eol: "2021-07-22" },
  { release: "21.04", codename: "hirsute", eol: "2022-01-20" },
  { release: "21.10", codename: "impish", eol: "2022-07-14" },
  { release: "22.04", codename: "jammy", eol: "2027-06-01", extended: { name: ESM, until: "2032-04-21" } },
  { release: "22.10", codename: "kinetic", eol: "2023-07-20" },
  { release: "23.04", codename: "lunar", eol: "2024-01-25" },
  { release: "23.10", codename: "mantic", eol: "2024-07-11" },
  { release: "24.04", codename: "noble", eol: "2029-05-31", extended: { name: ESM, until: "2034-04-25" } },
  { release: "24.10", codename: "oracular", eol: "2025-07-10" },
  { release: "25.04", codename: "plucky", eol: "2026-01-15" },
  { release: "25.10", codename: "questing", eol: "2026-07-09" },
  { release: "26.04", codename: "resolute", eol: "2031-05-29", extended: { name: ESM, until: "2036-04-23" } },
];

// Source: https://alpinelinux.org/releases/ (the "End of support" column of each branch: the end of
// security fixes for the main repository). Keyed by branch (major.minor); edge is rolling.
const ALPINE: EolEntry[] = [
  { release: "3.0", eol: "2016-05-01" },
  { release: "3.1", eol: "2016-11-01" },
  { release: "3.2", eol: "2017-05-01" },
  { release: "3.3", eol: "2017-11-01" },
  { release: "3.4", eol: "2018-05-01" },
  { release: "3.5", eol: "2018-11-01" },
  { release: "3.6", eol: "2019-05-01" },
  { release: "3.7", eol: "2019-11-01" },
  { release: "3.8", eol: "2020-05-01" },
  { release: "3.9", eol: "2020-11-01" },
  { release: "3.10", eol: "2021-05-01" },
  { release: "3.11", eol: "2021-11-01" },
  { release: "3.12", eol: "2022-05-01" },
  { release: "3.13", eol: "2022-11-01" },
  { release: "3.14", eol: "2023-05-01" },
  { release: "3.15", eol: "2023-11-01" },
  { release: "3.16", eol: "2024-05-23" },
  { release: "3.17", eol: "2024-11-22" },
  { release: "3.18", eol: "2025-05-09" },
  { release: "3.19", eol: "2025-11-01" },
  { release: "3.20", eol: "2026-04-01" },
  { release: "3.21", eol: "2026-11-01" },
  { release: "3.22", eol: "2027-05-01" },
  { release: "3.23", eol: "2027-11-01" },
  { release: "edge", eol: null },
];

// Source: Red Hat Enterprise Linux Life Cycle, https://access.redhat.com/support/policy/updates/errata
// (`eol` = end of Maintenance Support; `extended` = Extended Life-cycle Support add-on).
const ELS = "Red Hat ELS (add-on)";
const RHEL: EolEntry[] = [
  { release: "4", eol: "2012-02-29" },
  { release: "5", eol: "2017-03-31" },
  { release: "6", eol: "2020-11-30" },
  { release: "7", eol: "2024-06-30", extended: { name: ELS, until: "2028-06-30" } },
  { release: "8", eol: "2029-05-31", extended: { name: ELS, until: "2032-05-31" } },
  { release: "9", eol: "2032-05-31", extended: { name: ELS, until: "2035-05-31" } },
  { release: "10", eol: "2035-05-31", extended: { name: ELS, until: "2038-05-31" } },
];

// Source: CentOS project, https://www.centos.org/centos-linux-eol/ and
// https://www.centos.org/cl-vs-cs/ (CentOS Stream ends with its RHEL release's full support phase).
const CENTOS_LINUX: EolEntry[] = [
  { release: "5", eol: "2017-03-31" },
  { release: "6", eol: "2020-11-30" },
  { release: "7", eol: "2024-06-30" },
  { release: "8", eol: "2021-12-31" },
];
const CENTOS_STREAM: EolEntry[] = [
  { release: "8", eol: "2024-05-31" },
  { release: "9", eol: "2027-05-31" },
];

// Source: Rocky Linux release and version guide, https://wiki.rockylinux.org/rocky/version/
const ROCKY: EolEntry[] = [
  { release: "8", eol: "2029-05-31" },
  { release: "9", eol: "2032-05-31" },
  { release: "10", eol: "2035-05-31" },
];

// Source: AlmaLinux release notes / life cycle, https://wiki.almalinux.org/release-notes/
const ALMA: EolEntry[] = [
  { release: "8", eol: "2029-03-01" },
  { release: "9", eol: "2032-05-31" },
  { release: "10", eol: "2035-05-31" },
];

// Source: SUSE Product Support Lifecycle, https://www.suse.com/lifecycle/ (SUSE Linux Enterprise
// Server 12 and 15: `eol` = end of General Support of the service pack; `extended` = LTSS).
// Keyed by os-release VERSION_ID ("15.3" = 15 SP3; "15" = 15 GA).
const LTSS = "SUSE LTSS (paid)";
const SLES: EolEntry[] = [
  { release: "12", eol: "2016-06-30" },
  { release: "12.1", eol: "2017-05-31" },
  { release: "12.2", eol: "2018-03-31" },
  { release: "12.3", eol: "2019-06-30" },
  { release: "12.4", eol: "2020-06-30" },
  { release: "12.5", eol: "2024-10-31", extended: { name: LTSS, until: "2027-10-31" } },
  { release: "15", eol: "2019-12-31" },
  { release: "15.1", eol: "2021-01-31" },
  { release: "15.2", eol: "2021-12-31" },
  { release: "15.3", eol: "2022-12-31", extended: { name: LTSS, until: "2025-12-31" } },
  { release: "15.4", eol: "2023-12-31", extended: { name: LTSS, until: "2026-12-31" } },
  { release: "15.5", eol: "2024-12-31", extended: { name: LTSS, until: "2027-12-31" } },
  { release: "15.6", eol: "2025-12-31", extended: { name: LTSS, until: "2028-12-31" } },
  { release: "15.7", eol: "2031-07-31", extended: { name: LTSS, until: "2034-07-31" } },
];

// Source: AWS, "Amazon Linux AMI end of life" (https://aws.amazon.com/amazon-linux-ami/faqs/),
// the Amazon Linux 2 FAQ (https://aws.amazon.com/amazon-linux-2/faqs/) and the AL2023 release cadence
// (https://docs.aws.amazon.com/linux/al2023/ug/release-cadence.html: end of the maintenance phase).
// "1" stands for every Amazon Linux AMI release (2017.09, 2018.03…).
const AMAZON: EolEntry[] = [
  { release: "1", eol: "2023-12-31" },
  { release: "2", eol: "2026-06-30" },
  { release: "2023", eol: "2029-06-30" },
];

// Source: Microsoft, CBL-Mariner/Azure Linux lifecycle announcements
// (https://learn.microsoft.com/azure/azure-linux/ and the "CBL-Mariner 2.0 end of life" notice:
// support ended July 2025). Azure Linux 3.0 has no published end date yet.
const MARINER: EolEntry[] = [
  { release: "1.0", eol: "2023-07-31" },
  { release: "2.0", eol: "2025-07-31" },
];
const AZURE_LINUX: EolEntry[] = [{ release: "3.0", eol: null }];

/** What the lookup needs of a detected OS. */
export interface EolQuery {
  id: string;
  versionId: string;
  codename?: string;
  prettyName?: string;
}

/** The table for a distribution and the key of this release in it; null when we have no table. */
function tableAndKey(os: EolQuery): { table: EolEntry[]; key: string } | null {
  const v = os.versionId.trim();
  const major = /^(\d+)/.exec(v)?.[1] ?? "";
  const majorMinor = /^(\d+\.\d+)/.exec(v)?.[1] ?? "";
  switch (os.id) {
    case "debian":
      return { table: DEBIAN, key: major };
    case "ubuntu":
      return { table: UBUNTU, key: majorMinor };
    case "alpine":
      // Edge's alpine-release is e.g. "3.21_alpha20240923"; its PRETTY_NAME says edge.
      if (/_alpha|_beta/.test(v) || /\bedge\b/i.test(os.prettyName ?? ""))
        return { table: ALPINE, key: "edge" };
      return { table: ALPINE, key: majorMinor };
    case "rhel":
      return { table: RHEL, key: major };
    case "centos":
      // CentOS Linux ended with 8; 9 and later exist only as CentOS Stream.
      return /stream/i.test(os.prettyName ?? "") || Number(major) >= 9
        ? { table: CENTOS_STREAM, key: major }
        : { table: CENTOS_LINUX, key: major };
    case "rocky":
      return { table: ROCKY, key: major };
    case "almalinux":
      return { table: ALMA, key: major };
    case "sles":
      return { table: SLES, key: v };
    case "amzn":
      // Amazon Linux AMI (1) versions are dates: 2017.09, 2018.03.
      return { table: AMAZON, key: /^20(1\d)\./.test(v) ? "1" : major };
    case "mariner":
      return { table: MARINER, key: majorMinor };
    case "azurelinux":
      return { table: AZURE_LINUX, key: majorMinor };
    default:
      return null;
  }
}

/** Rolling distributions: never end of life as a whole (packages are updated in place). */
const ROLLING = new Set(["wolfi", "chainguard", "arch", "opensuse-tumbleweed"]);

/** The table entry for a detected release, or null when we do not know it. */
export function eolEntry(os: EolQuery): EolEntry | null {
  const found = tableAndKey(os);
  if (!found) return null;
  const { table, key } = found;
  const byKey = key ? table.find((e) => e.release === key) : undefined;
  if (byKey) return byKey;
  // Releases without VERSION_ID (Debian testing, some minimal images) may still name their codename.
  const codename = os.codename?.trim().toLowerCase();
  return (codename && table.find((e) => e.codename === codename)) || null;
}

function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/**
 * Whether `os` is past its end of life on `today` (default: now). Unknown releases give
 * `{eol: null}`; rolling distributions and releases without a published end `{eol: false}`.
 */
export function endOfLife(os: EolQuery, today: Date = new Date()): EolStatus {
  if (ROLLING.has(os.id)) return { eol: false };
  const entry = eolEntry(os);
  if (!entry) return { eol: null };
  const out: EolStatus = { eol: entry.eol === null ? false : isoDay(today) > entry.eol };
  if (entry.eol) out.eolDate = entry.eol;
  if (entry.extended) out.extended = entry.extended;
  return out;
}

/** Every table, for tests and documentation: distribution id → entries. */
export const EOL_TABLES: Readonly<Record<string, readonly EolEntry[]>> = {
  debian: DEBIAN,
  ubuntu: UBUNTU,
  alpine: ALPINE,
  rhel: RHEL,
  "centos-linux": CENTOS_LINUX,
  "centos-stream": CENTOS_STREAM,
  rocky: ROCKY,
  almalinux: ALMA,
  sles: SLES,
  amzn: AMAZON,
  mariner: MARINER,
  azurelinux: AZURE_LINUX,
};
