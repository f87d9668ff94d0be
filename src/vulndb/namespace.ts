/**
 * Namespaces name whose vulnerability data applies to a package: a distribution release for OS
 * packages (their vendor's data only — no NVD back-port noise), an ecosystem for language packages.
 */
import type { OsInfo } from "../catalog/os.js";
import type { Package, PackageType } from "../catalog/package.js";
import type { VersionScheme } from "../versions/index.js";
import { debianNamespace } from "./feeds/distro-codenames.js";

/** Ecosystem namespaces for language packages (OSV ecosystem names, lower-cased). */
export const ECOSYSTEM_OF: Partial<Record<PackageType, { namespace: string; scheme: VersionScheme }>> = {
  npm: { namespace: "npm", scheme: "semver" },
  pypi: { namespace: "pypi", scheme: "pep440" },
  maven: { namespace: "maven", scheme: "maven" },
  golang: { namespace: "go", scheme: "go" },
  cargo: { namespace: "crates.io", scheme: "semver" },
  gem: { namespace: "rubygems", scheme: "gem" },
  composer: { namespace: "packagist", scheme: "semver" },
  nuget: { namespace: "nuget", scheme: "semver" },
};

export const OS_SCHEME: Record<"deb" | "apk" | "rpm", VersionScheme> = { deb: "deb", apk: "apk", rpm: "rpm" };

/**
 * The distro namespace for an OS: "debian:12", "ubuntu:22.04", "alpine:3.16" (major.minor branch),
 * "rhel:8" (major; CentOS/Rocky/Alma use their own feeds when present), "amazon:2023", "mariner:2.0"…
 * Null when the OS is unknown.
 */
export function distroNamespace(os: OsInfo | null): string | null {
  if (!os) return null;
  const id = os.id.toLowerCase();
  const v = os.versionId;
  switch (id) {
    case "debian":
      // testing/sid images carry no VERSION_ID, only a codename (trixie, sid).
      if (!/^\d/.test(v)) return (os.codename && debianNamespace(os.codename)) ?? `debian:${v || "unstable"}`;
      return `debian:${v.split(".")[0]}`;
    case "ubuntu":
      return `ubuntu:${v}`;
    case "alpine":
      // Development snapshots (3.21_alpha20240807) are edge, which secdb publishes as its own branch.
      if (/_(alpha|beta|pre|rc)/.test(v) || /edge/i.test(os.prettyName)) return "alpine:edge";
      return `alpine:${v.split(".").slice(0, 2).join(".")}`;
    case "rhel":
    case "centos":
    case "rocky":
    case "almalinux":
    case "ol":
      return `${id === "centos" ? "rhel" : id}:${v.split(".")[0]}`;
    case "amzn":
      return `amazon:${v.split(".")[0]}`;
    case "sles":
    case "opensuse-leap":
      return `${id}:${v}`;
    case "mariner":
    case "azurelinux":
      return `${id}:${v.split(".").slice(0, 2).join(".")}`;
    case "wolfi":
    case "chainguard":
      return `${id}:rolling`;
    default:
      return `${id}:${v}`;
  }
}

/** Normalised package names, as the ecosystem's advisories key them. */
export function normalizePackageName(namespace: string, name: string): string {
  switch (namespace) {
    case "pypi":
      return name.toLowerCase().replace(/[-_.]+/g, "-");
    case "nuget":
    case "packagist":
      return name.toLowerCase();
    default:
      return name;
  }
}

/** The (namespace, name, scheme) a package is looked up by, or null when no data can apply. */
export function lookupKey(
  p: Package,
  os: OsInfo | null,
): { namespace: string; packageName: string; scheme: VersionScheme; version: string } | null {
  if (p.type === "deb" || p.type === "apk" || p.type === "rpm") {
    const ns = distroNamespace(os);
    if (!ns) return null;
    // Debian/Ubuntu/Alpine publish by source package; RPM distros by binary package.
    const bySource = p.type !== "rpm";
    const name = bySource ? (p.sourceName ?? p.name) : p.name;
    const version = bySource ? (p.sourceVersion ?? p.version) : p.version;
    return { namespace: ns, packageName: name, scheme: OS_SCHEME[p.type], version };
  }
  const eco = ECOSYSTEM_OF[p.type];
  if (!eco) return null;
  return {
    namespace: eco.namespace,
    packageName: normalizePackageName(eco.namespace, p.name),
    scheme: eco.scheme,
    version: p.version,
  };
}
