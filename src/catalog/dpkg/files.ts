/**
 * Which paths a Debian package installed: dpkg's `info/<pkg>[:<arch>].list` (one absolute path per
 * line, directories included, as `dpkg -L` prints them) and `*.md5sums` (`<md5>  <path without the
 * leading slash>`, the form distroless keeps in status.d). Pure, linear, never throws.
 */

function lines(bytes: Uint8Array): string[] {
  // Paths are bytes on disk; lossy UTF-8 only matters for names that are not UTF-8 (never dpkg's own).
  return new TextDecoder("utf-8", { fatal: false }).decode(bytes).split("\n");
}

/** Paths listed in a `.list` file, without dpkg's "/." root entry. */
export function parseDpkgList(bytes: Uint8Array): string[] {
  const out: string[] = [];
  for (let line of lines(bytes)) {
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (line === "" || line === "/." || line.includes("\0")) continue;
    out.push(line.startsWith("/") ? line : `/${line}`);
  }
  return out;
}

/** Paths listed in a `.md5sums` file, made absolute. Lines without a hash are skipped. */
export function parseMd5sums(bytes: Uint8Array): string[] {
  const out: string[] = [];
  for (let line of lines(bytes)) {
    if (line.endsWith("\r")) line = line.slice(0, -1);
    // md5sum output: 32 hex digits, a space, a space or "*" (binary mode), the path.
    const m = /^[0-9a-fA-F]{32} [ *](.+)$/.exec(line);
    if (!m || m[1]!.includes("\0")) continue;
    const path = m[1]!;
    out.push(path.startsWith("/") ? path : `/${path}`);
  }
  return out;
}
