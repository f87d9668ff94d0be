/**
 * `sbom --format cyclonedx-json`: a CycloneDX 1.6 JSON BOM built with @cyclonedx/cyclonedx-library
 * (its models, normaliser and serialiser; its schemas validate our output in the tests).
 *
 * Design (see also test/report/cyclonedx.test.ts):
 * - metadata.component is the image (type container, `pkg:oci/NAME@DIGEST?arch&repository_url&tag`),
 *   metadata.tools.components names shipshape and its version; serialNumber is a UUID v5 of the image
 *   and the package list, so the same scan gives the same serial number.
 * - One component per package, type library, bom-ref = its purl (a second package with the same purl,
 *   e.g. one npm package installed twice, gets `PURL#2`, `PURL#3`…); the OS is a component of type
 *   operating-system (bom-ref `os:ID@VERSION`).
 * - Licences: a supported SPDX id becomes `license.id`, anything else `license.name`; compound SPDX
 *   expressions become one `expression` (CycloneDX allows one expression or a list of licences, not both).
 * - Facts CycloneDX has no field for go in properties under our own `shipshape:` namespace (not syft's
 *   or trivy's: those are their tools' taxonomies): `shipshape:package:{arch,epoch,release,sourceName,
 *   sourceVersion,foundBy,ownedBy}`, `shipshape:location:N:{path,layer}`, `shipshape:image:*`,
 *   `shipshape:os:*`, and `shipshape:incomplete` on the metadata for databases not read fully.
 *   src/sbom-input reads them back.
 * - dependencies (structure, not package manager dependencies, which the catalogers do not record):
 *   image → OS and language packages no OS package owns; OS → OS packages; an OS package → the
 *   language packages it owns (listed only with --include-os-owned). Components with none are left
 *   out of the graph (unknown), not listed empty (which CycloneDX reads as "no dependencies").
 *
 * The library costs ~60 ms to import, so it loads only when this format is asked for.
 */
import type * as CDX from "@cyclonedx/cyclonedx-library";
import { OS_PACKAGE_TYPES } from "../catalog/package.js";
import { formatPlatform } from "../image/platform.js";
import { VERSION } from "../version.js";
import {
  documentUuid,
  imageIdentity,
  type SbomPackage,
  type SbomSubject,
  type SbomWriteOptions,
  sbomTimestamp,
} from "./sbom-identity.js";
import { licenseExpressionOf, spdxLicenseFor } from "./spdx-license.js";

export type Lib = typeof CDX;

/** Our property namespace (CycloneDX property taxonomy: `tool:…`). */
export const PROPERTY_PREFIX = "shipshape:";

export type CycloneDxSubject = SbomSubject;

/** The CycloneDX 1.6 JSON text (two-space indented, lists sorted, ends with a newline). */
export async function renderCycloneDxJson(
  subject: CycloneDxSubject,
  options: SbomWriteOptions = {},
): Promise<string> {
  const lib = await import("@cyclonedx/cyclonedx-library");
  return serializeBom(lib, buildBom(lib, subject, options));
}

/** A built BOM as CycloneDX 1.6 JSON text (also used by the scan report, which adds vulnerabilities). */
export function serializeBom(lib: Lib, bom: CDX.Models.Bom): string {
  const serializer = new lib.Serialize.JsonSerializer(
    new lib.Serialize.JSON.Normalize.Factory(lib.Spec.Spec1dot6),
  );
  const json = JSON.parse(serializer.serialize(bom, { sortLists: true })) as {
    dependencies?: { dependsOn?: string[] }[];
  };
  // The library lists every component in the graph; an entry without dependsOn claims "no
  // dependencies" (CycloneDX 1.6), which we do not know for packages: leave those out (= unknown).
  if (json.dependencies) json.dependencies = json.dependencies.filter((d) => (d.dependsOn?.length ?? 0) > 0);
  return `${JSON.stringify(json, null, 2)}\n`;
}

function property(lib: Lib, name: string, value: string | number): CDX.Models.Property {
  return new lib.Models.Property(`${PROPERTY_PREFIX}${name}`, String(value));
}

export function buildBom(lib: Lib, subject: CycloneDxSubject, options: SbomWriteOptions): CDX.Models.Bom {
  const { Models, Enums } = lib;
  const bom = new Models.Bom();
  bom.serialNumber = `urn:uuid:${documentUuid(subject, VERSION, "cyclonedx-1.6")}`;
  bom.metadata.timestamp = sbomTimestamp(options);
  bom.metadata.tools.components.add(
    new Models.Component(Enums.ComponentType.Application, "shipshape", { version: VERSION }),
  );
  for (const i of subject.incomplete ?? []) {
    bom.metadata.properties.add(property(lib, "incomplete", `${i.path}: ${i.reason}`));
  }

  const image = imageComponent(lib, subject);
  bom.metadata.component = image;

  let os: CDX.Models.Component | undefined;
  if (subject.os) {
    const o = subject.os;
    os = new Models.Component(Enums.ComponentType.OperatingSystem, o.id, {
      bomRef: `os:${o.id}@${o.versionId}`,
      version: o.versionId,
      description: o.prettyName,
    });
    if (o.codename) os.properties.add(property(lib, "os:codename", o.codename));
    if (o.eol !== undefined) os.properties.add(property(lib, "os:eol", String(o.eol)));
    if (o.eolDate) os.properties.add(property(lib, "os:eolDate", o.eolDate));
    bom.components.add(os);
    image.dependencies.add(os.bomRef);
  }

  const usedRefs = new Map<string, number>();
  const byName = new Map<string, CDX.Models.Component>();
  const pending: { component: CDX.Models.Component; pkg: SbomPackage }[] = [];
  for (const pkg of subject.packages) {
    const component = packageComponent(lib, pkg, uniqueRef(pkg, usedRefs));
    bom.components.add(component);
    pending.push({ component, pkg });
    const key = `${pkg.type}\0${pkg.name}`;
    if (OS_PACKAGE_TYPES.has(pkg.type) && !byName.has(key)) byName.set(key, component);
  }
  for (const { component, pkg } of pending) {
    const owner = pkg.ownedBy ? byName.get(`${pkg.ownedBy.type}\0${pkg.ownedBy.name}`) : undefined;
    if (owner) owner.dependencies.add(component.bomRef);
    else if (os && OS_PACKAGE_TYPES.has(pkg.type)) os.dependencies.add(component.bomRef);
    else image.dependencies.add(component.bomRef);
  }
  return bom;
}

