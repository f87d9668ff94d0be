/**
 * Debian's and Ubuntu's feeds name releases by codename (`bookworm`, `sid`, `jammy`); the database
 * keys them by version, as `distroNamespace` does for an image (`debian:12`, `ubuntu:22.04`). The numbered releases come from the
 * end-of-life table (Debian's own distro-info data); the ones announced but not yet in that table,
 * and `sid` (always "unstable"), are added here.
 */
import { EOL_TABLES } from "../../catalog/eol.js";

const LATER: Record<string, string> = { forky: "14", duke: "15" };

const BY_CODENAME: ReadonlyMap<string, string> = new Map([
  ...(EOL_TABLES.debian ?? []).flatMap((e) => (e.codename ? [[e.codename, e.release] as const] : [])),
  ...Object.entries(LATER),
  ["sid", "unstable"],
]);

/** "bookworm" → "debian:12", "sid" → "debian:unstable"; null for a codename we do not know. */
export function debianNamespace(codename: string): string | null {
  const version = BY_CODENAME.get(codename.trim().toLowerCase());
  return version ? `debian:${version}` : null;
}

/** Ubuntu codenames ("jammy") → release ("22.04"), from the same distro-info table. */
const UBUNTU_BY_CODENAME: ReadonlyMap<string, string> = new Map(
  (EOL_TABLES.ubuntu ?? []).flatMap((e) => (e.codename ? [[e.codename, e.release] as const] : [])),
);

export function ubuntuRelease(codename: string): string | null {
  return UBUNTU_BY_CODENAME.get(codename.trim().toLowerCase()) ?? null;
}
