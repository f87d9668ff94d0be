/** DL3052 (hadolint): a `url` label of the `label-schema` whose value is no absolute URI. */
import { isUri } from "./label-formats.js";
import { labelFormatRule } from "./labels.js";

export const DL3052 = labelFormatRule({
  code: "DL3052",
  severity: "warning",
  message: "Label `<label>` is not a valid URL.",
  type: "url",
  valid: isUri,
});
