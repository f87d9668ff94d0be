/**
 * The rpm cataloger: installed packages from rpm's database in any of its three backends (SQLite,
 * Berkeley DB, NDB) at the places rpm keeps it (`/var/lib/rpm`, `/usr/lib/sysimage/rpm` — where
 * `/var/lib/rpm` is often a symlink to — and rpm-ostree's `/usr/share/rpm`), plus CBL-Mariner's
 * distroless manifest. Each database is parsed while its layer streams (`analyze`: only the package
 * records stay in memory and in the layer cache, not tens of MB of database), and read again only
 * when a committed SQLite write-ahead log sits beside it.
 *
 * A database is read once per real path (a symlinked directory does not count it twice); a package
 * found in two databases is reported once with both locations. gpg-pubkey entries are public keys
 * that rpm stores as pseudo-packages: dropped, as Trivy, Syft and claircore do. A database that could
 * not be read fully is reported through `ctx.incomplete` with the packages it did yield.
 */
import { describeError } from "../../errors.js";
import type { AnalysisValue } from "../../image/file-request.js";
import type { CatalogContext, Cataloger } from "../cataloger.js";
import type { OsInfo } from "../os.js";
import type { Package } from "../package.js";
import { isBerkeleyDbHash, parseBerkeleyDb } from "./bdb.js";
import { parseMarinerManifest } from "./mariner.js";
import { isNdb, parseNdb } from "./ndb.js";
import { rpmPurl } from "./purl.js";
import {
  HeaderCollector,
  type RpmBackend,
  type RpmDatabaseResult,
  type RpmPackageRecord,
} from "./records.js";
import { isSqlite, parseRpmSqlite } from "./sqlite.js";
import { summarizeWal } from "./sqlite-wal.js";

const ID = "rpm";
const DB_DIRS = ["/var/lib/rpm", "/usr/lib/sysimage/rpm", "/usr/share/rpm"] as const;
const DB_FILES = ["rpmdb.sqlite", "Packages.db", "Packages"] as const;
const WAL_SUFFIX = "-wal";
const MANIFEST = "/var/lib/rpmmanifest/container-manifest-2";
const MiB = 1024 * 1024;

/** What the analyzer keeps for a write-ahead log: how many committed frames it holds. */
type WalAnalysis = { wal: number };

export const rpmCataloger: Cataloger = {
  id: ID,
  version: "1",
  request: {
    paths: [
      ...DB_DIRS.flatMap((dir) => [
        ...DB_FILES.map((f) => `${dir}/${f}`),
        `${dir}/rpmdb.sqlite${WAL_SUFFIX}`,
      ]),
      MANIFEST,
    ],
    // rpm databases of big images reach tens of MB (the read limits cap this at maxCapturedFileBytes).
    maxFileBytes: 256 * MiB,
    analyze: (bytes, file) => analyzeFile(file.path, bytes),
  },
  catalog,
};

/** Parse one requested file by what it is: a WAL summary, the Mariner manifest, or a database. */
export function analyzeFile(path: string, bytes: Uint8Array): AnalysisValue {
  if (path.endsWith(WAL_SUFFIX)) {
    const summary: WalAnalysis = { wal: summarizeWal(bytes)?.frames ?? 0 };
    return summary;
  }
  return parseDatabaseFile(path, bytes);
}

/** Parse a database or manifest, choosing the backend by its magic bytes (the file name as a hint). */
export function parseDatabaseFile(path: string, bytes: Uint8Array, wal?: Uint8Array): RpmDatabaseResult {
  if (path.endsWith("/container-manifest-2")) return parseMarinerManifest(bytes);
  if (isSqlite(bytes)) return parseRpmSqlite(bytes, wal);
  if (isNdb(bytes)) return parseNdb(bytes);
  if (isBerkeleyDbHash(bytes)) return parseBerkeleyDb(bytes);
  const backend: RpmBackend = path.endsWith(".sqlite") ? "sqlite" : path.endsWith(".db") ? "ndb" : "bdb";
  const collector = new HeaderCollector(backend, 0);
  collector.problem(
    bytes.length === 0 ? "empty file" : "not an rpm database: neither SQLite, NDB nor Berkeley DB hash",
  );
  return collector.result();
}

async function catalog(ctx: CatalogContext): Promise<Package[]> {
  const files = databaseFiles(ctx);
  const wals = new Map<string, string>();
  for (const path of files) if (path.endsWith(WAL_SUFFIX)) wals.set(path.slice(0, -WAL_SUFFIX.length), path);

  const byKey = new Map<string, Package>();
  for (const path of files) {
    if (path.endsWith(WAL_SUFFIX)) continue;
    const result = await readDatabase(ctx, path, wals.get(path));
    if (!result) continue;
    if (result.problems.length > 0) {
      if (
        result.packages.length === 0 &&
        result.problems.length === 1 &&
        result.problems[0] === "empty file"
      ) {
        ctx.warn(`${path} is empty: no packages`);
      } else {
        ctx.incomplete(path, `rpm ${result.backend} database: ${result.problems.join("; ")}`);
      }
    }
    const layer = ctx.layerOf(path);
    for (const record of result.packages) {
      if (record.name === "gpg-pubkey") continue;
      const key = [record.name, record.epoch ?? "", record.version, record.release, record.arch ?? ""].join(
        "\0",
      );
      const known = byKey.get(key);
      if (known) {
        if (!known.locations.some((l) => l.path === path)) known.locations.push(location(path, layer));
        continue;
      }
      byKey.set(key, toPackage(record, result.backend, location(path, layer), ctx.os));
    }
  }
  return [...byKey.values()];
}

