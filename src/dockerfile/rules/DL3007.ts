/** DL3007 (hadolint): FROM with the `latest` tag. */
import { instructionRule } from "../rule.js";

export const DL3007 = instructionRule({
  code: "DL3007",
  severity: "warning",
  message:
    "Using latest is prone to errors if the image will ever update. Pin the version explicitly to a release tag",
  onbuild: false,
  test: (i) => i.from !== null && i.from.tag === "latest",
});
