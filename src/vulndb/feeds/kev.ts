/**
 * CISA's Known Exploited Vulnerabilities catalog (one JSON document, ~1,400 CVEs, ~1.3 MB) →
 * KevRecords. The catalog's own JSON schema ships next to it; the parser checks the fields we keep
 * with the same rules (CVE id pattern, YYYY-MM-DD dates) and refuses a document that is not a catalog.
 */
import { lstat, open, readdir, readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import * as v from "valibot";
import { describeError, ShipshapeError } from "../../errors.js";
import type { KevRecord } from "../records.js";
import type { BuildSession } from "../store.js";
import type { FeedContext, FeedImporter, FeedImportResult } from "./feed.js";

export const KEV_FEED_ID = "cisa-kev";
export const KEV_FILE_NAME = "known_exploited_vulnerabilities.json";
/** The real catalog is ~1.3 MB; anything far larger is not it. */
const MAX_CATALOG_BYTES = 64 * 1024 * 1024;

const CVE_ID = /^CVE-\d{4}-\d{4,19}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const VulnerabilitySchema = v.looseObject({
  cveID: v.pipe(v.string(), v.regex(CVE_ID, "is not a CVE id")),
  vendorProject: v.optional(v.nullable(v.string())),
  product: v.optional(v.nullable(v.string())),
  dateAdded: v.pipe(v.string(), v.regex(DATE, "is not a YYYY-MM-DD date")),
  dueDate: v.optional(v.nullable(v.union([v.literal(""), v.pipe(v.string(), v.regex(DATE))]))),
  knownRansomwareCampaignUse: v.optional(v.nullable(v.string())),
});

const CatalogSchema = v.looseObject({
  catalogVersion: v.string(),
  dateReleased: v.string(),
  count: v.optional(v.number()),
  vulnerabilities: v.array(v.unknown()),
});

export interface KevCatalog {
  catalogVersion: string;
  dateReleased: string;
  /** The catalog's `count`, which should equal `entries` (trimmed copies keep the original count). */
  declaredCount: number | null;
  entries: number;
  records: KevRecord[];
}

function nonEmpty(s: string | null | undefined): string | null {
  const t = s?.trim();
  return t ? t : null;
}

function issuePath(issue: v.BaseIssue<unknown>): string {
  return (issue.path ?? []).map((p) => String(p.key)).join(".") || "(document)";
}

/**
 * Parse a catalog. Throws a ShipshapeError naming `origin` for anything that is not a catalog; an
 * entry that breaks the schema (bad CVE id or date) is an error too: the catalog is small and curated,
 * so a bad entry means the file is damaged, not that one record should be skipped.
 */
export function parseKevCatalog(bytes: Buffer | string, origin: string): KevCatalog {
  let doc: unknown;
  try {
    doc = JSON.parse(typeof bytes === "string" ? bytes : bytes.toString("utf8"));
  } catch (err) {
    throw new ShipshapeError(
      "input",
      `${origin} is not JSON (${describeError(err)}); expected CISA's KEV catalog`,
    );
  }
  const catalog = v.safeParse(CatalogSchema, doc);
  if (!catalog.success) {
    const issue = catalog.issues[0];
    throw new ShipshapeError(
      "input",
      `${origin} is not a KEV catalog: ${issuePath(issue)} ${issue.message}; expected {catalogVersion, dateReleased, vulnerabilities}`,
    );
  }
  const seen = new Set<string>();
  const records: KevRecord[] = [];
  catalog.output.vulnerabilities.forEach((raw, i) => {
    const entry = v.safeParse(VulnerabilitySchema, raw);
    if (!entry.success) {
      const issue = entry.issues[0];
      throw new ShipshapeError(
        "input",
        `${origin}: vulnerabilities[${i}].${issuePath(issue)} ${issue.message} (${JSON.stringify(issue.input)?.slice(0, 60)})`,
      );
    }
    const e = entry.output;
    if (seen.has(e.cveID)) return; // listed twice: one record
    seen.add(e.cveID);
    records.push({
      cveId: e.cveID,
      dateAdded: e.dateAdded,
      dueDate: nonEmpty(e.dueDate),
      // "Known" or "Unknown" (CISA's wording); only "Known" is a known campaign.
      knownRansomware: e.knownRansomwareCampaignUse?.trim().toLowerCase() === "known",
      vendorProject: nonEmpty(e.vendorProject),
      product: nonEmpty(e.product),
    });
  });
  return {
    catalogVersion: catalog.output.catalogVersion,
    dateReleased: catalog.output.dateReleased,
    declaredCount: catalog.output.count ?? null,
    entries: catalog.output.vulnerabilities.length,
    records,
  };
}

/**
 * Is this file's beginning a KEV catalog's? (cheap sniff for `db import`) The catalog's values are
 * text and a list; its JSON schema, which ships next to it, names the same keys with objects as
 * values (`"catalogVersion": {"type": "string"…}`) and is not a catalog.
 */
export function looksLikeCatalog(head: string): boolean {
  return (
    /"catalogVersion"\s*:\s*"/.test(head) && /"vulnerabilities"\s*:\s*\[|"dateReleased"\s*:\s*"/.test(head)
  );
}

async function catalogFiles(path: string): Promise<string[]> {
  const info = await lstat(path);
  if (info.isFile()) return [path];
  if (!info.isDirectory()) return [];
  const names = await readdir(path);
  return names.includes(KEV_FILE_NAME) ? [join(path, KEV_FILE_NAME)] : [];
}

async function readHeadText(path: string, bytes = 4096): Promise<string> {
  const fh = await open(path, "r");
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead).toString("utf8");
  } finally {
    await fh.close();
  }
}

