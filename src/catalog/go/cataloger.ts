/**
 * Go binaries: every executable with Go build info gives the toolchain as package `stdlib`
 * (`go1.19.8` → `v1.19.8`), its main module (version `(devel)` for a module-mode build without a
 * version, empty for GOPATH-mode builds that record only the main package path) and one package per
 * dependency module (a replacement with a version stands for the module it replaces). Build info is
 * read while the layer streams (buildinfo.ts, modinfo.ts); only the parsed record is kept.
 */
import { PackageURL } from "packageurl-js";
import * as v from "valibot";
import { isShipshapeError } from "../../errors.js";
import type { AnalysisValue } from "../../image/file-request.js";
import type { CatalogContext, Cataloger } from "../cataloger.js";
import type { Package } from "../package.js";
import { readRawGoBuildInfo } from "./buildinfo.js";
import { isExecutableCandidate, MAX_EXECUTABLE_BYTES } from "./executable.js";
import { type GoModule, parseModInfo } from "./modinfo.js";

export const GO_CATALOGER_ID = "go-binary";

/** What the analyzer keeps per file: the parsed build info, an error, or null (not Go). */
export type GoBinaryAnalysis = {
  goVersion: string;
  path: string;
  main: GoModuleRecord | null;
  deps: GoModuleRecord[];
  settings: [string, string][];
};
type GoModuleRecord = {
  path: string;
  version: string;
  sum: string;
  replace: { path: string; version: string; sum: string } | null;
};

const ModuleSchema = v.object({
  path: v.string(),
  version: v.string(),
  sum: v.string(),
  replace: v.nullable(v.object({ path: v.string(), version: v.string(), sum: v.string() })),
});
const AnalysisSchema = v.union([
  v.object({
    goVersion: v.string(),
    path: v.string(),
    main: v.nullable(ModuleSchema),
    deps: v.array(ModuleSchema),
    settings: v.array(v.tuple([v.string(), v.string()])),
  }),
  v.object({ error: v.string() }),
]);

/** Analyze one executable's bytes (never throws). */
export function analyzeGoBinary(bytes: Buffer): AnalysisValue {
  try {
    const raw = readRawGoBuildInfo(bytes);
    if (!raw) return null;
    const info = parseModInfo(raw.modInfo);
    const record = (m: GoModule): GoModuleRecord => ({
      path: m.path,
      version: m.version,
      sum: m.sum,
      replace: m.replace,
    });
    const out: GoBinaryAnalysis = {
      goVersion: raw.goVersion.slice(0, 256),
      path: info.path,
      main: info.main ? record(info.main) : null,
      deps: info.deps.map(record),
      settings: info.settings,
    };
    return out;
  } catch (err) {
    return { error: isShipshapeError(err) || err instanceof Error ? err.message : String(err) };
  }
}

/** `go1.19.8` → `v1.19.8`; `go1.22.1 X:boringcrypto` → `v1.22.1`; anything else as its first word. */
export function stdlibVersion(goVersion: string): string {
  const first = goVersion.trim().split(/\s+/)[0] ?? "";
  return /^go\d/.test(first) ? `v${first.slice(2)}` : first;
}

function purlOf(modulePath: string, version: string): string {
  const slash = modulePath.lastIndexOf("/");
  const namespace = slash > 0 ? modulePath.slice(0, slash) : undefined;
  const name = slash > 0 ? modulePath.slice(slash + 1) : modulePath;
  const purlVersion = version === "" || version === "(devel)" ? undefined : version;
  try {
    return new PackageURL(
      "golang",
      namespace,
      name || modulePath,
      purlVersion,
      undefined,
      undefined,
    ).toString();
  } catch {
    return `pkg:golang/${encodeURIComponent(modulePath)}`;
  }
}

async function catalog(ctx: CatalogContext): Promise<Package[]> {
  const packages: Package[] = [];
  const unread: string[] = [];
  for (const path of ctx.files) {
    const raw = ctx.fs.analysis(GO_CATALOGER_ID, path);
    if (raw === undefined) {
      unread.push(path);
      continue;
    }
    if (raw === null) continue;
    const parsed = v.safeParse(AnalysisSchema, raw);
    if (!parsed.success) {
      ctx.incomplete(path, "Go build info analysis could not be read back");
      continue;
    }
    const a = parsed.output;
    if ("error" in a) {
      ctx.incomplete(path, `Go build info could not be read: ${a.error}`);
      continue;
    }
    const layer = ctx.layerOf(path);
    const locations = [layer === undefined ? { path } : { path, layer }];
    const add = (kind: string, name: string, version: string, metadata: Record<string, string | null> = {}) =>
      packages.push({
        type: "golang",
        name,
        version,
        purl: purlOf(name, version),
        locations,
        foundBy: GO_CATALOGER_ID,
        metadata: { kind, goVersion: a.goVersion, ...metadata },
      });

    add("stdlib", "stdlib", stdlibVersion(a.goVersion));
    const mainPath = a.main?.path || a.path;
    if (mainPath) {
      const settings: Record<string, string> = {};
      for (const [key, value] of a.settings) settings[`build.${key}`] = value;
      add("main", mainPath, a.main?.version ?? "", {
        mainPackage: a.path || null,
        sum: a.main?.sum || null,
        ...settings,
      });
    }
    for (const dep of a.deps) {
      const r = dep.replace;
      if (r && r.version !== "" && r.version !== "(devel)") {
        add("dep", r.path, r.version, { sum: r.sum || null, replaces: `${dep.path}@${dep.version}` });
      } else if (r) {
        // Replaced by a local directory: the code is not the published version of anything.
        add("dep", dep.path, "", { sum: null, replacedBy: r.path });
      } else {
        add("dep", dep.path, dep.version, { sum: dep.sum || null });
      }
    }
  }
  if (unread.length > 0) {
    const shown = unread.slice(0, 5).join(", ");
    const more = unread.length > 5 ? ` and ${unread.length - 5} more` : "";
    ctx.warn(
      `${unread.length} executable(s) over the per-file read limit were not checked for Go build info: ${shown}${more}`,
    );
  }
  return packages;
}

export const goBinaryCataloger: Cataloger = {
  id: GO_CATALOGER_ID,
  version: "1",
  request: {
    match: isExecutableCandidate,
    maxFileBytes: MAX_EXECUTABLE_BYTES,
    analyze: (bytes) => analyzeGoBinary(bytes),
  },
  catalog,
};
