/**
 * Reading an SPDX 2.x JSON document back into packages, OS and image facts. Packages with a
 * PACKAGE-MANAGER purl of a type we scan become packages; the OPERATING_SYSTEM package is the OS;
 * the package the document DESCRIBES (or a CONTAINER one) is the image. Our own annotations
 * (`shipshape-facts {json}`) restore arch, epoch, source package, locations and the image's facts;
 * licences come from them or from licenseDeclared (LicenseRefs mapped back to their names).
 */
import * as v from "valibot";
import type { IncompleteSource } from "../catalog/catalog.js";
import type { OsInfo } from "../catalog/os.js";
import type { Package, PackageLocation, PackageType } from "../catalog/package.js";
import { ShipshapeError } from "../errors.js";
import { parsePlatform } from "../image/platform.js";
import { FACTS_PREFIX } from "../report/spdx.js";
import { conjunctionTerms, parseSpdxExpression, renderSpdxExpression } from "../report/spdx-license.js";
import { nullishList, validate } from "../validate.js";
import { type DistroClue, osFromDistroClues, osId } from "./distro.js";
import { type EntryFacts, packageFromPurl, parsePurl } from "./purl-package.js";
import {
  finishResult,
  type SbomReadOptions,
  type SbomReadResult,
  type SbomSourceFacts,
  SkipTally,
} from "./result.js";

/** More packages than this are refused (bounded work). */
export const MAX_SPDX_PACKAGES = 1_000_000;

const AnnotationSchema = v.object({ annotator: v.nullish(v.string()), comment: v.nullish(v.string()) });

const PackageSchema = v.object({
  SPDXID: v.string(),
  name: v.string(),
  versionInfo: v.nullish(v.string()),
  description: v.nullish(v.string()),
  licenseDeclared: v.nullish(v.string()),
  licenseConcluded: v.nullish(v.string()),
  primaryPackagePurpose: v.nullish(v.string()),
  builtDate: v.nullish(v.string()),
  externalRefs: nullishList(
    v.object({ referenceCategory: v.string(), referenceType: v.string(), referenceLocator: v.string() }),
  ),
  checksums: nullishList(v.object({ algorithm: v.string(), checksumValue: v.string() })),
  annotations: nullishList(AnnotationSchema),
});
type PackageIn = v.InferOutput<typeof PackageSchema>;

const DocumentSchema = v.object({
  spdxVersion: v.string(),
  name: v.nullish(v.string()),
  creationInfo: v.nullish(v.object({ creators: nullishList(v.string()) })),
  documentDescribes: nullishList(v.string()),
  packages: nullishList(v.unknown()),
  relationships: nullishList(
    v.object({ spdxElementId: v.string(), relationshipType: v.string(), relatedSpdxElement: v.string() }),
  ),
  hasExtractedLicensingInfos: nullishList(
    v.object({ licenseId: v.string(), name: v.nullish(v.string()), extractedText: v.nullish(v.string()) }),
  ),
  annotations: nullishList(AnnotationSchema),
});

/** Our annotation facts: checked like any other untrusted input. */
const LocationFacts = v.object({ path: v.string(), layer: v.optional(v.number()) });
const PackageFactsSchema = v.object({
  type: v.optional(v.string()),
  arch: v.optional(v.string()),
  epoch: v.optional(v.nullable(v.number())),
  release: v.optional(v.string()),
  sourceName: v.optional(v.string()),
  sourceVersion: v.optional(v.string()),
  licenses: v.optional(v.array(v.string())),
  locations: v.optional(v.array(LocationFacts)),
  foundBy: v.optional(v.string()),
  ownedBy: v.optional(v.object({ type: v.string(), name: v.string() })),
});
const ImageFactsSchema = v.object({
  reference: v.optional(v.string()),
  transport: v.optional(v.string()),
  names: v.optional(v.array(v.string())),
  manifestDigest: v.optional(v.nullable(v.string())),
  configDigest: v.optional(v.nullable(v.string())),
  platform: v.optional(v.string()),
  created: v.optional(v.nullable(v.string())),
});
const OsFactsSchema = v.object({
  prettyName: v.optional(v.string()),
  codename: v.optional(v.string()),
  eol: v.optional(v.nullable(v.boolean())),
  eolDate: v.optional(v.string()),
});
const DocumentFactsSchema = v.object({
  incomplete: v.optional(v.array(v.object({ path: v.string(), reason: v.string() }))),
});

