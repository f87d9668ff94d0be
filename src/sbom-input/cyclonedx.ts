/**
 * Reading a CycloneDX JSON BOM (1.2–1.7) back into packages, OS and image facts. Components with a
 * purl of a type we scan become packages (nested components too, walked without recursion and
 * bounded); the operating-system component is the OS; metadata.component is the image. Our own
 * `shipshape:` properties restore what the purl does not carry; Trivy's `aquasecurity:trivy:Src*`
 * properties, Syft's `syft:location:N:path` and CycloneDX 1.5+ `evidence.occurrences` are read too.
 */
import * as v from "valibot";
import type { IncompleteSource } from "../catalog/catalog.js";
import type { OsInfo } from "../catalog/os.js";
import type { Package, PackageLocation, PackageType } from "../catalog/package.js";
import { ShipshapeError } from "../errors.js";
import { parsePlatform } from "../image/platform.js";
import { PROPERTY_PREFIX } from "../report/cyclonedx.js";
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

/** Nested components deeper than this are refused (real BOMs nest a few levels). */
export const MAX_COMPONENT_DEPTH = 64;
/** More components than this are refused (bounded work; the largest real images have tens of thousands). */
export const MAX_COMPONENTS = 1_000_000;

const PropertySchema = v.object({ name: v.string(), value: v.nullish(v.string()) });

const LicenseChoiceSchema = v.object({
  license: v.nullish(v.object({ id: v.nullish(v.string()), name: v.nullish(v.string()) })),
  expression: v.nullish(v.string()),
});

/** One component; its own `components` are checked one by one as the walk reaches them. */
const ComponentSchema = v.object({
  type: v.string(),
  name: v.string(),
  group: v.nullish(v.string()),
  version: v.nullish(v.string()),
  description: v.nullish(v.string()),
  purl: v.nullish(v.string()),
  "bom-ref": v.nullish(v.string()),
  licenses: nullishList(LicenseChoiceSchema),
  properties: nullishList(PropertySchema),
  evidence: v.nullish(v.object({ occurrences: nullishList(v.object({ location: v.string() })) })),
  components: nullishList(v.unknown()),
});
type ComponentIn = v.InferOutput<typeof ComponentSchema>;

const ToolSchema = v.object({ name: v.nullish(v.string()), version: v.nullish(v.string()) });

const BomSchema = v.object({
  bomFormat: v.literal("CycloneDX"),
  specVersion: v.string(),
  metadata: v.nullish(
    v.object({
      // 1.2–1.4: a list of tools; 1.5+: {components, services}.
      tools: v.nullish(
        v.union([
          v.array(ToolSchema),
          v.object({ components: nullishList(ToolSchema), services: v.optional(v.unknown()) }),
        ]),
      ),
      component: v.nullish(v.unknown()),
      properties: nullishList(PropertySchema),
    }),
  ),
  components: nullishList(v.unknown()),
});

type Props = Map<string, string[]>;

function propsOf(c: {
  properties?: { name: string; value?: string | null | undefined }[] | undefined;
}): Props {
  const out: Props = new Map();
  for (const p of c.properties ?? []) {
    if (p.value === null || p.value === undefined) continue;
    const list = out.get(p.name);
    if (list) list.push(p.value);
    else out.set(p.name, [p.value]);
  }
  return out;
}

function first(props: Props, name: string): string | undefined {
  return props.get(name)?.[0];
}

function ours(props: Props, name: string): string | undefined {
  return first(props, `${PROPERTY_PREFIX}${name}`);
}

/** `shipshape:location:N:path` / `syft:location:N:path` (+ our `:layer`), in N order. */
function locationsOf(props: Props, c: ComponentIn): PackageLocation[] {
  const byIndex = new Map<number, PackageLocation>();
  for (const [name, values] of props) {
    const m = /^(shipshape|syft):location:(\d{1,6}):path$/.exec(name);
    if (!m || !values[0]) continue;
    const index = Number(m[2]);
    if (byIndex.has(index) && m[1] === "syft") continue;
    const loc: PackageLocation = { path: values[0] };
    const layer = m[1] === "shipshape" ? first(props, `shipshape:location:${index}:layer`) : undefined;
    if (layer !== undefined && /^\d{1,6}$/.test(layer)) loc.layer = Number(layer);
    byIndex.set(index, loc);
  }
  const locations = [...byIndex].sort((a, b) => a[0] - b[0]).map(([, l]) => l);
  if (locations.length === 0) {
    for (const o of c.evidence?.occurrences ?? []) locations.push({ path: o.location });
  }
  return locations;
}

