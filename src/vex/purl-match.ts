/**
 * Does a package URL written in a VEX statement or an ignore file name an installed package? The
 * pattern's type, namespace and name must equal the package's (after packageurl-js normalisation,
 * e.g. PyPI names); its version, when it has one, must equal the package's; each qualifier it has
 * (`arch=amd64`, `distro=debian-12`) must be present with the same value. A pattern without version
 * or qualifiers therefore names every installed version of that package — as Trivy matches VEX purls.
 * Images (`pkg:oci/NAME@DIGEST`) are one image whatever repository or tag they were pulled by: the
 * digest decides when the pattern has one, else the name; qualifiers are not compared.
 */
import type { PackageURL } from "packageurl-js";
import { parsePurl } from "../sbom-input/purl-package.js";

export function purlMatches(pattern: string | PackageURL, target: string | PackageURL): boolean {
  const p = typeof pattern === "string" ? parsePurl(pattern) : pattern;
  const t = typeof target === "string" ? parsePurl(target) : target;
  if (!p || !t) return false;
  if (p.type.toLowerCase() !== t.type.toLowerCase()) return false;
  if (p.type.toLowerCase() === "oci") {
    if (p.version) return p.version.toLowerCase() === (t.version ?? "").toLowerCase();
    return p.name.toLowerCase() === t.name.toLowerCase();
  }
  if ((p.namespace ?? "") !== (t.namespace ?? "")) return false;
  if (p.name !== t.name) return false;
  if (p.version !== undefined && p.version !== null && p.version !== "" && p.version !== t.version) {
    return false;
  }
  const pq = p.qualifiers ?? {};
  const tq = t.qualifiers ?? {};
  for (const [key, value] of Object.entries(pq)) {
    if (tq[key] !== value) return false;
  }
  return true;
}
