/**
 * The one-line error for a version its scheme rejects. Versions come from package databases and
 * advisories, so the message quotes them escaped and shortened: a hostile 10 MB "version" must not
 * become a 10 MB error line.
 */
import { ShipshapeError } from "../errors.js";

/** The version schemes `compareVersions` knows (DESIGN.md's public API contract). */
export type VersionScheme = "deb" | "rpm" | "apk" | "semver" | "pep440" | "maven" | "go" | "gem";

const SHOWN_CHARS = 80;

/** A version quoted for a message: JSON-escaped (no newlines or control characters) and shortened. */
export function quoteVersion(version: string): string {
  if (version.length <= SHOWN_CHARS) return JSON.stringify(version);
  return `${JSON.stringify(version.slice(0, SHOWN_CHARS))}… (${version.length} characters)`;
}

/** `invalid <scheme> version "<v>": <reason>` as a usage error: the caller passed something the scheme rejects. */
export function invalidVersion(scheme: VersionScheme, version: string, reason: string): ShipshapeError {
  return new ShipshapeError("usage", `invalid ${scheme} version ${quoteVersion(version)}: ${reason}`);
}
