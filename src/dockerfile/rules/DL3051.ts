/** DL3051 (hadolint): a label of the `label-schema` set to an empty value. */
import { labelFormatRule } from "./labels.js";

export const DL3051 = labelFormatRule({
  code: "DL3051",
  severity: "warning",
  // hadolint's text (lower-case "label").
  message: "label `<label>` is empty.",
  type: null,
  valid: (value) => value !== "",
});
