/**
 * The Node.js Security Working Group's advisories (https://github.com/nodejs/security-wg, `vuln/`):
 * - `vuln/npm/N.json`: the legacy npm ecosystem advisories (frozen since 2019), `NSWG-ECO-N`, with npm
 *   ranges `vulnerable_versions`/`patched_versions` → namespace "npm", keyed by `module_name`.
 * - `vuln/core/N.json`: Node.js itself, `NSWG-COR-N`, ranges `vulnerable`/`patched` over Node
 *   releases → namespace "node", package "node" (semver). Node.js is a runtime, not an npm package:
 *   a `node` binary is no npm dependency, and Debian's/Alpine's nodejs packages are matched against
 *   their vendor's data. The records wait for a cataloger that reports a Node.js runtime (a `node`
 *   binary outside any OS package) under that key; nothing matches them until then.
 * `vuln/deps/` (assessments of Node's bundled dependencies) describes no package version: left out.
 *
 * Affected = vulnerable minus patched (interval arithmetic on the npm ranges). CVE ids become aliases.
 */
import { basename } from "node:path";
import * as v from "valibot";
import { ShipshapeError } from "../../errors.js";
import type { AffectedRecord, Severity, VulnerabilityRecord } from "../records.js";
import { scoreCvss } from "./cvss-vector.js";
import type { FeedImporter } from "./feed.js";
import { detectionSample, feedDocuments } from "./feed-documents.js";
import { RecordWriter } from "./record-writer.js";
import {
  complement,
  headlineFix,
  intersect,
  npmRangeIntervals,
  toVersionRanges,
} from "./semver-intervals.js";

export const NODEJS_SECURITY_WG_FEED_ID = "nodejs-security-wg";

/** Where Node.js core advisories are keyed (no PackageType maps here yet; see the file comment). */
export const NODE_CORE_NAMESPACE = "node";
export const NODE_CORE_PACKAGE = "node";

const MAX_ADVISORY_BYTES = 1024 * 1024;

const optString = v.nullish(v.string());
const StringList = v.nullish(v.array(v.string()));

const AdvisorySchema = v.object({
  id: v.nullish(v.union([v.number(), v.string()])),
  title: optString,
  module_name: optString,
  cves: StringList,
  cve: StringList,
  vulnerable_versions: optString,
  patched_versions: optString,
  vulnerable: optString,
  patched: optString,
  overview: optString,
  description: optString,
  recommendation: optString,
  references: StringList,
  ref: optString,
  cvss_vector: optString,
  cvss: optString,
  severity: optString,
  created_at: optString,
  updated_at: optString,
  publish_date: optString,
});

export type NodeAdvisory = v.InferOutput<typeof AdvisorySchema>;

