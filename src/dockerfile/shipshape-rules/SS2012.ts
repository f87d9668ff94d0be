/**
 * SS2012: a base image from a registry the policy does not allow (`image.allowedRegistries`, matched
 * on the normalised registry and path as `scan` matches). Active only with `lint --policy`. The same
 * idea as hadolint's DL3026 (trustedRegistries), with the policy file's patterns and exceptions.
 */
import { policyHits } from "./policy-violations.js";
import type { ShipshapeRule } from "./shipshape-rule.js";

export const SS2012: ShipshapeRule = {
  code: "SS2012",
  severity: "error",
  message: "The base image is not from a registry the policy allows",
  title: "Base image from a registry the policy does not allow (policy)",
  remediation:
    "Pull base images only from the registries the policy lists (mirror the image there if needed), or add a dated exception with a reason to the policy file.",
  onbuild: false,
  check: (_stream, ctx) => policyHits(ctx, ["image.allowedRegistries"]),
};
