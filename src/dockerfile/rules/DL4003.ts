/** DL4003 (hadolint): more than one CMD in a stage (only the last takes effect). */
import { oncePerStage } from "./once-per-stage.js";

export const DL4003 = oncePerStage(
  "DL4003",
  "warning",
  "CMD",
  "Multiple `CMD` instructions found. If you list more than one `CMD` then only the last `CMD` will take effect",
);
