/**
 * Files shipped in the package next to the code (policies/, rules/): found by walking up from this
 * module to shipshape's package.json, so the lookup holds for the tsc output (dist/…), the bundled
 * CLI (dist/cli-bundle/…) and the sources under test (src/…) alike.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let root: string | undefined;

function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && isShipshape(manifest)) {
      root = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error("shipshape's package.json was not found above its code");
    dir = parent;
  }
}

function isShipshape(manifest: string): boolean {
  try {
    return (JSON.parse(readFileSync(manifest, "utf8")) as { name?: unknown }).name === "shipshape";
  } catch {
    return false;
  }
}

/** The absolute path of a file or folder in the package, e.g. packageFile("policies", "default.yaml"). */
export function packageFile(...segments: string[]): string {
  return join(packageRoot(), ...segments);
}
