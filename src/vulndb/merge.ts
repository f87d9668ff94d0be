/**
 * Several feeds describe the same vulnerability: one record per (id, source) is stored, merged on read.
 * KEV and EPSS rows are stored per (CVE, source) too; a read returns one per CVE.
 */
import type { EpssRecord, KevRecord, VulnerabilityRecord } from "./records.js";

export function mergeVulnerabilities(rows: VulnerabilityRecord[]): VulnerabilityRecord {
  const first = rows[0]!;
  const uniq = <T>(xs: T[]) => [...new Set(xs)];
  const pick = <K extends keyof VulnerabilityRecord>(key: K) =>
    rows.map((r) => r[key]).find((v) => v !== null && v !== undefined) ?? first[key];
  return {
    id: first.id,
    aliases: uniq(rows.flatMap((r) => r.aliases)).filter((a) => a !== first.id),
    summary: pick("summary") as string | null,
    description: pick("description") as string | null,
    published:
      rows
        .map((r) => r.published)
        .filter((x): x is string => !!x)
        .sort()[0] ?? null,
    modified:
      rows
        .map((r) => r.modified)
        .filter((x): x is string => !!x)
        .sort()
        .at(-1) ?? null,
    severities: rows.flatMap((r) => r.severities),
    cvss: rows.flatMap((r) => r.cvss),
    cwes: uniq(rows.flatMap((r) => r.cwes)),
    references: uniq(rows.flatMap((r) => r.references)),
  };
}

/**
 * One KEV entry per CVE from the rows of several feeds, given in byte order of their feed ids: the
 * earliest date it was added (then the first feed), known ransomware use if any feed says so.
 */
export function pickKev(rows: KevRecord[]): KevRecord {
  let best = rows[0]!;
  for (const r of rows) if (r.dateAdded < best.dateAdded) best = r;
  return rows.some((r) => r.knownRansomware) ? { ...best, knownRansomware: true } : best;
}

/** One EPSS score per CVE from the rows of several feeds (in feed order): the newest scores win. */
export function pickEpss(rows: EpssRecord[]): EpssRecord {
  let best = rows[0]!;
  for (const r of rows) if (r.date > best.date) best = r;
  return best;
}
