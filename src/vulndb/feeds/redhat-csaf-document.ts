/**
 * One Red Hat CSAF document (a VEX file per CVE, or a security advisory RHSA) → database records.
 *
 * The product tree names products (a RHEL stream with its CPE) and components (an RPM with a purl
 * `pkg:rpm/redhat/NAME@VERSION-RELEASE?arch=…&epoch=…&rpmmod=MODULE:STREAM:…`); relationships make
 * the product ids the statuses refer to ("BaseOS-9.5.0.Z.MAIN:pam-0:1.5.1-21.el9_5.x86_64").
 * Each product id gets a status from `product_status` (fixed / known_affected / known_not_affected;
 * under_investigation is left out, as Trivy does) refined by the remediations: vendor_fix → fixed,
 * with the RHSA (from its URL) and the release date; no_fix_planned → "Will not fix" / end-of-life
 * for "Out of support scope"; none_available → affected, or deferred. The threats' impact gives the
 * severity (Critical/Important/Moderate/Low → critical/high/medium/low).
 *
 * Records are keyed as the matcher looks RPMs up: namespace `rhel:<major>`, the BINARY package name
 * (source RPMs, `arch=src`, are skipped as in Trivy), the module stream, and the product CPEs that
 * scope the record to repositories. Entries differing only in CPE or architecture are merged.
 */
import { PackageURL } from "packageurl-js";
import * as v from "valibot";
import { ShipshapeError } from "../../errors.js";
import { scoreVector } from "../cvss.js";
import type { AffectedRecord, AffectedStatus, CvssScore, Severity, VulnerabilityRecord } from "../records.js";
import { isCpeUri, rhelMajorOfCpe, rhelMajorOfRelease } from "./redhat-cpe.js";

export const REDHAT_CSAF_SOURCE = "redhat-csaf";

/** An affected record of Red Hat's data (architectures are part of AffectedRecord). */
export type RhelAffectedRecord = AffectedRecord;

export interface CsafParseResult {
  vulnerabilities: VulnerabilityRecord[];
  affected: RhelAffectedRecord[];
  /** The document's own date (tracking.current_release_date). */
  date: string | null;
  /** Product ids that were left out, by reason (for a summary warning). */
  skipped: { noProduct: number; notRpm: number; source: number; noMajor: number };
}

const CVE_ID = /^CVE-\d{4}-\d{4,19}$/;
const MAX_BRANCH_DEPTH = 32;

