/** DL3058 (hadolint): an `email` label of the `label-schema` whose value is no RFC 5322 address. */
import { isEmail } from "./label-formats.js";
import { labelFormatRule } from "./labels.js";

export const DL3058 = labelFormatRule({
  code: "DL3058",
  severity: "warning",
  message: "Label `<label>` is not a valid email format - must conform to RFC5322.",
  type: "email",
  valid: isEmail,
});
