/**
 * Package URLs for rpm packages: `pkg:rpm/<vendor>/<name>@<version>-<release>?arch=…&epoch=…&distro=…&upstream=…`.
 *
 * The purl spec's rpm type says the namespace is the vendor, lowercased ("fedora", "opensuse"), the
 * version is VERSION-RELEASE and the epoch a qualifier. Vendors are named as the spec's examples and
 * Trivy/Syft do where they agree — Syft maps rhel → redhat and opensuse-* → opensuse and otherwise
 * uses the os-release ID; Trivy names vendors (redhat, amazon, oracle, suse): we take the vendor name
 * where os-release's ID is an abbreviation (rhel → redhat, amzn → amazon, ol → oracle, sles/sled/
 * sle-micro → suse, opensuse-* → opensuse) and the ID itself otherwise (centos, rocky, almalinux,
 * fedora, mariner, azurelinux, photon, …). `distro` is `<os-release ID>-<VERSION_ID>` (Syft's form,
 * e.g. `rhel-8.8`, `mariner-2.0`); `upstream` is the source rpm file name, as Syft writes it.
 * Without a detected OS there is no namespace and no distro.
 */
import { PackageURL } from "packageurl-js";
import type { OsInfo } from "../os.js";

const VENDOR_BY_OS_ID: Readonly<Record<string, string>> = {
  rhel: "redhat",
  amzn: "amazon",
  ol: "oracle",
  sles: "suse",
  sled: "suse",
  sles_sap: "suse",
  "sle-micro": "suse",
  sle_hpc: "suse",
};

/** The purl namespace (vendor) for packages of this OS, or undefined when unknown. */
export function rpmNamespace(os: OsInfo | null): string | undefined {
  if (!os) return undefined;
  const id = os.id.toLowerCase();
  if (id.startsWith("opensuse")) return "opensuse";
  const vendor = VENDOR_BY_OS_ID[id] ?? id;
  return /^[a-z0-9][a-z0-9._-]*$/.test(vendor) ? vendor : undefined;
}

export interface RpmPurlFields {
  name: string;
  version: string;
  release: string;
  epoch: number | null;
  arch: string | null;
  sourceRpm: string | null;
}

export function rpmPurl(p: RpmPurlFields, os: OsInfo | null): string {
  const qualifiers: Record<string, string> = {};
  if (p.arch) qualifiers.arch = p.arch;
  if (p.epoch !== null) qualifiers.epoch = String(p.epoch);
  if (os) qualifiers.distro = os.versionId ? `${os.id}-${os.versionId}` : os.id;
  if (p.sourceRpm) qualifiers.upstream = p.sourceRpm;
  return new PackageURL(
    "rpm",
    rpmNamespace(os),
    p.name,
    `${p.version}-${p.release}`,
    qualifiers,
    undefined,
  ).toString();
}
