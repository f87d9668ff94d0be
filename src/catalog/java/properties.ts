/**
 * Java `.properties` text (what Maven writes to `META-INF/maven/<g>/<a>/pom.properties`), read as
 * java.util.Properties does: `#`/`!` comments, `key=value`, `key: value` or `key value`, backslash
 * line continuations and escapes (`\t`, `\n`, `\uXXXX`, `\=`).
 */

function unescapeJava(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch !== "\\" || i + 1 >= text.length) {
      out += ch;
      continue;
    }
    const next = text[++i]!;
    if (next === "t") out += "\t";
    else if (next === "n") out += "\n";
    else if (next === "r") out += "\r";
    else if (next === "f") out += "\f";
    else if (next === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) {
      out += String.fromCharCode(Number.parseInt(text.slice(i + 1, i + 5), 16));
      i += 4;
    } else out += next;
  }
  return out;
}

/** Logical lines: a line ending in an odd number of backslashes continues on the next one. */
function logicalLines(text: string): string[] {
  const out: string[] = [];
  let pending: string | null = null;
  for (const raw of text.split(/\r\n|\r|\n/)) {
    const line: string = pending === null ? raw : pending + raw.replace(/^[ \t\f]+/, "");
    const trailing = /\\+$/.exec(line)?.[0].length ?? 0;
    if (trailing % 2 === 1) {
      pending = line.slice(0, -1);
      continue;
    }
    pending = null;
    out.push(line);
  }
  if (pending !== null) out.push(pending);
  return out;
}

export function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of logicalLines(text)) {
    const body = line.replace(/^[ \t\f]+/, "");
    if (body === "" || body.startsWith("#") || body.startsWith("!")) continue;
    let i = 0;
    while (i < body.length) {
      const ch = body[i]!;
      if (ch === "\\") {
        i += 2;
        continue;
      }
      if (ch === "=" || ch === ":" || ch === " " || ch === "\t" || ch === "\f") break;
      i++;
    }
    const key = unescapeJava(body.slice(0, Math.min(i, body.length)));
    let rest = body.slice(Math.min(i, body.length)).replace(/^[ \t\f]+/, "");
    if (rest.startsWith("=") || rest.startsWith(":")) rest = rest.slice(1).replace(/^[ \t\f]+/, "");
    out.set(key, unescapeJava(rest));
  }
  return out;
}