const Helper = v.looseObject({
  cpe: v.optional(v.string()),
  purl: v.optional(v.string()),
});
const FullProductName = v.looseObject({
  name: v.optional(v.string()),
  product_id: v.string(),
  product_identification_helper: v.optional(Helper),
});
const Branch = v.looseObject({
  category: v.optional(v.string()),
  name: v.optional(v.string()),
  product: v.optional(FullProductName),
  branches: v.optional(v.array(v.unknown())),
});
const Relationship = v.looseObject({
  category: v.optional(v.string()),
  full_product_name: v.looseObject({ product_id: v.string(), name: v.optional(v.string()) }),
  product_reference: v.string(),
  relates_to_product_reference: v.string(),
});
const Ids = v.optional(v.array(v.string()));
const Note = v.looseObject({ category: v.optional(v.string()), text: v.optional(v.string()) });
const Reference = v.looseObject({ url: v.optional(v.string()) });
const Cvss = v.looseObject({
  version: v.optional(v.string()),
  vectorString: v.string(),
  baseScore: v.optional(v.number()),
});
const Vulnerability = v.looseObject({
  cve: v.optional(v.string()),
  title: v.optional(v.string()),
  cwe: v.optional(v.looseObject({ id: v.optional(v.string()) })),
  cwes: v.optional(v.array(v.looseObject({ id: v.optional(v.string()) }))),
  discovery_date: v.optional(v.string()),
  release_date: v.optional(v.string()),
  notes: v.optional(v.array(Note)),
  references: v.optional(v.array(Reference)),
  product_status: v.optional(
    v.looseObject({
      fixed: Ids,
      first_fixed: Ids,
      known_affected: Ids,
      first_affected: Ids,
      last_affected: Ids,
      known_not_affected: Ids,
      under_investigation: Ids,
    }),
  ),
  remediations: v.optional(
    v.array(
      v.looseObject({
        category: v.string(),
        details: v.optional(v.string()),
        date: v.optional(v.string()),
        url: v.optional(v.string()),
        product_ids: Ids,
      }),
    ),
  ),
  scores: v.optional(
    v.array(
      v.looseObject({
        cvss_v2: v.optional(Cvss),
        cvss_v3: v.optional(Cvss),
        cvss_v4: v.optional(Cvss),
      }),
    ),
  ),
  threats: v.optional(
    v.array(v.looseObject({ category: v.string(), details: v.optional(v.string()), product_ids: Ids })),
  ),
});
const Document = v.looseObject({
  document: v.optional(
    v.looseObject({
      category: v.optional(v.string()),
      title: v.optional(v.string()),
      aggregate_severity: v.optional(v.looseObject({ text: v.optional(v.string()) })),
      references: v.optional(v.array(Reference)),
      tracking: v.optional(
        v.looseObject({
          id: v.optional(v.string()),
          current_release_date: v.optional(v.string()),
          initial_release_date: v.optional(v.string()),
        }),
      ),
    }),
  ),
  product_tree: v.optional(
    v.looseObject({
      branches: v.optional(v.array(v.unknown())),
      full_product_names: v.optional(v.array(FullProductName)),
      relationships: v.optional(v.array(Relationship)),
    }),
  ),
  vulnerabilities: v.optional(v.array(Vulnerability)),
});

type Vuln = v.InferOutput<typeof Vulnerability>;

/** Red Hat's impact ratings. */
export function redHatSeverity(text: string | undefined): Severity | null {
  switch (text?.trim().toLowerCase()) {
    case "critical":
      return "critical";
    case "important":
      return "high";
    case "moderate":
      return "medium";
    case "low":
      return "low";
    default:
      return null;
  }
}

const SEVERITY_RANK: Record<Severity, number> = {
  unknown: 0,
  negligible: 1,
  low: 2,
  medium: 3,
  high: 4,
  critical: 5,
};

interface ProductInfo {
  name: string | null;
  cpe: string | null;
  purl: string | null;
}

/** A component resolved from its purl (or, lacking one, from its product id). */
export interface RpmComponent {
  name: string;
  /** `[epoch:]version-release`, null when the product names no version (unfixed entries). */
  version: string | null;
  arch: string | null;
  /** "nodejs:16" for a modular RPM. */
  module: string | null;
}

function moduleFromRpmmod(rpmmod: string | undefined): string | null {
  if (!rpmmod) return null;
  const [name, stream] = rpmmod.split(":");
  return name && stream ? `${name}:${stream}` : null;
}

/** `name-[epoch:]version-release.arch`, as Red Hat writes product ids of RPMs. */
function parseNevra(text: string): RpmComponent | null {
  const m = /^(.+)-(?:(\d+):)?([^-:\s]+)-([^-:\s]+)\.([A-Za-z0-9_]+)$/.exec(text);
  if (!m) return null;
  const [, name, epoch, version, release, arch] = m as unknown as [
    string,
    string,
    string | undefined,
    string,
    string,
    string,
  ];
  const evr = `${epoch && epoch !== "0" ? `${epoch}:` : ""}${version}-${release}`;
  return { name, version: evr, arch, module: null };
}

const RPM_NAME = /^[A-Za-z0-9][A-Za-z0-9._+~^-]{0,254}$/;

/**
 * The RPM a component product stands for. Red Hat gives a purl; a few old documents lack it, and then
 * the product id itself is read (`name-epoch:version-release.arch`, `name::module:stream`, or the
 * legacy `module:stream:version:context:name-…` form).
 */
