/** Plain-text tables for CI logs: aligned columns and one-line, width-capped cells. */

/** `text` on one line, cut to `width` characters with an ellipsis. */
export function truncate(text: string, width: number): string {
  const one = text.replace(/\s+/g, " ").trim();
  return one.length <= width ? one : `${one.slice(0, width - 1)}…`;
}

/** Rows as lines, every column but the last padded to its widest cell, two spaces apart. */
export function columns(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? "").length)));
  return rows.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd(),
  );
}