/** Parse one advisory file. Throws ShipshapeError("input") when it is not JSON or not an advisory. */
export function parseNodeAdvisory(bytes: Buffer | string, origin: string): NodeAdvisory {
  const text = typeof bytes === "string" ? bytes : bytes.toString("utf8");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ShipshapeError(
      "input",
      `${origin}: not valid JSON (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  const result = v.safeParse(AdvisorySchema, value);
  if (!result.success) {
    const issue = result.issues[0];
    const path = issue.path?.map((p) => String(p.key)).join(".") ?? "(document)";
    throw new ShipshapeError(
      "input",
      `${origin}: not a Node.js security WG advisory (${path}: ${issue.message})`,
    );
  }
  const advisory = result.output;
  if (!advisory.vulnerable_versions && !advisory.vulnerable) {
    throw new ShipshapeError(
      "input",
      `${origin}: not a Node.js security WG advisory (no vulnerable versions)`,
    );
  }
  return advisory;
}

const SEVERITIES: Record<string, Severity> = {
  critical: "critical",
  high: "high",
  medium: "medium",
  low: "low",
};

/** "3.0/AV:N/…" (core advisories leave off the prefix) → "CVSS:3.0/AV:N/…". */
function cvssVector(raw: string | null | undefined): string | null {
  if (!raw) return null;
  return /^\d\.\d\//.test(raw) ? `CVSS:${raw}` : raw;
}

/**
 * One advisory → records. `fileStem` ("18" for core/18.json) names core advisories, which carry no id.
 * Npm-shaped advisories (with `module_name`) are ecosystem advisories even without a numeric id.
 */
export function nodeAdvisoryRecords(
  advisory: NodeAdvisory,
  fileStem: string,
  origin: string,
): { vulnerability: VulnerabilityRecord; affected: AffectedRecord } {
  const isNpm = !!advisory.module_name;
  const id = isNpm ? `NSWG-ECO-${advisory.id ?? fileStem}` : `NSWG-COR-${fileStem}`;
  const vulnerable = npmRangeIntervals(advisory.vulnerable_versions ?? advisory.vulnerable ?? "", origin);
  const patchedRange = advisory.patched_versions ?? advisory.patched ?? "";
  const patched = npmRangeIntervals(patchedRange, origin);
  const patchedStarts = patched.filter((i) => i.lo?.inclusive).map((i) => i.lo!.version);
  const ranges = toVersionRanges(intersect(vulnerable, complement(patched)), (v) =>
    patchedStarts.includes(v),
  );
  const fixedVersion = headlineFix(ranges, patchedStarts);
  const severity = advisory.severity ? (SEVERITIES[advisory.severity.toLowerCase()] ?? null) : null;
  const cvss = (() => {
    const vector = cvssVector(advisory.cvss_vector ?? advisory.cvss);
    return vector ? scoreCvss(vector, NODEJS_SECURITY_WG_FEED_ID) : null;
  })();
  const published = advisory.publish_date ?? advisory.created_at ?? null;
  const vulnerability: VulnerabilityRecord = {
    id,
    aliases: [...new Set([...(advisory.cves ?? []), ...(advisory.cve ?? [])])],
    summary: advisory.title ?? advisory.description ?? null,
    description: advisory.overview ?? null,
    published,
    modified: advisory.updated_at ?? null,
    severities: severity ? [{ source: NODEJS_SECURITY_WG_FEED_ID, severity }] : [],
    cvss: cvss ? [cvss] : [],
    cwes: [],
    references: [...new Set([...(advisory.references ?? []), ...(advisory.ref ? [advisory.ref] : [])])],
  };
  const affected: AffectedRecord = {
    vulnerabilityId: id,
    namespace: isNpm ? "npm" : NODE_CORE_NAMESPACE,
    packageName: isNpm ? advisory.module_name! : NODE_CORE_PACKAGE,
    scheme: "semver",
    status: ranges.length === 0 ? "not-affected" : fixedVersion !== null ? "fixed" : "affected",
    ranges,
    fixedVersion,
    fixPublished: fixedVersion !== null ? published : null,
    // Node.js core severities are the project's own rating of its runtime: the vendor's.
    severity: isNpm ? null : severity,
    moduleStream: null,
    cpes: [],
    source: NODEJS_SECURITY_WG_FEED_ID,
    advisory: null,
  };
  return { vulnerability, affected };
}

export function isNodeAdvisoryPath(relative: string): boolean {
  return /(^|\/)(core|npm)\/\d+\.json$/.test(relative);
}

export const NODEJS_SECURITY_WG: FeedImporter = {
  id: NODEJS_SECURITY_WG_FEED_ID,
  title: "Node.js Security WG (Node.js core + legacy npm advisories)",
  downloads: [
    {
      name: "security-wg.zip",
      url: "https://github.com/nodejs/security-wg/archive/refs/heads/main.zip",
      compression: "zip",
    },
  ],
  // A checkout (vuln/core, vuln/npm), its vuln/ folder, or the GitHub archive zip.
  async detect(path) {
    try {
      const sample = await detectionSample(path, {
        select: isNodeAdvisoryPath,
        rootSelect: (r) => /^(vuln\/)?(core|npm)\/\d+\.json$/.test(r),
        maxDepth: 3,
      });
      for (const doc of sample) parseNodeAdvisory(doc.bytes, doc.name);
      return sample.length > 0;
    } catch {
      return false;
    }
  },
  async import(inputs, session, ctx) {
    const writer = new RecordWriter(session, NODEJS_SECURITY_WG_FEED_ID);
    let documents = 0;
    for await (const doc of feedDocuments(inputs, {
      select: isNodeAdvisoryPath,
      maxDocumentBytes: MAX_ADVISORY_BYTES,
    })) {
      documents++;
      const advisory = parseNodeAdvisory(doc.bytes, doc.name);
      const { vulnerability, affected } = nodeAdvisoryRecords(
        advisory,
        basename(doc.relative, ".json"),
        doc.name,
      );
      await writer.add(vulnerability, [affected]);
    }
    await writer.flush();
    ctx.progress?.(writer.written);
    if (documents === 0) {
      throw new ShipshapeError(
        "input",
        `${NODEJS_SECURITY_WG_FEED_ID}: no vuln/core or vuln/npm advisories in ${inputs.join(", ")}`,
      );
    }
    return { records: writer.written, dataDate: writer.newest };
  },
};
