/** DL3065 (hadolint): `FROM --platform=$TARGETPLATFORM`, which is what FROM does anyway. */
import { instructionRule } from "../rule.js";
import { flagValue } from "../words.js";

export const DL3065 = instructionRule({
  code: "DL3065",
  severity: "warning",
  message:
    "Setting `FROM --platform` to predefined `$TARGETPLATFORM` in is redundant as this is the default behavior",
  test: (i) => {
    if (i.keyword !== "FROM") return false;
    const platform = flagValue(i, "platform");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the Dockerfile variable as written
    return platform === "$TARGETPLATFORM" || platform === "${TARGETPLATFORM}";
  },
});
