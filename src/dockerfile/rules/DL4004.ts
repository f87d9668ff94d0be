/** DL4004 (hadolint): more than one ENTRYPOINT in a stage (only the last takes effect). */
import { oncePerStage } from "./once-per-stage.js";

export const DL4004 = oncePerStage(
  "DL4004",
  "error",
  "ENTRYPOINT",
  "Multiple `ENTRYPOINT` instructions found. If you list more than one `ENTRYPOINT` then only the last `ENTRYPOINT` will take effect",
);
