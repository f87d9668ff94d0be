/**
 * The Debian security tracker's advisory lists, `data/DSA/list` (Debian Security Advisories) and
 * `data/DLA/list` (LTS advisories):
 *
 *   [29 Mar 2023] DSA-5380-1 xorg-server - security update
 *   	{CVE-2023-1393}
 *   	[bullseye] - xorg-server 2:1.20.11-1+deb11u6
 *   	NOTE: …
 *
 * A header line, then indented lines: `{…}` the CVEs it fixes, `[release] - source version` one
 * fix per release (or `<not-affected>` and similar markers, which name no fix), notes. Revisions
 * (`DSA-2808-2 … regression update`) often list no CVEs: they fix the same CVEs as their first
 * revision, so they inherit its list. The parser is a pure function over the text; lines it does not
 * recognise are skipped (the lists are hand-edited), only a file with no advisory header at all is
 * refused.
 */

import { compareText } from "../../compare-text.js";
import { ShipshapeError } from "../../errors.js";
import type { VulnerabilityRecord } from "../records.js";

export interface AdvisoryFix {
  /** Release codename as written: "bullseye". */
  release: string;
  /** Source package. */
  package: string;
  /** The fixed version; null for markers such as `<not-affected>`. */
  version: string | null;
}

export interface DebianAdvisory {
  /** "DSA-5380-1", "DLA-3380-1", "DSA-140". */
  id: string;
  /** ISO date "2023-03-29". */
  date: string;
  /** Source package(s) named in the header. */
  packages: string[];
  title: string;
  cves: string[];
  fixes: AdvisoryFix[];
}

const MONTHS: Record<string, string> = {
  Jan: "01",
  Feb: "02",
  Mar: "03",
  Apr: "04",
  May: "05",
  Jun: "06",
  Jul: "07",
  Aug: "08",
  Sep: "09",
  Oct: "10",
  Nov: "11",
  Dec: "12",
};

const HEADER = /^\[(\d{1,2}) ([A-Z][a-z]{2}) (\d{4})\]\s+((?:DSA|DLA|DTSA)-\d+(?:-\d+)?)\s*(.*)$/;
const CVE_LIST = /^\s+\{([^}]*)\}\s*$/;
const FIX = /^\s+\[([a-z][a-z0-9-]*)\]\s+-\s+(\S+)(?:\s+(\S+))?/;

function isoDate(day: string, month: string, year: string): string | null {
  const m = MONTHS[month];
  if (!m) return null;
  const d = day.padStart(2, "0");
  const date = `${year}-${m}-${d}`;
  // Reject impossible days (31 Feb) by round-tripping through Date.
  const parsed = new Date(`${date}T00:00:00Z`);
  return Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== date ? null : date;
}

/** The base advisory a revision belongs to: DSA-2808-2 → DSA-2808. */
function baseId(id: string): string {
  const m = /^([A-Z]+-\d+)/.exec(id);
  return m ? m[1]! : id;
}

/** Parse a DSA/DLA list. `origin` names the input in errors. */
export function parseDebianAdvisoryList(text: string, origin: string): DebianAdvisory[] {
  const out: DebianAdvisory[] = [];
  let current: DebianAdvisory | null = null;
  for (const line of text.split(/\r?\n/)) {
    const h = HEADER.exec(line);
    if (h) {
      const date = isoDate(h[1]!, h[2]!, h[3]!);
      if (!date) {
        current = null;
        continue;
      }
      // "pkg[ pkg2…] - title"; some headers have no " - " (key change notices, end-of-life notes).
      const rest = h[5]!.trim();
      const dash = rest.indexOf(" - ");
      const packages = dash >= 0 ? rest.slice(0, dash).split(/\s+/).filter(Boolean) : [];
      current = {
        id: h[4]!,
        date,
        packages,
        title: dash >= 0 ? rest.slice(dash + 3).trim() : rest,
        cves: [],
        fixes: [],
      };
      out.push(current);
      continue;
    }
    if (!current) continue;
    const cves = CVE_LIST.exec(line);
    if (cves) {
      for (const id of cves[1]!.split(/\s+/)) {
        if (/^CVE-\d{4}-\d{4,}$/.test(id) && !current.cves.includes(id)) current.cves.push(id);
      }
      continue;
    }
    const fix = FIX.exec(line);
    if (fix) {
      const version = fix[3] ?? null;
      current.fixes.push({
        release: fix[1]!,
        package: fix[2]!,
        version: version && !version.startsWith("<") && !version.startsWith("(") ? version : null,
      });
    }
  }
  if (out.length === 0 && text.trim() !== "") {
    throw new ShipshapeError(
      "input",
      `${origin}: no advisory header ("[dd Mon yyyy] DSA-NNNN-N package - title"); it is not a DSA/DLA list`,
    );
  }
  // Revisions without a CVE list fix what their base advisory fixed.
  const cvesOf = new Map<string, string[]>();
  for (const a of out) if (a.cves.length > 0 && !cvesOf.has(baseId(a.id))) cvesOf.set(baseId(a.id), a.cves);
  for (const a of out) if (a.cves.length === 0) a.cves = [...(cvesOf.get(baseId(a.id)) ?? [])];
  return out;
}

