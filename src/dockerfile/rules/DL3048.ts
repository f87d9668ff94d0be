/**
 * DL3048 (hadolint): a label key outside Docker's recommended format: lower-case letters, digits,
 * `.` and `-`; starting with a letter, ending with a letter or digit; no `..` or `--`; not in the
 * namespaces Docker reserves (com.docker., io.docker., org.dockerproject.).
 */
import { instructionRule } from "../rule.js";
import { nameValuePairs } from "../words.js";

const RESERVED = ["com.docker.", "io.docker.", "org.dockerproject."];

function invalidKey(key: string): boolean {
  return (
    !/^[a-z]/.test(key) ||
    !/[a-z0-9]$/.test(key) ||
    /[^0-9a-z.-]/.test(key) ||
    RESERVED.some((r) => key.startsWith(r)) ||
    key.includes("..") ||
    key.includes("--")
  );
}

export const DL3048 = instructionRule({
  code: "DL3048",
  severity: "style",
  message: "Invalid label key.",
  onbuild: true,
  test: (i, ctx) =>
    i.keyword === "LABEL" && nameValuePairs(i.args, ctx.file.escape).some((p) => invalidKey(p.name)),
});
