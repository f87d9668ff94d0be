/**
 * Runs one command as its own process under GNU time and reports its wall-clock seconds (measured
 * here, with a monotonic clock), peak RSS (`%M`, the child's maximum resident set), CPU seconds
 * (user + system; CPU above wall time means work ran on several cores) and the CPU time other
 * processes on the machine used meanwhile (they compete for the cores).
 */
import { spawn } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { machineBusySeconds } from "./machine-load.mjs";

export const GNU_TIME = "/usr/bin/time";

let sequence = 0;

/**
 * @param {string[]} argv program and arguments
 * @param {{ workDir: string, cwd?: string, env?: Record<string, string>, captureStdout?: boolean }} options
 * @returns {Promise<{ seconds: number, peakRssKiB: number, cpuSeconds: number, othersCpuSeconds: number | null, stdout: string }>}
 */
export async function measure(argv, options) {
  const timeFile = join(options.workDir, `time-${process.pid}-${sequence++}.txt`);
  const busyBefore = machineBusySeconds();
  const started = performance.now();
  const { code, signal, stdout, stderr } = await new Promise((resolve, reject) => {
    const child = spawn(GNU_TIME, ["-f", "%M %U %S", "-o", timeFile, ...argv], {
      cwd: options.cwd,
      env: options.env ? { ...process.env, ...options.env } : process.env,
      stdio: ["ignore", options.captureStdout ? "pipe" : "ignore", "pipe"],
    });
    const out = [];
    const err = [];
    child.stdout?.on("data", (chunk) => out.push(chunk));
    child.stderr.on("data", (chunk) => err.push(chunk));
    child.on("error", reject);
    child.on("close", (exitCode, exitSignal) =>
      resolve({
        code: exitCode,
        signal: exitSignal,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      }),
    );
  });
  const seconds = (performance.now() - started) / 1000;
  const busyAfter = machineBusySeconds();
  const timeText = await readFile(timeFile, "utf8").catch(() => "");
  await rm(timeFile, { force: true });
  if (code !== 0) {
    const tail = stderr.trim().split("\n").slice(-5).join("\n");
    throw new Error(`${argv.join(" ")} exited with ${signal ?? code}:\n${tail}`);
  }
  // GNU time writes "Command exited with non-zero status" first on failure; the figures are last.
  const figures = timeText.trim().split("\n").at(-1)?.split(/\s+/).map(Number) ?? [];
  const [peakRssKiB, user, system] = figures;
  if (!Number.isFinite(peakRssKiB) || !Number.isFinite(user) || !Number.isFinite(system)) {
    throw new Error(`could not read GNU time's output for ${argv.join(" ")}: ${JSON.stringify(timeText)}`);
  }
  const cpuSeconds = user + system;
  // The machine's busy time in the run, less the child's own: other processes' (and this
  // harness's, which only waits). /proc/stat counts in 10 ms ticks, so short runs are coarse.
  const othersCpuSeconds =
    busyBefore === null || busyAfter === null ? null : Math.max(0, busyAfter - busyBefore - cpuSeconds);
  return { seconds, peakRssKiB, cpuSeconds, othersCpuSeconds, stdout };
}

export function median(values) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
