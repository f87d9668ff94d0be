/**
 * SS2013: a base image with a tag the policy disallows (`image.disallowedTags`, e.g. latest; a FROM
 * without tag or digest is `latest`, as Docker pulls it). Active only with `lint --policy`.
 */
import { policyHits } from "./policy-violations.js";
import type { ShipshapeRule } from "./shipshape-rule.js";

export const SS2013: ShipshapeRule = {
  code: "SS2013",
  severity: "error",
  message: "The base image uses a tag the policy disallows",
  title: "Base image tag disallowed by the policy (policy)",
  remediation: "Use a specific version tag (and a digest) instead of a moving tag such as latest.",
  onbuild: false,
  check: (_stream, ctx) => policyHits(ctx, ["image.disallowedTags"]),
};
