/**
 * dpkg's package records (var/lib/dpkg/status, distroless var/lib/dpkg/status.d/*) from bytes: the
 * fields a scanner needs, which packages count as installed, and their source package as dpkg-query
 * reports it (`${source:Package}`, `${source:Version}`).
 */
import { parseStanzas } from "./stanzas.js";

export interface DpkgEntry {
  package: string;
  /** Full Debian version, `[epoch:]upstream[-revision]`, as dpkg prints it (see `canonicalDebVersion`). */
  version: string;
  architecture: string | null;
  /** The `Source:` field split: `name` or `name (version)`; null when the field is absent. */
  source: { name: string; version: string | null } | null;
  /** The third word of `Status:` (installed, config-files, unpacked…); null when there is no Status (distroless). */
  state: string | null;
  /** 1-based line of the stanza in its file. */
  line: number;
}

export interface DpkgStatusParse {
  entries: DpkgEntry[];
  /** Stanzas skipped or odd lines, one message each (capped). */
  warnings: string[];
  /** Why the file is evidently cut short (NUL bytes; a last stanza that lost a required field), or null. */
  truncated: string | null;
}

const MAX_WARNINGS = 20;

/** Package names as dpkg accepts them (it also refuses upper case; we only report it). */
const PACKAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9+.-]*$/;
/** A version token: no whitespace, no control characters, no replacement characters. */
const VERSION_TEXT = /^[A-Za-z0-9.+~:_-]+$/;

/**
 * States whose files are (at least partly) on disk. Only `not-installed` and `config-files` (only
 * conffiles remain after a remove) are dropped: a package in `unpacked` or `half-configured` state
 * has its files in the image, and a scanner must not hide them. dpkg-query's `ii` filter, which the
 * fixtures' expected lists use, is a subset of this.
 */
const GONE_STATES = new Set(["not-installed", "config-files"]);

export function isInstalled(entry: Pick<DpkgEntry, "state">): boolean {
  return entry.state === null || !GONE_STATES.has(entry.state);
}

/**
 * A version as dpkg prints it: dpkg parses `epoch:upstream-revision` and writes the epoch back only
 * when it is not zero ("0:1.2-1" → "1.2-1", "01:2" → "1:2"). Status files dpkg wrote are already in
 * this form; distroless copies of DEBIAN/control may not be.
 */
export function canonicalDebVersion(version: string): string {
  const m = /^(\d+):(.+)$/.exec(version);
  if (!m) return version;
  const epoch = Number.parseInt(m[1]!, 10);
  return epoch === 0 ? m[2]! : `${epoch}:${m[2]}`;
}

/** `name` or `name (version)`. */
export function parseSourceField(value: string): { name: string; version: string | null } | null {
  const m = /^(\S+)(?:\s+\(\s*([^()\s]+)\s*\))?\s*$/.exec(value.trim());
  if (!m) return null;
  return { name: m[1]!, version: m[2] ? canonicalDebVersion(m[2]) : null };
}

/** The source package as dpkg-query prints it: the Source field's, else the binary's name and version. */
export function sourceOf(entry: DpkgEntry): { name: string; version: string } {
  return {
    name: entry.source?.name ?? entry.package,
    version: entry.source?.version ?? entry.version,
  };
}

export function parseDpkgStatus(bytes: Uint8Array): DpkgStatusParse {
  const parsed = parseStanzas(bytes);
  const warnings: string[] = [];
  let warningCount = 0;
  const warn = (message: string) => {
    warningCount++;
    if (warnings.length < MAX_WARNINGS) warnings.push(message);
  };
  for (const p of parsed.problems) warn(p);
  warningCount += parsed.problemCount - parsed.problems.length;
  const entries: DpkgEntry[] = [];
  let truncated = parsed.truncated;
  const last = parsed.stanzas[parsed.stanzas.length - 1];
  for (const stanza of parsed.stanzas) {
    const f = stanza.fields;
    const name = f.get("package");
    const version = f.get("version");
    if (!name || !version) {
      const what = !name && !version ? "Package and Version" : !name ? "Package" : "Version";
      if (stanza === last && parsed.ending !== "blank-line") {
        // A cut copy: the last stanza lost a required field to the cut (dpkg ends its files with a
        // blank line; a control file in status.d ends with a newline but is never without Version).
        truncated ??= `the file ends in the middle of its last stanza${name ? ` (${name})` : ""}`;
      }
      warn(`stanza at line ${stanza.line}${name ? ` (${name})` : ""} has no ${what}: skipped`);
      continue;
    }
    if (!PACKAGE_NAME.test(name)) {
      warn(
        `stanza at line ${stanza.line}: invalid package name ${JSON.stringify(name.slice(0, 80))}: skipped`,
      );
      continue;
    }
    if (!VERSION_TEXT.test(version)) {
      warn(`${name} (line ${stanza.line}): invalid version ${JSON.stringify(version.slice(0, 80))}: skipped`);
      continue;
    }
    let state: string | null = null;
    const status = f.get("status");
    if (status !== undefined) {
      const words = status.split(/\s+/).filter(Boolean);
      if (words.length === 3) state = words[2]!;
      else
        warn(`${name} (line ${stanza.line}): malformed Status ${JSON.stringify(status.slice(0, 80))}: kept`);
    }
    let source: DpkgEntry["source"] = null;
    const sourceField = f.get("source");
    if (sourceField !== undefined) {
      source = parseSourceField(sourceField);
      if (!source)
        warn(`${name} (line ${stanza.line}): malformed Source ${JSON.stringify(sourceField.slice(0, 80))}`);
    }
    const arch = f.get("architecture");
    if (!arch && stanza === last && parsed.ending !== "blank-line") {
      // Control files put Architecture after Version: a cut copy may keep Version and lose it.
      truncated ??= `the file ends in the middle of its last stanza (${name}), before its Architecture`;
    }
    entries.push({
      package: name,
      version: canonicalDebVersion(version),
      architecture: arch && !/\s/.test(arch) ? arch : null,
      source,
      state,
      line: stanza.line,
    });
  }
  if (parsed.ending === "mid-line" && !truncated) {
    warn("the file does not end with a newline: its last line, which may be cut short, was ignored");
  }
  if (parsed.invalidUtf8) warn("the file has bytes that are not valid UTF-8");
  if (warningCount > warnings.length) warnings.push(`… and ${warningCount - warnings.length} more`);
  return { entries, warnings, truncated };
}
