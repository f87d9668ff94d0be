/**
 * How busy the machine was with work other than the bench's: the CPU time all processes used
 * (from /proc/stat) minus the CPU time of the process under test. A bench that shares two cores
 * with other work measures that work too; this says how much there was, per run and overall.
 * Linux only: elsewhere every figure is null.
 */
import { readFileSync } from "node:fs";

/** USER_HZ: the unit of /proc/stat's and /proc/PID/stat's times on every Linux architecture Node runs on. */
const TICKS_PER_SECOND = 100;

function read(path) {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

/** CPU-seconds all CPUs have spent busy since boot (user, nice, system, irq, softirq, steal). */
export function machineBusySeconds() {
  const line = read("/proc/stat")?.split("\n", 1)[0];
  if (!line?.startsWith("cpu ")) return null;
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq + (steal ?? 0)) / TICKS_PER_SECOND;
}

/**
 * CPU-seconds this process and all its waited-for children (and theirs) have used: utime, stime,
 * cutime and cstime of /proc/self/stat.
 */
export function ownAndChildrenSeconds() {
  const text = read("/proc/self/stat");
  if (!text) return null;
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number);
  return (utime + stime + cutime + cstime) / TICKS_PER_SECOND;
}

/** A running tally from now on; `othersCpuSeconds()` is the CPU time that was not ours. */
export function loadMeter() {
  const busy0 = machineBusySeconds();
  const own0 = ownAndChildrenSeconds();
  const started = performance.now();
  return {
    othersCpuSeconds() {
      const busy = machineBusySeconds();
      const own = ownAndChildrenSeconds();
      if (busy === null || own === null || busy0 === null || own0 === null) return null;
      return Math.max(0, busy - busy0 - (own - own0));
    },
    seconds: () => (performance.now() - started) / 1000,
  };
}
