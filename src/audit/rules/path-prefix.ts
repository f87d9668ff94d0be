/**
 * Falco's `pmatch`: libsinsp's path_prefix_search. Both the value and each listed path are split
 * into components at "/", empty components dropped (so "/etc", "etc/" and "//etc" are the same
 * path); a value matches when some listed path's components are a prefix of its own ("/var" matches
 * "/var" and "/var/lib", not "/varx"; "/" matches everything). A listed component holding glob
 * characters is matched with fnmatch (path_prefix_map's glob components, newer libsinsp).
 */
import { globToRegExp } from "./glob.js";

type Component = string | RegExp;

function components(path: string): string[] {
  return path.split("/").filter((c) => c !== "");
}

const GLOB_CHARS = /[*?[]/;

export function pathPrefixMatcher(paths: readonly string[]): (value: string) => boolean {
  const prefixes: Component[][] = paths.map((p) =>
    components(p).map((c) => (GLOB_CHARS.test(c) ? globToRegExp(c) : c)),
  );
  return (value) => {
    const parts = components(value);
    outer: for (const prefix of prefixes) {
      if (prefix.length > parts.length) continue;
      for (let i = 0; i < prefix.length; i++) {
        const want = prefix[i]!;
        const have = parts[i]!;
        if (typeof want === "string" ? want !== have : !want.test(have)) continue outer;
      }
      return true;
    }
    return false;
  };
}
