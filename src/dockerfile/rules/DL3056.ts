/** DL3056 (hadolint): a `semver` label of the `label-schema` whose value is no Semantic Version. */
import { isSemver } from "./label-formats.js";
import { labelFormatRule } from "./labels.js";

export const DL3056 = labelFormatRule({
  code: "DL3056",
  severity: "warning",
  message: "Label `<label>` does not conform to semantic versioning.",
  type: "semver",
  valid: isSemver,
});
