/** Several feeds describe the same vulnerability: one record per (id, source) is stored, merged on read. */
import type { VulnerabilityRecord } from "./records.js";

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
