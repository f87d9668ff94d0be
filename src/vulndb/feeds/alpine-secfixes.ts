/**
 * Alpine's secdb documents, in both layouts Alpine has published: today's JSON
 * (`https://secdb.alpinelinux.org/v3.NN/{main,community}.json`) and the legacy YAML of the
 * deprecated alpine-secdb repository (v3.3–v3.11), which have the same shape:
 * `{distroversion, reponame, packages: [{pkg: {name, secfixes: {"<ver>-rN": [ids…]}}}]}`. Trivy's
 * vuln-list mirror stores one package per file (`{name, secfixes, distroversion, reponame}`); that is
 * read too. Package names are ORIGIN (source) package names; a fix version of `0` means the package
 * was never affected.
 *
 * The id lines are hand-written in APKBUILDs and not always tidy: `CVE-2017-2616 (+ regression fix)`,
 * `CVE-2017-8904 XSA-214`, `CVE_2019-2426`, `CVE 2018-16859`, `CVE-2017-8073.patch`,
 * `CVE-2017-17434-1`, `GHSA-…`, `XSA-207`, `TALOS-2017-0499`, `wnpa-sec-2017-21`, and one line may name
 * several CVEs (Meltdown/Spectre). Each CVE on a line is its own vulnerability; the other identifiers
 * on a line with exactly one CVE are its aliases; a line without a CVE is keyed by its first id.
 */
import { parse as parseYaml } from "yaml";
import { describeError, ShipshapeError } from "../../errors.js";

export interface SecfixEntry {
  /** The apk version that carries the fix, or "0" (never affected). */
  fixedVersion: string;
  /** The vulnerability this entry is about (CVE when the line names one). */
  id: string;
  aliases: string[];
}

export interface SecdbPackage {
  /** The origin package name. */
  name: string;
  fixes: SecfixEntry[];
}

export interface SecdbDocument {
  /** "3.9", "edge"… from `distroversion`, or null when the document does not say. */
  branch: string | null;
  /** "main", "community"… */
  repo: string | null;
  packages: SecdbPackage[];
}

const CVE_SPELLINGS = /\bCVE[\s_-]+(\d{4})[-_](\d{4,})(?!\d)/gi;
const OTHER_ID =
  /^(GHSA(?:-[23456789cfghjmpqrvwx]{4}){3}|XSA-\d+|TALOS-\d{4}-\d+|ZBX-\d+|wnpa-sec-\d{4}-\d+|OSV-\d{4}-\d+|ALPINE-\d+)$/i;

