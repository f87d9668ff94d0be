/** DL3054 (hadolint): an `spdx` label of the `label-schema` whose value is no SPDX license identifier. */
import { isSpdxId } from "./label-formats.js";
import { labelFormatRule } from "./labels.js";

export const DL3054 = labelFormatRule({
  code: "DL3054",
  severity: "warning",
  message: "Label `<label>` is not a valid SPDX identifier.",
  type: "spdx",
  valid: isSpdxId,
});
