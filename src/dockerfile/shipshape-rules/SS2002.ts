/**
 * SS2002: the package manager stays in the final stage — it installs packages (apt-get/apt, apk,
 * dnf, yum, microdnf, tdnf, zypper) and never removes the manager, or its base image ships one
 * (debian → apt, alpine → apk, UBI minimal → microdnf …; base-images.ts). A package manager in a
 * running container lets an intruder install anything.
 */
import { judgeBaseImage } from "./base-images.js";
import { finalStageOf } from "./final-stage.js";
import type { ShipshapeRule } from "./shipshape-rule.js";
import { finalStageContents, managerRemoved } from "./stage-contents.js";

export const SS2002: ShipshapeRule = {
  code: "SS2002",
  severity: "warning",
  message: "The package manager is left in the final stage",
  title: "Package manager left in the final stage",
  remediation:
    "Install packages in a build stage and copy only what the application needs into a final stage without a package manager (distroless, ubi-micro, scratch); or remove the manager in the last RUN that uses it (e.g. apk del apk-tools, rpm -e --nodeps microdnf).",
  onbuild: false,
  *check(_stream, ctx) {
    const final = finalStageOf(ctx);
    if (final === null) return;
    const contents = finalStageContents(ctx);
    const first = contents.installed[0];
    if (first !== undefined) {
      if (!managerRemoved(contents, first.manager)) {
        yield {
          line: first.line,
          message: `The final stage installs packages with ${first.program} and keeps ${first.manager}; install in a build stage or remove the package manager`,
        };
      }
      return;
    }
    if (final.baseText === null) return;
    const manager = judgeBaseImage(final.baseText)?.facts?.manager ?? null;
    if (manager === null || managerRemoved(contents, manager)) return;
    yield {
      line: final.baseLine,
      message: `The final stage's base image ${final.baseText} ships the package manager ${manager}; use a base without one or remove it`,
    };
  },
};
