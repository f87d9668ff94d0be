/**
 * The RustSec advisory database (https://github.com/rustsec/advisory-db): one Markdown file per
 * advisory, `crates/<crate>/RUSTSEC-YYYY-NNNN.md`, whose TOML front matter (a ```toml block) holds
 * `[advisory]` (id, package, date, aliases, cvss, informational, withdrawn…) and `[versions]`
 * (`patched` and `unaffected` Cargo requirements); the first Markdown heading is the title.
 *
 * Affected versions are everything neither patched nor unaffected (semver-intervals.ts does the set
 * arithmetic, as RustSec's own OSV export does). Left out, with a count: informational advisories
 * (unmaintained, unsound, notice: cargo-audit reports them as warnings, not vulnerabilities), withdrawn
 * ones, and `rust/` (advisories about the toolchain: std, cargo, rustdoc, which no crate list names).
 */
import { parse as parseToml } from "smol-toml";
import * as v from "valibot";
import { ShipshapeError } from "../../errors.js";
import type { AffectedRecord, VulnerabilityRecord } from "../records.js";
import { scoreCvss } from "./cvss-vector.js";
import type { FeedImporter } from "./feed.js";
import { detectionSample, feedDocuments } from "./feed-documents.js";
import { RecordWriter } from "./record-writer.js";
import { cargoRequirementIntervals, complement, headlineFix, toVersionRanges } from "./semver-intervals.js";

export const RUSTSEC_FEED_ID = "rustsec";

const MAX_ADVISORY_BYTES = 1024 * 1024;

/** TOML dates arrive as Date objects (smol-toml's TomlDate); strings are accepted too. */
const DateLike = v.union([v.string(), v.date()]);
const StringList = v.optional(v.array(v.string()), []);

const FrontMatter = v.object({
  advisory: v.object({
    id: v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
    package: v.pipe(v.string(), v.minLength(1), v.maxLength(256)),
    date: DateLike,
    url: v.optional(v.string()),
    references: StringList,
    categories: StringList,
    keywords: StringList,
    aliases: StringList,
    related: StringList,
    cvss: v.optional(v.string()),
    informational: v.optional(v.string()),
    withdrawn: v.optional(DateLike),
    title: v.optional(v.string()),
    description: v.optional(v.string()),
  }),
  versions: v.optional(
    v.object({
      patched: StringList,
      unaffected: StringList,
    }),
    { patched: [], unaffected: [] },
  ),
});

export interface RustsecAdvisory {
  id: string;
  package: string;
  date: string;
  url: string | null;
  references: string[];
  aliases: string[];
  cvss: string | null;
  informational: string | null;
  withdrawn: string | null;
  title: string | null;
  description: string | null;
  patched: string[];
  unaffected: string[];
}

function dateString(value: string | Date): string {
  if (typeof value === "string") return value;
  // A TOML local date prints as "YYYY-MM-DD"; a full Date as ISO.
  const text = String(value);
  return /^\d{4}-\d{2}-\d{2}/.test(text) ? text : value.toISOString();
}

/** Split "```toml … ```" front matter from the Markdown body. */
function splitFrontMatter(text: string, origin: string): { toml: string; body: string } {
  const m = /^\s*```toml[ \t]*\r?\n([\s\S]*?)\r?\n```[ \t]*(?:\r?\n|$)([\s\S]*)$/.exec(text);
  if (!m)
    throw new ShipshapeError("input", `${origin}: no \`\`\`toml front matter at the start of the advisory`);
  return { toml: m[1]!, body: m[2]! };
}

/** Parse one RustSec advisory file. Throws ShipshapeError("input") when it is not one. */
export function parseRustsecAdvisory(bytes: Buffer | string, origin: string): RustsecAdvisory {
  const text = typeof bytes === "string" ? bytes : bytes.toString("utf8");
  const { toml, body } = splitFrontMatter(text, origin);
  let value: unknown;
  try {
    value = parseToml(toml);
  } catch (err) {
    const first = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw new ShipshapeError("input", `${origin}: front matter is not valid TOML (${first})`);
  }
  const result = v.safeParse(FrontMatter, value);
  if (!result.success) {
    const issue = result.issues[0];
    const path = issue.path?.map((p) => String(p.key)).join(".") ?? "(front matter)";
    throw new ShipshapeError("input", `${origin}: not a RustSec advisory (${path}: ${issue.message})`);
  }
  const { advisory, versions } = result.output;
  const heading = /^#[ \t]+(.+?)[ \t]*$/m.exec(body);
  const description = heading ? body.slice(heading.index + heading[0].length).trim() : body.trim();
  return {
    id: advisory.id,
    package: advisory.package,
    date: dateString(advisory.date),
    url: advisory.url ?? null,
    references: advisory.references,
    aliases: advisory.aliases,
    cvss: advisory.cvss ?? null,
    informational: advisory.informational ?? null,
    withdrawn: advisory.withdrawn !== undefined ? dateString(advisory.withdrawn) : null,
    title: heading?.[1] ?? advisory.title ?? null,
    description: description || advisory.description || null,
    patched: versions.patched,
    unaffected: versions.unaffected,
  };
}

