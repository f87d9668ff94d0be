/**
 * Platforms (`os/arch[/variant]`) as containerd normalises them, so that `linux/arm64`,
 * `linux/aarch64` and `linux/arm64/v8` all select the same image of an index.
 */
import { arch as hostArch } from "node:os";
import { ShipshapeError } from "../errors.js";
import type { Platform } from "./oci.js";

const ARCH_ALIASES: Record<string, string> = {
  x86_64: "amd64",
  "x86-64": "amd64",
  x64: "amd64",
  aarch64: "arm64",
  armhf: "arm",
  armel: "arm",
  i386: "386",
  i686: "386",
  ia32: "386",
};

/** Normalise for comparison: lower-case, architecture aliases, default variants (arm64→v8, arm→v7). */
export function normalizePlatform(p: Platform): Platform {
  const os = p.os.toLowerCase();
  let architecture = p.architecture.toLowerCase();
  architecture = ARCH_ALIASES[architecture] ?? architecture;
  let variant = p.variant?.toLowerCase();
  if (p.architecture.toLowerCase() === "armel") variant = variant ?? "v6";
  if (architecture === "arm64" && (variant === undefined || variant === "8")) variant = "v8";
  if (architecture === "arm" && variant === undefined) variant = "v7";
  if (architecture === "arm" && variant && /^\d$/.test(variant)) variant = `v${variant}`;
  if (architecture === "amd64" && variant === "v1") variant = undefined;
  const out: Platform = { os, architecture };
  if (variant) out.variant = variant;
  return out;
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter((x) => x !== undefined && x !== "").join("/");
}

export function parsePlatform(text: string): Platform {
  const parts = text.trim().split("/");
  if (parts.length < 1 || parts.length > 3 || parts.some((x) => x === "" || /\s/.test(x))) {
    throw new ShipshapeError(
      "usage",
      `invalid platform ${JSON.stringify(text)}: expected os/arch[/variant], e.g. linux/arm64`,
    );
  }
  // A single word is an architecture on Linux (`--platform arm64`), as Docker accepts it.
  if (parts.length === 1) return { os: "linux", architecture: parts[0]! };
  const out: Platform = { os: parts[0]!, architecture: parts[1]! };
  if (parts[2]) out.variant = parts[2];
  return out;
}

/** The platform to pick from a multi-arch index when the user named none: Linux on this CPU. */
export function hostPlatform(): Platform {
  const arch = hostArch();
  if (arch === "arm") return { os: "linux", architecture: "arm", variant: "v7" };
  return normalizePlatform({ os: "linux", architecture: arch });
}

/**
 * Does `have` satisfy the request `want`? A request without a variant accepts any variant of the
 * architecture (as `--platform linux/arm` does in containerd only when nothing better exists; we
 * keep it simple and let the caller prefer exact matches first).
 */
export function platformMatches(want: Platform, have: Platform): boolean {
  const w = normalizePlatform(want);
  const h = normalizePlatform(have);
  if (w.os !== h.os || w.architecture !== h.architecture) return false;
  if (want.variant === undefined) return true;
  return w.variant === h.variant;
}

export function platformEquals(a: Platform, b: Platform): boolean {
  const x = normalizePlatform(a);
  const y = normalizePlatform(b);
  return x.os === y.os && x.architecture === y.architecture && x.variant === y.variant;
}
