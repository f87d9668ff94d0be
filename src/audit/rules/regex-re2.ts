/**
 * Falco's `regex`: libsinsp compiles the value with RE2 in POSIX mode (re2::RE2::POSIX) and
 * requires a match of the whole value (ANCHOR_BOTH). RE2's POSIX syntax has no Perl classes
 * (\d \w \s \b …), no lookaround, no backreferences, no (?…) groups; `.` does not match a newline;
 * POSIX classes ([[:alpha:]]) work inside brackets. The pattern is translated to a JavaScript
 * RegExp with the same meaning (POSIX classes spelled out); what RE2 would refuse is refused at
 * load time, so a rule never silently means something else here.
 */
import { POSIX_CLASSES } from "./glob.js";

/** The pattern as JavaScript RegExp source; throws with the reason RE2 (POSIX mode) refuses it. */
export function translateRe2Posix(pattern: string): string {
  let out = "";
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "\\") {
      const n = pattern[i + 1];
      if (n === undefined) throw new Error("trailing backslash");
      if (/[dDwWsSbBpPkAzZ]/.test(n)) throw new Error(`\\${n} is Perl syntax, not POSIX`);
      if (/[1-9]/.test(n)) throw new Error(`backreference \\${n} is not supported`);
      out += c + n;
      i++;
      continue;
    }
    if (inClass) {
      if (c === "[" && pattern[i + 1] === ":") {
        const close = pattern.indexOf(":]", i + 2);
        const cls = close < 0 ? undefined : POSIX_CLASSES[pattern.slice(i + 2, close)];
        if (cls === undefined) throw new Error(`unknown POSIX class ${pattern.slice(i, close + 2)}`);
        out += cls;
        i = close + 1;
        continue;
      }
      if (c === "]") inClass = false;
      out += c;
      continue;
    }
    if (c === "[") {
      inClass = true;
      out += c;
      if (pattern[i + 1] === "^") out += pattern[++i];
      // A "]" first in a class is a member in POSIX; JavaScript needs it escaped.
      if (pattern[i + 1] === "]") {
        out += "\\]";
        i++;
      }
      continue;
    }
    if (c === "(" && pattern[i + 1] === "?") {
      const rest = pattern.slice(i + 2, i + 4);
      if (/^[=!]|^<[=!]/.test(rest)) throw new Error("lookaround is not supported");
      throw new Error("(?…) groups and flags are Perl syntax, not POSIX");
    }
    out += c;
  }
  if (inClass) throw new Error("missing ]");
  return out;
}

/** The anchored RegExp for a Falco regex; throws with the reason Falco would refuse it. */
export function compileFalcoRegex(pattern: string): RegExp {
  let source: string;
  try {
    source = translateRe2Posix(pattern);
  } catch (err) {
    throw new Error(`regular expression not accepted by Falco's RE2 (POSIX mode): ${(err as Error).message}`);
  }
  try {
    // No "s" flag: "." stops at a newline, as in RE2.
    return new RegExp(`^(?:${source})$`);
  } catch (err) {
    throw new Error(`invalid regular expression (${(err as Error).message})`);
  }
}
