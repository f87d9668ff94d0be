/**
 * A .NET application's dependency manifest, `<app>.deps.json`, written by the SDK at publish time.
 * `libraries` is keyed `Name/Version`; its `type` says what each is: `package` (a NuGet package),
 * `project` (the application or one of its projects) or `runtimepack` (the .NET runtime bundled into
 * a self-contained app, keyed `runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/8.0.1`; reported
 * without the `runtimepack.` prefix). Other types (reference assemblies) are not deployed packages.
 *
 * When the `targets` entry of the app's `runtimeTarget` lists a library without any `runtime`,
 * `runtimeTargets` or `native` assets, nothing of it was deployed (analyzers, build-time packages):
 * it is left out, as Trivy does. A library the target does not list is kept.
 */
import { ShipshapeError } from "../errors.js";
import { isObject, parseJsonBytes } from "./lang-files.js";

export type DotnetLibraryKind = "package" | "project" | "runtimepack";

export interface DotnetLibrary {
  name: string;
  version: string;
  kind: DotnetLibraryKind;
}

export interface DotnetDeps {
  libraries: DotnetLibrary[];
  /** Keys that are not `Name/Version`, or entries that are not objects. */
  skipped: number;
  /** Libraries left out because nothing of them is deployed at run time. */
  compileOnly: number;
}

const RUNTIME_PACK = "runtimepack.";
const KINDS: readonly DotnetLibraryKind[] = ["package", "project", "runtimepack"];

function deploysAssets(target: unknown): boolean {
  if (!isObject(target)) return true;
  return ["runtime", "runtimeTargets", "native"].some((k) => target[k] !== undefined && target[k] !== null);
}

export function parseDotnetDeps(bytes: Uint8Array): DotnetDeps {
  const doc = parseJsonBytes(bytes, ".deps.json");
  if (!isObject(doc)) throw new ShipshapeError("input", ".deps.json is not a JSON object");
  const libraries = doc.libraries ?? {};
  if (!isObject(libraries)) throw new ShipshapeError("input", '.deps.json "libraries" is not an object');
  const runtimeTarget = isObject(doc.runtimeTarget) ? doc.runtimeTarget.name : undefined;
  const targets =
    isObject(doc.targets) && typeof runtimeTarget === "string" ? doc.targets[runtimeTarget] : undefined;
  const targetLibs = isObject(targets) ? targets : null;

  const out: DotnetLibrary[] = [];
  let skipped = 0;
  let compileOnly = 0;
  for (const [key, lib] of Object.entries(libraries)) {
    const slash = key.indexOf("/");
    const name = slash > 0 ? key.slice(0, slash).trim() : "";
    const version = slash > 0 ? key.slice(slash + 1).trim() : "";
    if (!isObject(lib) || name === "" || version === "" || /[\s/]/.test(version) || key.length > 512) {
      skipped++;
      continue;
    }
    const kind = typeof lib.type === "string" ? lib.type.toLowerCase() : "";
    if (!KINDS.includes(kind as DotnetLibraryKind)) continue;
    if (targetLibs && key in targetLibs && !deploysAssets(targetLibs[key])) {
      compileOnly++;
      continue;
    }
    const reported =
      kind === "runtimepack" && name.startsWith(RUNTIME_PACK) ? name.slice(RUNTIME_PACK.length) : name;
    out.push({ name: reported, version, kind: kind as DotnetLibraryKind });
  }
  return { libraries: out, skipped, compileOnly };
}
