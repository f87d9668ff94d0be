/**
 * Where the hygiene checks look for programs: the standard bin directories (a shell in the image
 * finds them whatever PATH says, and `docker exec` users type full paths), then every absolute
 * directory of the config's PATH (`/opt/venv/bin`, `/opt/conda/bin`, `/root/.cargo/bin`…), so a
 * pip or curl installed there is found too. Relative or empty PATH entries (the current directory)
 * name no fixed place and are left out.
 */
import { posix } from "node:path";
import type { ImageConfig } from "../image/oci.js";
import { BIN_DIRECTORIES } from "./tool-table.js";

/** PATH from the config's Env (the last PATH= wins, as a process environment would have it). */
function configPath(config: ImageConfig | undefined): string | null {
  let path: string | null = null;
  for (const entry of config?.config?.Env ?? []) {
    if (entry.startsWith("PATH=")) path = entry.slice(5);
  }
  return path;
}

export function searchPathOf(config: ImageConfig | undefined): string[] {
  const dirs = [...BIN_DIRECTORIES];
  const seen = new Set(dirs);
  for (const raw of (configPath(config) ?? "").split(":")) {
    if (!raw.startsWith("/")) continue;
    const dir = posix.normalize(raw).replace(/(.)\/+$/, "$1");
    if (seen.has(dir)) continue;
    seen.add(dir);
    dirs.push(dir);
  }
  return dirs;
}
