/**
 * apk's database of installed packages (`lib/apk/db/installed`), from bytes: one stanza per package,
 * separated by blank lines, each line `K:value` with a one-letter key (apk-tools' "installed database"
 * format; https://wiki.alpinelinux.org/wiki/Apk_spec). Pure, linear, never throws.
 *
 * Kept: P name, V version, A arch, o origin (the source package, aports directory), L licence, and the
 * files: each `F:` line names a directory (relative to /), each `R:` line a file in the last `F:`
 * directory. A stanza without P or V is dropped with a warning (Trivy drops it too; apk itself never
 * writes one). A last line without a newline is dropped (it may be cut short). NUL bytes, or a last
 * stanza cut before its A:/o: lines in a file not ending with apk's blank line, flag the file as
 * truncated; a last stanza whose identity is whole (only its file list may be short) is a warning.
 */

export interface ApkEntry {
  name: string;
  version: string;
  arch: string | null;
  /** `o:` — the origin (source) package; null when absent. */
  origin: string | null;
  /** `L:` as written; see `apkLicenses`. */
  license: string | null;
  /** Absolute paths of the package's files (`F:` + `R:`). */
  files: string[];
  /** 1-based line of the stanza's first line. */
  line: number;
}

export interface ApkParse {
  entries: ApkEntry[];
  warnings: string[];
  truncated: string | null;
}

const MAX_WARNINGS = 20;

interface Draft {
  fields: Map<string, string>;
  files: string[];
  dir: string;
  line: number;
}

export function parseApkInstalled(bytes: Uint8Array): ApkParse {
  let end = bytes.length;
  let truncated: string | null = null;
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    end = nul;
    truncated = `NUL byte at offset ${nul}`;
  }
  // A last line without a newline may be cut short ("V:1.2-"): dropped, better missing than wrong.
  const endsMidLine = end > 0 && bytes[end - 1] !== 0x0a;
  if (endsMidLine) end = bytes.lastIndexOf(0x0a, end - 1) + 1;
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes.subarray(0, end));
  // apk-tools ends every stanza with a blank line; anything else at the end may be a cut copy.
  const endsCleanly = !endsMidLine && (text.trim() === "" || /\n[ \t\r]*\n$/.test(text));

  const warnings: string[] = [];
  let warningCount = 0;
  const warn = (message: string) => {
    warningCount++;
    if (warnings.length < MAX_WARNINGS) warnings.push(message);
  };
  const entries: ApkEntry[] = [];
  let draft: Draft | null = null;

  const finish = (atEnd: boolean) => {
    if (!draft) return;
    const name = draft.fields.get("P");
    const version = draft.fields.get("V");
    // The last stanza of a file that does not end with apk's blank line may be cut short. apk writes
    // P, V, A, (L,) o before the file list, so with all of them its identity and origin are whole.
    const cut = atEnd && !endsCleanly;
    if (cut && name && version && (!draft.fields.has("A") || !draft.fields.has("o"))) {
      truncated ??= `the file ends in the middle of its last stanza (${name})`;
      warn(`stanza at line ${draft.line} (${name}) is cut short before its A: or o: line: skipped`);
    } else if (!name || !version) {
      const what = !name && !version ? "P: (name) and V: (version)" : !name ? "P: (name)" : "V: (version)";
      if (cut) truncated ??= `the file ends in the middle of its last stanza${name ? ` (${name})` : ""}`;
      warn(`stanza at line ${draft.line}${name ? ` (${name})` : ""} has no ${what}: skipped`);
    } else if (/[\s\uFFFD]/.test(name) || /[\s\uFFFD]/.test(version)) {
      warn(
        `stanza at line ${draft.line}: invalid name or version ${JSON.stringify(`${name} ${version}`.slice(0, 80))}: skipped`,
      );
    } else {
      entries.push({
        name,
        version,
        arch: draft.fields.get("A") || null,
        origin: draft.fields.get("o") || null,
        license: draft.fields.get("L") || null,
        files: draft.files,
        line: draft.line,
      });
    }
    draft = null;
  };

  const lines = text.split("\n");
  // The newline that ends the last line does not start a blank one.
  if (lines[lines.length - 1] === "") lines.pop();
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (line.trim() === "") {
      finish(false);
      continue;
    }
    if (line.length < 2 || line[1] !== ":") {
      warn(`line ${i + 1}: not a "K:value" line`);
      continue;
    }
    const key = line[0]!;
    const value = line.slice(2);
    draft ??= { fields: new Map(), files: [], dir: "", line: i + 1 };
    if (key === "F") {
      draft.dir = value.replace(/^\/+|\/+$/g, "");
    } else if (key === "R") {
      if (value !== "" && !value.includes("/"))
        draft.files.push(draft.dir ? `/${draft.dir}/${value}` : `/${value}`);
      else warn(`line ${i + 1}: invalid file name ${JSON.stringify(value.slice(0, 80))}`);
    } else if (!draft.fields.has(key)) {
      // Multi-valued keys (a:, M:, Z: per file) are not needed; the first P/V/A/o/L is apk's own.
      draft.fields.set(key, value.trim());
    }
  }
  const lastCount = entries.length;
  finish(true);
  if (!endsCleanly && !truncated && entries.length > lastCount) {
    warn(
      `the file does not end with apk's blank line${endsMidLine ? " (its last line, which may be cut short, was ignored)" : ""}: the last package's file list may be incomplete`,
    );
  }
  if (text.includes("\uFFFD")) warn("the file has bytes that are not valid UTF-8");
  if (warningCount > warnings.length) warnings.push(`… and ${warningCount - warnings.length} more`);
  return { entries, warnings, truncated };
}

/**
 * Licence names from `L:`: an SPDX expression (with AND/OR/WITH or parentheses) is kept whole; the
 * older space-separated lists ("MIT BSD GPL2+") are split. Names are as written, not normalised.
 */
export function apkLicenses(license: string | null): string[] {
  const value = license?.trim();
  if (!value) return [];
  if (/\s(AND|OR|WITH)\s|[()]/.test(value)) return [value];
  return value.split(/\s+/);
}
