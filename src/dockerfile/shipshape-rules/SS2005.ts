/** SS2005: a debugger or tracer (gdb, strace, ltrace, tcpdump, perf …) installed in the final stage. */
import { installedToolHits } from "./installed-tools.js";
import type { ShipshapeRule } from "./shipshape-rule.js";

export const SS2005: ShipshapeRule = {
  code: "SS2005",
  severity: "warning",
  message: "A debugger is installed in the final stage",
  title: "Debugger installed in the final stage",
  remediation:
    "Keep gdb, strace, ltrace, tcpdump and perf out of production images; attach them when needed from a debug container (kubectl debug --image=… --target=…).",
  onbuild: false,
  check: (_stream, ctx) => installedToolHits(ctx, "debugger"),
};
