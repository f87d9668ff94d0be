/**
 * `sbom --format spdx-json`: an SPDX 2.3 JSON document, written by hand — npm has no maintained
 * SPDX 2.3 writer (the SPDX project's tools are Java, Python and Go), and the document is a plain
 * JSON shape that the official schema (test/fixtures/schemas) checks in the tests.
 *
 * Design:
 * - The document DESCRIBES the image (a package with primaryPackagePurpose CONTAINER and its
 *   `pkg:oci` purl); the image CONTAINS the OS (OPERATING_SYSTEM) and every package (LIBRARY), and
 *   an OS package CONTAINS the language packages it owns (listed with --include-os-owned).
 * - documentNamespace is `NAMESPACE_BASE/NAME-UUID` with a UUID v5 of the image and package list: the
 *   same scan gives the same namespace; creators `Tool: shipshape-VERSION`.
 * - Each package: name, versionInfo, downloadLocation NOASSERTION, filesAnalyzed false (we list no
 *   files), supplier from the cataloger's vendor/maintainer when known else NOASSERTION, a
 *   PACKAGE-MANAGER purl externalRef, licenseConcluded NOASSERTION (we conclude nothing: we report
 *   what the package declares), licenseDeclared the AND of its licences — valid SPDX kept, anything
 *   else as a LicenseRef with a hasExtractedLicensingInfos entry holding the text as found.
 * - Facts SPDX 2.3 has no field for (arch, epoch, release, source package, locations and layers,
 *   cataloger, owner; the image's digests and platform; the OS codename/EOL; incomplete databases)
 *   go in one annotation per element by `Tool: shipshape-VERSION` whose comment is
 *   `shipshape-facts {json}`; src/sbom-input reads them back.
 */
import { createHash } from "node:crypto";
import { OS_PACKAGE_TYPES } from "../catalog/package.js";
import { formatPlatform } from "../image/platform.js";
import { VERSION } from "../version.js";
import {
  documentUuid,
  imageIdentity,
  isoSeconds,
  type SbomPackage,
  type SbomSubject,
  type SbomWriteOptions,
  sbomTimestamp,
} from "./sbom-identity.js";
import { licenseExpressionOf, licenseRefId } from "./spdx-license.js";

/** Where our document namespaces live (a URI prefix; SPDX wants a unique absolute URI per document). */
export const SPDX_NAMESPACE_BASE = "https://spdx.org/spdxdocs/shipshape";
/** Prefix of the annotation comments that carry our facts. */
export const FACTS_PREFIX = "shipshape-facts ";

export const IMAGE_SPDXID = "SPDXRef-Image";
export const OS_SPDXID = "SPDXRef-OperatingSystem";

export interface SpdxAnnotation {
  annotationDate: string;
  annotationType: "OTHER" | "REVIEW";
  annotator: string;
  comment: string;
}

export interface SpdxExternalRef {
  referenceCategory: "PACKAGE-MANAGER" | "SECURITY" | "PERSISTENT-ID" | "OTHER";
  referenceType: string;
  referenceLocator: string;
}

export interface SpdxPackage {
  SPDXID: string;
  name: string;
  versionInfo?: string;
  supplier: string;
  downloadLocation: string;
  filesAnalyzed: boolean;
  checksums?: { algorithm: "SHA256"; checksumValue: string }[];
  builtDate?: string;
  sourceInfo?: string;
  licenseConcluded: string;
  licenseDeclared: string;
  copyrightText: string;
  description?: string;
  externalRefs?: SpdxExternalRef[];
  primaryPackagePurpose: "CONTAINER" | "OPERATING_SYSTEM" | "LIBRARY" | "APPLICATION";
  annotations?: SpdxAnnotation[];
}

export interface SpdxRelationship {
  spdxElementId: string;
  relationshipType: "DESCRIBES" | "CONTAINS";
  relatedSpdxElement: string;
}

export interface SpdxDocument {
  spdxVersion: "SPDX-2.3";
  dataLicense: "CC0-1.0";
  SPDXID: "SPDXRef-DOCUMENT";
  name: string;
  documentNamespace: string;
  creationInfo: { creators: string[]; created: string };
  comment?: string;
  annotations?: SpdxAnnotation[];
  packages: SpdxPackage[];
  hasExtractedLicensingInfos?: { licenseId: string; name: string; extractedText: string; comment: string }[];
  relationships: SpdxRelationship[];
}

