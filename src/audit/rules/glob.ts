/**
 * Falco's `glob` and `iglob`: libsinsp's sinsp_utils::glob_match is fnmatch(pattern, value, flags)
 * with flags 0 (glob) or FNM_CASEFOLD (iglob). So, as glibc's fnmatch without FNM_PATHNAME or
 * FNM_PERIOD: `*` and `?` cross "/", a backslash quotes the next character, `[...]` is a set with
 * `!` or `^` negating it, ranges and the POSIX classes ([:alpha:] …), a `]` right after the opening
 * (or the negation) is a member. A `[` without its `]` is an ordinary character. Case folding is
 * ASCII only, as tolower() in the C locale Falco runs in, and applies to literal characters and
 * ranges, not to [:classes:]. Checked against glibc's fnmatch in the tests.
 */

export const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alnum: "0-9A-Za-z",
  alpha: "A-Za-z",
  blank: " \\t",
  cntrl: "\\x00-\\x1f\\x7f",
  digit: "0-9",
  graph: "\\x21-\\x7e",
  lower: "a-z",
  print: "\\x20-\\x7e",
  punct: "!-\\/:-@\\[-`{-~",
  space: " \\t\\n\\v\\f\\r",
  upper: "A-Z",
  xdigit: "0-9A-Fa-f",
};

const escapeRe = (c: string) => c.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");

/** The bracket expression starting at `open` ("["): its RegExp class and where it ends, or undefined. */
function bracket(glob: string, open: number, caseFold: boolean): { re: string; end: number } | undefined {
  let i = open + 1;
  let negate = false;
  if (glob[i] === "!" || glob[i] === "^") {
    negate = true;
    i++;
  }
  let body = "";
  let first = true;
  for (; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "]" && !first) return { re: `[${negate ? "^" : ""}${body}]`, end: i };
    first = false;
    if (c === "[" && glob[i + 1] === ":") {
      const close = glob.indexOf(":]", i + 2);
      // A class tests the value's own character, folded or not (glibc: [[:upper:]] with FNM_CASEFOLD
      // matches "A", not "a").
      const cls = close < 0 ? undefined : POSIX_CLASSES[glob.slice(i + 2, close)];
      if (cls !== undefined) {
        body += cls;
        i = close + 1;
        continue;
      }
    }
    if (c === "\\" && i + 1 < glob.length) {
      body += member(glob[++i]!, caseFold);
      continue;
    }
    if (glob[i + 1] === "-" && glob[i + 2] !== undefined && glob[i + 2] !== "]") {
      const hi = glob[i + 2] === "\\" && i + 3 < glob.length ? glob[i + 3]! : glob[i + 2]!;
      // An inverted range (z-a) has no members.
      if (hi >= c) body += range(c, hi, caseFold);
      i += glob[i + 2] === "\\" ? 3 : 2;
      continue;
    }
    body += member(c, caseFold);
  }
  return undefined;
}

const isAsciiLetter = (c: string) => /^[A-Za-z]$/.test(c);
const swapCase = (c: string) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase());

/** A set member; with case folding an ASCII letter stands for both its cases. */
function member(c: string, caseFold: boolean): string {
  return caseFold && isAsciiLetter(c) ? `${c}${swapCase(c)}` : escapeRe(c);
}

/** A range; with case folding the letters in it stand for both cases. */
function range(lo: string, hi: string, caseFold: boolean): string {
  let out = `${escapeRe(lo)}-${escapeRe(hi)}`;
  if (!caseFold) return out;
  const from = Math.max(lo.charCodeAt(0), 0x41);
  const to = Math.min(hi.charCodeAt(0), 0x7a);
  for (let code = from; code <= to; code++) {
    const ch = String.fromCharCode(code);
    if (isAsciiLetter(ch)) out += swapCase(ch);
  }
  return out;
}

/** An ASCII-only lower-casing (what case-insensitive string tests do in the C locale). */
export function asciiLower(s: string): string {
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s;
}

/** A literal character; with case folding an ASCII letter matches both its cases. */
function literal(c: string, caseFold: boolean): string {
  return caseFold && isAsciiLetter(c) ? `[${c}${swapCase(c)}]` : escapeRe(c);
}

/** An fnmatch-style glob as an anchored RegExp; caseFold as FNM_CASEFOLD in the C locale. */
export function globToRegExp(glob: string, caseFold = false): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*") re += "[\\s\\S]*";
    else if (c === "?") re += "[\\s\\S]";
    else if (c === "\\") re += i + 1 < glob.length ? literal(glob[++i]!, caseFold) : "\\\\";
    else if (c === "[") {
      const b = bracket(glob, i, caseFold);
      if (b === undefined) re += "\\[";
      else {
        re += b.re;
        i = b.end;
      }
    } else re += literal(c, caseFold);
  }
  return new RegExp(`^${re}$`);
}

/** A predicate for `glob` (caseFold false) or `iglob` (true). */
export function globMatcher(pattern: string, caseFold: boolean): (s: string) => boolean {
  if (!caseFold) {
    const re = globToRegExp(pattern);
    return (s) => re.test(s);
  }
  const re = globToRegExp(pattern, true);
  return (s) => re.test(s);
}
