/**
 * Which files binary catalogers (Go build info, Rust cargo-auditable data) look at: regular files
 * with an exec bit, or anything in a bin/sbin/libexec directory, big enough to be a program. The
 * analyzers check the magic bytes first, so a script or a data file costs one small comparison.
 */

const MiB = 1024 * 1024;

/** Largest binary read (the engine's maxCapturedFileBytes may cap it lower). */
export const MAX_EXECUTABLE_BYTES = 512 * MiB;
/** Smaller files are not real programs (an ELF header and tables alone take more). */
export const MIN_EXECUTABLE_BYTES = 128;

const BIN_DIR = /\/(?:s?bin|libexec)\//;

export function isExecutableCandidate(path: string, info: { mode: number; size: number }): boolean {
  if (info.size < MIN_EXECUTABLE_BYTES) return false;
  return (info.mode & 0o111) !== 0 || BIN_DIR.test(path);
}