function imageComponent(lib: Lib, subject: SbomSubject): CDX.Models.Component {
  const id = imageIdentity(subject.source);
  const s = subject.source;
  const image = new lib.Models.Component(lib.Enums.ComponentType.Container, id.repository ?? id.name, {
    bomRef: id.purl ?? `image:${id.displayName}`,
    ...(id.version ? { version: id.version } : {}),
    ...(id.purl ? { purl: id.purl } : {}),
  });
  image.properties.add(property(lib, "image:reference", s.reference));
  image.properties.add(property(lib, "image:transport", s.transport));
  s.names.forEach((n, i) => {
    image.properties.add(property(lib, `image:name:${i}`, n));
  });
  if (s.manifestDigest) image.properties.add(property(lib, "image:manifestDigest", s.manifestDigest));
  if (s.configDigest) image.properties.add(property(lib, "image:configDigest", s.configDigest));
  image.properties.add(property(lib, "image:platform", formatPlatform(s.platform)));
  if (s.created) image.properties.add(property(lib, "image:created", s.created));
  return image;
}

/** bom-ref = purl; repeats of one purl get `#2`, `#3`… (bom-refs must be unique in a BOM). */
function uniqueRef(pkg: SbomPackage, used: Map<string, number>): string {
  const base = pkg.purl || `${pkg.type}:${pkg.name}@${pkg.version}`;
  const seen = used.get(base) ?? 0;
  used.set(base, seen + 1);
  return seen === 0 ? base : `${base}#${seen + 1}`;
}

function packageComponent(lib: Lib, pkg: SbomPackage, bomRef: string): CDX.Models.Component {
  const component = new lib.Models.Component(lib.Enums.ComponentType.Library, pkg.name, {
    bomRef,
    version: pkg.version,
    ...(pkg.purl ? { purl: pkg.purl } : {}),
  });
  for (const l of licenseChoices(lib, pkg.licenses ?? [])) component.licenses.add(l);
  const props: [string, string | number | undefined | null][] = [
    ["package:arch", pkg.arch],
    ["package:epoch", typeof pkg.epoch === "number" ? pkg.epoch : undefined],
    ["package:release", pkg.release],
    ["package:sourceName", pkg.sourceName],
    ["package:sourceVersion", pkg.sourceVersion],
    ["package:foundBy", pkg.foundBy],
    ["package:ownedBy", pkg.ownedBy ? `${pkg.ownedBy.type}:${pkg.ownedBy.name}` : undefined],
  ];
  for (const [name, value] of props) {
    if (value !== undefined && value !== null && value !== "")
      component.properties.add(property(lib, name, value));
  }
  pkg.locations.forEach((loc, i) => {
    component.properties.add(property(lib, `location:${i}:path`, loc.path));
    if (loc.layer !== undefined) component.properties.add(property(lib, `location:${i}:layer`, loc.layer));
  });
  return component;
}

/**
 * CycloneDX takes either licences (SPDX id or name) or exactly one expression. Each entry that is or
 * maps to one SPDX id (spdxLicenseFor: `mit`, DEP-5 `GPL-2+`, Fedora `GPLv2+`) becomes `license.id`;
 * other names stay `license.name` as found. If an entry is a compound expression and every entry maps
 * to SPDX, all become one `A AND B` expression; otherwise a compound one is kept as a name.
 */
function licenseChoices(lib: Lib, raw: readonly string[]): CDX.Models.License[] {
  const entries = [...new Set(raw.map((l) => l.trim()).filter((l) => l !== ""))];
  const mapped = entries.map((l) => ({ text: l, spdx: spdxLicenseFor(l) }));
  const idOf = (spdx: string | null) => (spdx ? lib.SPDX.fixupSpdxId(spdx) : undefined);
  const compound = mapped.some((m) => m.spdx !== null && idOf(m.spdx) === undefined);
  if (compound && mapped.every((m) => m.spdx !== null)) {
    const expression = licenseExpressionOf(
      mapped.map((m) => m.spdx!),
      (l) => l,
    );
    if (expression) return [new lib.Models.LicenseExpression(expression)];
  }
  return mapped.map((m) => {
    const id = idOf(m.spdx);
    return id ? new lib.Models.SpdxLicense(id) : new lib.Models.NamedLicense(m.text);
  });
}
