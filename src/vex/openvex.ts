/**
 * OpenVEX documents (https://github.com/openvex/spec, v0.2.0, and the v0.0.x shapes still written by
 * older tools) as normalised VEX statements. A statement names a vulnerability (`name` plus `aliases`,
 * or a bare string in v0.0.x), products (a purl as `@id` or `identifiers.purl`; v0.0.x: strings) with
 * optional subcomponents, and a status: `not_affected` and `fixed` suppress a finding, `affected` and
 * `under_investigation` keep it. Products named only by CPE or hash cannot be matched to packages and
 * are reported as warnings. Pure over the parsed JSON; validated with valibot.
 */
import * as v from "valibot";
import { ShipshapeError } from "../errors.js";
import { validate } from "../validate.js";
import type { VexDocument, VexProduct, VexStatement } from "./statement.js";

export const OPENVEX_STATUSES = ["not_affected", "affected", "fixed", "under_investigation"] as const;
const SUPPRESSING: ReadonlySet<string> = new Set(["not_affected", "fixed"]);
/** Statements per document: real documents have a few thousand at most. */
export const MAX_OPENVEX_STATEMENTS = 1_000_000;

const IdentifiersSchema = v.object({
  purl: v.nullish(v.string()),
  cpe22: v.nullish(v.string()),
  cpe23: v.nullish(v.string()),
});

const ComponentSchema = v.union([
  v.string(),
  v.object({
    "@id": v.nullish(v.string()),
    identifiers: v.nullish(IdentifiersSchema),
    subcomponents: v.nullish(
      v.array(
        v.union([
          v.string(),
          v.object({ "@id": v.nullish(v.string()), identifiers: v.nullish(IdentifiersSchema) }),
        ]),
      ),
    ),
  }),
]);

const StatementSchema = v.object({
  vulnerability: v.union([
    v.pipe(v.string(), v.minLength(1)),
    v.object({
      "@id": v.nullish(v.string()),
      name: v.pipe(v.string(), v.minLength(1)),
      aliases: v.nullish(v.array(v.string())),
    }),
  ]),
  products: v.nullish(v.array(ComponentSchema)),
  // v0.0.x: subcomponents beside the products.
  subcomponents: v.nullish(v.array(v.string())),
  status: v.picklist(OPENVEX_STATUSES, `status must be one of ${OPENVEX_STATUSES.join(", ")}`),
  justification: v.nullish(v.string()),
  impact_statement: v.nullish(v.string()),
  action_statement: v.nullish(v.string()),
  status_notes: v.nullish(v.string()),
  timestamp: v.nullish(v.string()),
  last_updated: v.nullish(v.string()),
});

const DocumentSchema = v.object({
  "@context": v.pipe(
    v.string(),
    v.check((c) => c.includes("openvex"), "is not an OpenVEX context"),
  ),
  timestamp: v.nullish(v.string()),
  last_updated: v.nullish(v.string()),
  statements: v.pipe(
    v.array(v.unknown()),
    v.maxLength(MAX_OPENVEX_STATEMENTS, `has more than ${MAX_OPENVEX_STATEMENTS} statements`),
  ),
});

/** Whether a parsed JSON value looks like an OpenVEX document (its @context names openvex). */
export function isOpenVex(doc: unknown): boolean {
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return false;
  const ctx = (doc as Record<string, unknown>)["@context"];
  return typeof ctx === "string" && ctx.includes("openvex");
}

type ComponentIn = v.InferOutput<typeof ComponentSchema>;
type SubIn =
  | string
  | { "@id"?: string | null | undefined; identifiers?: { purl?: string | null } | null | undefined };

function purlOf(c: SubIn): string | null {
  if (typeof c === "string") return c.startsWith("pkg:") ? c : null;
  const p = c.identifiers?.purl;
  if (p?.startsWith("pkg:")) return p;
  const id = c["@id"];
  return id?.startsWith("pkg:") ? id : null;
}

function productOf(c: ComponentIn, extraSubs: string[]): { product: VexProduct | null; unmatched: string[] } {
  const unmatched: string[] = [];
  const purl = purlOf(c);
  const subs: string[] = [...extraSubs];
  if (typeof c !== "string") {
    for (const s of c.subcomponents ?? []) {
      const p = purlOf(s);
      if (p) subs.push(p);
      else unmatched.push(typeof s === "string" ? s : (s["@id"] ?? "a subcomponent without purl"));
    }
  }
  if (!purl) {
    unmatched.push(
      typeof c === "string" ? c : (c["@id"] ?? c.identifiers?.cpe23 ?? "a product without purl"),
    );
    return { product: null, unmatched };
  }
  return { product: { purl, subcomponents: subs }, unmatched };
}

/** Normalise a parsed OpenVEX document; `file` names it in messages and suppression records. */
export function parseOpenVex(document: unknown, file: string): VexDocument {
  const doc = validate(DocumentSchema, document, `OpenVEX document ${file}`);
  const statements: VexStatement[] = [];
  const warnings: string[] = [];
  doc.statements.forEach((raw, i) => {
    const at = `statements[${i}]`;
    const s = validate(StatementSchema, raw, `OpenVEX document ${file} ${at}`);
    const ids =
      typeof s.vulnerability === "string"
        ? [s.vulnerability]
        : [s.vulnerability.name, ...(s.vulnerability.aliases ?? [])];
    const products: VexProduct[] = [];
    for (const c of s.products ?? []) {
      const { product, unmatched } = productOf(c, s.subcomponents ?? []);
      if (product) products.push(product);
      for (const u of unmatched)
        warnings.push(`${file} ${at}: "${u}" names no package URL; it cannot match a package`);
    }
    if (products.length === 0 && (s.products ?? []).length === 0) {
      warnings.push(`${file} ${at}: the statement names no products; it applies to nothing`);
    }
    statements.push({
      ids: ids.map((x) => x.trim().toUpperCase()).filter((x) => x !== ""),
      products,
      status: s.status,
      suppresses: SUPPRESSING.has(s.status),
      justification: s.justification ?? null,
      reason: s.impact_statement ?? s.status_notes ?? s.action_statement ?? null,
      timestamp: s.last_updated ?? s.timestamp ?? doc.last_updated ?? doc.timestamp ?? null,
      file,
      at,
    });
  });
  if (statements.length === 0) warnings.push(`${file}: the OpenVEX document has no statements`);
  return { format: "openvex", file, statements, warnings };
}

/** For callers that know the bytes are meant as OpenVEX. */
export function requireOpenVex(document: unknown, file: string): VexDocument {
  if (!isOpenVex(document)) {
    throw new ShipshapeError("input", `${file} is not an OpenVEX document (no openvex "@context")`);
  }
  return parseOpenVex(document, file);
}