/** An advisory → records (null when it is informational or withdrawn by `now`). */
export function rustsecRecords(
  advisory: RustsecAdvisory,
  now: Date,
  origin: string,
): { vulnerability: VulnerabilityRecord; affected: AffectedRecord } | null {
  if (advisory.informational !== null) return null;
  if (advisory.withdrawn !== null && !(Date.parse(advisory.withdrawn) > now.getTime())) return null;
  const patched = advisory.patched.flatMap((r) => cargoRequirementIntervals(r, origin));
  const unaffected = advisory.unaffected.flatMap((r) => cargoRequirementIntervals(r, origin));
  const patchedStarts = patched.filter((i) => i.lo?.inclusive).map((i) => i.lo!.version);
  // Where an affected range ends at a patched version, that is its fix; at an unaffected one, a limit.
  const ranges = toVersionRanges(complement([...patched, ...unaffected]), (v) => patchedStarts.includes(v));
  const fixedVersion = headlineFix(ranges, patchedStarts);
  const cvss = advisory.cvss ? scoreCvss(advisory.cvss, RUSTSEC_FEED_ID) : null;
  const vulnerability: VulnerabilityRecord = {
    id: advisory.id,
    aliases: advisory.aliases.filter((a) => a !== advisory.id),
    summary: advisory.title,
    description: advisory.description,
    published: advisory.date,
    modified: null,
    severities: [],
    cvss: cvss ? [cvss] : [],
    cwes: [],
    references: [...new Set([advisory.url, ...advisory.references].filter((x): x is string => !!x))],
  };
  const affected: AffectedRecord = {
    vulnerabilityId: advisory.id,
    namespace: "crates.io",
    packageName: advisory.package,
    scheme: "semver",
    status: fixedVersion !== null ? "fixed" : "affected",
    ranges,
    fixedVersion,
    fixPublished: fixedVersion !== null ? advisory.date : null,
    severity: null,
    moduleStream: null,
    cpes: [],
    source: RUSTSEC_FEED_ID,
    advisory: null,
  };
  return { vulnerability, affected };
}

/** `RUSTSEC-….md` (the toolchain advisories under rust/ are named CVE-…). */
export function isRustsecPath(relative: string): boolean {
  return /(^|\/)RUSTSEC-\d{4}-\d{4,}\.md$/.test(relative);
}

/** A checkout (crates/<crate>/…), its crates/ folder, or the GitHub archive zip. */
const RUSTSEC_LAYOUT = {
  select: isRustsecPath,
  rootSelect: (r: string) => /^(crates\/)?[^/]+\/[^/]+$/.test(r) && isRustsecPath(r),
  maxDepth: 3,
};

export const RUSTSEC: FeedImporter = {
  id: RUSTSEC_FEED_ID,
  title: "RustSec advisory database (crates.io)",
  downloads: [
    {
      name: "advisory-db.zip",
      url: "https://github.com/rustsec/advisory-db/archive/refs/heads/main.zip",
      compression: "zip",
    },
  ],
  async detect(path) {
    try {
      const sample = await detectionSample(path, RUSTSEC_LAYOUT);
      for (const doc of sample) parseRustsecAdvisory(doc.bytes, doc.name);
      return sample.length > 0;
    } catch {
      return false;
    }
  },
  async import(inputs, session, ctx) {
    const writer = new RecordWriter(session, RUSTSEC_FEED_ID);
    let documents = 0;
    for await (const doc of feedDocuments(inputs, {
      select: isRustsecPath,
      maxDocumentBytes: MAX_ADVISORY_BYTES,
    })) {
      documents++;
      const records = rustsecRecords(parseRustsecAdvisory(doc.bytes, doc.name), ctx.now, doc.name);
      if (!records) continue;
      await writer.add(records.vulnerability, [records.affected]);
    }
    await writer.flush();
    ctx.progress?.(writer.written);
    if (documents === 0) {
      throw new ShipshapeError(
        "input",
        `rustsec: no crates/*/RUSTSEC-*.md advisories in ${inputs.join(", ")}`,
      );
    }
    return { records: writer.written, dataDate: writer.newest };
  },
};