function licensesOf(c: ComponentIn): string[] {
  const out: string[] = [];
  for (const l of c.licenses ?? []) {
    const text = l.expression ?? l.license?.id ?? l.license?.name;
    if (text?.trim()) out.push(text.trim());
  }
  return out;
}

function factsOf(c: ComponentIn, isOurs: boolean): EntryFacts {
  const props = propsOf(c);
  const facts: EntryFacts = { name: c.name, ours: isOurs };
  if (c.group) facts.group = c.group;
  if (c.version) facts.version = c.version;
  const licenses = licensesOf(c);
  if (licenses.length > 0) facts.licenses = licenses;
  facts.locations = locationsOf(props, c);
  const arch = ours(props, "package:arch");
  if (arch) facts.arch = arch;
  const epoch = ours(props, "package:epoch");
  if (epoch !== undefined && /^\d{1,9}$/.test(epoch)) facts.epoch = Number(epoch);
  const release = ours(props, "package:release");
  if (release) facts.release = release;
  const foundBy = ours(props, "package:foundBy");
  if (foundBy) facts.foundBy = foundBy;
  const ownedBy = ours(props, "package:ownedBy");
  const owner = ownedBy ? /^([a-z]+):(.+)$/.exec(ownedBy) : null;
  if (owner) facts.ownedBy = { type: owner[1] as PackageType, name: owner[2]! };
  const sourceName = ours(props, "package:sourceName") ?? first(props, "aquasecurity:trivy:SrcName");
  if (sourceName) {
    facts.sourceName = sourceName;
    let sourceVersion = ours(props, "package:sourceVersion");
    if (sourceVersion === undefined) {
      const sv = first(props, "aquasecurity:trivy:SrcVersion");
      const sr = first(props, "aquasecurity:trivy:SrcRelease");
      const se = first(props, "aquasecurity:trivy:SrcEpoch");
      if (sv) sourceVersion = `${se && se !== "0" ? `${se}:` : ""}${sv}${sr ? `-${sr}` : ""}`;
    }
    if (sourceVersion) facts.sourceVersion = sourceVersion;
  }
  return facts;
}

function isShipshapeTool(tools: v.InferOutput<typeof BomSchema>["metadata"]): boolean {
  const t = tools?.tools;
  if (!t) return false;
  const list = Array.isArray(t) ? t : (t.components ?? []);
  return list.some((x) => x.name === "shipshape");
}

/** Every component, depth-first, without recursion; nested ones too. */
function* walkComponents(
  roots: unknown[],
  what: string,
): Generator<{ component: ComponentIn; where: string }> {
  const stack: { value: unknown; where: string; depth: number }[] = roots
    .map((value, i) => ({ value, where: `components.${i}`, depth: 1 }))
    .reverse();
  let count = 0;
  while (stack.length > 0) {
    const { value, where, depth } = stack.pop()!;
    if (++count > MAX_COMPONENTS) {
      throw new ShipshapeError(
        "limit",
        `${what} has more than ${MAX_COMPONENTS} components; refusing to read it`,
      );
    }
    const component = validate(ComponentSchema, value, `${what} (${where})`);
    yield { component, where };
    const children = component.components ?? [];
    if (children.length > 0 && depth >= MAX_COMPONENT_DEPTH) {
      throw new ShipshapeError(
        "limit",
        `${what}: components nest deeper than ${MAX_COMPONENT_DEPTH} levels at ${where}`,
      );
    }
    for (let i = children.length - 1; i >= 0; i--) {
      stack.push({ value: children[i], where: `${where}.components.${i}`, depth: depth + 1 });
    }
  }
}

function osFromComponent(c: ComponentIn, evidence: string): OsInfo {
  const props = propsOf(c);
  const version = c.version ?? "";
  const os: OsInfo = {
    id: osId(c.name),
    versionId: version,
    prettyName: c.description?.trim() || [c.name, version].filter(Boolean).join(" "),
    evidence: [evidence],
  };
  const codename = ours(props, "os:codename");
  if (codename) os.codename = codename;
  const eol = ours(props, "os:eol");
  if (eol === "true" || eol === "false") os.eol = eol === "true";
  else if (eol === "null") os.eol = null;
  const eolDate = ours(props, "os:eolDate");
  if (eolDate) os.eolDate = eolDate;
  return os;
}

