/**
 * What the language catalogers (npm, Python, gems, Composer, .NET) share: each parses its metadata
 * files while the layer streams (a FileRequest `analyze`, so thousands of package.json files cost
 * only their small results, which the layer cache keeps), then turns the records it kept into
 * packages. A file that cannot be read is a warning naming it; a file that lists many packages
 * (installed.json, *.deps.json) is also reported incomplete, since its packages are then missing.
 */
import { PackageURL } from "packageurl-js";
import { describeError, ShipshapeError } from "../errors.js";
import type { AnalysisValue } from "../image/file-request.js";
import { formatBytes } from "../image/limits.js";
import type { CatalogContext } from "./cataloger.js";
import type { Package, PackageType } from "./package.js";

/** One analyzed file as kept: its records, or why it could not be read. */
export type JsonRecord = { [key: string]: AnalysisValue };

/** Wrap a parser as a FileRequest `analyze`: never throws; `{records}` or `{error}`. */
export function analyzeWith(
  parse: (bytes: Buffer, path: string) => JsonRecord[],
): (bytes: Buffer, file: { path: string }) => AnalysisValue {
  return (bytes, file): AnalysisValue => {
    try {
      const records: AnalysisValue[] = parse(bytes, file.path);
      return { records };
    } catch (err) {
      return { error: describeError(err) };
    }
  };
}

export interface AnalyzedFile {
  path: string;
  records: JsonRecord[];
}

/**
 * The analyzed files of cataloger `id`, in name order. Files too large to read, and files whose
 * parser failed, become warnings (and, with `database`, incomplete sources).
 */
export function analyzedFiles(
  ctx: CatalogContext,
  id: string,
  maxFileBytes: number,
  options: {
    database?: boolean;
    /** Records to report for a file that could not be read (e.g. from its name), or null. */
    fallback?: (path: string) => JsonRecord[] | null;
  } = {},
): AnalyzedFile[] {
  const out: AnalyzedFile[] = [];
  const fail = (path: string, reason: string) => {
    const records = options.fallback?.(path);
    if (records) {
      ctx.warn(`${path}: ${reason}; reported from its file name`);
      out.push({ path, records });
      return;
    }
    ctx.warn(`${path}: ${reason}`);
    if (options.database) ctx.incomplete(path, reason);
  };
  for (const path of ctx.files) {
    const value = ctx.fs.analysis(id, path);
    if (value === undefined || value === null) {
      const size = ctx.fs.lstat(path)?.size;
      fail(
        path,
        size !== undefined && size > maxFileBytes
          ? `${formatBytes(size)} is larger than the ${formatBytes(maxFileBytes)} read for this kind of file; not read`
          : "could not be analyzed; not read",
      );
      continue;
    }
    const error = field(value, "error");
    if (typeof error === "string") {
      fail(path, error);
      continue;
    }
    const records = field(value, "records");
    if (!Array.isArray(records)) {
      fail(path, "unexpected analysis result; not read");
      continue;
    }
    out.push({ path, records: records.filter(isRecord) });
  }
  return out;
}

export function isRecord(v: AnalysisValue | undefined): v is JsonRecord {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function field(v: AnalysisValue | undefined, key: string): AnalysisValue | undefined {
  return isRecord(v) ? v[key] : undefined;
}

export function stringField(v: AnalysisValue | undefined, key: string): string | undefined {
  const f = field(v, key);
  return typeof f === "string" ? f : undefined;
}

export function stringsField(v: AnalysisValue | undefined, key: string): string[] {
  const f = field(v, key);
  return Array.isArray(f) ? f.filter((x): x is string => typeof x === "string") : [];
}

/** A purl, or null (with a warning) when packageurl-js rejects the parts. */
export function purlOf(
  ctx: CatalogContext,
  path: string,
  parts: {
    type: string;
    namespace?: string | undefined;
    name: string;
    version: string;
    qualifiers?: Record<string, string>;
  },
): string | null {
  try {
    return new PackageURL(
      parts.type,
      parts.namespace ?? null,
      parts.name,
      parts.version,
      parts.qualifiers ?? null,
      null,
    ).toString();
  } catch (err) {
    ctx.warn(`${path}: no package URL for ${parts.name} ${parts.version}: ${describeError(err)}`);
    return null;
  }
}

/** A language package found at `path` (its proving file), with the layer that wrote that file. */
export function languagePackage(
  ctx: CatalogContext,
  path: string,
  p: {
    type: PackageType;
    name: string;
    version: string;
    purl: string;
    licenses: string[];
    foundBy: string;
    metadata?: Package["metadata"];
  },
): Package {
  const layer = ctx.layerOf(path);
  const pkg: Package = {
    type: p.type,
    name: p.name,
    version: p.version,
    purl: p.purl,
    locations: [layer === undefined ? { path } : { path, layer }],
    foundBy: p.foundBy,
  };
  if (p.licenses.length > 0) pkg.licenses = p.licenses;
  if (p.metadata && Object.keys(p.metadata).length > 0) pkg.metadata = p.metadata;
  return pkg;
}

/**
 * Licence strings as the metadata states them: trimmed, one line, de-duplicated, bounded (a
 * licence field holding a whole licence text is not a licence name).
 */
export function cleanLicenses(values: readonly unknown[], maxLength = 200): string[] {
  const out: string[] = [];
  for (const v of values) {
    if (typeof v !== "string") continue;
    const s = v.trim();
    if (s === "" || s.length > maxLength || /[\r\n]/.test(s) || out.includes(s)) continue;
    out.push(s);
    if (out.length >= 32) break;
  }
  return out;
}

const utf8 = new TextDecoder("utf-8");

/** Text of a metadata file: UTF-8 (a BOM dropped, bad bytes replaced). */
export function textOf(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}

/** JSON of a metadata file as `unknown`, or a one-line ShipshapeError saying why it is not JSON. */
export function parseJsonBytes(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(textOf(bytes)) as unknown;
  } catch (err) {
    throw new ShipshapeError("input", `${what} is not valid JSON (${describeError(err)})`);
  }
}

/** A plain JSON object (not an array, not null). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Whether `s` has whitespace or a control character: names and versions never do. */
export function hasSpaceOrControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return true;
  }
  return /\s/.test(s);
}
