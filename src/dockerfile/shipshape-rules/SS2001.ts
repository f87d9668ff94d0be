/**
 * SS2001: the final stage is based on a full distribution or language image (debian, ubuntu,
 * fedora, node, python … without a minimal tag). Build stages may use them; the image that ships
 * should not carry a whole distribution. The list of images is data (base-images.ts).
 */
import { judgeBaseImage } from "./base-images.js";
import { finalStageOf } from "./final-stage.js";
import type { ShipshapeRule } from "./shipshape-rule.js";

export const SS2001: ShipshapeRule = {
  code: "SS2001",
  severity: "warning",
  message: "The final stage is based on a full distribution image; use a minimal base image",
  title: "Final stage based on a non-minimal image",
  remediation:
    "Build in a full image if you need to, then copy the result into a minimal final stage: a -slim or alpine variant, distroless (gcr.io/distroless/*), Red Hat UBI micro, Chainguard, or scratch for static binaries.",
  onbuild: false,
  *check(_stream, ctx) {
    const final = finalStageOf(ctx);
    if (final === null || final.baseText === null) return;
    const judged = judgeBaseImage(final.baseText);
    if (judged?.facts?.full !== true) return;
    const name = judged.tag === null ? judged.repository : `${judged.repository}:${judged.tag}`;
    yield {
      line: final.baseLine,
      message: `The final stage is based on ${name}, a full distribution image; use a minimal base (-slim, alpine, distroless, ubi-micro, chainguard, scratch)`,
    };
  },
};
