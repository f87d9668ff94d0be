/**
 * Which real local payload the loopback feed server serves at each feed's public URL path. Every
 * download of every importer must have a rule: a new importer without one fails the update tests
 * with a message saying to add it here.
 *
 * Payloads are real files from ../shared/data/vuln, packed the way upstream packs them: zips (made
 * with Python's zipfile, an independent writer) in GitHub's archive layout or OSV.dev's all.zip
 * layout, .tar.xz (tar + xz) like Canonical's, secdb JSON converted from the legacy YAML (the same
 * document shape). Big feeds are served as real subsets to keep the tests fast. Where no local data
 * exists for a URL (Alpine branches after v3.11 other than v3.15, OSV RubyGems), the closest real
 * file stands in: another branch's secdb, OSV records of other ecosystems (which the importer skips).
 */
import { execFileSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { gzipSync } from "node:zlib";
import { parse as parseYaml } from "yaml";
import type { FeedImporter } from "../../src/vulndb/feeds/feed.js";
import { SqliteStore } from "../../src/vulndb/sqlite-store.js";
import type { StoreStatus } from "../../src/vulndb/store.js";
import { dataPath } from "../helpers/shared.js";
import { type FeedServer, filePayload, type Payload } from "./feed-server.js";

const feeds = (...p: string[]) => dataPath("vuln", "feeds", ...p);
const fixtures = (...p: string[]) => dataPath("vuln", "fixtures", ...p);

function filesUnder(dir: string, keep: (path: string) => boolean = () => true): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith(".")) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p, keep));
    else if (keep(p)) out.push(p);
  }
  return out;
}

/** Payloads built on demand into `work`, once each. */
export class PayloadBuilder {
  constructor(readonly work: string) {
    mkdirSync(work, { recursive: true });
  }

  private staged(name: string, fill: (dir: string) => void): string {
    const dir = join(this.work, "stage", name);
    if (!existsSync(dir)) {
      mkdirSync(dir, { recursive: true });
      fill(dir);
    }
    return dir;
  }

  /** A zip of `entries` ([name inside the zip, file or bytes]) written by Python's zipfile. */
  zip(name: string, entries: [string, string | Buffer][]): string {
    const out = join(this.work, `${name}.zip`);
    if (existsSync(out)) return out;
    const tree = this.staged(name, (dir) => {
      for (const [inside, src] of entries) {
        const dest = join(dir, inside);
        mkdirSync(dirname(dest), { recursive: true });
        if (typeof src === "string") cpSync(src, dest);
        else writeFileSync(dest, src);
      }
    });
    const tops = [...new Set(entries.map(([inside]) => inside.split("/")[0]!))];
    execFileSync("python3", ["-m", "zipfile", "-c", out, ...tops], { cwd: tree });
    return out;
  }

  /** A zstd-compressed tar (`tar` + `zstd`) of the files `entries` names, at their names inside. */
  tarZst(name: string, entries: [string, string][]): string {
    const out = join(this.work, `${name}.tar.zst`);
    if (existsSync(out)) return out;
    const tree = this.staged(name, (dir) => {
      for (const [inside, src] of entries) {
        mkdirSync(dirname(join(dir, inside)), { recursive: true });
        cpSync(src, join(dir, inside));
      }
    });
    const tar = join(this.work, `${name}.tar`);
    const tops = [...new Set(entries.map(([inside]) => inside.split("/")[0]!))];
    execFileSync("tar", ["-C", tree, "-cf", tar, ...tops]);
    execFileSync("zstd", ["-q", "-f", "--rm", tar, "-o", out]);
    return out;
  }

  /** `tar -cJf` of directories under `root`. */
  tarXz(name: string, root: string, members: string[]): string {
    const out = join(this.work, `${name}.tar.xz`);
    if (!existsSync(out)) execFileSync("tar", ["-C", root, "-cJf", out, ...members]);
    return out;
  }
}

const yamlToJson = (file: string) => Buffer.from(JSON.stringify(parseYaml(readFileSync(file, "utf8"))));

