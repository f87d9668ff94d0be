/**
 * Rust binaries built with cargo-auditable: every crate of the embedded dependency list that is
 * compiled into the binary (kind "runtime", the root crate included) becomes a cargo package at the
 * binary's path; build-only crates (build scripts, proc macros) are left out, as Trivy does, since
 * none of their code ships. The list is read while the layer streams (audit-data.ts).
 */
import { PackageURL } from "packageurl-js";
import * as v from "valibot";
import { isShipshapeError } from "../../errors.js";
import type { AnalysisValue } from "../../image/file-request.js";
import type { CatalogContext, Cataloger } from "../cataloger.js";
import { isExecutableCandidate, MAX_EXECUTABLE_BYTES } from "../go/executable.js";
import type { Package } from "../package.js";
import { type CargoAuditPackage, readCargoAuditData } from "./audit-data.js";

export const RUST_CATALOGER_ID = "rust-cargo-auditable";

const AnalysisSchema = v.union([
  v.object({
    packages: v.array(
      v.object({
        name: v.string(),
        version: v.string(),
        source: v.string(),
        kind: v.picklist(["runtime", "build"]),
        root: v.boolean(),
        dependencies: v.array(v.number()),
      }),
    ),
  }),
  v.object({ error: v.string() }),
]);

/** Analyze one executable's bytes (never throws): the audit packages, an error, or null (none). */
export function analyzeRustBinary(bytes: Buffer): AnalysisValue {
  try {
    const packages: CargoAuditPackage[] | null = readCargoAuditData(bytes);
    return packages === null ? null : { packages };
  } catch (err) {
    return { error: isShipshapeError(err) || err instanceof Error ? err.message : String(err) };
  }
}

function purlOf(name: string, version: string): string {
  try {
    return new PackageURL("cargo", undefined, name, version || undefined, undefined, undefined).toString();
  } catch {
    return `pkg:cargo/${encodeURIComponent(name)}`;
  }
}

async function catalog(ctx: CatalogContext): Promise<Package[]> {
  const packages: Package[] = [];
  const unread: string[] = [];
  for (const path of ctx.files) {
    const raw = ctx.fs.analysis(RUST_CATALOGER_ID, path);
    if (raw === undefined) {
      unread.push(path);
      continue;
    }
    if (raw === null) continue;
    const parsed = v.safeParse(AnalysisSchema, raw);
    if (!parsed.success) {
      ctx.incomplete(path, "cargo-auditable analysis could not be read back");
      continue;
    }
    if ("error" in parsed.output) {
      ctx.incomplete(path, `cargo-auditable data could not be read: ${parsed.output.error}`);
      continue;
    }
    const layer = ctx.layerOf(path);
    const locations = [layer === undefined ? { path } : { path, layer }];
    for (const p of parsed.output.packages) {
      if (p.kind !== "runtime") continue;
      packages.push({
        type: "cargo",
        name: p.name,
        version: p.version,
        purl: purlOf(p.name, p.version),
        locations,
        foundBy: RUST_CATALOGER_ID,
        metadata: { source: p.source, root: p.root },
      });
    }
  }
  if (unread.length > 0) {
    const shown = unread.slice(0, 5).join(", ");
    const more = unread.length > 5 ? ` and ${unread.length - 5} more` : "";
    ctx.warn(
      `${unread.length} executable(s) over the per-file read limit were not checked for cargo-auditable data: ${shown}${more}`,
    );
  }
  return packages;
}

export const rustAuditableCataloger: Cataloger = {
  id: RUST_CATALOGER_ID,
  version: "1",
  request: {
    match: isExecutableCandidate,
    maxFileBytes: MAX_EXECUTABLE_BYTES,
    analyze: (bytes) => analyzeRustBinary(bytes),
  },
  catalog,
};
