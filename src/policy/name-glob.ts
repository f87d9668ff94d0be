/**
 * Names in a policy (package names, tags, tools, check ids) match exactly, or with `*` (any run of
 * characters, `/` included) and `?` (one character). Nothing else is special: a policy author writes
 * `python3*` or `DL30??`, not regular expressions.
 */
export type NameMatcher = (name: string) => boolean;

export function nameGlob(pattern: string): NameMatcher {
  if (!pattern.includes("*") && !pattern.includes("?")) return (name) => name === pattern;
  const source = pattern
    .split("")
    .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[\\^$.|+()[\]{}]/g, "\\$&")))
    .join("");
  const re = new RegExp(`^${source}$`, "su");
  return (name) => re.test(name);
}

/** Does any pattern match? */
export function anyGlob(patterns: readonly string[]): NameMatcher {
  const matchers = patterns.map(nameGlob);
  return (name) => matchers.some((m) => m(name));
}
