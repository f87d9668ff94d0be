/** DL3043 (hadolint): `ONBUILD ONBUILD …`, `ONBUILD FROM …` or `ONBUILD MAINTAINER …` (Docker forbids them). */
import { instructionRule } from "../rule.js";

const FORBIDDEN = new Set(["ONBUILD", "FROM", "MAINTAINER"]);

export const DL3043 = instructionRule({
  code: "DL3043",
  severity: "error",
  message: "`ONBUILD`, `FROM` or `MAINTAINER` triggered from within `ONBUILD` instruction.",
  test: (i) => i.trigger !== null && FORBIDDEN.has(i.trigger.keyword),
});
