/** The human-readable rendering of `inspect` (the JSON form is the InspectReport itself). */
import type { InspectReport } from "../image/inspect.js";
import { formatPlatform } from "../image/platform.js";

function shortDigest(d: string | null): string {
  return d ? `${d.slice(0, 19)}…` : "-";
}

function humanBytes(n: number | null): string {
  if (n === null) return "-";
  const units = ["B", "kB", "MB", "GB", "TB"];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? "").length)));
  return rows
    .map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  "))
    .join("\n");
}

export function renderInspectTable(r: InspectReport): string {
  const out: string[] = [];
  const kv = (k: string, v: string) => out.push(`${`${k}:`.padEnd(14)}${v}`);
  kv("Reference", r.reference);
  if (r.names.length > 0) kv("Names", r.names.join(", "));
  for (const d of r.indexDigests) kv("Index", d);
  kv("Manifest", r.manifest.digest ? `${r.manifest.digest} (${r.manifest.mediaType ?? "?"})` : "- (none)");
  kv("Config", r.config.digest ?? "-");
  kv("Platform", formatPlatform(r.platform));
  kv("Created", r.config.created ?? "-");
  kv("User", r.config.user === "" ? "(unset: root)" : r.config.user);
  if (r.config.entrypoint) kv("Entrypoint", JSON.stringify(r.config.entrypoint));
  if (r.config.cmd) kv("Cmd", JSON.stringify(r.config.cmd));
  if (r.config.workingDir) kv("WorkingDir", r.config.workingDir);
  for (const e of r.config.env) kv("Env", e);
  for (const [k, v] of Object.entries(r.config.labels)) kv("Label", `${k}=${v}`);
  if (r.config.exposedPorts.length > 0) kv("Ports", r.config.exposedPorts.join(", "));
  if (r.config.volumes.length > 0) kv("Volumes", r.config.volumes.join(", "));
  out.push("");
  out.push(
    table([
      ["#", "DIGEST", "DIFFID", "SIZE", "UNPACKED", "FILES", "CREATED BY"],
      ...r.layers.map((l) => [
        String(l.index),
        shortDigest(l.digest),
        shortDigest(l.diffID),
        humanBytes(l.size),
        humanBytes(l.uncompressedSize),
        String(l.entries),
        (l.createdBy ?? "").replace(/\s+/g, " ").slice(0, 60),
      ]),
    ]),
  );
  out.push("");
  const f = r.filesystem;
  out.push(
    `Filesystem: ${f.regularFiles} regular files (${f.hardlinks} hard links), ${f.directories} directories, ${f.symlinks} symlinks, ${humanBytes(f.regularBytes)}`,
  );
  if (f.whiteouts.deletedPaths.length > 0)
    out.push(`Deleted in later layers: ${f.whiteouts.deletedPaths.join(", ")}`);
  if (f.setuid.length > 0) out.push(`setuid: ${f.setuid.join(", ")}`);
  if (f.setgid.length > 0) out.push(`setgid: ${f.setgid.join(", ")}`);
  for (const w of r.warnings) out.push(`warning: ${w}`);
  return `${out.join("\n")}\n`;
}
