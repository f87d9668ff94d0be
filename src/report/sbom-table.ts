/** `sbom --format table`: one line per package. */
import type { SbomJson } from "./sbom-json.js";

export function renderSbomTable(doc: SbomJson): string {
  const rows: string[][] = [["TYPE", "NAME", "VERSION", "SOURCE", "LOCATION"]];
  for (const p of doc.packages) {
    const source =
      p.sourceName && (p.sourceName !== p.name || p.sourceVersion !== p.version)
        ? `${p.sourceName} ${p.sourceVersion ?? ""}`.trim()
        : "";
    rows.push([p.type, p.name, p.version, source, p.locations[0]?.path ?? ""]);
  }
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? "").length)));
  const lines = rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  "));
  const os = doc.os ? `${doc.os.prettyName}${doc.os.eol ? " (end of life)" : ""}` : "unknown OS";
  const out = [`${doc.source.reference}: ${os}, ${doc.packages.length} packages`, "", ...lines];
  for (const w of doc.warnings) out.push(`warning: ${w}`);
  for (const i of doc.incomplete) out.push(`INCOMPLETE: ${i.path}: ${i.reason}`);
  return `${out.join("\n")}\n`;
}