export const kevImporter: FeedImporter = {
  id: KEV_FEED_ID,
  title: "CISA Known Exploited Vulnerabilities",
  downloads: [
    {
      name: KEV_FILE_NAME,
      url: "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json",
    },
  ],

  async detect(path: string): Promise<boolean> {
    try {
      const info = await lstat(path);
      if (info.isDirectory()) return (await readdir(path)).includes(KEV_FILE_NAME);
      if (!info.isFile() || !path.endsWith(".json")) return false;
      return basename(path) === KEV_FILE_NAME || looksLikeCatalog(await readHeadText(path));
    } catch {
      return false;
    }
  },

  async import(inputs: string[], session: BuildSession, ctx: FeedContext): Promise<FeedImportResult> {
    const files: string[] = [];
    for (const input of inputs) {
      try {
        files.push(...(await catalogFiles(input)));
      } catch (err) {
        throw new ShipshapeError("not-found", `KEV input ${input} cannot be read (${describeError(err)})`);
      }
    }
    if (files.length === 0) {
      throw new ShipshapeError("not-found", `no ${KEV_FILE_NAME} in ${inputs.join(", ")}`);
    }
    let records = 0;
    let dataDate: string | null = null;
    for (const file of files) {
      const info = await lstat(file);
      if (info.size > MAX_CATALOG_BYTES) {
        throw new ShipshapeError(
          "limit",
          `${file} is ${info.size} bytes, over the ${MAX_CATALOG_BYTES}-byte cap for the KEV catalog`,
        );
      }
      const catalog = parseKevCatalog(await readFile(file), file);
      if (catalog.declaredCount !== null && catalog.declaredCount !== catalog.entries) {
        ctx.warn(
          `${file} says it lists ${catalog.declaredCount} vulnerabilities but holds ${catalog.entries}`,
        );
      }
      await session.putKev(KEV_FEED_ID, catalog.records);
      records += catalog.records.length;
      ctx.progress?.(records);
      if (dataDate === null || catalog.dateReleased > dataDate) dataDate = catalog.dateReleased;
    }
    return { records, dataDate };
  },
};
