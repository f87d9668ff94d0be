/** DL3067 (hadolint): `COPY --from=<stage> / /`, copying a whole filesystem over the image's root. */
import { instructionRule } from "../rule.js";
import { copyOperands } from "../words.js";

export const DL3067 = instructionRule({
  code: "DL3067",
  severity: "warning",
  message: "Do not copy an entire filesystem from another stage",
  test: (i) => {
    if (i.keyword !== "COPY" || !i.flags.some((f) => f.name === "from")) return false;
    const operands = copyOperands(i);
    return operands !== null && operands.target === "/" && operands.sources.includes("/");
  },
});