export function rpmComponent(
  productRef: string,
  info: ProductInfo | undefined,
): RpmComponent | "not-rpm" | null {
  const purl = info?.purl?.trim();
  if (purl) {
    if (!purl.startsWith("pkg:rpm/")) return "not-rpm";
    let p: PackageURL;
    try {
      p = PackageURL.fromString(purl);
    } catch {
      return null;
    }
    if (!RPM_NAME.test(p.name)) return null;
    const q = p.qualifiers ?? {};
    const epoch = q.epoch && /^\d+$/.test(q.epoch) && q.epoch !== "0" ? `${q.epoch}:` : "";
    const version = p.version ? `${epoch}${p.version}` : null;
    return {
      name: p.name,
      version,
      arch: q.arch || null,
      module: moduleFromRpmmod(q.rpmmod) ?? moduleSuffix(productRef) ?? moduleInName(info?.name),
    };
  }
  let ref = productRef;
  let module = moduleSuffix(ref);
  if (module) ref = ref.slice(0, ref.lastIndexOf("::"));
  const legacy = /^([^:]+):([^:]+):\d+:[0-9a-f]+:(.+)$/.exec(ref);
  if (legacy) {
    module = `${legacy[1]}:${legacy[2]}`;
    ref = legacy[3]!;
  }
  const nevra = parseNevra(ref);
  if (nevra) return { ...nevra, module: module ?? moduleInName(info?.name) };
  if (RPM_NAME.test(ref))
    return { name: ref, version: null, arch: null, module: module ?? moduleInName(info?.name) };
  return null;
}

/** "pkg-0:1.2-3.el8.x86_64::nodejs:16" → "nodejs:16". */
function moduleSuffix(ref: string): string | null {
  const m = /::([A-Za-z0-9._+-]+:[A-Za-z0-9._+-]+)$/.exec(ref);
  return m ? m[1]! : null;
}

/** "firefox-x11 (firefox:flatpak)" → "firefox:flatpak". */
function moduleInName(name: string | null | undefined): string | null {
  const m = name ? /\(([A-Za-z0-9._+-]+:[A-Za-z0-9._+-]+)\)\s*$/.exec(name) : null;
  return m ? m[1]! : null;
}

function walkBranches(
  branches: unknown[] | undefined,
  products: Map<string, ProductInfo>,
  depth: number,
): void {
  if (!branches) return;
  if (depth > MAX_BRANCH_DEPTH) throw new Error(`product tree nested deeper than ${MAX_BRANCH_DEPTH} levels`);
  for (const raw of branches) {
    const b = v.safeParse(Branch, raw);
    if (!b.success) continue;
    const p = b.output.product;
    if (p) addProduct(products, p);
    walkBranches(b.output.branches, products, depth + 1);
  }
}

function addProduct(products: Map<string, ProductInfo>, p: v.InferOutput<typeof FullProductName>): void {
  // The same id may appear twice; the first is kept (they describe the same product).
  if (products.has(p.product_id)) return;
  const cpe = p.product_identification_helper?.cpe?.trim();
  products.set(p.product_id, {
    name: p.name ?? null,
    cpe: cpe && isCpeUri(cpe) ? cpe : null,
    purl: p.product_identification_helper?.purl ?? null,
  });
}

interface Resolved {
  component: RpmComponent;
  cpe: string | null;
}

/** "2024-11-19T04:46:55Z" / "+00:00" → ISO UTC; anything else null. */
function isoDate(text: string | undefined): string | null {
  if (!text) return null;
  const t = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(t)) return null;
  return new Date(t).toISOString();
}

