/**
 * Licences of a Debian package from its `/usr/share/doc/<pkg>/copyright`: the short names of the
 * machine-readable format's `License:` fields (DEP-5, https://www.debian.org/doc/packaging-manuals/
 * copyright-format/1.0/), plus `/usr/share/common-licenses/<NAME>` references, which older free-form
 * copyright files use. Names are Debian's short names as written (GPL-2+, LGPL-2.1, Expat), not SPDX.
 * Pure, one pass over the lines, bounded output; never throws.
 */

const MAX_LICENSES = 64;
const MAX_NAME = 100;

const OPERATORS = new Set(["or", "and", "and/or"]);
const NAME = /^[A-Za-z0-9_][A-Za-z0-9.+_~/-]*$/;

/**
 * A `License:` value that names licences rather than starting a paragraph of prose: DEP-5 short names
 * contain no blanks and combine only as `A or B`, `A and B`, `A, and B` or `A with X exception`, so
 * names must alternate with operators ("The main library is licensed…" does not).
 */
function looksLikeLicenseName(value: string): boolean {
  if (value === "" || value.length > MAX_NAME || value.includes("\uFFFD")) return false;
  const tokens = value.split(/\s+/);
  let expectName = true;
  for (let i = 0; i < tokens.length; i++) {
    let token = tokens[i]!;
    if (expectName) {
      if (token.endsWith(",")) token = token.slice(0, -1);
      if (!NAME.test(token) || OPERATORS.has(token.toLowerCase())) return false;
      expectName = false;
      continue;
    }
    const lower = token.toLowerCase();
    if (OPERATORS.has(lower)) {
      expectName = true;
    } else if (lower === "with") {
      // "with <Name> exception": the exception's name, then the word itself.
      const name = tokens[i + 1];
      if (!name || !NAME.test(name)) return false;
      i += tokens[i + 2]?.toLowerCase() === "exception" ? 2 : 1;
    } else {
      return false;
    }
  }
  return !expectName;
}

const UTF8 = new TextDecoder("utf-8", { fatal: false });
const COMMON_LICENSES = "/usr/share/common-licenses/";

export function parseCopyrightLicenses(bytes: Uint8Array): string[] {
  const text = UTF8.decode(bytes);
  const seen = new Set<string>();
  const add = (name: string) => {
    if (seen.size < MAX_LICENSES) seen.add(name);
  };
  for (const raw of text.split("\n")) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    // Cheap guards first: an image has hundreds of copyright files, mostly prose.
    const field = (line.charCodeAt(0) | 0x20) === 0x6c ? /^License:[ \t]*(.*)$/i.exec(line) : null;
    if (field) {
      const value = field[1]!.trim();
      if (looksLikeLicenseName(value)) add(value);
      continue;
    }
    if (!line.includes(COMMON_LICENSES)) continue;
    for (const m of line.matchAll(/\/usr\/share\/common-licenses\/([A-Za-z0-9][A-Za-z0-9_.+-]*)/g)) {
      // "…/GPL-2." at the end of a sentence: the dot is punctuation, not part of the name.
      add(m[1]!.replace(/\.+$/, ""));
    }
  }
  return [...seen];
}
