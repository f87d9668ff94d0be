/** SS2004: a network client (curl, wget, nc, ssh, telnet, ftp, socat …) installed in the final stage. */
import { installedToolHits } from "./installed-tools.js";
import type { ShipshapeRule } from "./shipshape-rule.js";

export const SS2004: ShipshapeRule = {
  code: "SS2004",
  severity: "warning",
  message: "A network client is installed in the final stage",
  title: "Network client installed in the final stage",
  remediation:
    "Download what the build needs in a build stage (or with ADD --checksum) and leave curl, wget, nc, ssh, telnet, ftp and socat out of the final image, or remove them in the same RUN that used them; an intruder uses them to fetch tools and exfiltrate data.",
  onbuild: false,
  check: (_stream, ctx) => installedToolHits(ctx, "network client"),
};
