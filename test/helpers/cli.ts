/** Run the built CLI (`bin/shipshape.js`, built by `npm test` before vitest) as a user would. */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { repoPath } from "./shared.js";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Peak resident memory of the process in KiB (GNU time), when measured. */
  maxRssKiB?: number;
}

const bin = repoPath("bin", "shipshape.js");

export function runCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; measureMemory?: boolean } = {},
): CliResult {
  if (!existsSync(repoPath("dist", "cli-bundle", "main.js"))) {
    throw new Error("dist/ is missing: run `npm run build` first (npm test does)");
  }
  const env = { ...process.env, SHIPSHAPE_CACHE_DIR: "/nonexistent-use-flags", ...options.env };
  const command = options.measureMemory ? "/usr/bin/time" : process.execPath;
  const argv = options.measureMemory
    ? ["-q", "-f", "SHIPSHAPE_MAXRSS=%M", process.execPath, bin, ...args]
    : [bin, ...args];
  const r = spawnSync(command, argv, { env, input: options.input ?? "", encoding: "utf8", timeout: 120_000 });
  let stderr = r.stderr;
  let maxRssKiB: number | undefined;
  const m = /SHIPSHAPE_MAXRSS=(\d+)\s*$/.exec(stderr);
  if (m) {
    maxRssKiB = Number(m[1]);
    stderr = stderr.slice(0, m.index);
  }
  const result: CliResult = { code: r.status ?? -1, stdout: r.stdout, stderr };
  if (maxRssKiB !== undefined) result.maxRssKiB = maxRssKiB;
  return result;
}
