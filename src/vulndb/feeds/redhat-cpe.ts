/**
 * Red Hat's CPEs: which RHEL major release a product CPE belongs to, whether it is the platform
 * itself (RHEL BaseOS/AppStream, EUS, AUS, E4S, TUS, ELS…) or a layered product built for it
 * (OpenShift, Software Collections… `::el9`), and the two mappings that scope advisories to an
 * image: repository → CPEs (Red Hat's `repository-to-cpe.json`, keyed by the content sets a UBI
 * image's content manifest lists) and image NVR → CPEs (`nvr-to-cpe.json`, Trivy's layout).
 *
 * The mappings travel in the vulnerability database as affected rows of a namespace no package is
 * ever looked up in (REDHAT_CPE_MAP_NAMESPACE), so the matcher can resolve content sets without a
 * schema change. (A dedicated table would be cleaner: see the report that introduced this file.)
 */
import * as v from "valibot";
import { describeError, ShipshapeError } from "../../errors.js";
import type { AffectedRecord } from "../records.js";
import type { VulnStore } from "../store.js";

export const REDHAT_CPE_MAP_NAMESPACE = "redhat-cpe-map";
export type CpeMappingKind = "repository" | "nvr";
export type CpeMapping = Map<string, string[]>;

/** Red Hat CPEs are CPE 2.2 URIs: `cpe:/o:redhat:enterprise_linux:9::baseos`. */
const CPE_URI = /^cpe:\/[aho](?::[^:\s]*){1,6}$/;
const MAP_KEY = /^[\w.+:@-]{1,256}$/;

export function isCpeUri(text: string): boolean {
  return text.length <= 256 && CPE_URI.test(text);
}

function cpeFields(cpe: string): string[] | null {
  if (!isCpeUri(cpe)) return null;
  return cpe.slice("cpe:/".length).split(":");
}

/** Products that are RHEL itself (any support stream), as opposed to layered products. */
function isPlatformProduct(product: string): boolean {
  return (
    product === "enterprise_linux" ||
    /^rhel_(eus|aus|tus|e4s|els|extras|mission_critical|update_services_for_sap_solutions)(_[a-z0-9_]+)?$/.test(
      product,
    )
  );
}

/** "el9" in a CPE's update/edition fields: a layered product built for RHEL 9. */
function elTarget(fields: string[]): number | null {
  for (const f of fields.slice(4)) {
    const m = /^el(\d{1,2})$/.exec(f);
    if (m) return Number(m[1]);
  }
  return null;
}

/** The RHEL major release of a Red Hat product CPE, or null when it does not say. */
export function rhelMajorOfCpe(cpe: string): number | null {
  const f = cpeFields(cpe);
  if (f?.[1] !== "redhat") return null;
  const target = elTarget(f);
  if (target !== null) return target;
  if (isPlatformProduct(f[2] ?? "")) {
    const m = /^(\d{1,2})(?:\.\d+)*$/.exec(f[3] ?? "");
    if (m) return Number(m[1]);
  }
  return null;
}

/** Is this the RHEL platform's CPE (any support stream), not a layered product's? */
export function isRhelPlatformCpe(cpe: string): boolean {
  const f = cpeFields(cpe);
  return !!f && f[1] === "redhat" && isPlatformProduct(f[2] ?? "") && elTarget(f) === null;
}

/** The RHEL major release an RPM release tag names: "21.el9_5" → 9, "65.module+el8.10.0+…" → 8. */
export function rhelMajorOfRelease(versionOrRelease: string): number | null {
  const m = /(?:^|[.+_-])el(\d{1,2})(?=$|[._+-])/.exec(versionOrRelease);
  return m ? Number(m[1]) : null;
}

const FlatMapping = v.record(v.string(), v.array(v.string()));
const RedHatMapping = v.looseObject({
  data: v.record(v.string(), v.looseObject({ cpes: v.array(v.string()) })),
});

/**
 * A mapping file: Trivy's `{"key": ["cpe", …]}` or Red Hat's published
 * `{"data": {"key": {"cpes": [...], …}}}`. Invalid CPEs are dropped; a file of another shape is an error.
 */
export function parseCpeMapping(bytes: Buffer | string, origin: string): CpeMapping {
  let doc: unknown;
  try {
    doc = JSON.parse(typeof bytes === "string" ? bytes : bytes.toString("utf8"));
  } catch (err) {
    throw new ShipshapeError(
      "input",
      `${origin} is not JSON (${describeError(err)}); expected a CPE mapping`,
    );
  }
  let entries: [string, string[]][];
  const redhat = v.safeParse(RedHatMapping, doc);
  if (redhat.success) entries = Object.entries(redhat.output.data).map(([k, e]) => [k, e.cpes]);
  else {
    const flat = v.safeParse(FlatMapping, doc);
    if (!flat.success) {
      throw new ShipshapeError(
        "input",
        `${origin} is not a CPE mapping: expected {"name": ["cpe:/…"]} or {"data": {"name": {"cpes": [...]}}}`,
      );
    }
    entries = Object.entries(flat.output);
  }
  const out: CpeMapping = new Map();
  for (const [key, cpes] of entries) {
    const name = key.trim();
    if (!MAP_KEY.test(name)) continue;
    const valid = [...new Set(cpes.map((c) => c.trim()).filter(isCpeUri))].sort();
    if (valid.length > 0) out.set(name, valid);
  }
  return out;
}

/** The mapping as database rows (see the module comment). */
export function cpeMappingRecords(
  kind: CpeMappingKind,
  mapping: CpeMapping,
  source: string,
): AffectedRecord[] {
  return [...mapping].map(([key, cpes]) => ({
    vulnerabilityId: `${kind}-to-cpe`,
    namespace: REDHAT_CPE_MAP_NAMESPACE,
    packageName: `${kind}:${key}`,
    scheme: "rpm",
    status: "not-affected",
    ranges: [],
    fixedVersion: null,
    fixPublished: null,
    severity: null,
    moduleStream: null,
    cpes,
    source,
    advisory: null,
  }));
}

export interface ResolvedCpes {
  /** The CPEs of the given repositories and NVRs (sorted, unique). */
  cpes: string[];
  /** Content sets and NVRs the database has no mapping for. */
  unknown: string[];
}

/** The repository CPEs for an image's content sets (and build NVRs), from the database. */
export async function lookupRhelCpes(
  store: VulnStore,
  scope: { contentSets?: readonly string[]; nvrs?: readonly string[] },
): Promise<ResolvedCpes> {
  const keys = [
    ...(scope.contentSets ?? []).map((name) => ({ kind: "repository", name })),
    ...(scope.nvrs ?? []).map((name) => ({ kind: "nvr", name })),
  ].filter((k) => k.name !== "");
  if (keys.length === 0) return { cpes: [], unknown: [] };
  const rows = await store.affected(
    keys.map((k) => ({ namespace: REDHAT_CPE_MAP_NAMESPACE, packageName: `${k.kind}:${k.name}` })),
  );
  const found = new Set(rows.map((r) => r.packageName));
  const cpes = new Set(rows.flatMap((r) => r.cpes));
  return {
    cpes: [...cpes].sort(),
    unknown: keys.filter((k) => !found.has(`${k.kind}:${k.name}`)).map((k) => k.name),
  };
}
