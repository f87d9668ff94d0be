/**
 * Package URLs for Debian packages (purl spec, type `deb`): namespace = the distribution's os-release
 * ID (debian, ubuntu…; "debian" when the OS is unknown), version = the full Debian version with its
 * epoch (`1:2.38.1-5`, as the spec's own examples write it), qualifiers `arch`, `distro=<id>-<versionId>`
 * and, as Syft does, `upstream=<source>` — `<source>@<version>` when the Source field names a version —
 * whenever the package has a Source field (i.e. its source package differs in name or version).
 */
import { PackageURL } from "packageurl-js";
import type { OsInfo } from "../os.js";
import type { DpkgEntry } from "./status.js";

/** The `distro` qualifier both OS-package catalogers use: `<id>-<versionId>`, or none when unknown. */
export function distroQualifier(os: OsInfo | null): string | undefined {
  if (!os?.id || !os.versionId) return undefined;
  return `${os.id}-${os.versionId}`;
}

export function debPurl(entry: DpkgEntry, os: OsInfo | null): string {
  const qualifiers: Record<string, string> = {};
  if (entry.architecture) qualifiers.arch = entry.architecture;
  const distro = distroQualifier(os);
  if (distro) qualifiers.distro = distro;
  if (entry.source) {
    qualifiers.upstream = entry.source.version
      ? `${entry.source.name}@${entry.source.version}`
      : entry.source.name;
  }
  const namespace = os?.id ? os.id.toLowerCase() : "debian";
  return new PackageURL("deb", namespace, entry.package, entry.version, qualifiers, undefined).toString();
}
