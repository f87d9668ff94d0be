/**
 * The one way tests find `../shared` (fixtures and data). CI checks the repository out next to it;
 * SHIPSHAPE_SHARED points elsewhere. A missing folder fails loudly instead of skipping tests.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

export function sharedDir(): string {
  const dir = process.env.SHIPSHAPE_SHARED
    ? resolve(process.env.SHIPSHAPE_SHARED)
    : resolve(repoRoot, "..", "shared");
  if (!existsSync(join(dir, "fixtures")) || !existsSync(join(dir, "data"))) {
    throw new Error(
      `shared test data not found at ${dir}: check out the shared folder next to the repository (../shared with fixtures/ and data/) or set SHIPSHAPE_SHARED`,
    );
  }
  return dir;
}

/** Absolute path of a file under ../shared/fixtures; throws with a clear message when it is missing. */
export function fixturePath(...parts: string[]): string {
  return mustExist(join(sharedDir(), "fixtures", ...parts));
}

/** Absolute path of a file under ../shared/data. */
export function dataPath(...parts: string[]): string {
  return mustExist(join(sharedDir(), "data", ...parts));
}

export function repoPath(...parts: string[]): string {
  return join(repoRoot, ...parts);
}

function mustExist(path: string): string {
  if (!existsSync(path)) {
    throw new Error(`shared fixture missing: ${path} (is ../shared complete and current?)`);
  }
  return path;
}
