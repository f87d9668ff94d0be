/**
 * What a Java archive (jar, war, ear, Jenkins plugin) says it contains: one record per
 * `pom.properties` (groupId, artifactId, version), or, when it has none, one record from its
 * `META-INF/MANIFEST.MF` (or its file name); then the same for every archive nested inside it
 * (`WEB-INF/lib/*.jar`, `BOOT-INF/lib/*.jar`, jars in jars) down to a depth, within one budget of
 * inflated bytes for the whole file. Pure and synchronous: it runs inside a FileRequest analyzer.
 * Problems (a truncated zip, a bomb, a nested archive over budget) are collected, never thrown.
 */
import { isShipshapeError } from "../../errors.js";
import {
  bundleLicenses,
  bundleSymbolicName,
  type JarManifest,
  manifestValue,
  parseManifest,
} from "./manifest.js";
import { parseProperties } from "./properties.js";
import { readZipDirectory, readZipEntry, type ZipEntry } from "./zip.js";

const MiB = 1024 * 1024;

export interface JavaArchiveLimits {
  /** Archives inside archives, counted from the file itself (depth 0). */
  maxDepth: number;
  /** Bytes inflated for one file, nested archives and metadata together (decompression-bomb bound). */
  maxInflatedBytes: number;
  /** Archives opened for one file, nested ones included. */
  maxArchives: number;
  /** Bytes of one MANIFEST.MF or pom.properties. */
  maxMetadataBytes: number;
  /** pom.properties read per archive (a shaded jar has one per bundled artifact). */
  maxPomsPerArchive: number;
}

export const DEFAULT_JAVA_LIMITS: JavaArchiveLimits = {
  maxDepth: 6,
  maxInflatedBytes: 512 * MiB,
  maxArchives: 10_000,
  maxMetadataBytes: 1 * MiB,
  maxPomsPerArchive: 10_000,
};

export type JavaPackageRecord = {
  /** `groupId:artifactId` from pom.properties; else the manifest's Bundle-SymbolicName/Implementation-Title or the file name. */
  name: string;
  /** From pom.properties only (null for manifest records). */
  groupId: string | null;
  artifactId: string | null;
  /** Empty when nothing names one. */
  version: string;
  /** The pom.properties path inside the archive, `META-INF/MANIFEST.MF`, or `file name`. */
  evidence: string;
  /** Where the archive holding the evidence sits inside the scanned file ("" for the file itself). */
  nestedPath: string;
  /** The holding archive's Implementation-Version or Bundle-Version. */
  manifestVersion: string | null;
  /** Bundle-License entries of the holding archive (only when it describes this one artifact). */
  licenses: string[];
  /** Maven coordinates for the purl: pom.properties's, or a best guess from the manifest. */
  purlGroup: string;
  purlArtifact: string;
};

export type JavaArchiveResult = {
  packages: JavaPackageRecord[];
  /** What could not be read: the package list may miss entries. */
  problems: string[];
};

const ARCHIVE_EXTENSIONS = /\.(jar|war|ear|jpi|hpi)$/i;

