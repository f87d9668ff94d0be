/**
 * The ignore file: vulnerabilities a team has decided to accept, each with a reason and, usually, an
 * expiry date. Two formats:
 *
 * `.shipshapeignore.yaml` (ours; chosen for `.yaml`/`.yml` names or a `vulnerabilities:` key):
 *
 *     vulnerabilities:
 *       - id: CVE-2019-14697          # CVE, GHSA or any alias of the finding (case-insensitive)
 *         package: musl               # optional: a package name, or a purl (pkg:apk/alpine/musl)
 *         reason: not reachable: we never call the affected function   # required
 *         expires: 2026-12-31         # optional: from this date (00:00 UTC) the entry stops suppressing
 *
 * Trivy's `.trivyignore` (any other name): one id per line, optional `exp:YYYY-MM-DD`, `#` comments.
 * The comment block right above an entry (or an inline `# …` after it) is its reason.
 *
 * Expired entries stop suppressing and are reported (the scan lists them), so an accepted risk
 * comes back for review instead of being hidden forever. Unknown keys are errors (a misspelt
 * `expiry:` must not silently make an entry permanent). `parseIgnoreFile` (ignore-file-parse.ts) is pure over the text.
 */
import { readFile, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { describeError, ShipshapeError } from "../errors.js";
import type { Finding } from "../match/finding.js";
import { purlMatches } from "../vex/purl-match.js";
import type { SuppressedFinding } from "./suppression.js";

export const DEFAULT_IGNORE_FILE = ".shipshapeignore.yaml";
/** Ignore files are hand-written lists; anything bigger is not one. */
export const MAX_IGNORE_FILE_BYTES = 4 * 1024 * 1024;

export interface IgnoreEntry {
  id: string;
  /** A package name, or a purl (`pkg:…`) matched with purlMatches. */
  package?: string;
  reason: string;
  /** `YYYY-MM-DD` or an RFC 3339 date-time, as written. */
  expires?: string;
  /** 1-based line of the entry in its file. */
  line: number;
}

export interface IgnoreFile {
  path: string;
  format: "shipshape-yaml" | "trivyignore";
  entries: IgnoreEntry[];
}

export interface IgnoreOutcome {
  kept: Finding[];
  suppressed: SuppressedFinding[];
  /** Entries past their expiry date: they suppressed nothing. */
  expired: IgnoreEntry[];
}

export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/+-]{0,199}$/;
const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME_PATTERN = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})$/;

/** The moment an entry stops suppressing, or null when the text is not a real date. */
export function expiryInstant(expires: string): Date | null {
  let d: Date;
  if (DATE_PATTERN.test(expires)) {
    d = new Date(`${expires}T00:00:00Z`);
    // 2026-02-30 parses to March: refuse dates that do not round-trip.
    if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== expires) return null;
    return d;
  }
  if (DATE_TIME_PATTERN.test(expires)) {
    d = new Date(expires.replace(" ", "T"));
    return Number.isNaN(d.getTime()) ? null : d;
  }
  return null;
}

export function isExpired(entry: IgnoreEntry, now: Date): boolean {
  if (entry.expires === undefined) return false;
  const at = expiryInstant(entry.expires);
  return at === null || now.getTime() >= at.getTime();
}

/** Which format a file is in: by name, else by content. */
export function ignoreFormatOf(path: string, text: string): IgnoreFile["format"] {
  if (/\.ya?ml$/i.test(path)) return "shipshape-yaml";
  if (/^vulnerabilities\s*:/m.test(text)) return "shipshape-yaml";
  return "trivyignore";
}

