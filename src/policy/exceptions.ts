/**
 * Policy exceptions: a violation that a team has accepted, with a reason and an expiry date. An
 * exception matches a violation when every field it gives matches (rule, vulnerability id or alias,
 * package, image registry/path, hygiene path, check id); it applies only to the rules of the policy
 * file it is written in. From its expiry date (00:00 UTC for a bare date, as ignore files do) it stops
 * applying: the violations come back and the exception is reported as expired, so an accepted risk
 * returns for review instead of being hidden forever.
 */
import { expiryInstant } from "./ignore-file.js";
import type { ImageName } from "./image-name.js";
import type { ExpiredException, PolicyException } from "./model.js";
import { registryPatternMatches } from "./registry-pattern.js";

/** What a violation is about, for matching exceptions. */
export interface ViolationContext {
  /** The vulnerability's id and aliases. */
  ids?: readonly string[];
  package?: string;
  path?: string;
  /** The check ids of a hygiene or lint finding (its rule id, and Dockle's code where it has one). */
  checks?: readonly string[];
  /** The names of the image the violation is about (the subject's, or one FROM image). */
  images: readonly ImageName[];
}

export function isExceptionExpired(e: PolicyException, now: Date): boolean {
  const at = expiryInstant(e.expires);
  return at === null || now.getTime() >= at.getTime();
}

export function exceptionMatches(e: PolicyException, rule: string, ctx: ViolationContext): boolean {
  if (e.rule !== undefined && e.rule !== rule) return false;
  if (e.vulnerability !== undefined) {
    const want = e.vulnerability.toUpperCase();
    if (!(ctx.ids ?? []).some((id) => id.toUpperCase() === want)) return false;
  }
  if (e.package !== undefined && e.package !== ctx.package) return false;
  if (e.path !== undefined && e.path !== ctx.path) return false;
  if (e.check !== undefined && !(ctx.checks ?? []).includes(e.check)) return false;
  if (e.image !== undefined) {
    const pattern = e.image;
    if (!ctx.images.some((n) => n.ref !== null && registryPatternMatches(pattern, n.ref))) return false;
  }
  return true;
}

/** "rule image.disallowedTags, image docker.io/library" — what an exception names. */
export function exceptionScope(e: PolicyException): string {
  const parts: string[] = [];
  if (e.rule) parts.push(`rule ${e.rule}`);
  if (e.vulnerability) parts.push(`vulnerability ${e.vulnerability}`);
  if (e.package) parts.push(`package ${e.package}`);
  if (e.image) parts.push(`image ${e.image.text}`);
  if (e.path) parts.push(`path ${e.path}`);
  if (e.check) parts.push(`check ${e.check}`);
  return parts.join(", ");
}

export function expiredException(e: PolicyException, file: string): ExpiredException {
  return { file, line: e.line, reason: e.reason, expires: e.expires, scope: exceptionScope(e) };
}
