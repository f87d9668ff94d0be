/** DL3066 (hadolint): `USER name` rather than a numeric UID, which the host (e.g. Kubernetes' runAsNonRoot) cannot resolve. */
import { instructionRule } from "../rule.js";

export const DL3066 = instructionRule({
  code: "DL3066",
  severity: "info",
  message: "Non-numeric user-id may not be resolvable by host system",
  test: (i) => i.keyword === "USER" && !/^\d*$/.test(i.args.trim().split(":")[0] ?? ""),
});
