/**
 * Which Red Hat records apply to an image. Red Hat publishes one fix per product stream — RHEL 8
 * BaseOS, 8.8 EUS, 8.6 E4S, OpenShift for RHEL 8… — each named by a CPE, and the same binary
 * package can be fixed at different versions in each. An image says which repositories its packages
 * came from in its content manifests (`/root/buildinfo/content_manifests/*.json`, "content_sets"),
 * and Red Hat's repository-to-CPE mapping turns those into CPEs: a record applies when it shares one,
 * as Trivy does. Without a content manifest, the records of the RHEL platform itself apply (any
 * support stream of that major release), but not those of layered products built for it.
 *
 * Also here: the architectures a fix was built for (a fix for aarch64 says nothing about x86_64).
 */
import * as v from "valibot";
import type { Package } from "../catalog/package.js";
import { describeError, ShipshapeError } from "../errors.js";
import { isRhelPlatformCpe, lookupRhelCpes } from "../vulndb/feeds/redhat-cpe.js";
import type { AffectedRecord } from "../vulndb/records.js";
import type { VulnStore } from "../vulndb/store.js";

/** Content manifests are a few KiB. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const CONTENT_SET = /^[A-Za-z0-9][\w.+-]{0,255}$/;

const ContentManifest = v.looseObject({
  metadata: v.optional(v.looseObject({ image_layer_index: v.optional(v.number()) })),
  content_sets: v.array(v.string()),
});

export interface ContentManifest {
  /** Repository ids ("rhel-8-for-x86_64-baseos-rpms"). */
  contentSets: string[];
  /** Which layer the manifest describes, when it says. */
  imageLayerIndex: number | null;
}

/** Parse one content manifest (atomic-reactor's content_manifest.json schema). */
export function parseContentManifest(bytes: Buffer | string, origin: string): ContentManifest {
  if (bytes.length > MAX_MANIFEST_BYTES) {
    throw new ShipshapeError(
      "limit",
      `${origin} is ${bytes.length} bytes, over the ${MAX_MANIFEST_BYTES}-byte cap for a content manifest`,
    );
  }
  let doc: unknown;
  try {
    doc = JSON.parse(typeof bytes === "string" ? bytes : bytes.toString("utf8"));
  } catch (err) {
    throw new ShipshapeError(
      "input",
      `${origin} is not JSON (${describeError(err)}); expected a Red Hat content manifest`,
    );
  }
  const parsed = v.safeParse(ContentManifest, doc);
  if (!parsed.success) {
    throw new ShipshapeError(
      "input",
      `${origin} is not a Red Hat content manifest (no "content_sets" list of repository ids)`,
    );
  }
  const contentSets = [
    ...new Set(parsed.output.content_sets.map((s) => s.trim()).filter((s) => CONTENT_SET.test(s))),
  ];
  const index = parsed.output.metadata?.image_layer_index;
  return {
    contentSets,
    imageLayerIndex: typeof index === "number" && Number.isInteger(index) && index >= 0 ? index : null,
  };
}

export interface RhelScope {
  /** The image's repository CPEs; null when the database cannot resolve any (use the default scope). */
  cpes: string[] | null;
  warnings: string[];
}

/**
 * An image's repository CPEs from its content manifests (and build NVRs, e.g.
 * "ubi8-init-container-8.0-7-x86_64"), looked up in the database's mapping.
 */
export async function resolveRhelScope(
  store: VulnStore,
  manifests: readonly ContentManifest[],
  nvrs: readonly string[] = [],
): Promise<RhelScope> {
  const contentSets = [...new Set(manifests.flatMap((m) => m.contentSets))];
  if (contentSets.length === 0 && nvrs.length === 0) return { cpes: null, warnings: [] };
  const { cpes, unknown } = await lookupRhelCpes(store, { contentSets, nvrs });
  const warnings: string[] = [];
  if (cpes.length === 0) {
    warnings.push(
      `none of the image's Red Hat repositories (${[...contentSets, ...nvrs].slice(0, 4).join(", ")}) is in the database's repository-to-CPE mapping; Red Hat advisories of every RHEL stream are used`,
    );
    return { cpes: null, warnings };
  }
  if (unknown.length > 0) {
    warnings.push(
      `Red Hat repositories without a CPE mapping (ignored for scoping): ${unknown.slice(0, 6).join(", ")}`,
    );
  }
  return { cpes, warnings };
}

/**
 * Does a record apply within the image's repository scope? Records without CPEs apply everywhere.
 * With the image's CPEs, the record must share one; without them, it must name the RHEL platform.
 */
export function inRhelScope(record: AffectedRecord, cpes: readonly string[] | null | undefined): boolean {
  if (record.cpes.length === 0) return true;
  if (cpes && cpes.length > 0) return record.cpes.some((c) => cpes.includes(c));
  return record.cpes.some(isRhelPlatformCpe);
}

/** The architectures a fix was built for, when the record says (Red Hat CSAF records do). */
export function recordArches(record: AffectedRecord): string[] {
  const arches: unknown = (record as AffectedRecord & { arches?: unknown }).arches;
  return Array.isArray(arches) ? arches.filter((a): a is string => typeof a === "string") : [];
}

/** A record with architectures applies to packages of those architectures (and noarch ones), as Trivy does. */
export function archApplies(record: AffectedRecord, pkg: Package): boolean {
  const arches = recordArches(record);
  if (arches.length === 0 || !pkg.arch || pkg.arch === "noarch") return true;
  return arches.includes(pkg.arch);
}

/** rpm packages of another vendor (EPEL's "Fedora Project", third parties) are not Red Hat's to judge. */
export function isOtherVendorRpm(pkg: Package): boolean {
  const vendor = pkg.metadata?.vendor;
  return (
    pkg.type === "rpm" &&
    typeof vendor === "string" &&
    vendor.trim() !== "" &&
    !/^red\s*hat\b/i.test(vendor.trim())
  );
}
