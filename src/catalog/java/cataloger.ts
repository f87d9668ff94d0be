/**
 * Java archives in the image (jar, war, ear, Jenkins .jpi/.hpi; real files only: the squashed
 * view's symlinks are not regular files, so Debian's versioned jar links are not counted twice).
 * Each archive is analyzed while its layer streams (archive.ts) and only the small record list is
 * kept; here the records become maven packages located at the archive's path.
 */
import { PackageURL } from "packageurl-js";
import * as v from "valibot";
import type { AnalysisValue } from "../../image/file-request.js";
import type { CatalogContext, Cataloger } from "../cataloger.js";
import type { Package } from "../package.js";
import { analyzeJavaArchive, isJavaArchiveName, type JavaArchiveResult } from "./archive.js";

const MiB = 1024 * 1024;

export const JAVA_CATALOGER_ID = "java-archive";
/** Largest archive read (the engine's maxCapturedFileBytes may cap it lower). */
export const JAVA_MAX_ARCHIVE_BYTES = 256 * MiB;

const RecordSchema = v.object({
  name: v.string(),
  groupId: v.nullable(v.string()),
  artifactId: v.nullable(v.string()),
  version: v.string(),
  evidence: v.string(),
  nestedPath: v.string(),
  manifestVersion: v.nullable(v.string()),
  licenses: v.array(v.string()),
  purlGroup: v.string(),
  purlArtifact: v.string(),
});
const ResultSchema = v.object({ packages: v.array(RecordSchema), problems: v.array(v.string()) });

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** `pkg:maven/group/artifact@version`; never throws (an archive named ".jar" has no artifact name). */
function purlOf(group: string, artifact: string, version: string): string {
  const name = artifact || "unknown";
  try {
    return new PackageURL(
      "maven",
      group || name,
      name,
      version || undefined,
      undefined,
      undefined,
    ).toString();
  } catch {
    return `pkg:maven/${encodeURIComponent(group || name)}/${encodeURIComponent(name)}`;
  }
}

async function catalog(ctx: CatalogContext): Promise<Package[]> {
  const packages: Package[] = [];
  for (const path of ctx.files) {
    const raw = ctx.fs.analysis(JAVA_CATALOGER_ID, path);
    if (raw === undefined) {
      // Not analyzed: empty (nothing to read) or over the per-file read limit (packages unknown).
      const size = ctx.fs.lstat(path)?.size ?? 0;
      if (size > 0)
        ctx.incomplete(path, `Java archive not analyzed: ${size} bytes is over the per-file read limit`);
      continue;
    }
    const parsed = v.safeParse(ResultSchema, raw);
    if (!parsed.success) {
      ctx.incomplete(path, "Java archive analysis could not be read back");
      continue;
    }
    const result = parsed.output;
    if (result.problems.length > 0) {
      const shown = result.problems.slice(0, 3).join("; ");
      const more = result.problems.length > 3 ? ` (and ${result.problems.length - 3} more)` : "";
      ctx.incomplete(path, `${shown}${more}`);
    }
    const layer = ctx.layerOf(path);
    for (const r of result.packages) {
      const metadata: Package["metadata"] = {
        evidence: r.evidence,
        manifestVersion: r.manifestVersion,
      };
      if (r.groupId !== null) metadata.groupId = r.groupId;
      if (r.artifactId !== null) metadata.artifactId = r.artifactId;
      if (r.nestedPath) metadata.nestedPath = r.nestedPath;
      packages.push({
        type: "maven",
        name: r.name,
        version: r.version,
        purl: purlOf(r.purlGroup, r.purlArtifact, r.version),
        ...(r.licenses.length > 0 ? { licenses: r.licenses } : {}),
        locations: [layer === undefined ? { path } : { path, layer }],
        foundBy: JAVA_CATALOGER_ID,
        metadata,
      });
    }
  }
  return packages;
}

export const javaArchiveCataloger: Cataloger = {
  id: JAVA_CATALOGER_ID,
  version: "1",
  request: {
    match: (path) => isJavaArchiveName(path),
    maxFileBytes: JAVA_MAX_ARCHIVE_BYTES,
    analyze: (bytes, file): AnalysisValue => {
      const result: JavaArchiveResult = analyzeJavaArchive(bytes, baseName(file.path));
      return result;
    },
  },
  catalog,
};
