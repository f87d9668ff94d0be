/** Where the layer cache lives by default (its own module: the CLI's output memo reads it at start-up). */
import { homedir } from "node:os";
import { join } from "node:path";

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SHIPSHAPE_CACHE_DIR) return env.SHIPSHAPE_CACHE_DIR;
  const base = env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "shipshape", "layers");
}
