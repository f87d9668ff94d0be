/**
 * DL3029 (hadolint): FROM --platform with a fixed platform. `$BUILDPLATFORM`/`$TARGETPLATFORM`
 * (any of `$X`, `${X}`, `${X:-…}`, quoted) are fine.
 */
import { dropQuotes, instructionRule } from "../rule.js";

const PLATFORM_VARIABLE =
  /^\$(?:\{(?:BUILDPLATFORM|TARGETPLATFORM)(?::?[-+?=][^}]*)?\}|BUILDPLATFORM|TARGETPLATFORM)$/;

export const DL3029 = instructionRule({
  code: "DL3029",
  severity: "warning",
  message: "Do not use --platform flag with FROM",
  onbuild: false,
  test: (i) => {
    const platform = i.from?.platform;
    if (platform === null || platform === undefined) return false;
    const value = dropQuotes(platform);
    return value !== "" && !PLATFORM_VARIABLE.test(value);
  },
});
