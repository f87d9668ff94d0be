/**
 * SS2009: a base image not pinned by digest (`FROM image@sha256:…`) when the policy requires digests
 * (`image.digestRequired: true`). Active only with `lint --policy`; see policy-violations.ts.
 */
import { policyHits } from "./policy-violations.js";
import type { ShipshapeRule } from "./shipshape-rule.js";

export const SS2009: ShipshapeRule = {
  code: "SS2009",
  severity: "error",
  message: "The base image is not pinned by digest, which the policy requires",
  title: "Base image not pinned by digest (policy)",
  remediation:
    "Pin every FROM image by digest, keeping the tag for readers: FROM debian:12-slim@sha256:<digest> (docker buildx imagetools inspect or skopeo inspect print it); let a bot such as Renovate update the digest.",
  onbuild: false,
  check: (_stream, ctx) => policyHits(ctx, ["image.digestRequired"]),
};
