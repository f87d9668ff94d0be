/**
 * What the "cache left behind" rules (DL3032 yum, DL3036 zypper, DL3040 dnf, DL3060 yarn) share, as
 * hadolint words it: a RUN that installs must also clean, and the first clean must come after the
 * first install (`clean && install` leaves the new cache behind). A BuildKit cache or tmpfs mount at
 * the package manager's cache directory keeps the cache out of the layer, so such a RUN is fine.
 */
import type { Instruction } from "../parse.js";
import { hasCacheOrTmpfsMountWith } from "../rule.js";
import { commandIndex, type ParsedShell, type ShellCommand } from "../shell.js";

type CommandTest = (cmd: ShellCommand) => boolean;

/** hadolint: no install, or an install followed by a clean (first install before first clean). */
export function cleansAfterInstall(shell: ParsedShell, install: CommandTest, clean: CommandTest): boolean {
  const installed = commandIndex(shell, install);
  if (installed < 0) return true;
  const cleaned = commandIndex(shell, clean);
  return cleaned >= 0 && installed < cleaned;
}

/** The RUN mounts a cache or tmpfs over a path containing one of `fragments`. */
export function mountsCache(instruction: Instruction, fragments: readonly string[]): boolean {
  return fragments.some((f) => hasCacheOrTmpfsMountWith(instruction, f));
}