/** Our facts annotation of an element, checked against `schema`; undefined when there is none. */
function factsOf<const S extends v.GenericSchema>(
  annotations: { annotator?: string | null | undefined; comment?: string | null | undefined }[] | undefined,
  schema: S,
  what: string,
): v.InferOutput<S> | undefined {
  for (const a of annotations ?? []) {
    if (!a.annotator?.startsWith("Tool: shipshape-") || !a.comment?.startsWith(FACTS_PREFIX)) continue;
    let value: unknown;
    try {
      value = JSON.parse(a.comment.slice(FACTS_PREFIX.length));
    } catch {
      return undefined;
    }
    return validate(schema, value, what);
  }
  return undefined;
}

function purlOf(p: PackageIn): string | undefined {
  return p.externalRefs?.find(
    (r) => r.referenceType === "purl" && /^PACKAGE[-_]MANAGER$/.test(r.referenceCategory),
  )?.referenceLocator;
}

/** licenseDeclared (else licenseConcluded) as a list: top-level AND terms, LicenseRefs by their names. */
function licensesOf(p: PackageIn, refNames: Map<string, string>): string[] {
  const text = [p.licenseDeclared, p.licenseConcluded].find((l) => l && l !== "NOASSERTION" && l !== "NONE");
  if (!text) return [];
  const ast = parseSpdxExpression(text);
  if (!ast) return [text];
  return conjunctionTerms(ast).map((term) => {
    const rendered = renderSpdxExpression(term);
    return refNames.get(rendered) ?? rendered;
  });
}

