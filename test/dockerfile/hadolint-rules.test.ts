/** hadolint's own rule tests (ruleCatches / ruleCatchesNot / onBuild…) for DL1001 and DL3000–DL3030. */
import { HADOLINT_DL1001_DL3030 } from "./cases/hadolint-dl1001-dl3030.js";
import { describeRuleSpecs } from "./rule-cases.js";

describeRuleSpecs(HADOLINT_DL1001_DL3030);
