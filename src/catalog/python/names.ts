/** Python distribution names: PEP 503 normalisation, and what an egg's file name says. */

/** PEP 503: lower case, every run of `-`, `_` and `.` becomes one `-` (how PyPI and advisories key a project). */
export function normalizePythonName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

/**
 * `Name-Version[-pyX.Y[-platform]].egg`: setuptools writes the name and version with `-` replaced
 * by `_`, so the first two dash-separated parts are the name and the version.
 */
export function eggFileName(path: string): { name: string; version: string } | null {
  const base = path.slice(path.lastIndexOf("/") + 1);
  const m = /^([^-]+)-([^-]+)(?:-.*)?\.egg$/.exec(base);
  if (!m || m[1] === "" || m[2] === "") return null;
  return { name: m[1]!, version: m[2]!.replace(/_/g, "-") };
}
