/** DL3011 (hadolint): EXPOSE of a port (or range end) above 65535. Variables are not judged. */
import { instructionRule } from "../rule.js";
import { splitWords } from "../words.js";

function invalidPort(spec: string): boolean {
  const ports = spec.split("/")[0]!.split("-");
  return ports.some((p) => /^\d+$/.test(p) && Number(p) > 65535);
}

export const DL3011 = instructionRule({
  code: "DL3011",
  severity: "error",
  message: "Valid UNIX ports range from 0 to 65535",
  test: (i) => i.keyword === "EXPOSE" && splitWords(i.args).some(invalidPort),
});