/** Map a parsed SPDX 2.x JSON document; `what` names the file in messages. */
export function readSpdx(
  document: unknown,
  what: string,
  reference: string,
  options: SbomReadOptions = {},
): SbomReadResult {
  const doc = validate(DocumentSchema, document, what);
  const isOurs = (doc.creationInfo?.creators ?? []).some((c) => c.startsWith("Tool: shipshape-"));
  const evidence = `sbom:${what}`;
  const rawPackages = doc.packages ?? [];
  if (rawPackages.length > MAX_SPDX_PACKAGES) {
    throw new ShipshapeError(
      "limit",
      `${what} has more than ${MAX_SPDX_PACKAGES} packages; refusing to read it`,
    );
  }
  const packagesIn = rawPackages.map((p, i) => validate(PackageSchema, p, `${what} (packages.${i})`));

  const refNames = new Map<string, string>();
  for (const info of doc.hasExtractedLicensingInfos ?? []) {
    const name = info.name?.trim() || info.extractedText?.trim();
    if (name && name !== "NOASSERTION") refNames.set(info.licenseId, name);
  }

  const described = new Set<string>(doc.documentDescribes ?? []);
  for (const r of doc.relationships ?? []) {
    if (r.relationshipType === "DESCRIBES" && r.spdxElementId === "SPDXRef-DOCUMENT")
      described.add(r.relatedSpdxElement);
    if (r.relationshipType === "DESCRIBED_BY" && r.relatedSpdxElement === "SPDXRef-DOCUMENT")
      described.add(r.spdxElementId);
  }
  const image =
    packagesIn.find((p) => described.has(p.SPDXID) && p.primaryPackagePurpose === "CONTAINER") ??
    packagesIn.find((p) => p.primaryPackagePurpose === "CONTAINER") ??
    packagesIn.find((p) => described.has(p.SPDXID) && parsePurl(purlOf(p) ?? "")?.type === "oci") ??
    null;

  const skipped = new SkipTally();
  const packages: Package[] = [];
  const clues: DistroClue[] = [];
  let os: OsInfo | null = null;
  packagesIn.forEach((p, i) => {
    if (p === image) return;
    if (p.primaryPackagePurpose === "OPERATING_SYSTEM") {
      if (!os) {
        const facts = factsOf(p.annotations, OsFactsSchema, `${what} (packages.${i} annotation)`);
        const version = p.versionInfo ?? "";
        const found: OsInfo = {
          id: osId(p.name),
          versionId: version,
          prettyName:
            facts?.prettyName ?? (p.description?.trim() || [p.name, version].filter(Boolean).join(" ")),
          evidence: [evidence],
        };
        if (facts?.codename) found.codename = facts.codename;
        if (facts?.eol !== undefined) found.eol = facts.eol;
        if (facts?.eolDate) found.eolDate = facts.eolDate;
        os = found;
      }
      return;
    }
    const purl = purlOf(p);
    if (!purl) {
      skipped.add("no purl");
      return;
    }
    const facts = factsOf(p.annotations, PackageFactsSchema, `${what} (packages.${i} annotation)`);
    const entry: EntryFacts = { name: p.name, ours: isOurs };
    if (p.versionInfo) entry.version = p.versionInfo;
    const licenses = facts?.licenses ?? licensesOf(p, refNames);
    if (licenses.length > 0) entry.licenses = licenses;
    if (facts) {
      if (facts.arch) entry.arch = facts.arch;
      if (facts.epoch !== undefined) entry.epoch = facts.epoch;
      if (facts.release) entry.release = facts.release;
      if (facts.sourceName) entry.sourceName = facts.sourceName;
      if (facts.sourceVersion) entry.sourceVersion = facts.sourceVersion;
      if (facts.foundBy) entry.foundBy = facts.foundBy;
      if (facts.ownedBy)
        entry.ownedBy = { type: facts.ownedBy.type as PackageType, name: facts.ownedBy.name };
      if (facts.locations) entry.locations = facts.locations.map(locationOf);
    }
    const mapped = packageFromPurl(purl, entry, "sbom-spdx");
    if ("skip" in mapped) {
      skipped.add(mapped.skip);
      return;
    }
    packages.push(mapped.package);
    if (mapped.distro)
      clues.push({ distro: mapped.distro, namespace: parsePurl(purl)?.namespace ?? undefined });
  });
  os ??= osFromDistroClues(clues, evidence);

  const docFacts = factsOf(doc.annotations, DocumentFactsSchema, `${what} (document annotation)`);
  const incomplete: IncompleteSource[] = docFacts?.incomplete ?? [];
  return {
    source: sourceFrom(image, reference, what),
    result: finishResult({ os, packages, warnings: skipped.warnings(what), incomplete }, options),
    document: { format: "spdx", specVersion: doc.spdxVersion, ours: isOurs },
  };
}

function locationOf(l: { path: string; layer?: number | undefined }): PackageLocation {
  return l.layer === undefined ? { path: l.path } : { path: l.path, layer: l.layer };
}

function sourceFrom(image: PackageIn | null, reference: string, what: string): SbomSourceFacts {
  const facts = image
    ? factsOf(image.annotations, ImageFactsSchema, `${what} (image annotation)`)
    : undefined;
  const purl = image ? parsePurl(purlOf(image) ?? "") : null;
  const sha256 = image?.checksums?.find((c) => c.algorithm === "SHA256")?.checksumValue;
  const digestFromPurl = purl?.type === "oci" && purl.version?.startsWith("sha256:") ? purl.version : null;
  let platform: SbomSourceFacts["platform"] = { os: "unknown", architecture: "unknown" };
  try {
    if (facts?.platform) platform = parsePlatform(facts.platform);
    else if (purl?.qualifiers?.arch) platform = { os: "linux", architecture: purl.qualifiers.arch };
  } catch {
    // A malformed platform: keep "unknown" rather than refuse the SBOM.
  }
  const names =
    facts?.names ?? (image ? [image.versionInfo ? `${image.name}:${image.versionInfo}` : image.name] : []);
  return {
    reference,
    transport: "sbom",
    names,
    manifestDigest:
      facts?.manifestDigest ??
      digestFromPurl ??
      (sha256 && /^[0-9a-f]{64}$/.test(sha256) ? `sha256:${sha256}` : null),
    configDigest: facts?.configDigest ?? null,
    platform,
    created: facts?.created ?? image?.builtDate ?? null,
  };
}
