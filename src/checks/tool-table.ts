/**
 * The programs the seed says a production image should not carry, by the names they are installed
 * under. A name is a string (exact) or a RegExp over the file name (versioned names: python3.11).
 * Names are tried in order, so the first one present is the one a finding names (`nc`, not its
 * alternatives target `nc.openbsd`; `python3.11`, not the `python3` symlink to it).
 */

export interface ToolSpec {
  /** What the finding calls it. */
  tool: string;
  names: readonly (string | RegExp)[];
  /** Why it matters, for the title ("s_client opens TLS connections"). */
  note?: string;
}

export interface PackageManagerSpec extends ToolSpec {
  /** Installed packages (any OS or language type) whose presence means the manager is installed. */
  packages: readonly string[];
}

export const PACKAGE_MANAGERS: readonly PackageManagerSpec[] = [
  { tool: "dpkg", names: ["dpkg"], packages: ["dpkg"] },
  { tool: "apt", names: ["apt", "apt-get"], packages: ["apt"] },
  { tool: "rpm", names: ["rpm"], packages: ["rpm"] },
  { tool: "yum", names: ["yum"], packages: ["yum"] },
  { tool: "dnf", names: ["dnf", "dnf-3", "dnf5"], packages: ["dnf", "dnf5"] },
  { tool: "microdnf", names: ["microdnf"], packages: ["microdnf"] },
  { tool: "tdnf", names: ["tdnf"], packages: ["tdnf"] },
  { tool: "zypper", names: ["zypper"], packages: ["zypper"] },
  { tool: "apk", names: ["apk"], packages: ["apk-tools"] },
  {
    tool: "pip",
    names: ["pip", "pip3", /^pip3\.\d+$/, "pip2"],
    packages: ["pip", "python3-pip", "python-pip", "py3-pip"],
  },
  { tool: "npm", names: ["npm"], packages: ["npm"] },
  { tool: "gem", names: ["gem"], packages: ["rubygems", "ruby-rubygems"] },
];

/** Each shell is its own tool: `sh -> dash` and `dash` are both reported. */
export const SHELLS: readonly ToolSpec[] = [
  { tool: "sh", names: ["sh"] },
  { tool: "bash", names: ["bash"] },
  { tool: "rbash", names: ["rbash"] },
  { tool: "dash", names: ["dash"] },
  { tool: "ash", names: ["ash"] },
  { tool: "zsh", names: ["zsh"] },
  { tool: "ksh", names: ["ksh", "ksh93", "mksh", "lksh", "pdksh"] },
  { tool: "csh", names: ["csh", "tcsh"] },
  { tool: "fish", names: ["fish"] },
];

export const NETWORK_CLIENTS: readonly ToolSpec[] = [
  { tool: "curl", names: ["curl"] },
  { tool: "wget", names: ["wget", "wget2"] },
  { tool: "nc", names: ["nc", "netcat", "ncat", "nc.openbsd", "nc.traditional"] },
  { tool: "ssh", names: ["ssh"] },
  { tool: "scp", names: ["scp", "sftp"] },
  { tool: "telnet", names: ["telnet", "telnet.netkit"] },
  { tool: "ftp", names: ["ftp", "lftp", "tnftp"] },
  { tool: "tftp", names: ["tftp"] },
  { tool: "socat", names: ["socat"] },
  { tool: "openssl", names: ["openssl"], note: "its s_client opens TLS connections" },
];

export const DEBUG_TOOLS: readonly ToolSpec[] = [
  { tool: "gdb", names: ["gdb"] },
  { tool: "gdbserver", names: ["gdbserver"] },
  { tool: "strace", names: ["strace"] },
  { tool: "ltrace", names: ["ltrace"] },
  { tool: "tcpdump", names: ["tcpdump"] },
  { tool: "perf", names: ["perf", /^perf_\d+\.\d+$/] },
  { tool: "valgrind", names: ["valgrind"] },
  { tool: "bpftrace", names: ["bpftrace"] },
];

export const INTERPRETERS: readonly ToolSpec[] = [
  { tool: "python", names: [/^python\d\.\d+$/, "python3", "python", "python2"] },
  { tool: "perl", names: ["perl", /^perl5\.\d+\.\d+$/] },
  { tool: "ruby", names: ["ruby", /^ruby\d\.\d+$/] },
  { tool: "node", names: ["node", "nodejs"] },
  { tool: "php", names: ["php", /^php\d(\.\d+)?$/] },
  { tool: "lua", names: ["lua", /^lua\d\.\d+$/] },
  { tool: "java", names: ["java"] },
];

/** Where programs are looked up: the default PATH of the images we know (symlinked dirs fold together). */
export const BIN_DIRECTORIES: readonly string[] = [
  "/usr/local/sbin",
  "/usr/local/bin",
  "/usr/sbin",
  "/usr/bin",
  "/sbin",
  "/bin",
];
