/**
 * DL3026 (hadolint): FROM an image of a registry not in `trustedRegistries` (only when the list is
 * set). Images without a registry are Docker Hub's: allowed by `docker.io` or `hub.docker.com`.
 * `*` allows every registry, `*.example.com` any subdomain of example.com. Earlier stage names and
 * `scratch` are always fine.
 */
import type { Rule, RuleHit } from "../rule.js";

function matches(registry: string, pattern: string): boolean {
  if (pattern === "*") return true;
  if (pattern.startsWith("*.")) return registry.endsWith(pattern.slice(1));
  return registry === pattern;
}

export const DL3026: Rule = {
  code: "DL3026",
  severity: "error",
  message: "Use only an allowed registry in the FROM image",
  onbuild: false,
  *check(stream, ctx) {
    const allowed = ctx.config.trustedRegistries;
    if (allowed.length === 0) return;
    const aliases = new Set<string>();
    for (const i of stream) {
      const from = i.from;
      if (from === null) continue;
      const ok =
        aliases.has(from.image) ||
        (from.registry === null
          ? from.image === "scratch" || allowed.some((p) => matches("docker.io", p) || p === "hub.docker.com")
          : allowed.some((p) => matches(from.registry!, p)));
      if (from.alias !== null) aliases.add(from.alias);
      if (!ok) yield { line: i.line } satisfies RuleHit;
    }
  },
};
