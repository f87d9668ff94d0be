/**
 * SS2010: ADD of a remote URL (http, https, ftp) without `--checksum`: the build fetches whatever the
 * server returns that day, unverified. (hadolint's DL3020 is about ADD of local files.)
 */
import { copyOperands } from "../words.js";
import type { ShipshapeRule } from "./shipshape-rule.js";

const REMOTE = /^(?:https?|ftp):\/\//i;

export const SS2010: ShipshapeRule = {
  code: "SS2010",
  severity: "warning",
  message: "ADD fetches a remote URL without --checksum",
  title: "ADD of a remote URL",
  remediation:
    "Pin what you download: ADD --checksum=sha256:<digest> <url> (BuildKit), or download and verify the checksum/signature in a build stage, and copy only the result into the final stage.",
  onbuild: true,
  *check(stream) {
    for (const i of stream) {
      if (i.keyword !== "ADD" || i.flags.some((f) => f.name === "checksum")) continue;
      const url = copyOperands(i)?.sources.find((s) => REMOTE.test(s));
      if (url !== undefined)
        yield { line: i.line, message: `ADD ${url} is fetched without --checksum; pin its digest` };
    }
  },
};
