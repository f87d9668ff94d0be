/** DL3053 (hadolint): an `rfc3339` label of the `label-schema` whose value is no RFC 3339 date-time. */
import { isRfc3339 } from "./label-formats.js";
import { labelFormatRule } from "./labels.js";

export const DL3053 = labelFormatRule({
  code: "DL3053",
  severity: "warning",
  message: "Label `<label>` is not a valid time format - must be conform to RFC3339.",
  type: "rfc3339",
  valid: isRfc3339,
});
