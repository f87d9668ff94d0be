/** Tables for `db status`, `db update` and `db import`. */
import type { DbFreshness } from "../../vulndb/freshness.js";
import { formatAge } from "../../vulndb/freshness.js";
import type { ImportReport } from "../../vulndb/import.js";
import type { UpdateReport } from "../../vulndb/update.js";

const n = (x: number) => x.toLocaleString("en-US");

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join("\n")}\n`;
}

const day = (iso: string | null) => (iso ? iso.slice(0, 10) : "-");

export function renderStatusTable(f: DbFreshness): string {
  const out: string[] = [];
  out.push(`Database:  ${f.location}`);
  if (f.kind === "empty") {
    out.push("Status:    not built yet (run shipshape db update, or db import for air-gapped sites)");
    return `${out.join("\n")}\n`;
  }
  out.push(`Schema:    ${f.schemaVersion}`);
  out.push(`Built at:  ${f.builtAt ?? "unknown"}`);
  const age = f.ageMs === null ? "unknown" : formatAge(f.ageMs);
  out.push(
    `Age:       ${age} (maximum ${formatAge(f.maxAgeMs)}, ${f.kind === "import" ? "db import" : "db update"} database)${f.stale ? " — STALE" : ""}`,
  );
  const c = f.counts;
  out.push(
    `Records:   ${n(c.vulnerabilities)} vulnerabilities, ${n(c.affected)} affected packages, ${n(c.kev)} KEV, ${n(c.epss)} EPSS`,
  );
  out.push("");
  const rows = f.feeds.map((x) => [
    x.feed,
    n(x.records),
    day(x.dataDate),
    x.importedAt.replace(/\.\d+Z$/, "Z"),
    `${x.ageMs === null ? "?" : formatAge(x.ageMs)}${x.stale ? " (stale)" : ""}`,
    x.origin,
  ]);
  return `${out.join("\n")}\n${table(["FEED", "RECORDS", "DATA DATE", "FETCHED", "AGE", "ORIGIN"], rows)}`;
}

export function renderUpdateReport(r: UpdateReport): string {
  const rows = r.feeds.map((f) => [
    f.feed,
    f.action,
    n(f.records),
    f.bytes > 0 ? `${(f.bytes / 1e6).toFixed(1)} MB` : "-",
    day(f.dataDate),
  ]);
  const updated = r.feeds.filter((f) => f.action === "updated").length;
  const lines = [
    table(["FEED", "ACTION", "RECORDS", "DOWNLOADED", "DATA DATE"], rows),
    `${r.location}: ${updated} feeds updated, ${r.feeds.length - updated} carried over, ${(r.downloadedBytes / 1e6).toFixed(1)} MB downloaded in ${r.requests} requests\n`,
  ];
  if (r.dropped.length > 0) lines.push(`dropped feeds no longer known: ${r.dropped.join(", ")}\n`);
  return lines.join("");
}

export function renderImportReport(r: ImportReport): string {
  const rows = r.imported.map((f) => [
    f.feed,
    n(f.records),
    day(f.dataDate),
    f.inputs.length === 1 ? f.inputs[0]! : `${f.inputs[0]} (+${f.inputs.length - 1} more)`,
  ]);
  const lines = [table(["FEED", "RECORDS", "DATA DATE", "FROM"], rows)];
  if (r.kept.length > 0)
    lines.push(`kept from the previous database: ${r.kept.map((k) => k.feed).join(", ")}\n`);
  lines.push(`${r.location}: ${r.imported.length} feeds imported\n`);
  return lines.join("");
}
