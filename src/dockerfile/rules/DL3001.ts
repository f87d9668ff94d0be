/**
 * DL3001 (hadolint): commands that make no sense in a container build. The list is hadolint's (its
 * message also names `ifconfig`, which its list does not hold).
 */
import { runRule } from "../rule.js";

const POINTLESS = new Set(["free", "kill", "mount", "ps", "service", "shutdown", "ssh", "top", "vim"]);

export const DL3001 = runRule({
  code: "DL3001",
  severity: "info",
  message:
    "For some bash commands it makes no sense running them in a Docker container like `ssh`, `vim`, `shutdown`, `service`, `ps`, `free`, `top`, `kill`, `mount`, `ifconfig`",
  test: (shell) => shell.commands.some((c) => POINTLESS.has(c.name)),
});