// --- Alpine secdb ------------------------------------------------------------------------------
const LEGACY_BRANCHES = ["v3.3", "v3.4", "v3.5", "v3.6", "v3.7", "v3.8", "v3.9", "v3.10", "v3.11"];
function alpineSource(branch: string, repo: string): string {
  if (LEGACY_BRANCHES.includes(branch)) return feeds("alpine-secdb-legacy", branch, `${repo}.yaml`);
  if (branch === "v3.15")
    return fixtures("vunnel-fixtures", "alpine", "test-fixtures", "input", "secdb", branch, `${repo}.yaml`);
  // No local copy of this branch: another real branch's file stands in (it names its own branch).
  const n = Number(/^v3\.(\d+)$/.exec(branch)?.[1] ?? 99);
  return feeds("alpine-secdb-legacy", LEGACY_BRANCHES[n % 7]!, `${repo}.yaml`);
}

// --- OSV records by ecosystem -----------------------------------------------------------------------
function osvEcosystems(path: string): string[] {
  try {
    const doc = JSON.parse(readFileSync(path, "utf8")) as {
      affected?: { package?: { ecosystem?: string } }[];
    };
    return (doc.affected ?? []).map((a) => (a.package?.ecosystem ?? "").split(":")[0]!);
  } catch {
    return [];
  }
}

const GHSA_HAPPY = () => fixtures("trivy-db-testdata", "ghsa", "testdata", "happy", "ghsa");

function osvRecords(ecosystem: string): [string, string | Buffer][] {
  const named = (paths: string[]) => paths.map((p): [string, string] => [basename(p), p]);
  switch (ecosystem) {
    case "Go":
      return named(
        filesUnder(feeds("golang-vulndb", "data", "osv"), (p) => basename(p).startsWith("GO-2023-")),
      );
    case "PyPI":
      return filesUnder(feeds("pypa-advisory-db", "vulns"), (p) => /\/vulns\/[a-c][^/]*\//.test(p)).map(
        (p) => [basename(p).replace(/\.yaml$/, ".json"), yamlToJson(p)],
      );
    case "AlmaLinux":
      return named([
        ...filesUnder(fixtures("vunnel-fixtures", "alma", "test-fixtures", "osv-database"), (p) =>
          p.endsWith(".json"),
        ),
        ...filesUnder(
          fixtures("grype-fixtures", "grype", "db", "v6", "build", "transformers", "osv", "testdata"),
          (p) => basename(p).startsWith("ALSA-"),
        ),
      ]);
    case "Rocky Linux":
      return named(
        filesUnder(fixtures("vunnel-fixtures", "rocky", "test-fixtures", "osv"), (p) => p.endsWith(".json")),
      );
    case "RubyGems":
      // No RubyGems OSV record is stored locally: the GHSA records of other ecosystems stand in.
      return named(filesUnder(GHSA_HAPPY(), (p) => p.endsWith(".json")));
    default:
      return named(
        filesUnder(GHSA_HAPPY(), (p) => p.endsWith(".json") && osvEcosystems(p).includes(ecosystem)),
      );
  }
}

/** A GitHub `archive/refs/heads/main.zip`: everything under one `<repo>-main/` folder. */
function githubArchive(
  b: PayloadBuilder,
  repo: string,
  root: string,
  keep: (path: string) => boolean,
  /** Tells apart two repositories of the same name (pypa/ and github/advisory-database). */
  prefix = "",
): string {
  const top = `${repo}-main`;
  return b.zip(
    `github-${prefix}${repo}`,
    filesUnder(root, keep).map((p) => [`${top}/${relative(root, p)}`, p]),
  );
}

// --- Red Hat CSAF --------------------------------------------------------------------------------
// vunnel's copy of Red Hat's server directory (archive_latest.txt, changes.csv, deletions.csv, one
// changed document); its archive is a placeholder, so the archive it names is made here from
// vunnel's real CSAF documents, nested by year as Red Hat's archives are.
const RH_SERVER = () => fixtures("vunnel-fixtures", "rhel", "test-fixtures", "csaf", "server");
const RH_DOCS = () => fixtures("vunnel-fixtures", "rhel", "test-fixtures", "csaf", "advisories");