function sourceFrom(image: ComponentIn | null, reference: string): SbomSourceFacts {
  const props = image ? propsOf(image) : new Map();
  const purl = image?.purl ? parsePurl(image.purl) : null;
  const digestFromPurl = purl?.type === "oci" && purl.version?.startsWith("sha256:") ? purl.version : null;
  const repoDigest = first(props, "aquasecurity:trivy:RepoDigest");
  const names: string[] = [];
  for (let i = 0; ours(props, `image:name:${i}`) !== undefined; i++)
    names.push(ours(props, `image:name:${i}`)!);
  if (names.length === 0 && image)
    names.push(
      image.version && !image.version.startsWith("sha256:") ? `${image.name}:${image.version}` : image.name,
    );
  let platform = { os: "unknown", architecture: "unknown" } as SbomSourceFacts["platform"];
  const platformText = ours(props, "image:platform");
  try {
    if (platformText) platform = parsePlatform(platformText);
    else if (purl?.qualifiers?.arch) platform = { os: "linux", architecture: purl.qualifiers.arch };
  } catch {
    // A malformed platform property: keep "unknown" rather than refuse the whole SBOM.
  }
  const configDigest =
    ours(props, "image:configDigest") ?? first(props, "aquasecurity:trivy:ImageID") ?? null;
  return {
    reference,
    transport: "sbom",
    names,
    manifestDigest:
      ours(props, "image:manifestDigest") ??
      digestFromPurl ??
      (repoDigest?.includes("@sha256:") ? repoDigest.slice(repoDigest.indexOf("@") + 1) : null),
    configDigest,
    platform,
    created: ours(props, "image:created") ?? null,
  };
}

/** `path: reason` (our `shipshape:incomplete` metadata property). */
function incompleteOf(props: Props): IncompleteSource[] {
  return (props.get(`${PROPERTY_PREFIX}incomplete`) ?? []).map((text) => {
    const at = text.indexOf(": ");
    return at > 0
      ? { path: text.slice(0, at), reason: text.slice(at + 2) }
      : { path: text, reason: "incomplete" };
  });
}

/** Map a parsed CycloneDX JSON document; `what` names the file in messages; `reference` is the input as given. */
export function readCycloneDx(
  document: unknown,
  what: string,
  reference: string,
  options: SbomReadOptions = {},
): SbomReadResult {
  const bom = validate(BomSchema, document, what);
  const isOurs = isShipshapeTool(bom.metadata);
  const evidence = `sbom:${what}`;
  const skipped = new SkipTally();
  const packages: Package[] = [];
  const clues: DistroClue[] = [];
  let os: OsInfo | null = null;

  let image: ComponentIn | null = null;
  const roots: unknown[] = [...(bom.components ?? [])];
  if (bom.metadata?.component !== undefined && bom.metadata.component !== null) {
    image = validate(ComponentSchema, bom.metadata.component, `${what} (metadata.component)`);
    // Components nested in the described component are part of it (some writers put the OS there).
    roots.push(...(image.components ?? []));
  }

  for (const { component } of walkComponents(roots, what)) {
    if (component.type === "operating-system") {
      os ??= osFromComponent(component, evidence);
      continue;
    }
    if (!component.purl) {
      if (component.type !== "container" && component.type !== "file") skipped.add("no purl");
      continue;
    }
    const mapped = packageFromPurl(component.purl, factsOf(component, isOurs), "sbom-cyclonedx");
    if ("skip" in mapped) {
      skipped.add(mapped.skip);
      continue;
    }
    packages.push(mapped.package);
    if (mapped.distro)
      clues.push({ distro: mapped.distro, namespace: parsePurl(component.purl)?.namespace ?? undefined });
  }
  os ??= osFromDistroClues(clues, evidence);

  return {
    source: sourceFrom(image, reference),
    result: finishResult(
      {
        os,
        packages,
        warnings: skipped.warnings(what),
        incomplete: incompleteOf(propsOf(bom.metadata ?? {})),
      },
      options,
    ),
    document: { format: "cyclonedx", specVersion: bom.specVersion, ours: isOurs },
  };
}
