/** SS2003: a shell (bash, zsh, ksh, busybox …) installed in the final stage. */
import { installedToolHits } from "./installed-tools.js";
import type { ShipshapeRule } from "./shipshape-rule.js";

export const SS2003: ShipshapeRule = {
  code: "SS2003",
  severity: "info",
  message: "A shell is installed in the final stage",
  title: "Shell installed in the final stage",
  remediation:
    "Do not add shells to the image that ships: use exec-form CMD/ENTRYPOINT, install build-time helpers in a build stage, and debug with an ephemeral debug container (kubectl debug) instead.",
  onbuild: false,
  check: (_stream, ctx) => installedToolHits(ctx, "shell"),
};
