/**
 * `PATH[:REF]` as archive and layout references write it. A path may itself contain colons, so the
 * split is decided against the filesystem: the whole text when it exists; otherwise the rightmost
 * colon whose left side exists and whose right side is a valid reference; otherwise the last colon
 * when what follows is a valid reference (the caller then reports the missing path).
 */

/**
 * `org.opencontainers.image.ref.name` (image-spec annotations: components of alphanumerics joined
 * by `-._:@+` or `--`, separated by `/`), widened with `_` for Docker tags. Covers `latest`,
 * `repo:tag` and `docker.io/library/busybox:latest`.
 */
const REF_COMPONENT = "[A-Za-z0-9]+(?:(?:[-._:@+_]|--)[A-Za-z0-9]+)*";
const REF_NAME = new RegExp(`^${REF_COMPONENT}(?:/${REF_COMPONENT})*$`);

export function isRefName(text: string): boolean {
  return text.length > 0 && text.length <= 512 && REF_NAME.test(text);
}

/** skopeo's `docker-archive:PATH:@N` selects the N-th image (0-based) of manifest.json. */
export function isSourceIndex(text: string): boolean {
  return /^@\d{1,6}$/.test(text);
}

export interface SplitReference {
  path: string;
  ref?: string;
}

export function splitPathAndReference(
  spec: string,
  pathExists: (path: string) => boolean,
  isValidRef: (ref: string) => boolean,
): SplitReference {
  if (spec === "" || pathExists(spec)) return { path: spec };
  const colons: number[] = [];
  for (let i = spec.indexOf(":"); i >= 0; i = spec.indexOf(":", i + 1)) colons.push(i);
  colons.reverse();
  for (const i of colons) {
    const path = spec.slice(0, i);
    const ref = spec.slice(i + 1);
    if (path !== "" && isValidRef(ref) && pathExists(path)) return { path, ref };
  }
  const last = colons[0];
  if (last !== undefined && last > 0 && isValidRef(spec.slice(last + 1))) {
    return { path: spec.slice(0, last), ref: spec.slice(last + 1) };
  }
  return { path: spec };
}

/** The text after a transport prefix (`docker-archive:` …), or the text itself when it has none. */
export function withoutPrefix(text: string, prefix: string): string {
  return text.startsWith(prefix) ? text.slice(prefix.length) : text;
}
