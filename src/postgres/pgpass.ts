/**
 * libpq's password file (`~/.pgpass`, or `PGPASSFILE`): lines `host:port:database:user:password`,
 * `*` matches anything, `\` escapes `:` and `\`. Read the way libpq reads it (fe-connect.c
 * passwordFromFile) so a file that works for psql works for us — and ignored, as libpq ignores it,
 * when group or others may read it. pg's own pgpass support is deprecated, so we look it up ourselves.
 */
import { readFile, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";

export interface PgpassQuery {
  /** Host name, or a Unix socket directory (matched as "localhost", as libpq does). */
  host: string;
  port: number;
  database: string;
  user: string;
}

/** A password file bigger than this is not a password file: read nothing rather than a huge file. */
const MAX_PGPASS_BYTES = 1024 * 1024;

/** The rest of `field` after it matched `token` and its `:`, or null. */
function matchField(line: string, at: number, token: string): number | null {
  if (line[at] === "*" && line[at + 1] === ":") return at + 2;
  let i = at;
  let t = 0;
  while (i < line.length) {
    let escaped = false;
    if (line[i] === "\\") {
      i++;
      escaped = true;
      if (i >= line.length) return null;
    }
    if (line[i] === ":" && !escaped && t === token.length) return i + 1;
    if (t === token.length || line[i] !== token[t]) return null;
    i++;
    t++;
  }
  return null;
}

/** The password for `want` in the text of a password file, or undefined when no line matches. */
export function lookupPgpass(text: string, want: PgpassQuery): string | undefined {
  const host = want.host === "" || want.host.startsWith("/") ? "localhost" : want.host;
  const tokens = [host, String(want.port), want.database, want.user];
  for (const raw of text.split("\n")) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line === "" || line.startsWith("#")) continue;
    let at: number | null = 0;
    for (const token of tokens) {
      at = matchField(line, at, token);
      if (at === null) break;
    }
    if (at === null) continue;
    let password = "";
    for (let i = at; i < line.length && line[i] !== ":"; i++) {
      if (line[i] === "\\" && i + 1 < line.length) i++;
      password += line[i];
    }
    return password;
  }
  return undefined;
}

/** Where libpq looks for the password file. */
export function pgpassPath(env: NodeJS.ProcessEnv): string {
  return env.PGPASSFILE || join(env.HOME || homedir(), ".pgpass");
}

/** The password for `want` from the password file, or undefined (no file, unsafe mode, no line). */
export async function readPgpass(path: string, want: PgpassQuery): Promise<string | undefined> {
  try {
    const info = await stat(path);
    // libpq ignores a file others can read (and says so); so do we, silently, rather than use it.
    if (!info.isFile() || (info.mode & 0o077) !== 0 || info.size > MAX_PGPASS_BYTES) return undefined;
    return lookupPgpass(await readFile(path, "utf8"), want);
  } catch {
    return undefined;
  }
}
