/**
 * A package from an SBOM entry: the purl decides the type and, where the entry does not say,
 * name, version, arch, epoch and source package (`arch`, `epoch`, `upstream` qualifiers, as Syft
 * and Trivy write them); what the entry says itself (its name, version, our own properties or
 * annotations) wins where it is consistent with the purl.
 */
import { PackageURL } from "packageurl-js";
import type { Package, PackageLocation, PackageType } from "../catalog/package.js";

const PURL_TYPES: ReadonlySet<string> = new Set<PackageType>([
  "deb",
  "apk",
  "rpm",
  "npm",
  "pypi",
  "maven",
  "golang",
  "cargo",
  "gem",
  "composer",
  "nuget",
]);

/** Facts the SBOM entry states besides its purl. */
export interface EntryFacts {
  name?: string;
  /** CycloneDX `group` (maven groupId, npm scope, Go module prefix). */
  group?: string;
  version?: string;
  licenses?: string[];
  locations?: PackageLocation[];
  arch?: string;
  epoch?: number | null;
  release?: string;
  sourceName?: string;
  sourceVersion?: string;
  foundBy?: string;
  ownedBy?: Package["ownedBy"];
  /** The document is shipshape's own: its names and versions are ours exactly. */
  ours?: boolean;
}

export type PurlPackageResult = { package: Package; distro?: string } | { skip: string };

export function parsePurl(text: string): PackageURL | null {
  if (text.length > 4096) return null;
  try {
    return PackageURL.fromString(text);
  } catch {
    return null;
  }
}

/** Our name for a purl: maven `group:artifact`, npm `@scope/name`, Go/composer `prefix/name`. */
export function canonicalName(type: PackageType, purl: PackageURL): string {
  const ns = purl.namespace;
  if (!ns) return purl.name;
  if (type === "maven") return `${ns}:${purl.name}`;
  if (type === "npm" || type === "golang" || type === "composer") return `${ns}/${purl.name}`;
  return purl.name;
}

/** PEP 503 normalisation, for comparing Python names (`PyYAML` ≡ `pyyaml`, `zope_interface` ≡ `zope-interface`). */
function pep503(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

/** The entry's own spelling when it names the same package as the purl (keeps `Jinja2`, not `jinja2`). */
function chooseName(type: PackageType, purl: PackageURL, facts: EntryFacts): string {
  const canonical = canonicalName(type, purl);
  const given = facts.name?.trim();
  if (!given) return canonical;
  if (facts.ours) return given;
  const same = (a: string) =>
    type === "pypi" ? pep503(a) === pep503(canonical) : a.toLowerCase() === canonical.toLowerCase();
  const candidates = [given];
  if (facts.group) candidates.push(`${facts.group}${type === "maven" ? ":" : "/"}${given}`);
  return candidates.find(same) ?? canonical;
}

/** `upstream` qualifier: Syft writes `name` or `name@version`, and for rpm the source rpm file name. */
function upstreamOf(type: PackageType, upstream: string): { name: string; version?: string } | null {
  const text = upstream.trim();
  if (!text) return null;
  if (type === "rpm" && text.endsWith(".src.rpm")) {
    const nvr = text.slice(0, -".src.rpm".length).split("-");
    if (nvr.length >= 3) return { name: nvr.slice(0, -2).join("-"), version: nvr.slice(-2).join("-") };
    return null;
  }
  const at = text.lastIndexOf("@");
  if (at > 0) return { name: text.slice(0, at), version: text.slice(at + 1) };
  return { name: text };
}

export function packageFromPurl(purlText: string, facts: EntryFacts, foundBy: string): PurlPackageResult {
  const purl = parsePurl(purlText);
  if (!purl) return { skip: "invalid purl" };
  const type = purl.type.toLowerCase();
  if (!PURL_TYPES.has(type)) return { skip: `purl type ${type}` };
  const t = type as PackageType;
  const q = purl.qualifiers ?? {};

  let version = facts.version?.trim() || purl.version || "";
  let epoch: number | null | undefined = facts.epoch;
  let release = facts.release;
  const epochQualifier = q.epoch && /^\d{1,9}$/.test(q.epoch) ? Number(q.epoch) : undefined;
  if (t === "deb" && !version.includes(":") && epochQualifier !== undefined && epochQualifier > 0) {
    // Trivy puts a deb epoch in a qualifier; dpkg (and our JSON) prints it in the version.
    version = `${epochQualifier}:${version}`;
  }
  if (t === "rpm") {
    const prefixed = /^(\d{1,9}):(.+)$/.exec(version);
    if (prefixed) {
      version = prefixed[2]!;
      if (epoch === undefined) epoch = Number(prefixed[1]);
    }
    if (epoch === undefined) epoch = epochQualifier ?? null;
    if (release === undefined) {
      const dash = version.lastIndexOf("-");
      if (dash > 0) release = version.slice(dash + 1);
    }
  }

  const pkg: Package = {
    type: t,
    name: chooseName(t, purl, facts),
    version,
    purl: purlText,
    locations: facts.locations ?? [],
    foundBy: facts.foundBy ?? foundBy,
  };
  const arch = facts.arch ?? q.arch;
  if (arch) pkg.arch = arch;
  if (epoch !== undefined && (t === "rpm" || epoch !== null)) pkg.epoch = epoch;
  if (release) pkg.release = release;

  let sourceName = facts.sourceName;
  let sourceVersion = facts.sourceVersion;
  if (sourceName === undefined && q.upstream) {
    const up = upstreamOf(t, q.upstream);
    if (up) {
      sourceName = up.name;
      sourceVersion = up.version ?? (t === "apk" ? version : undefined);
    }
  }
  if (sourceName === undefined && !facts.ours && (t === "deb" || t === "apk")) {
    // Syft and Trivy leave the source out when it is the binary package itself, as dpkg does.
    sourceName = pkg.name;
    sourceVersion = version;
  }
  if (sourceName) pkg.sourceName = sourceName;
  if (sourceName && sourceVersion) pkg.sourceVersion = sourceVersion;
  if (facts.licenses && facts.licenses.length > 0) pkg.licenses = facts.licenses;
  if (facts.ownedBy) pkg.ownedBy = facts.ownedBy;
  return q.distro ? { package: pkg, distro: q.distro } : { package: pkg };
}
