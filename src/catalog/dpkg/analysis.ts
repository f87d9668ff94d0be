/**
 * What the dpkg cataloger keeps of each file while the layers stream (FileRequest `analyze`): the
 * parsed status records, the path lists, the licence names — small JSON instead of the bytes, so
 * memory does not grow with an image's copyright files and the layer cache stores parsed results.
 * `readDpkgAnalysis` validates a value on the way back (it may come from the on-disk cache).
 */
import type { AnalysisValue } from "../../image/file-request.js";
import { parseCopyrightLicenses } from "./copyright.js";
import { parseDpkgList, parseMd5sums } from "./files.js";
import { type DpkgEntry, parseDpkgStatus } from "./status.js";

export const DPKG_STATUS = "/var/lib/dpkg/status";
export const DPKG_STATUS_D = "/var/lib/dpkg/status.d/";
export const DPKG_INFO = "/var/lib/dpkg/info/";
export const DOC_DIR = "/usr/share/doc/";

export type DpkgAnalysis =
  | { kind: "status"; entries: DpkgEntry[]; warnings: string[]; truncated: string | null }
  | { kind: "files"; paths: string[] }
  | { kind: "licenses"; licenses: string[] };

export type DpkgFileKind = "status" | "list" | "md5sums" | "copyright" | null;

/** Which of the cataloger's files a path is. */
export function dpkgFileKind(path: string): DpkgFileKind {
  if (path === DPKG_STATUS) return "status";
  if (path.startsWith(DPKG_STATUS_D)) {
    const name = path.slice(DPKG_STATUS_D.length);
    if (name.includes("/") || name === "") return null;
    return name.endsWith(".md5sums") ? "md5sums" : "status";
  }
  if (path.startsWith(DPKG_INFO)) {
    if (path.endsWith(".list")) return "list";
    if (path.endsWith(".md5sums")) return "md5sums";
    return null;
  }
  if (path.startsWith(DOC_DIR) && path.endsWith("/copyright")) return "copyright";
  return null;
}

function entryValue(e: DpkgEntry): AnalysisValue {
  return {
    package: e.package,
    version: e.version,
    architecture: e.architecture,
    source: e.source ? { name: e.source.name, version: e.source.version } : null,
    state: e.state,
    line: e.line,
  };
}

/** The FileRequest `analyze` of the dpkg cataloger: synchronous, never throws. */
export function analyzeDpkgFile(bytes: Buffer, file: { path: string }): AnalysisValue {
  switch (dpkgFileKind(file.path)) {
    case "status": {
      const parsed = parseDpkgStatus(bytes);
      return {
        kind: "status",
        entries: parsed.entries.map(entryValue),
        warnings: parsed.warnings,
        truncated: parsed.truncated,
      };
    }
    case "list":
      return { kind: "files", paths: parseDpkgList(bytes) };
    case "md5sums":
      return { kind: "files", paths: parseMd5sums(bytes) };
    case "copyright":
      return { kind: "licenses", licenses: parseCopyrightLicenses(bytes) };
    default:
      return null;
  }
}

type JsonObject = { [key: string]: AnalysisValue };

function isObject(v: AnalysisValue | undefined): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function stringArray(v: AnalysisValue | undefined): string[] | null {
  if (!Array.isArray(v)) return null;
  const out: string[] = [];
  for (const item of v) {
    if (typeof item !== "string") return null;
    out.push(item);
  }
  return out;
}

function nullableString(v: AnalysisValue | undefined): string | null | undefined {
  return v === null ? null : typeof v === "string" ? v : undefined;
}

function readEntry(v: AnalysisValue): DpkgEntry | null {
  if (!isObject(v)) return null;
  const { package: name, version, line } = v;
  const architecture = nullableString(v.architecture);
  const state = nullableString(v.state);
  if (typeof name !== "string" || typeof version !== "string" || typeof line !== "number") return null;
  if (architecture === undefined || state === undefined) return null;
  let source: DpkgEntry["source"] = null;
  if (v.source !== null) {
    if (!isObject(v.source) || typeof v.source.name !== "string") return null;
    const sourceVersion = nullableString(v.source.version);
    if (sourceVersion === undefined) return null;
    source = { name: v.source.name, version: sourceVersion };
  }
  return { package: name, version, architecture, source, state, line };
}

/** A stored analysis back as a typed value; null when absent or not one of ours. */
export function readDpkgAnalysis(value: AnalysisValue | undefined): DpkgAnalysis | null {
  if (!isObject(value)) return null;
  switch (value.kind) {
    case "status": {
      const warnings = stringArray(value.warnings);
      const truncated = nullableString(value.truncated);
      if (!Array.isArray(value.entries) || !warnings || truncated === undefined) return null;
      const entries: DpkgEntry[] = [];
      for (const item of value.entries) {
        const entry = readEntry(item);
        if (!entry) return null;
        entries.push(entry);
      }
      return { kind: "status", entries, warnings, truncated };
    }
    case "files": {
      const paths = stringArray(value.paths);
      return paths ? { kind: "files", paths } : null;
    }
    case "licenses": {
      const licenses = stringArray(value.licenses);
      return licenses ? { kind: "licenses", licenses } : null;
    }
    default:
      return null;
  }
}
