/**
 * A plain-text table. By default the first column is left-aligned and the others right-aligned
 * (they are numbers); `align` ("lrrl…", one letter per column) says otherwise.
 */
export function formatTable(headers, rows, align = `l${"r".repeat(headers.length - 1)}`) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    cells
      .map((cell, i) =>
        align[i] === "l" ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]),
      )
      .join("  ")
      .trimEnd();
  return [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}