/** Trivy's plain format: `ID [exp:YYYY-MM-DD] [# reason]`, comments and blank lines. */
export function parseTrivyIgnore(text: string, path: string): IgnoreEntry[] {
  const entries: IgnoreEntry[] = [];
  let comment: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? "").trim();
    if (line === "") {
      comment = [];
      continue;
    }
    if (line.startsWith("#")) {
      comment.push(line.replace(/^#+\s*/, ""));
      continue;
    }
    const hash = line.indexOf("#");
    const body = hash >= 0 ? line.slice(0, hash) : line;
    const inline = hash >= 0 ? line.slice(hash).replace(/^#+\s*/, "") : "";
    const [id, ...rest] = body.trim().split(/\s+/);
    if (!id || !ID_PATTERN.test(id)) {
      throw new ShipshapeError(
        "input",
        `ignore file ${path}:${i + 1}: "${id ?? ""}" is not a vulnerability id`,
      );
    }
    const entry: IgnoreEntry = {
      id,
      reason: inline || comment.filter((c) => c !== "").join(" ") || `listed in ${basename(path)}`,
      line: i + 1,
    };
    for (const token of rest) {
      if (token.startsWith("exp:")) {
        const date = token.slice(4);
        if (expiryInstant(date) === null) {
          throw new ShipshapeError(
            "input",
            `ignore file ${path}:${i + 1}: "${token}" is not a valid expiry date (exp:YYYY-MM-DD)`,
          );
        }
        entry.expires = date;
      }
      // Trivy ignores other tokens; so do we.
    }
    entries.push(entry);
    comment = [];
  }
  return entries;
}

/** `.shipshapeignore.yaml` in a directory when it is a file there, else null (what `scan` reads by default). */
export async function findDefaultIgnoreFile(dir: string): Promise<string | null> {
  const path = join(dir, DEFAULT_IGNORE_FILE);
  try {
    return (await stat(path)).isFile() ? path : null;
  } catch {
    return null;
  }
}

export async function readIgnoreFile(path: string): Promise<IgnoreFile> {
  let text: string;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new ShipshapeError("input", `ignore file ${path} is not a regular file`);
    if (info.size > MAX_IGNORE_FILE_BYTES) {
      throw new ShipshapeError(
        "limit",
        `ignore file ${path} is ${info.size} bytes, more than the ${MAX_IGNORE_FILE_BYTES} an ignore file may have`,
      );
    }
    text = await readFile(path, "utf8");
  } catch (err) {
    if (err instanceof ShipshapeError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new ShipshapeError(
      code === "ENOENT" ? "not-found" : "input",
      `ignore file ${path} cannot be read (${describeError(err)})`,
    );
  }
  // The parser (with the YAML library, a quarter of a megabyte) loads only when a scan has an
  // ignore file: most have none.
  return (await import("./ignore-file-parse.js")).parseIgnoreFile(text, path);
}

function ids(f: Finding): string[] {
  return [f.id, ...f.aliases].map((x) => x.toUpperCase());
}

export function entryMatches(entry: IgnoreEntry, f: Finding): boolean {
  if (!ids(f).includes(entry.id.toUpperCase())) return false;
  if (entry.package === undefined) return true;
  if (entry.package.startsWith("pkg:")) return purlMatches(entry.package, f.purl);
  return entry.package === f.pkgName;
}

/** Take the findings an unexpired entry names out; list the expired entries. */
export function applyIgnoreFile(findings: readonly Finding[], file: IgnoreFile, now: Date): IgnoreOutcome {
  const active = file.entries.filter((e) => !isExpired(e, now));
  const expired = file.entries.filter((e) => isExpired(e, now));
  const kept: Finding[] = [];
  const suppressed: SuppressedFinding[] = [];
  for (const f of findings) {
    const entry = active.find((e) => entryMatches(e, f));
    if (!entry) {
      kept.push(f);
      continue;
    }
    suppressed.push({
      finding: f,
      suppression: {
        kind: "ignore-file",
        file: file.path,
        at: `line ${entry.line}`,
        status: "ignored",
        justification: null,
        reason: entry.reason,
        ...(entry.expires !== undefined ? { expires: entry.expires } : {}),
      },
    });
  }
  return { kept, suppressed, expired };
}