/** The vulnerabilities one secfixes line names (see the module comment for the rules). */
export function parseSecfixLine(line: string): { id: string; aliases: string[] }[] {
  const cves: string[] = [];
  for (const m of line.matchAll(CVE_SPELLINGS)) {
    const id = `CVE-${m[1]}-${m[2]}`;
    if (!cves.includes(id)) cves.push(id);
  }
  const others: string[] = [];
  for (const token of line.replace(CVE_SPELLINGS, " ").split(/[\s,;()[\]]+/)) {
    const t = token.replace(/\.patch$/i, "");
    if (!OTHER_ID.test(t)) continue;
    const id = t.toUpperCase().startsWith("GHSA-") ? `GHSA-${t.slice(5).toLowerCase()}` : t;
    if (!others.includes(id)) others.push(id);
  }
  if (cves.length === 1) return [{ id: cves[0]!, aliases: others }];
  if (cves.length > 1) return cves.map((id) => ({ id, aliases: [] }));
  if (others.length > 0) return [{ id: others[0]!, aliases: others.slice(1) }];
  return [];
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/** "v3.9" → "3.9"; "edge" stays; anything else is not a branch. */
export function branchOf(distroversion: string): string | null {
  const v = distroversion.trim().toLowerCase();
  const m = /^v?(\d+\.\d+)$/.exec(v);
  if (m) return m[1]!;
  return v === "edge" ? "edge" : null;
}

function bad(origin: string, problem: string): ShipshapeError {
  return new ShipshapeError("input", `Alpine secdb ${origin}: ${problem}; it is not a secdb document`);
}

function readSecfixes(origin: string, pkgName: string, secfixes: unknown): SecfixEntry[] {
  // YAML's failsafe schema reads an empty value as "" (JSON may say null): no fixes.
  if (secfixes === undefined || secfixes === null || secfixes === "") return [];
  if (!isRecord(secfixes)) throw bad(origin, `package ${pkgName} has secfixes that are not a map`);
  const out: SecfixEntry[] = [];
  for (const [version, lines] of Object.entries(secfixes)) {
    const fixedVersion = version.trim();
    if (fixedVersion === "") throw bad(origin, `package ${pkgName} has an empty fix version`);
    if (lines === null || lines === undefined || lines === "") continue;
    if (!Array.isArray(lines)) throw bad(origin, `package ${pkgName} ${fixedVersion} lists no array of ids`);
    for (const line of lines) {
      // A YAML `- ` with nothing after it: no id, nothing to record.
      if (line === null || line === "") continue;
      if (typeof line !== "string") throw bad(origin, `package ${pkgName} ${fixedVersion} has a non-text id`);
      for (const v of parseSecfixLine(line)) out.push({ fixedVersion, ...v });
    }
  }
  return out;
}

function readPackage(origin: string, pkg: unknown): SecdbPackage {
  if (!isRecord(pkg) || typeof pkg.name !== "string" || pkg.name.trim() === "") {
    throw bad(origin, "a package entry has no name");
  }
  return { name: pkg.name.trim(), fixes: readSecfixes(origin, pkg.name, pkg.secfixes) };
}

/** Turn a parsed (JSON or YAML) value into a secdb document, checking its shape. */
export function secdbFromValue(value: unknown, origin: string): SecdbDocument {
  if (!isRecord(value)) throw bad(origin, "the top level is not a map");
  const branch = typeof value.distroversion === "string" ? branchOf(value.distroversion) : null;
  if (value.distroversion !== undefined && branch === null) {
    throw bad(origin, `distroversion ${JSON.stringify(value.distroversion)} is not a branch (v3.NN or edge)`);
  }
  const repo = typeof value.reponame === "string" ? value.reponame : null;
  // Trivy's vuln-list keeps one package per file at the top level.
  if (typeof value.name === "string" && "secfixes" in value) {
    return { branch, repo, packages: [readPackage(origin, value)] };
  }
  // An empty `packages:` (legacy v3.3 community) reads as "" (YAML) or null.
  const list = value.packages === "" || value.packages === null ? [] : value.packages;
  if (!Array.isArray(list)) throw bad(origin, "it has no packages list");
  const packages = list.map((entry) => {
    if (!isRecord(entry)) throw bad(origin, "a packages entry is not a map");
    return readPackage(origin, entry.pkg);
  });
  return { branch, repo, packages };
}

/** Parse a secdb file's bytes: JSON when it starts with `{`, YAML otherwise. */
export function parseSecdb(bytes: Buffer | string, origin: string): SecdbDocument {
  return secdbFromValue(parseSecdbValue(bytes, origin), origin);
}

/** The parsed (JSON or YAML) value of a secdb file, before its shape is checked. */
export function parseSecdbValue(bytes: Buffer | string, origin: string): unknown {
  const text = typeof bytes === "string" ? bytes : bytes.toString("utf8");
  const trimmed = text.trimStart();
  let value: unknown;
  try {
    if (trimmed.startsWith("{")) {
      value = JSON.parse(text);
    } else {
      // failsafe keeps every scalar a string: `1.10-r0`, `0` and `2.0` stay as written.
      value = parseYaml(text, {
        schema: "failsafe",
        maxAliasCount: 100,
        uniqueKeys: false,
        logLevel: "error",
      });
    }
  } catch (err) {
    throw bad(origin, `it does not parse (${describeError(err)})`);
  }
  return value;
}