export function isJavaArchiveName(name: string): boolean {
  return ARCHIVE_EXTENSIONS.test(name);
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

interface Budget {
  inflated: number;
  archives: number;
}

function describe(err: unknown): string {
  if (isShipshapeError(err) || err instanceof Error) return err.message;
  return String(err);
}

/** `commons-io-2.11.0.jar` → name `commons-io`, version `2.11.0`. */
function splitFileName(fileName: string): { name: string; version: string } {
  const stem = fileName.replace(ARCHIVE_EXTENSIONS, "");
  // A version starts with a number and a dot (2.11.0, 30.1-jre) or is a bare number: not `level-3-jar`.
  const m = /^(.+?)-(\d+(?:\.\d+)+(?:[.+-][\w.+-]*)?|\d+)$/.exec(stem);
  return m ? { name: m[1]!, version: m[2]! } : { name: stem || fileName, version: "" };
}

/**
 * Maven coordinates guessed from a manifest, as Trivy guesses them: group from
 * Implementation-Vendor-Id, else the Bundle-SymbolicName without its last segment; artifact from
 * Implementation-Title, Specification-Title or the symbolic name's last segment, else the file name.
 */
function manifestCoordinates(
  manifest: JarManifest | null,
  fileName: string,
): { group: string; artifact: string } {
  const file = splitFileName(fileName).name;
  const bsn = manifest ? bundleSymbolicName(manifest) : undefined;
  const lastDot = bsn?.lastIndexOf(".") ?? -1;
  const title = manifest
    ? (manifestValue(manifest, "Implementation-Title") ?? manifestValue(manifest, "Specification-Title"))
    : undefined;
  const artifact =
    (title && !/\s/.test(title) ? title : undefined) ??
    (bsn && lastDot > 0 ? bsn.slice(lastDot + 1) : bsn) ??
    file;
  const vendorId = manifest?.main.get("implementation-vendor-id");
  const group = vendorId || (bsn && lastDot > 0 ? bsn.slice(0, lastDot) : undefined) || artifact;
  return { group, artifact };
}

function visit(
  bytes: Buffer,
  fileName: string,
  nestedPath: string,
  depth: number,
  limits: JavaArchiveLimits,
  budget: Budget,
  out: JavaArchiveResult,
): void {
  const where = (entry?: string) => [nestedPath, entry].filter((p) => p).join("/") || fileName;
  budget.archives++;
  let directory: ReturnType<typeof readZipDirectory>;
  try {
    directory = readZipDirectory(bytes, {
      select: (name) =>
        name === "META-INF/MANIFEST.MF" ||
        name.toUpperCase() === "META-INF/MANIFEST.MF" ||
        baseName(name) === "pom.properties" ||
        (!name.endsWith("/") && isJavaArchiveName(name)),
    });
  } catch (err) {
    out.problems.push(`${where()}: ${describe(err)}`);
    return;
  }

  const read = (entry: ZipEntry, cap: number): Buffer | null => {
    const allowed = Math.min(cap, limits.maxInflatedBytes - budget.inflated);
    if (allowed <= 0) {
      out.problems.push(
        `${where(entry.name)}: not read, the ${limits.maxInflatedBytes}-byte budget is spent`,
      );
      return null;
    }
    try {
      const data = readZipEntry(bytes, entry, allowed);
      budget.inflated += data.length;
      return data;
    } catch (err) {
      out.problems.push(`${where(entry.name)}: ${describe(err)}`);
      return null;
    }
  };

  const manifestEntry = directory.entries.find((e) => e.name.toUpperCase() === "META-INF/MANIFEST.MF");
  let manifest: JarManifest | null = null;
  if (manifestEntry) {
    const data = read(manifestEntry, limits.maxMetadataBytes);
    if (data) manifest = parseManifest(data.toString("utf8"));
  }
  const manifestVersion = manifest
    ? (manifestValue(manifest, "Implementation-Version") ?? manifest.main.get("bundle-version") ?? null)
    : null;
  const licenses = manifest ? bundleLicenses(manifest) : [];

  const poms = directory.entries
    .filter((e) => baseName(e.name) === "pom.properties")
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (poms.length > limits.maxPomsPerArchive) {
    out.problems.push(
      `${where()}: ${poms.length} pom.properties, only the first ${limits.maxPomsPerArchive} read`,
    );
  }
  const found: JavaPackageRecord[] = [];
  for (const pom of poms.slice(0, limits.maxPomsPerArchive)) {
    const data = read(pom, limits.maxMetadataBytes);
    if (!data) continue;
    const props = parseProperties(data.toString("utf8"));
    const groupId = props.get("groupId")?.trim();
    const artifactId = props.get("artifactId")?.trim();
    const version = props.get("version")?.trim();
    if (!groupId || !artifactId || !version) continue;
    found.push({
      name: `${groupId}:${artifactId}`,
      groupId,
      artifactId,
      version,
      evidence: pom.name,
      nestedPath,
      manifestVersion,
      licenses: [],
      purlGroup: groupId,
      purlArtifact: artifactId,
    });
  }
  // The manifest describes the archive: its licence belongs to the artifact only when there is one.
  if (found.length === 1) found[0]!.licenses = licenses;
  if (found.length === 0) {
    const file = splitFileName(fileName);
    const name =
      (manifest && (bundleSymbolicName(manifest) ?? manifestValue(manifest, "Implementation-Title"))) ||
      file.name;
    const coordinates = manifestCoordinates(manifest, fileName);
    found.push({
      name,
      groupId: null,
      artifactId: null,
      version: manifestVersion ?? file.version,
      evidence: manifest ? "META-INF/MANIFEST.MF" : "file name",
      nestedPath,
      manifestVersion,
      licenses,
      purlGroup: coordinates.group,
      purlArtifact: coordinates.artifact,
    });
  }
  out.packages.push(...found);

  const nested = directory.entries.filter((e) => !e.name.endsWith("/") && isJavaArchiveName(e.name));
  for (const entry of nested) {
    const inner = [nestedPath, entry.name].filter((p) => p).join("/");
    if (depth + 1 > limits.maxDepth) {
      out.problems.push(`${inner}: nested deeper than ${limits.maxDepth} archives, not read`);
      continue;
    }
    if (budget.archives >= limits.maxArchives) {
      out.problems.push(`${inner}: more than ${limits.maxArchives} nested archives, not read`);
      continue;
    }
    const data = read(entry, Number.POSITIVE_INFINITY);
    if (!data) continue;
    if (data.length === 0) continue;
    visit(data, baseName(entry.name), inner, depth + 1, limits, budget, out);
  }
}

/** Analyze one archive's bytes; `fileName` is its base name (used when nothing inside names it). */
export function analyzeJavaArchive(
  bytes: Buffer,
  fileName: string,
  limits: JavaArchiveLimits = DEFAULT_JAVA_LIMITS,
): JavaArchiveResult {
  const out: JavaArchiveResult = { packages: [], problems: [] };
  if (bytes.length === 0) return out;
  visit(bytes, fileName, "", 0, limits, { inflated: 0, archives: 0 }, out);
  return out;
}