function redhatArchive(b: PayloadBuilder, name: string): string {
  const docs = filesUnder(RH_DOCS(), (p) => p.endsWith(".json"));
  return b.tarZst(
    name.replace(/\.tar\.zst$/, ""),
    docs.map((p) => [`${/-(\d{4})_/.exec(basename(p))?.[1] ?? "misc"}/${basename(p)}`, p]),
  );
}

/** The real change list, less the lines for documents no local copy exists of. */
function redhatChanges(): Buffer {
  const latest = readFileSync(join(RH_SERVER(), "archive_latest.txt"), "utf8").trim();
  const since = Date.parse(/(\d{4}-\d{2}-\d{2})/.exec(latest)?.[1] ?? "1970-01-01");
  const lines = readFileSync(join(RH_SERVER(), "changes.csv"), "utf8").split("\n");
  const kept = lines.filter((line) => {
    const m = /^"([^"]+)","([^"]+)"/.exec(line);
    if (!m) return line.trim() !== "";
    return Date.parse(m[2]!) <= since || existsSync(join(RH_SERVER(), m[1]!));
  });
  return Buffer.from(`${kept.join("\n")}\n`);
}

// --- NVD ------------------------------------------------------------------------------------------
// The yearly JSON 2.0 feeds, made from vunnel's real API 2.0 page by partitioning its CVEs by year
// as NVD does (a year without any is a feed with no vulnerabilities).
function nvdYear(year: string): Buffer {
  const page = JSON.parse(
    readFileSync(fixtures("vunnel-fixtures", "nvd", "test-fixtures", "full-page.json"), "utf8"),
  ) as {
    timestamp: string;
    vulnerabilities: { cve: { id: string } }[];
  };
  const vulnerabilities = page.vulnerabilities.filter((v) => v.cve.id.split("-")[1] === year);
  return gzipSync(
    JSON.stringify({
      resultsPerPage: vulnerabilities.length,
      startIndex: 0,
      totalResults: vulnerabilities.length,
      format: "NVD_CVE",
      version: "2.0",
      timestamp: page.timestamp,
      vulnerabilities,
    }),
  );
}

interface Rule {
  host: string;
  path: RegExp;
  payload(b: PayloadBuilder, m: RegExpExecArray): Payload | null;
}

const built = (make: () => string): Payload => ({ body: () => readFileSync(make()) });