/**
 * Advisories by what they fixed: (release codename, source package, CVE) → advisories, for joining
 * with the tracker's per-release fixed versions.
 */
export class AdvisoryIndex {
  private readonly byKey = new Map<string, { advisory: DebianAdvisory; version: string | null }[]>();
  /** The newest advisory date seen (the data's own date). */
  newest: string | null = null;

  add(advisories: DebianAdvisory[]): void {
    for (const a of advisories) {
      if (this.newest === null || a.date > this.newest) this.newest = a.date;
      for (const fix of a.fixes) {
        for (const cve of a.cves) {
          const key = `${fix.release}\0${fix.package}\0${cve}`;
          const list = this.byKey.get(key) ?? [];
          list.push({ advisory: a, version: fix.version });
          this.byKey.set(key, list);
        }
      }
    }
  }

  /**
   * The advisory that shipped `fixedVersion` for (release, package, CVE): the one whose fix version is
   * exactly that, else none (an advisory for another version did not carry this fix).
   */
  find(release: string, pkg: string, cve: string, fixedVersion: string): DebianAdvisory | null {
    const list = this.byKey.get(`${release}\0${pkg}\0${cve}`) ?? [];
    const exact = list.filter((x) => x.version === fixedVersion).map((x) => x.advisory);
    exact.sort((a, b) => compareText(a.date, b.date) || compareText(a.id, b.id));
    return exact[0] ?? null;
  }

  get size(): number {
    return this.byKey.size;
  }
}

// ---------------------------------------------------------------------------------------------------
// Advisories as records
//
// The lists alone do not say which releases a CVE affects (only which versions some advisories
// shipped), so they make no affected records. They are kept as one VulnerabilityRecord per advisory:
// id DSA-5380-1, the CVEs it fixes as aliases, its date as `published`, its header as `summary` and
// its fixes, one per line in the list's own notation (`[bullseye] - xorg-server 2:1.20.11-1+deb11u6`),
// as `description`. An import of the tracker JSON without the lists reads them back from there.

const TRACKER = "https://security-tracker.debian.org/tracker";
/** Ids of advisory records (the ones the lists define). */
export const ADVISORY_ID_PREFIXES = ["DSA-", "DLA-", "DTSA-"];
const ADVISORY_ID = /^(DSA|DLA|DTSA)-\d+(-\d+)?$/;
const FIX_LINE = /^\[([a-z][a-z0-9-]*)\] - (\S+)(?: (\S+))?$/;

export function advisoryRecord(a: DebianAdvisory): VulnerabilityRecord {
  return {
    id: a.id,
    aliases: [...a.cves],
    summary: a.packages.length > 0 ? `${a.packages.join(" ")} - ${a.title}` : a.title,
    description:
      a.fixes.length > 0
        ? a.fixes
            .map((f) => `[${f.release}] - ${f.package}${f.version === null ? "" : ` ${f.version}`}`)
            .join("\n")
        : null,
    published: a.date,
    modified: null,
    severities: [],
    cvss: [],
    cwes: [],
    references: [`${TRACKER}/${a.id}`],
  };
}

/** The advisory an `advisoryRecord` holds, or null when the record is not one. */
export function advisoryFromRecord(r: VulnerabilityRecord): DebianAdvisory | null {
  if (!ADVISORY_ID.test(r.id) || typeof r.published !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(r.published))
    return null;
  const summary = r.summary ?? "";
  const dash = summary.indexOf(" - ");
  const fixes: AdvisoryFix[] = [];
  for (const line of (r.description ?? "").split("\n")) {
    const m = FIX_LINE.exec(line);
    if (m) fixes.push({ release: m[1]!, package: m[2]!, version: m[3] ?? null });
  }
  return {
    id: r.id,
    date: r.published,
    packages: dash >= 0 ? summary.slice(0, dash).split(" ").filter(Boolean) : [],
    title: dash >= 0 ? summary.slice(dash + 3) : summary,
    cves: r.aliases.filter((c) => /^CVE-\d{4}-\d{4,}$/.test(c)),
    fixes,
  };
}