/**
 * The real paths of the database files present: those the request matched, plus any reached through
 * a symlinked directory outside the requested paths (`/var/lib/rpm -> /somewhere/else`).
 */
function databaseFiles(ctx: CatalogContext): string[] {
  const candidates = [
    ...ctx.files,
    ...DB_DIRS.flatMap((dir) => [...DB_FILES, `rpmdb.sqlite${WAL_SUFFIX}`].map((f) => `${dir}/${f}`)),
    MANIFEST,
  ];
  const real = new Set<string>();
  for (const path of candidates) {
    try {
      if (ctx.fs.stat(path).kind !== "file") continue;
      real.add(ctx.fs.realpath(path));
    } catch {
      // absent or unresolvable: nothing to read
    }
  }
  return [...real].sort();
}

async function readDatabase(
  ctx: CatalogContext,
  path: string,
  walPath: string | undefined,
): Promise<RpmDatabaseResult | null> {
  try {
    const wal = walPath ? await walToApply(ctx, walPath) : undefined;
    if (wal) return parseDatabaseFile(path, await ctx.read(path), wal);
    const analyzed = ctx.fs.analysis(ID, path);
    if (isDatabaseResult(analyzed)) return analyzed;
    // Not analyzed while streaming (reached through a symlink, or the analyzer failed): read it now.
    return parseDatabaseFile(path, await ctx.read(path));
  } catch (err) {
    ctx.incomplete(path, describeError(err));
    return null;
  }
}

/** The WAL's bytes when it holds committed frames (the database must be re-read with them). */
async function walToApply(ctx: CatalogContext, walPath: string): Promise<Buffer | undefined> {
  const analyzed = ctx.fs.analysis(ID, walPath);
  if (isWalAnalysis(analyzed) && analyzed.wal === 0) return undefined;
  const bytes = await ctx.read(walPath);
  return summarizeWal(bytes) ? bytes : undefined;
}

function location(path: string, layer: number | undefined): Package["locations"][number] {
  return layer === undefined ? { path } : { path, layer };
}

function toPackage(
  r: RpmPackageRecord,
  backend: RpmBackend,
  where: Package["locations"][number],
  os: OsInfo | null,
) {
  const source = splitSourceRpm(r.sourceRpm);
  const p: Package = {
    type: "rpm",
    name: r.name,
    version: `${r.version}-${r.release}`,
    purl: rpmPurl(r, os),
    epoch: r.epoch,
    release: r.release,
    locations: [where],
    foundBy: ID,
    metadata: {
      upstreamVersion: r.version,
      sourceRpm: r.sourceRpm,
      vendor: r.vendor,
      modularityLabel: r.modularityLabel,
      backend,
    },
  };
  if (r.arch) p.arch = r.arch;
  if (source) {
    p.sourceName = source.name;
    p.sourceVersion = source.version;
  }
  if (r.license) p.licenses = [r.license];
  if (backend !== "manifest") p.files = r.files;
  return p;
}

/**
 * `openssl-1.1.1k-7.cm2.src.rpm` → openssl, 1.1.1k-7.cm2: the name may contain dashes, version and
 * release may not (the source rpm's file name never carries the epoch).
 */
export function splitSourceRpm(sourceRpm: string | null): { name: string; version: string } | null {
  if (!sourceRpm) return null;
  const base = sourceRpm.replace(/\.(no)?src\.rpm$/, "");
  const releaseDash = base.lastIndexOf("-");
  if (releaseDash <= 0) return null;
  const versionDash = base.lastIndexOf("-", releaseDash - 1);
  if (versionDash <= 0 || releaseDash - versionDash < 2 || releaseDash === base.length - 1) return null;
  return { name: base.slice(0, versionDash), version: base.slice(versionDash + 1) };
}

function isWalAnalysis(value: AnalysisValue | undefined): value is WalAnalysis {
  return (
    typeof value === "object" && value !== null && !Array.isArray(value) && typeof value.wal === "number"
  );
}

/** A value from the analyzer (or the layer cache): checked before use, it crossed a boundary. */
function isDatabaseResult(value: AnalysisValue | undefined): value is RpmDatabaseResult {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const { backend, packages, problems } = value;
  return (
    typeof backend === "string" &&
    ["sqlite", "bdb", "ndb", "manifest"].includes(backend) &&
    Array.isArray(problems) &&
    problems.every((p) => typeof p === "string") &&
    Array.isArray(packages) &&
    packages.every(isPackageRecord)
  );
}

function isPackageRecord(value: AnalysisValue): value is RpmPackageRecord {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const text = (k: string) => typeof value[k] === "string";
  const textOrNull = (k: string) => value[k] === null || typeof value[k] === "string";
  return (
    text("name") &&
    text("version") &&
    text("release") &&
    (value.epoch === null || typeof value.epoch === "number") &&
    ["arch", "sourceRpm", "license", "vendor", "modularityLabel"].every(textOrNull) &&
    Array.isArray(value.files) &&
    value.files.every((f) => typeof f === "string")
  );
}