const RULES: Rule[] = [
  {
    host: "secdb.alpinelinux.org",
    path: /^\/(v\d+\.\d+|edge)\/(main|community)\.json$/,
    payload: (_b, m) => {
      const src = alpineSource(m[1]!, m[2]!);
      return { body: () => yamlToJson(src), lastModified: statSync(src).mtime };
    },
  },
  {
    host: "security-tracker.debian.org",
    path: /^\/tracker\/data\/json$/,
    payload: () =>
      filePayload(fixtures("vunnel-fixtures", "debian", "test-fixtures", "input", "debian.json")),
  },
  {
    host: "salsa.debian.org",
    path: /\/data\/(DSA|DLA)\/list$/,
    payload: (_b, m) => filePayload(feeds("debian-security-tracker", "data", m[1]!, "list")),
  },
  {
    host: "security-metadata.canonical.com",
    path: /^\/(osv|vex)\/\1-all\.tar\.xz$/,
    payload: (b, m) =>
      built(() => b.tarXz(`ubuntu-${m[1]}`, fixtures("vunnel-fixtures", "ubuntu", "test-fixtures"), [m[1]!])),
  },
  {
    host: "osv-vulnerabilities.storage.googleapis.com",
    path: /^\/([^/]+)\/all\.zip$/,
    payload: (b, m) => built(() => b.zip(`osv-${m[1]!.replace(/\W/g, "_")}`, osvRecords(m[1]!))),
  },
  {
    host: "vuln.go.dev",
    path: /^\/vulndb\.zip$/,
    payload: (b) =>
      built(() =>
        b.zip(
          "go-vulndb",
          filesUnder(feeds("golang-vulndb", "data", "osv"), (p) => basename(p).startsWith("GO-2022-")).map(
            (p) => [`ID/${basename(p)}`, p],
          ),
        ),
      ),
  },
  {
    host: "github.com",
    path: /^\/pypa\/(advisory-database)\/archive\/refs\/heads\/main\.zip$/,
    payload: (b, m) =>
      built(() => githubArchive(b, m[1]!, feeds("pypa-advisory-db"), (p) => /\/vulns\/[d-f][^/]*\//.test(p))),
  },
  {
    host: "github.com",
    path: /^\/github\/(advisory-database)\/archive\/refs\/heads\/main\.zip$/,
    payload: (b, m) => built(() => githubArchive(b, m[1]!, GHSA_HAPPY(), () => true, "github-")),
  },
  {
    host: "github.com",
    path: /^\/rustsec\/(advisory-db)\/archive\/refs\/heads\/main\.zip$/,
    payload: (b, m) =>
      built(() => githubArchive(b, m[1]!, feeds("rustsec"), (p) => /\/crates\/[a-c][^/]*\//.test(p))),
  },
  {
    host: "github.com",
    path: /^\/nodejs\/(security-wg)\/archive\/refs\/heads\/main\.zip$/,
    payload: (b, m) =>
      built(() =>
        githubArchive(b, m[1]!, feeds("nodejs-security-wg"), (p) => /\/vuln\/(core|npm)\//.test(p)),
      ),
  },
  {
    host: "www.cisa.gov",
    path: /^\/sites\/default\/files\/feeds\/known_exploited_vulnerabilities\.json$/,
    payload: () => filePayload(feeds("cisa-kev", "known_exploited_vulnerabilities.json")),
  },
  {
    host: "epss.empiricalsecurity.com",
    path: /^\/epss_scores-current\.csv\.gz$/,
    payload: () => {
      const src = fixtures("vunnel-fixtures", "epss", "test-fixtures", "example-1.csv");
      return { body: () => gzipSync(readFileSync(src)), lastModified: statSync(src).mtime };
    },
  },
  {
    host: "nvd.nist.gov",
    path: /^\/feeds\/json\/cve\/2\.0\/nvdcve-2\.0-(\d{4})\.json\.gz$/,
    payload: (_b, m) => ({ body: () => nvdYear(m[1]!) }),
  },
  {
    host: "security.access.redhat.com",
    path: /^\/data\/csaf\/v2\/vex\/(archive_latest\.txt|deletions\.csv)$/,
    payload: (_b, m) => filePayload(join(RH_SERVER(), m[1]!)),
  },
  {
    host: "security.access.redhat.com",
    path: /^\/data\/csaf\/v2\/vex\/changes\.csv$/,
    payload: () => ({ body: redhatChanges }),
  },
  {
    host: "security.access.redhat.com",
    path: /^\/data\/csaf\/v2\/vex\/(csaf_[\w-]+\.tar\.zst)$/,
    payload: (b, m) => built(() => redhatArchive(b, m[1]!)),
  },
  {
    host: "security.access.redhat.com",
    path: /^\/data\/csaf\/v2\/vex\/(\d{4}\/[\w.-]+\.json)$/,
    payload: (_b, m) => (existsSync(join(RH_SERVER(), m[1]!)) ? filePayload(join(RH_SERVER(), m[1]!)) : null),
  },
  {
    host: "security.access.redhat.com",
    path: /^\/data\/metrics\/repository-to-cpe\.json$/,
    payload: () =>
      filePayload(
        fixtures(
          "trivy-db-testdata",
          "redhat-csaf",
          "testdata",
          "vuln-list-redhat",
          "cpe",
          "repository-to-cpe.json",
        ),
      ),
  },
];

/** The local payload for one download URL, or null when no rule covers it. */
export function payloadFor(b: PayloadBuilder, url: URL): Payload | null {
  const path = decodeURIComponent(url.pathname);
  for (const rule of RULES) {
    if (rule.host !== url.hostname) continue;
    const m = rule.path.exec(path);
    if (m) return rule.payload(b, m);
  }
  return null;
}

/** The path+query a mirror serves a public URL at. */
export const mirrorPath = (url: string) => {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
};

function payloadOrThrow(b: PayloadBuilder, feed: FeedImporter, url: string): Payload {
  const payload = payloadFor(b, new URL(url));
  if (!payload) {
    throw new Error(
      `no local payload for ${url} (feed ${feed.id}): add a rule to test/vulndb/feed-payloads.ts`,
    );
  }
  return payload;
}

/**
 * Every file `db update` fetches for `feed` (its downloads, then any follow-ups they name), written
 * into `dir` under the download names, with `overrides` by URL: what a direct import reads.
 */
export async function localInputs(
  b: PayloadBuilder,
  feed: FeedImporter,
  dir: string,
  overrides: ReadonlyMap<string, Buffer> = new Map(),
): Promise<{ inputs: string[]; urls: string[] }> {
  mkdirSync(dir, { recursive: true });
  const write = (name: string, url: string) => {
    const path = join(dir, name.replace(/[^\w.-]/g, "_"));
    writeFileSync(path, overrides.get(url) ?? payloadOrThrow(b, feed, url).body());
    return path;
  };
  const inputs = feed.downloads.map((d) => write(d.name, d.url));
  const urls = feed.downloads.map((d) => d.url);
  if (feed.followUpDownloads) {
    for (const d of await feed.followUpDownloads(dir)) {
      inputs.push(write(d.name, d.url));
      urls.push(d.url);
    }
  }
  return { inputs, urls };
}

export interface RoutedFile {
  feed: string;
  url: string;
  /** Where the mirror serves it. */
  path: string;
  /** Named by another download (Red Hat's archive), not one of the feed's own downloads. */
  followUp: boolean;
}

/** Route every file of `importers` on `server` (follow-ups included); throws naming any URL without a rule. */
export async function serveFeeds(
  server: FeedServer,
  importers: readonly FeedImporter[],
  b: PayloadBuilder,
): Promise<RoutedFile[]> {
  const owner = new Map<string, string>();
  const routed: RoutedFile[] = [];
  for (const feed of importers) {
    const { urls } = await localInputs(b, feed, join(b.work, "routes", feed.id));
    for (const [i, url] of urls.entries()) {
      const path = mirrorPath(url);
      const other = owner.get(path);
      if (other && other !== url) throw new Error(`${url} and ${other} share the mirror path ${path}`);
      owner.set(path, url);
      server.route(path, payloadOrThrow(b, feed, url));
      routed.push({ feed: feed.id, url, path, followUp: i >= feed.downloads.length });
    }
  }
  return routed;
}

/** A database built by calling the importers on the local payloads directly (no HTTP): the oracle. */
export async function importDirectly(
  b: PayloadBuilder,
  importers: readonly FeedImporter[],
  dir: string,
  now: Date,
  overrides?: ReadonlyMap<string, Buffer>,
): Promise<StoreStatus> {
  rmSync(dir, { recursive: true, force: true });
  const path = join(dir, "db.sqlite");
  const session = await SqliteStore.open(path).beginBuild();
  try {
    for (const feed of importers) {
      const { inputs } = await localInputs(b, feed, join(dir, feed.id), overrides);
      const result = await feed.import(inputs, session, { warn: () => undefined, now });
      // Each feed's record count as its importer reports it, for comparing per feed.
      await session.setFeedState({
        feed: feed.id,
        origin: dir,
        importedAt: now.toISOString(),
        dataDate: result.dataDate,
        etag: null,
        lastModified: null,
        records: result.records,
      });
    }
    await session.commit();
  } catch (err) {
    await session.abort();
    throw err;
  }
  const store = SqliteStore.open(path);
  try {
    return await store.status();
  } finally {
    await store.close();
  }
}
