/** DL3055 (hadolint): a `hash` label of the `label-schema` whose value is no 7- or 40-digit git hash. */
import { isGitHash } from "./label-formats.js";
import { labelFormatRule } from "./labels.js";

export const DL3055 = labelFormatRule({
  code: "DL3055",
  severity: "warning",
  message: "Label `<label>` is not a valid git hash.",
  type: "hash",
  valid: isGitHash,
});
