/**
 * Runtime settings in the image config: the user the container runs as (Dockle's CIS-DI-0001), an
 * exposed SSH port, the HEALTHCHECK (CIS-DI-0006) and volumes over kernel interfaces (DKL-DI-0002).
 */
import { hasOwnConfig, type ImageRule, type RuleHit } from "./rule.js";

/** Whether a `User` value means root: unset, "root", uid 0, with or without a group. */
export function isRootUser(user: string | undefined): boolean {
  const name = (user ?? "").trim().split(":")[0]!;
  return name === "" || name === "root" || /^0+$/.test(name);
}

export const rootUserRule: ImageRule = {
  id: "SS1020",
  scope: "image",
  severity: "medium",
  dockle: "CIS-DI-0001",
  title: "Container runs as root",
  remediation:
    "Create an unprivileged user and end the Containerfile with USER <uid> (a numeric UID, so Kubernetes' runAsNonRoot can verify it).",
  test(ctx) {
    if (!hasOwnConfig(ctx)) return [];
    const user = ctx.config.config?.User;
    if (!isRootUser(user)) return [];
    const how =
      user === undefined || user.trim() === ""
        ? "User is unset, so it defaults to root"
        : `User is ${JSON.stringify(user)}`;
    return [{ title: `The container runs as root: ${how}` }];
  },
};

export const sshPortRule: ImageRule = {
  id: "SS1025",
  scope: "image",
  severity: "medium",
  title: "SSH port exposed",
  remediation:
    "Do not run an SSH server in a container; use kubectl exec / debug containers for access, and remove EXPOSE 22.",
  test({ config }) {
    const ports = Object.keys(config.config?.ExposedPorts ?? {});
    return ports
      .filter((p) => /^22(?:\/(?:tcp|sctp))?$/i.test(p.trim()))
      .map((p) => ({ title: `The image exposes port ${p} (SSH)` }));
  },
};

export const healthcheckRule: ImageRule = {
  id: "SS1026",
  scope: "image",
  severity: "info",
  dockle: "CIS-DI-0006",
  title: "No HEALTHCHECK",
  remediation:
    "Add a HEALTHCHECK (Docker/Podman) or, on Kubernetes, liveness and readiness probes in the Pod spec (Kubernetes ignores HEALTHCHECK).",
  test(ctx) {
    if (!hasOwnConfig(ctx)) return [];
    const test = ctx.config.config?.Healthcheck?.Test;
    if (test && test.length > 0 && test[0] !== "NONE") return [];
    const why = test?.[0] === "NONE" ? "the HEALTHCHECK is disabled (NONE)" : "the config has no HEALTHCHECK";
    return [{ title: `No health check: ${why}` }];
  },
};

const SENSITIVE_VOLUMES = new Set(["/sys", "/dev", "/proc"]);

export const sensitiveVolumeRule: ImageRule = {
  id: "SS1027",
  scope: "image",
  severity: "high",
  dockle: "DKL-DI-0002",
  title: "Volume over a kernel interface",
  remediation:
    "Remove VOLUME /sys, /dev or /proc: mounting host kernel interfaces into a container breaks its isolation.",
  test({ config }) {
    const hits: RuleHit[] = [];
    for (const v of Object.keys(config.config?.Volumes ?? {})) {
      const path = v.replace(/\/+$/, "") || "/";
      if (SENSITIVE_VOLUMES.has(path)) hits.push({ title: `The image declares VOLUME ${v}`, path });
    }
    return hits;
  },
};