/** "https://access.redhat.com/errata/RHSA-2024:9941" → "RHSA-2024:9941". */
function advisoryOf(url: string | undefined): string | null {
  const last = url?.trim().split(/[/#?]/).filter(Boolean).at(-1);
  return last && /^RH[SBE]A-\d{4}:\d{1,8}(-\d+)?$/.test(last) ? last : null;
}

interface StatusEntry {
  status: AffectedStatus;
  advisory: string | null;
  date: string | null;
}

function statusFromRemediation(category: string, details: string | undefined): AffectedStatus | null {
  const d = (details ?? "").trim().toLowerCase();
  switch (category) {
    case "vendor_fix":
      return "fixed";
    case "no_fix_planned":
      return d === "out of support scope" ? "end-of-life" : "will-not-fix";
    case "none_available":
      return d.includes("deferred") ? "deferred" : "affected";
    default:
      // workaround, mitigation, fix_planned, optional_patch: not a status.
      return null;
  }
}

const REMEDIATION_RANK: Record<AffectedStatus, number> = {
  fixed: 5,
  "will-not-fix": 4,
  "end-of-life": 4,
  deferred: 3,
  affected: 2,
  "not-affected": 1,
};

function statuses(vuln: Vuln): Map<string, StatusEntry> {
  const out = new Map<string, StatusEntry>();
  const set = (id: string, entry: StatusEntry) => out.set(id, entry);
  const ps = vuln.product_status;
  for (const id of ps?.known_not_affected ?? [])
    set(id, { status: "not-affected", advisory: null, date: null });
  for (const id of [
    ...(ps?.known_affected ?? []),
    ...(ps?.first_affected ?? []),
    ...(ps?.last_affected ?? []),
  ])
    set(id, { status: "affected", advisory: null, date: null });
  for (const id of [...(ps?.fixed ?? []), ...(ps?.first_fixed ?? [])])
    set(id, { status: "fixed", advisory: null, date: null });
  // Remediations say more (which advisory, why no fix); the strongest one for a product wins.
  const fromRemediation = new Map<string, StatusEntry>();
  for (const r of vuln.remediations ?? []) {
    const status = statusFromRemediation(r.category, r.details);
    if (!status) continue;
    const entry: StatusEntry = {
      status,
      advisory: status === "fixed" ? advisoryOf(r.url) : null,
      date: status === "fixed" ? isoDate(r.date) : null,
    };
    for (const id of r.product_ids ?? []) {
      const prev = fromRemediation.get(id);
      if (!prev || REMEDIATION_RANK[status] > REMEDIATION_RANK[prev.status]) fromRemediation.set(id, entry);
    }
  }
  for (const [id, entry] of fromRemediation) set(id, entry);
  return out;
}

function noteText(vuln: Vuln, category: string): string | null {
  return vuln.notes?.find((n) => n.category === category)?.text?.trim() || null;
}

function cvssOf(vuln: Vuln, warn: (m: string) => void, id: string): CvssScore[] {
  const out: CvssScore[] = [];
  const seen = new Set<string>();
  for (const s of vuln.scores ?? []) {
    for (const c of [s.cvss_v3, s.cvss_v4, s.cvss_v2]) {
      if (!c) continue;
      const vector = c.vectorString.trim();
      if (seen.has(vector)) continue;
      seen.add(vector);
      try {
        const r = scoreVector(vector);
        out.push({ version: r.version, vector, score: r.score, source: REDHAT_CSAF_SOURCE });
      } catch (err) {
        if (typeof c.baseScore === "number" && c.baseScore >= 0 && c.baseScore <= 10 && c.version) {
          out.push({ version: c.version, vector, score: c.baseScore, source: REDHAT_CSAF_SOURCE });
        } else warn(`${id}: Red Hat CVSS vector skipped (${(err as Error).message})`);
      }
    }
  }
  return out;
}

/**
 * Parse one document (already JSON-parsed). Throws a ShipshapeError naming `origin` when it is not a
 * CSAF document with at least one vulnerability, or a vulnerability has no valid CVE id.
 */
export function parseRedHatCsaf(
  doc: unknown,
  origin: string,
  warn: (m: string) => void = () => {},
): CsafParseResult {
  const parsed = v.safeParse(Document, doc);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = (issue.path ?? []).map((p) => String(p.key)).join(".") || "(document)";
    throw new ShipshapeError("input", `${origin}: ${path} ${issue.message}; not a CSAF document`);
  }
  const d = parsed.output;
  const vulns = d.vulnerabilities ?? [];
  if (vulns.length === 0) {
    throw new ShipshapeError(
      "input",
      `${origin}: the CSAF document lists no vulnerabilities (invalid number of vulnerabilities)`,
    );
  }
  const products = new Map<string, ProductInfo>();
  try {
    for (const p of d.product_tree?.full_product_names ?? []) addProduct(products, p);
    walkBranches(d.product_tree?.branches, products, 0);
  } catch (err) {
    throw new ShipshapeError("input", `${origin}: ${(err as Error).message}`);
  }
  const relationships = new Map<string, { ref: string; parent: string }>();
  for (const r of d.product_tree?.relationships ?? []) {
    if (!relationships.has(r.full_product_name.product_id)) {
      relationships.set(r.full_product_name.product_id, {
        ref: r.product_reference,
        parent: r.relates_to_product_reference,
      });
    }
  }
  const skipped = { noProduct: 0, notRpm: 0, source: 0, noMajor: 0 };
  const resolvedCache = new Map<string, Resolved | keyof typeof skipped>();
  // One component appears under many streams, one stream in many documents' products: parse once.
  const components = new Map<string, RpmComponent | "not-rpm" | null>();
  const majors = new Map<string, number | null>();
  const majorOfCpe = (cpe: string) => {
    let m = majors.get(cpe);
    if (m === undefined) {
      m = rhelMajorOfCpe(cpe);
      majors.set(cpe, m);
    }
    return m;
  };
  const resolve = (productId: string): Resolved | keyof typeof skipped => {
    const cached = resolvedCache.get(productId);
    if (cached) return cached;
    let result: Resolved | keyof typeof skipped;
    const rel = relationships.get(productId);
    if (!rel) result = "noProduct";
    else {
      let component = components.get(rel.ref);
      if (component === undefined) {
        component = rpmComponent(rel.ref, products.get(rel.ref));
        components.set(rel.ref, component);
      }
      if (component === "not-rpm") result = "notRpm";
      else if (component === null) result = "noProduct";
      else if (component.arch === "src" || component.arch === "nosrc") result = "source";
      else result = { component, cpe: products.get(rel.parent)?.cpe ?? null };
    }
    resolvedCache.set(productId, result);
    return result;
  };

  const docCategory = d.document?.category ?? "";
  const docSeverity = redHatSeverity(d.document?.aggregate_severity?.text);
  const docReferences = (d.document?.references ?? [])
    .map((r) => r.url?.trim() ?? "")
    .filter((u) => /^https?:\/\//.test(u));
  const vulnerabilities: VulnerabilityRecord[] = [];
  const affected: RhelAffectedRecord[] = [];

  for (const vuln of vulns) {
    const cve = vuln.cve?.trim() ?? "";
    if (!CVE_ID.test(cve)) {
      throw new ShipshapeError(
        "input",
        `${origin}: vulnerability cve ${JSON.stringify(cve.slice(0, 40))} does not match ^CVE-[0-9]{4}-[0-9]{4,}$`,
      );
    }
    // Severity per product; a threat without products (RHSA documents) is the CVE's own rating.
    const productSeverity = new Map<string, Severity>();
    let cveSeverity: Severity | null = null;
    for (const t of vuln.threats ?? []) {
      if (t.category !== "impact") continue;
      const s = redHatSeverity(t.details);
      if (!s) continue;
      if (!t.product_ids || t.product_ids.length === 0) cveSeverity = s;
      for (const id of t.product_ids ?? []) productSeverity.set(id, s);
    }
    if (!cveSeverity && docCategory === "csaf_vex") cveSeverity = docSeverity;
    if (!cveSeverity && productSeverity.size > 0) {
      cveSeverity = [...productSeverity.values()].reduce((a, b) =>
        SEVERITY_RANK[b] > SEVERITY_RANK[a] ? b : a,
      );
    }

    const groups = new Map<
      string,
      { record: RhelAffectedRecord; cpes: Set<string>; arches: Set<string>; anyArch: boolean }
    >();
    for (const [productId, entry] of statuses(vuln)) {
      const r = resolve(productId);
      if (typeof r === "string") {
        skipped[r]++;
        continue;
      }
      const { component, cpe } = r;
      const major =
        (cpe ? majorOfCpe(cpe) : null) ?? (component.version ? rhelMajorOfRelease(component.version) : null);
      if (major === null) {
        skipped.noMajor++;
        continue;
      }
      const fixed = entry.status === "fixed";
      const fixedVersion = fixed ? component.version : null;
      const severity = productSeverity.get(productId) ?? cveSeverity;
      const key = [
        major,
        component.name,
        component.module,
        entry.status,
        fixedVersion,
        entry.advisory,
        entry.date,
        severity,
      ].join("\0");
      let g = groups.get(key);
      if (!g) {
        g = {
          record: {
            vulnerabilityId: cve,
            namespace: `rhel:${major}`,
            packageName: component.name,
            scheme: "rpm",
            status: entry.status,
            ranges: fixedVersion ? [{ introduced: "0", fixed: fixedVersion }] : [],
            fixedVersion,
            fixPublished: entry.date,
            severity: severity ?? null,
            moduleStream: component.module,
            cpes: [],
            source: REDHAT_CSAF_SOURCE,
            advisory: entry.advisory,
          },
          cpes: new Set(),
          arches: new Set(),
          anyArch: false,
        };
        groups.set(key, g);
      }
      if (cpe) g.cpes.add(cpe);
      // Architectures matter for fixes only (unfixed entries name no build).
      if (fixed && component.arch) g.arches.add(component.arch);
      else g.anyArch = true;
    }
    for (const g of groups.values()) {
      g.record.cpes = [...g.cpes].sort();
      if (!g.anyArch && g.arches.size > 0) g.record.arches = [...g.arches].sort();
      affected.push(g.record);
    }

    const cwes = [vuln.cwe?.id, ...(vuln.cwes ?? []).map((c) => c.id)]
      .map((c) => c?.trim() ?? "")
      .filter((c, i, all) => /^CWE-\d+$/.test(c) && all.indexOf(c) === i);
    const references = [
      ...new Set([
        ...(vuln.references ?? []).map((r) => r.url?.trim() ?? "").filter((u) => /^https?:\/\//.test(u)),
        ...docReferences,
      ]),
    ];
    vulnerabilities.push({
      id: cve,
      aliases: [],
      summary:
        vuln.title?.trim() ||
        noteText(vuln, "summary") ||
        (docCategory === "csaf_vex" ? d.document?.title?.trim() || null : null),
      description: noteText(vuln, "description"),
      published: isoDate(vuln.release_date) ?? isoDate(vuln.discovery_date),
      modified: isoDate(d.document?.tracking?.current_release_date),
      severities: cveSeverity ? [{ source: REDHAT_CSAF_SOURCE, severity: cveSeverity }] : [],
      cvss: cvssOf(vuln, warn, cve),
      cwes,
      references,
    });
  }
  // A stable order (code-unit order: cheap, and the same on every machine).
  const sortKey = (a: RhelAffectedRecord) =>
    [
      a.vulnerabilityId,
      a.namespace,
      a.packageName,
      a.moduleStream ?? "",
      a.status,
      a.fixedVersion ?? "",
      a.cpes.join(" "),
    ].join("\0");
  const keyed = affected
    .map((a) => [sortKey(a), a] as const)
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
  affected.splice(0, affected.length, ...keyed.map(([, a]) => a));
  return {
    vulnerabilities,
    affected,
    date: isoDate(d.document?.tracking?.current_release_date),
    skipped,
  };
}
