/**
 * CycloneDX VEX (a CycloneDX JSON BOM, 1.4 or later, with `vulnerabilities[].analysis`) as normalised
 * VEX statements. Each vulnerability's `id` and `references[].id` are its ids; each `affects[].ref`
 * names what it is about: a bom-ref of a component in the same document (its purl is used), a BOM-Link
 * `urn:cdx:SERIAL/VERSION#bom-ref` (the fragment is resolved the same way; the serial is not required
 * to be this scan's, since an image scan has no serial to compare), or a purl written directly.
 * The metadata component (the image) stands for every package in it. `analysis.state` not_affected,
 * false_positive, resolved and resolved_with_pedigree suppress; exploitable and in_triage keep the
 * finding. Entries without an analysis state say nothing and are skipped.
 */
import * as v from "valibot";
import { validate } from "../validate.js";
import type { VexDocument, VexStatement } from "./statement.js";

const SUPPRESSING: ReadonlySet<string> = new Set([
  "not_affected",
  "false_positive",
  "resolved",
  "resolved_with_pedigree",
]);
export const CYCLONEDX_ANALYSIS_STATES = [
  "resolved",
  "resolved_with_pedigree",
  "exploitable",
  "in_triage",
  "false_positive",
  "not_affected",
] as const;
/** Components walked to resolve refs (nested ones included), bounded. */
export const MAX_VEX_COMPONENTS = 1_000_000;

const ComponentSchema = v.object({
  "bom-ref": v.nullish(v.string()),
  purl: v.nullish(v.string()),
  components: v.nullish(v.array(v.unknown())),
});

const VulnerabilitySchema = v.object({
  id: v.nullish(v.string()),
  references: v.nullish(v.array(v.object({ id: v.string() }))),
  analysis: v.nullish(
    v.object({
      state: v.nullish(
        v.picklist(
          CYCLONEDX_ANALYSIS_STATES,
          `analysis.state must be one of ${CYCLONEDX_ANALYSIS_STATES.join(", ")}`,
        ),
      ),
      justification: v.nullish(v.string()),
      detail: v.nullish(v.string()),
      lastUpdated: v.nullish(v.string()),
      firstIssued: v.nullish(v.string()),
    }),
  ),
  affects: v.nullish(v.array(v.object({ ref: v.string() }))),
  updated: v.nullish(v.string()),
  published: v.nullish(v.string()),
});

const BomSchema = v.object({
  bomFormat: v.literal("CycloneDX"),
  specVersion: v.string(),
  metadata: v.nullish(v.object({ timestamp: v.nullish(v.string()), component: v.nullish(v.unknown()) })),
  components: v.nullish(v.array(v.unknown())),
  vulnerabilities: v.nullish(v.array(v.unknown())),
});

export function isCycloneDxVex(doc: unknown): boolean {
  return (
    typeof doc === "object" &&
    doc !== null &&
    !Array.isArray(doc) &&
    (doc as Record<string, unknown>).bomFormat === "CycloneDX"
  );
}

/** bom-ref → purl of every component (nested too), and the metadata component's bom-ref. */
function componentPurls(
  bom: v.InferOutput<typeof BomSchema>,
  file: string,
): { purls: Map<string, string>; imageRefs: Set<string> } {
  const purls = new Map<string, string>();
  const imageRefs = new Set<string>();
  const stack: { value: unknown; image: boolean }[] = [];
  if (bom.metadata?.component) stack.push({ value: bom.metadata.component, image: true });
  for (const c of bom.components ?? []) stack.push({ value: c, image: false });
  let seen = 0;
  while (stack.length > 0) {
    const { value, image } = stack.pop()!;
    if (++seen > MAX_VEX_COMPONENTS) break;
    const c = validate(ComponentSchema, value, `CycloneDX VEX ${file} component`);
    const ref = c["bom-ref"];
    if (ref) {
      if (c.purl) purls.set(ref, c.purl);
      if (image) imageRefs.add(ref);
    }
    for (const child of c.components ?? []) stack.push({ value: child, image: false });
  }
  return { purls, imageRefs };
}

/** `urn:cdx:SERIAL/VERSION#bom-ref` → bom-ref; anything else unchanged. */
function bomRefOf(ref: string): string {
  const m = /^urn:cdx:[^#]+#(.+)$/.exec(ref);
  if (!m) return ref;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return m[1]!;
  }
}

export function parseCycloneDxVex(document: unknown, file: string): VexDocument {
  const bom = validate(BomSchema, document, `CycloneDX VEX ${file}`);
  const { purls, imageRefs } = componentPurls(bom, file);
  const statements: VexStatement[] = [];
  const warnings: string[] = [];
  (bom.vulnerabilities ?? []).forEach((raw, i) => {
    const at = `vulnerabilities[${i}]`;
    const vuln = validate(VulnerabilitySchema, raw, `CycloneDX VEX ${file} ${at}`);
    const state = vuln.analysis?.state;
    if (!state) return;
    const ids = [vuln.id, ...(vuln.references ?? []).map((r) => r.id)]
      .filter((x): x is string => typeof x === "string" && x.trim() !== "")
      .map((x) => x.trim().toUpperCase());
    if (ids.length === 0) {
      warnings.push(`${file} ${at}: the vulnerability has no id; skipped`);
      return;
    }
    const products: VexStatement["products"] = [];
    for (const a of vuln.affects ?? []) {
      const ref = bomRefOf(a.ref);
      if (imageRefs.has(ref)) {
        // The image itself: every package in it (its purl, when it has one, must be this image's).
        products.push({ purl: purls.get(ref) ?? null, subcomponents: [] });
        continue;
      }
      const purl = purls.get(ref) ?? (ref.startsWith("pkg:") ? ref : null);
      if (purl) products.push({ purl, subcomponents: [] });
      else warnings.push(`${file} ${at}: affects ref "${a.ref}" names no component with a purl; ignored`);
    }
    if (products.length === 0) {
      warnings.push(
        `${file} ${at}: no affected component could be resolved; the analysis applies to nothing`,
      );
    }
    statements.push({
      ids,
      products,
      status: state,
      suppresses: SUPPRESSING.has(state),
      justification: vuln.analysis?.justification ?? null,
      reason: vuln.analysis?.detail ?? null,
      timestamp:
        vuln.analysis?.lastUpdated ?? vuln.updated ?? vuln.published ?? bom.metadata?.timestamp ?? null,
      file,
      at,
    });
  });
  return { format: "cyclonedx", file, statements, warnings };
}