export type SpdxSubject = SbomSubject;

const NOASSERTION = "NOASSERTION";

/** The SPDX text (two-space indented, ends with a newline). */
export function renderSpdxJson(subject: SpdxSubject, options: SbomWriteOptions = {}): string {
  return `${JSON.stringify(spdxDocument(subject, options), null, 2)}\n`;
}

/** SPDX idstrings take letters, digits, `.` and `-` only. */
function idString(text: string): string {
  return text.replace(/[^A-Za-z0-9.-]+/g, "-").replace(/^-+|-+$/g, "") || "x";
}

/** Agent syntax is one line: `Organization: NAME` / `Person: NAME`. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function supplierOf(pkg: SbomPackage): string {
  const m = pkg.metadata ?? {};
  const vendor = typeof m.vendor === "string" ? oneLine(m.vendor) : "";
  if (vendor) return `Organization: ${vendor}`;
  const maintainer = typeof m.maintainer === "string" ? oneLine(m.maintainer) : "";
  if (maintainer) return `Person: ${maintainer}`;
  return NOASSERTION;
}

export function spdxDocument(subject: SpdxSubject, options: SbomWriteOptions = {}): SpdxDocument {
  const created = isoSeconds(sbomTimestamp(options));
  const tool = `Tool: shipshape-${VERSION}`;
  const annotate = (facts: Record<string, unknown>): SpdxAnnotation[] => [
    {
      annotationDate: created,
      annotationType: "OTHER",
      annotator: tool,
      comment: `${FACTS_PREFIX}${JSON.stringify(facts)}`,
    },
  ];
  const id = imageIdentity(subject.source);
  const s = subject.source;

  const image: SpdxPackage = {
    SPDXID: IMAGE_SPDXID,
    name: id.repository ?? id.name,
    ...(id.version ? { versionInfo: id.version } : {}),
    supplier: NOASSERTION,
    downloadLocation: NOASSERTION,
    filesAnalyzed: false,
    licenseConcluded: NOASSERTION,
    licenseDeclared: NOASSERTION,
    copyrightText: NOASSERTION,
    primaryPackagePurpose: "CONTAINER",
  };
  if (id.digest?.startsWith("sha256:")) {
    image.checksums = [{ algorithm: "SHA256", checksumValue: id.digest.slice("sha256:".length) }];
  }
  const built = s.created ? new Date(s.created) : null;
  if (built && !Number.isNaN(built.getTime())) image.builtDate = isoSeconds(built);
  if (id.purl)
    image.externalRefs = [
      { referenceCategory: "PACKAGE-MANAGER", referenceType: "purl", referenceLocator: id.purl },
    ];
  image.annotations = annotate({
    reference: s.reference,
    transport: s.transport,
    names: s.names,
    manifestDigest: s.manifestDigest,
    configDigest: s.configDigest,
    platform: formatPlatform(s.platform),
    created: s.created,
  });

  const packages: SpdxPackage[] = [image];
  const relationships: SpdxRelationship[] = [
    { spdxElementId: "SPDXRef-DOCUMENT", relationshipType: "DESCRIBES", relatedSpdxElement: IMAGE_SPDXID },
  ];
  if (subject.os) {
    const o = subject.os;
    packages.push({
      SPDXID: OS_SPDXID,
      name: o.id,
      versionInfo: o.versionId,
      supplier: NOASSERTION,
      downloadLocation: NOASSERTION,
      filesAnalyzed: false,
      licenseConcluded: NOASSERTION,
      licenseDeclared: NOASSERTION,
      copyrightText: NOASSERTION,
      description: o.prettyName,
      primaryPackagePurpose: "OPERATING_SYSTEM",
      annotations: annotate({
        prettyName: o.prettyName,
        codename: o.codename,
        eol: o.eol,
        eolDate: o.eolDate,
      }),
    });
    relationships.push({
      spdxElementId: IMAGE_SPDXID,
      relationshipType: "CONTAINS",
      relatedSpdxElement: OS_SPDXID,
    });
  }

  // Licence names that are not SPDX: one LicenseRef each, unique per document.
  const refs = new Map<string, string>();
  const refIds = new Set<string>();
  const refFor = (name: string): string => {
    const known = refs.get(name);
    if (known) return known;
    let ref = licenseRefId(name);
    for (let n = 2; refIds.has(ref); n++) ref = `${licenseRefId(name)}-${n}`;
    refs.set(name, ref);
    refIds.add(ref);
    return ref;
  };

  const ids = new Set<string>([IMAGE_SPDXID, OS_SPDXID]);
  const osPackageIds = new Map<string, string>();
  const owned: { pkg: SbomPackage; spdxId: string }[] = [];
  subject.packages.forEach((pkg, index) => {
    const spdxId = packageSpdxId(pkg, index, ids);
    const declared = licenseExpressionOf(pkg.licenses ?? [], refFor);
    const out: SpdxPackage = {
      SPDXID: spdxId,
      name: pkg.name,
      versionInfo: pkg.version,
      supplier: supplierOf(pkg),
      downloadLocation: NOASSERTION,
      filesAnalyzed: false,
      licenseConcluded: NOASSERTION,
      licenseDeclared: declared ?? NOASSERTION,
      copyrightText: NOASSERTION,
      primaryPackagePurpose: "LIBRARY",
    };
    if (pkg.locations.length > 0) {
      const where = pkg.locations.map((l) =>
        l.layer === undefined ? l.path : `${l.path} (layer ${l.layer})`,
      );
      out.sourceInfo = `${pkg.foundBy ? `found by ${pkg.foundBy} ` : ""}at ${where.join(", ")}`;
    }
    if (pkg.purl) {
      out.externalRefs = [
        { referenceCategory: "PACKAGE-MANAGER", referenceType: "purl", referenceLocator: pkg.purl },
      ];
    }
    out.annotations = annotate({
      type: pkg.type,
      arch: pkg.arch,
      epoch: pkg.epoch,
      release: pkg.release,
      sourceName: pkg.sourceName,
      sourceVersion: pkg.sourceVersion,
      licenses: pkg.licenses,
      locations: pkg.locations,
      foundBy: pkg.foundBy,
      ownedBy: pkg.ownedBy,
    });
    packages.push(out);
    relationships.push({
      spdxElementId: IMAGE_SPDXID,
      relationshipType: "CONTAINS",
      relatedSpdxElement: spdxId,
    });
    const key = `${pkg.type}\0${pkg.name}`;
    if (OS_PACKAGE_TYPES.has(pkg.type) && !osPackageIds.has(key)) osPackageIds.set(key, spdxId);
    if (pkg.ownedBy) owned.push({ pkg, spdxId });
  });
  for (const { pkg, spdxId } of owned) {
    const owner = osPackageIds.get(`${pkg.ownedBy!.type}\0${pkg.ownedBy!.name}`);
    if (owner)
      relationships.push({ spdxElementId: owner, relationshipType: "CONTAINS", relatedSpdxElement: spdxId });
  }

  const doc: SpdxDocument = {
    spdxVersion: "SPDX-2.3",
    dataLicense: "CC0-1.0",
    SPDXID: "SPDXRef-DOCUMENT",
    name: id.displayName,
    documentNamespace: `${SPDX_NAMESPACE_BASE}/${idString(id.displayName)}-${documentUuid(subject, VERSION, "spdx-2.3")}`,
    creationInfo: { creators: [tool], created },
    packages,
    relationships,
  };
  const incomplete = subject.incomplete ?? [];
  if (incomplete.length > 0) {
    doc.comment = `Package list incomplete: ${incomplete.map((i) => `${i.path} (${i.reason})`).join("; ")}`;
    doc.annotations = annotate({ incomplete });
  }
  if (refs.size > 0) {
    doc.hasExtractedLicensingInfos = [...refs].map(([name, licenseId]) => ({
      licenseId,
      name,
      extractedText: name,
      comment: "licence as the package database names it; not an SPDX license list identifier",
    }));
  }
  return doc;
}

/** `SPDXRef-Package-TYPE-NAME-HASH`: readable, and unique even for same-named packages. */
function packageSpdxId(pkg: SbomPackage, index: number, used: Set<string>): string {
  const hash = createHash("sha256")
    .update(`${pkg.purl}\0${pkg.name}\0${pkg.version}\0${pkg.locations[0]?.path ?? ""}`)
    .digest("hex")
    .slice(0, 16);
  let id = `SPDXRef-Package-${pkg.type}-${idString(pkg.name)}-${hash}`;
  if (used.has(id)) id = `${id}-${index}`;
  used.add(id);
  return id;
}
