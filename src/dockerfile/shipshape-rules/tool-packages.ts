/**
 * OS packages that put a shell, a network client or a debugger into an image, by the names Debian,
 * Ubuntu, Alpine, Fedora/RHEL and openSUSE give them — the Dockerfile-side twin of the image checks'
 * program table (src/checks/tool-table.ts), which finds the same programs in a built image.
 * Kept as data; docs/lint.md lists it.
 */

export type ToolKind = "shell" | "network client" | "debugger";

export interface ToolPackage {
  /** The program a user knows it by. */
  readonly tool: string;
  readonly kind: ToolKind;
  /** Package names across distributions (exact, or a RegExp for versioned names). */
  readonly packages: readonly (string | RegExp)[];
}

export const TOOL_PACKAGES: readonly ToolPackage[] = [
  // Shells (every distribution has /bin/sh; these are the ones installed on purpose).
  { tool: "bash", kind: "shell", packages: ["bash"] },
  { tool: "zsh", kind: "shell", packages: ["zsh"] },
  { tool: "ksh", kind: "shell", packages: ["ksh", "ksh93", "mksh", "loksh", "oksh"] },
  { tool: "csh", kind: "shell", packages: ["csh", "tcsh"] },
  { tool: "fish", kind: "shell", packages: ["fish"] },
  { tool: "dash", kind: "shell", packages: ["dash"] },
  { tool: "busybox", kind: "shell", packages: ["busybox", "busybox-static"] },
  // Network clients.
  { tool: "curl", kind: "network client", packages: ["curl", "curl-minimal"] },
  { tool: "wget", kind: "network client", packages: ["wget", "wget2"] },
  {
    tool: "nc",
    kind: "network client",
    packages: ["netcat", "netcat-openbsd", "netcat-traditional", "ncat", "nmap-ncat", "nc"],
  },
  {
    tool: "ssh",
    kind: "network client",
    packages: ["openssh-client", "openssh-clients", "openssh", "ssh", "dropbear", "dropbear-bin"],
  },
  { tool: "telnet", kind: "network client", packages: ["telnet", "inetutils-telnet", "busybox-extras"] },
  { tool: "ftp", kind: "network client", packages: ["ftp", "lftp", "tnftp", "inetutils-ftp", "tftp"] },
  { tool: "socat", kind: "network client", packages: ["socat"] },
  { tool: "nmap", kind: "network client", packages: ["nmap"] },
  // Debuggers and tracers.
  { tool: "gdb", kind: "debugger", packages: ["gdb", "gdb-minimal", "gdbserver"] },
  { tool: "strace", kind: "debugger", packages: ["strace"] },
  { tool: "ltrace", kind: "debugger", packages: ["ltrace"] },
  { tool: "tcpdump", kind: "debugger", packages: ["tcpdump"] },
  { tool: "perf", kind: "debugger", packages: ["perf", "linux-perf", /^linux-tools-/, /^linux-perf-/] },
  { tool: "valgrind", kind: "debugger", packages: ["valgrind"] },
  { tool: "bpftrace", kind: "debugger", packages: ["bpftrace"] },
];

/** The tool a package provides, or null. */
export function toolOfPackage(name: string): ToolPackage | null {
  const n = name.toLowerCase();
  return (
    TOOL_PACKAGES.find((t) => t.packages.some((p) => (typeof p === "string" ? p === n : p.test(n)))) ?? null
  );
}
