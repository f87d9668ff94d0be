/**
 * DL3066 (hadolint): `USER name` rather than a numeric UID, which the host (e.g. Kubernetes'
 * runAsNonRoot) cannot resolve. A UID given by an earlier-declared ARG (`USER ${APP_UID}`) is
 * taken as numeric, as hadolint's newer spec does.
 */
import type { Rule, RuleHit } from "../rule.js";
import { argDeclarations } from "../words.js";

const VARIABLE = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$/;

export const DL3066: Rule = {
  code: "DL3066",
  severity: "info",
  message: "Non-numeric user-id may not be resolvable by host system",
  onbuild: false,
  *check(stream, ctx) {
    const args = new Set<string>();
    for (const i of stream) {
      if (i.keyword === "ARG") for (const a of argDeclarations(i.args, ctx.file.escape)) args.add(a.name);
      if (i.keyword !== "USER") continue;
      const uid = i.args.trim().split(":")[0] ?? "";
      if (/^\d*$/.test(uid)) continue;
      const variable = VARIABLE.exec(uid);
      if (variable !== null && args.has(variable[1] ?? variable[2] ?? "")) continue;
      yield { line: i.line } satisfies RuleHit;
    }
  },
};
