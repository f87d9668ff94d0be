/**
 * The module-info text of a Go binary, as runtime/debug.ParseBuildInfo reads it (and `go version -m`
 * prints it): one tab-separated line each of
 *   path  <main package path>
 *   mod   <main module> <version> [<sum>]
 *   dep   <module> <version> [<sum>]
 *   =>    <replacement path> <version> [<sum>]      (replaces the module on the line before)
 *   build <key>=<value>                             (Go ≥ 1.18; key and value may be Go-quoted)
 * Lenient where Go is strict: a malformed line is skipped, not fatal. Bounded: at most
 * MAX_DEPS deps and MAX_SETTINGS settings are kept, long fields are cut.
 */

export interface GoModule {
  path: string;
  version: string;
  sum: string;
  replace: { path: string; version: string; sum: string } | null;
}

export interface GoModInfo {
  /** The main package path (`path` line); "" when absent. */
  path: string;
  main: GoModule | null;
  deps: GoModule[];
  settings: [string, string][];
}

export const MAX_DEPS = 10_000;
export const MAX_SETTINGS = 500;
const MAX_FIELD = 4096;

function cut(text: string): string {
  return text.length > MAX_FIELD ? text.slice(0, MAX_FIELD) : text;
}

/** Go's strconv.Unquote for the forms build settings use: "…" with escapes, or `…`. */
function unquote(text: string): string {
  if (text.length >= 2 && text.startsWith("`") && text.endsWith("`")) return text.slice(1, -1);
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) {
    try {
      const value: unknown = JSON.parse(text.replace(/\\x([0-9a-fA-F]{2})/g, "\\u00$1"));
      if (typeof value === "string") return value;
    } catch {
      // Go escapes JSON lacks (\a, \v, octal): keep the text between the quotes.
    }
    return text.slice(1, -1);
  }
  return text;
}

/** A Go-quoted prefix (`"a\"b"` or `` `x` ``) of `text`, or null. */
function quotedPrefix(text: string): string | null {
  const q = text[0];
  if (q === "`") {
    const end = text.indexOf("`", 1);
    return end < 0 ? null : text.slice(0, end + 1);
  }
  for (let i = 1; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === '"') return text.slice(0, i + 1);
  }
  return null;
}

function moduleLine(fields: string[]): GoModule | null {
  if (fields.length !== 2 && fields.length !== 3) return null;
  return { path: cut(fields[0]!), version: cut(fields[1]!), sum: cut(fields[2] ?? ""), replace: null };
}

function setting(kv: string): [string, string] | null {
  if (kv === "" || kv.startsWith("=")) return null;
  let key: string;
  let raw: string;
  if (kv.startsWith('"') || kv.startsWith("`")) {
    const quoted = quotedPrefix(kv);
    if (!quoted || kv[quoted.length] !== "=") return null;
    key = unquote(quoted);
    raw = kv.slice(quoted.length + 1);
  } else {
    const eq = kv.indexOf("=");
    if (eq < 0) return null;
    key = kv.slice(0, eq);
    raw = kv.slice(eq + 1);
  }
  return [cut(key), cut(raw.startsWith('"') || raw.startsWith("`") ? unquote(raw) : raw)];
}

export function parseModInfo(text: string): GoModInfo {
  const info: GoModInfo = { path: "", main: null, deps: [], settings: [] };
  let last: GoModule | null = null;
  let start = 0;
  // Only newline-terminated lines count, as in Go.
  for (let end = text.indexOf("\n"); end >= 0; start = end + 1, end = text.indexOf("\n", start)) {
    const line = text.slice(start, end);
    const tab = line.indexOf("\t");
    if (tab < 0) continue;
    const word = line.slice(0, tab);
    const rest = line.slice(tab + 1);
    if (word === "path") {
      info.path = cut(rest);
    } else if (word === "mod") {
      info.main = moduleLine(rest.split("\t"));
      last = info.main;
    } else if (word === "dep") {
      const dep = moduleLine(rest.split("\t"));
      last = null;
      if (dep && dep.path !== "" && info.deps.length < MAX_DEPS) {
        info.deps.push(dep);
        last = dep;
      }
    } else if (word === "=>") {
      const fields = rest.split("\t");
      if (last && (fields.length === 2 || fields.length === 3)) {
        last.replace = { path: cut(fields[0]!), version: cut(fields[1]!), sum: cut(fields[2] ?? "") };
      }
      last = null;
    } else if (word === "build") {
      const kv = setting(rest);
      if (kv && info.settings.length < MAX_SETTINGS) info.settings.push(kv);
    }
  }
  return info;
}
