/**
 * SS2008: COPY or ADD of a file that looks like a secret (.env, id_rsa, *.pem keys, credentials,
 * .npmrc, .pypirc, .git-credentials, ~/.ssh, ~/.aws …; secret-files.ts), judged on each source and on
 * the destination. A secret copied in stays in its layer even when a later RUN deletes it.
 */
import { copyOperands } from "../words.js";
import { secretFileReason } from "./secret-files.js";
import type { ShipshapeRule } from "./shipshape-rule.js";

export const SS2008: ShipshapeRule = {
  code: "SS2008",
  severity: "error",
  message: "A secret-looking file is copied into the image",
  title: "Secret file copied into the image",
  remediation:
    "Keep credentials out of the build context (.dockerignore) and the image: mount them only while a RUN needs them (RUN --mount=type=secret or type=ssh) and provide run-time ones from a secret store.",
  onbuild: true,
  *check(stream) {
    for (const i of stream) {
      if (i.keyword !== "COPY" && i.keyword !== "ADD") continue;
      const operands = copyOperands(i);
      if (operands === null) continue;
      // One finding per instruction, naming the first secret-looking source (else the destination).
      for (const path of [...operands.sources, operands.target]) {
        const reason = secretFileReason(path);
        if (reason === null) continue;
        yield { line: i.line, message: `${i.keyword} of ${path} (${reason}) puts a secret into the image` };
        break;
      }
    }
  },
};
