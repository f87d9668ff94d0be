/**
 * Node-level detection on auditd events: shipshape's typed rules for what the seed asks of a node
 * (the Falco engine reads only k8saudit fields, so these are code, not YAML):
 *   - a shell, or a network tool, executed inside a container;
 *   - a write (create, delete, rename, open for writing, chmod/chown) to the account and privilege
 *     files (/etc/passwd, shadow, group, gshadow, sudoers, sudoers.d/) or to audit's own config;
 *   - account and password changes reported by shadow-utils/PAM (ADD_USER, USER_CHAUTHTOK …);
 *   - a kernel module loaded (init_module, finit_module);
 *   - a setuid/setgid program run with a privilege gain, or setuid/setgid bits set by chmod;
 *   - ptrace attach/poke on another process, and AppArmor/SELinux ptrace denials.
 * "In a container" is read off the security label the kernel records: the SELinux domain
 * (container_t, spc_t … as OpenShift and Podman label containers) or the AppArmor profile
 * (docker-default, cri-containerd.apparmor.d, containers-default-*).
 * Alerts have the `audit scan` contract's shape; the auditID is the event's `node:time:serial`.
 */
import type { AuditdEvent } from "./assembler.js";
import { type AuditdEventFields, eventFields } from "./event-fields.js";
import { formatGoTime } from "./record.js";

export type AuditdPriority = "Critical" | "Error" | "Warning" | "Notice";

export interface AuditdAlert {
  rule: string;
  priority: AuditdPriority;
  time: string;
  output: string;
  auditID: string;
}

interface AuditdRule {
  name: string;
  priority: AuditdPriority;
  /** Why the rule exists, for documentation and `--help`. */
  desc: string;
  matches(f: AuditdEventFields, e: AuditdEvent): boolean;
  output(f: AuditdEventFields, e: AuditdEvent): string;
}

const SHELLS = new Set(["sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "csh", "tcsh", "fish", "busybox"]);
const NETWORK_TOOLS = new Set([
  "nc",
  "ncat",
  "netcat",
  "nc.openbsd",
  "nc.traditional",
  "nmap",
  "socat",
  "curl",
  "wget",
  "tcpdump",
  "tshark",
  "telnet",
  "ssh",
  "scp",
  "sftp",
  "ftp",
  "dig",
  "nslookup",
]);
const CONTAINER_DOMAINS = new Set([
  "container_t",
  "spc_t",
  "container_init_t",
  "container_kvm_t",
  "container_userns_t",
  "svirt_lxc_net_t",
]);
const CONTAINER_PROFILE = /^(docker-default|cri-containerd\.apparmor\.d|containers-default)/;
const EXEC_SYSCALLS = new Set(["execve", "execveat"]);
const MODULE_SYSCALLS = new Set(["init_module", "finit_module"]);
const CHMOD_SYSCALLS = new Set(["chmod", "fchmod", "fchmodat", "fchmodat2"]);
const WRITE_SYSCALLS = new Set([
  "open",
  "openat",
  "openat2",
  "creat",
  "truncate",
  "ftruncate",
  "rename",
  "renameat",
  "renameat2",
  "unlink",
  "unlinkat",
  "link",
  "linkat",
  "symlink",
  "symlinkat",
  "chmod",
  "fchmod",
  "fchmodat",
  "chown",
  "fchown",
  "lchown",
  "fchownat",
  "setxattr",
  "lsetxattr",
  "removexattr",
]);
const SENSITIVE_FILES = new Set(["/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow", "/etc/sudoers"]);
const SENSITIVE_DIRS = ["/etc/sudoers.d/", "/etc/audit/"];
const ACCOUNT_RECORDS = new Set([
  "ADD_USER",
  "DEL_USER",
  "ADD_GROUP",
  "DEL_GROUP",
  "USER_MGMT",
  "GRP_MGMT",
  "USER_CHAUTHTOK",
  "ACCT_LOCK",
  "ACCT_UNLOCK",
]);
// ptrace requests that read or change another process (linux/ptrace.h).
const PTRACE_INTRUSIVE = new Set([0x4, 0x5, 0x6, 0x10, 0x4206]); // POKETEXT, POKEDATA, POKEUSR, ATTACH, SEIZE
const O_ACCMODE = 0x3;
const O_CREAT = 0x40;
const O_TRUNC = 0x200;

/** Whether the process ran under a container's security label. */
export function inContainer(f: AuditdEventFields, e: AuditdEvent): boolean {
  for (const r of e.records) {
    const domain = r.data.subj_domain;
    if (domain !== undefined && CONTAINER_DOMAINS.has(domain)) return true;
    // AppArmor labels land in subj_user (no colons); some kernels write `subj==profile (enforce)`.
    const profile = (
      r.data.profile ?? (r.data.subj_role === undefined ? r.data.subj_user : undefined)
    )?.replace(/^=/, "");
    if (profile !== undefined && CONTAINER_PROFILE.test(profile)) return true;
  }
  return f.subject !== undefined && (CONTAINER_DOMAINS.has(f.subject) || CONTAINER_PROFILE.test(f.subject));
}

function program(f: AuditdEventFields): string {
  const exe = f.exe ?? f.argv?.[0] ?? f.comm ?? "";
  return exe.slice(exe.lastIndexOf("/") + 1);
}

function executed(f: AuditdEventFields): boolean {
  return f.syscall !== undefined && EXEC_SYSCALLS.has(f.syscall) && f.result === "success";
}

function commandLine(f: AuditdEventFields): string {
  return (f.argv ?? []).join(" ") || f.proctitle || f.exe || f.comm || "?";
}

function who(f: AuditdEventFields): string {
  const auid = f.names.AUID ?? f.auid ?? "?";
  const uid = f.names.UID ?? f.uid ?? "?";
  return `auid=${auid} uid=${uid}${f.euid !== undefined && f.euid !== f.uid ? ` euid=${f.names.EUID ?? f.euid}` : ""}`;
}

function where(f: AuditdEventFields): string {
  return `${f.node !== undefined ? ` node=${f.node}` : ""} pid=${f.pid ?? "?"} ppid=${f.ppid ?? "?"}`;
}

function sensitive(path: string): boolean {
  return (
    SENSITIVE_FILES.has(path) || SENSITIVE_DIRS.some((d) => path.startsWith(d) && path.length > d.length)
  );
}

/** The sensitive path an event changes, if any. */
function changedSensitivePath(f: AuditdEventFields, e: AuditdEvent): string | undefined {
  if (f.syscall === undefined || !WRITE_SYSCALLS.has(f.syscall) || f.result !== "success") return undefined;
  const syscall = e.records.find((r) => r.type === "SYSCALL")?.data ?? {};
  const isOpen =
    f.syscall === "open" || f.syscall === "openat" || f.syscall === "openat2" || f.syscall === "creat";
  if (isOpen && f.syscall !== "creat") {
    // open(path, flags) / openat(dirfd, path, flags): read-only opens are not changes.
    const flags = Number.parseInt((f.syscall === "open" ? syscall.a1 : syscall.a2) ?? "", 16);
    if (
      f.syscall !== "openat2" &&
      (!Number.isFinite(flags) || ((flags & O_ACCMODE) === 0 && (flags & (O_CREAT | O_TRUNC)) === 0))
    ) {
      return undefined;
    }
  }
  for (const p of f.paths) {
    if (p.nametype === "PARENT") continue;
    const name = p.name.startsWith("/") ? p.name : `${(f.cwd ?? "").replace(/\/$/, "")}/${p.name}`;
    if (sensitive(name)) return name;
  }
  return undefined;
}

export const AUDITD_RULES: readonly AuditdRule[] = [
  {
    name: "Shell Spawned in a Container (auditd)",
    priority: "Warning",
    desc: "A shell ran inside a container: an exec into a pod, or a process that should not start shells.",
    matches: (f, e) => executed(f) && SHELLS.has(program(f)) && inContainer(f, e),
    output: (f) =>
      `Shell executed in a container (command=${commandLine(f)} exe=${f.exe ?? "?"} ${who(f)}${where(f)} label=${f.subject ?? "?"})`,
  },
  {
    name: "Network Tool Executed in a Container (auditd)",
    priority: "Warning",
    desc: "A network client or scanner ran inside a container: reconnaissance or exfiltration tooling.",
    matches: (f, e) => executed(f) && NETWORK_TOOLS.has(program(f)) && inContainer(f, e),
    output: (f) =>
      `Network tool executed in a container (command=${commandLine(f)} exe=${f.exe ?? "?"} ${who(f)}${where(f)} label=${f.subject ?? "?"})`,
  },
  {
    name: "Write to Account, Sudo or Audit Configuration (auditd)",
    priority: "Error",
    desc: "/etc/passwd, shadow, group, gshadow, sudoers(.d) or /etc/audit changed outside the account tools' records.",
    matches: (f, e) => changedSensitivePath(f, e) !== undefined,
    output: (f, e) =>
      `Sensitive file changed (file=${changedSensitivePath(f, e)} syscall=${f.syscall} exe=${f.exe ?? "?"} ${who(f)}${where(f)})`,
  },
  {
    name: "Account or Password Changed (auditd)",
    priority: "Notice",
    desc: "shadow-utils or PAM reported a user or group added, removed or changed, or a password change.",
    matches: (f) => ACCOUNT_RECORDS.has(f.kind),
    output: (f) =>
      `Account change ${f.kind} (op=${f.op ?? "?"} account=${f.acct ?? "?"} result=${f.result ?? "?"} exe=${f.exe ?? "?"} ${who(f)}${where(f)})`,
  },
  {
    name: "Kernel Module Loaded (auditd)",
    priority: "Error",
    desc: "A kernel module was loaded: rootkits and container escapes load modules.",
    matches: (f) => f.syscall !== undefined && MODULE_SYSCALLS.has(f.syscall) && f.result === "success",
    output: (f) =>
      `Kernel module loaded (syscall=${f.syscall} command=${commandLine(f)} exe=${f.exe ?? "?"} ${who(f)}${where(f)})`,
  },
  {
    name: "Privilege Gained Through a Setuid Program (auditd)",
    priority: "Warning",
    desc: "A setuid/setgid program ran with an effective id different from the caller's.",
    matches: (f) => {
      if (!executed(f)) return false;
      const mode = Number.parseInt(f.paths[0]?.mode ?? "", 8);
      const setid = Number.isFinite(mode) && (mode & 0o6000) !== 0;
      return (
        setid && ((f.euid !== undefined && f.euid !== f.uid) || (f.egid !== undefined && f.egid !== f.gid))
      );
    },
    output: (f) =>
      `Setuid/setgid program run with a privilege gain (command=${commandLine(f)} file=${f.paths[0]?.name ?? "?"} mode=${f.paths[0]?.mode ?? "?"} ${who(f)}${where(f)})`,
  },
  {
    name: "Setuid or Setgid Bit Set (auditd)",
    priority: "Warning",
    desc: "chmod gave a file the setuid or setgid bit.",
    matches: (f, e) => {
      if (f.syscall === undefined || !CHMOD_SYSCALLS.has(f.syscall) || f.result !== "success") return false;
      const d = e.records.find((r) => r.type === "SYSCALL")?.data ?? {};
      const mode = Number.parseInt((f.syscall === "chmod" || f.syscall === "fchmod" ? d.a1 : d.a2) ?? "", 16);
      return Number.isFinite(mode) && (mode & 0o6000) !== 0;
    },
    output: (f) =>
      `Setuid/setgid bit set (file=${f.paths.find((p) => p.nametype !== "PARENT")?.name ?? "?"} syscall=${f.syscall} exe=${f.exe ?? "?"} ${who(f)}${where(f)})`,
  },
  {
    name: "Process Traced (auditd)",
    priority: "Warning",
    desc: "ptrace attached to or wrote into another process, or a security module denied such a trace.",
    matches: (f, e) => {
      if (f.syscall === "ptrace") {
        const request = Number.parseInt(e.records.find((r) => r.type === "SYSCALL")?.data.a0 ?? "", 16);
        return PTRACE_INTRUSIVE.has(request);
      }
      return e.records.some(
        (r) =>
          r.type === "AVC" &&
          (r.data.operation === "ptrace" ||
            (r.data.tclass === "process" && (r.data.seperms ?? "").includes("ptrace"))),
      );
    },
    output: (f, e) => {
      const avc = e.records.find((r) => r.type === "AVC");
      const verdict = avc
        ? ` denied by ${avc.data.apparmor !== undefined ? `AppArmor profile ${avc.data.profile ?? "?"}` : "SELinux"}`
        : "";
      return `Process tracing${verdict} (comm=${f.comm ?? avc?.data.comm ?? "?"} exe=${f.exe ?? "?"} ${who(f)}${where(f)})`;
    },
  },
];

/** The alerts one auditd event raises, in rule order. */
export function evaluateAuditdEvent(event: AuditdEvent): AuditdAlert[] {
  const f = eventFields(event);
  const alerts: AuditdAlert[] = [];
  for (const rule of AUDITD_RULES) {
    if (!rule.matches(f, event)) continue;
    alerts.push({
      rule: rule.name,
      priority: rule.priority,
      time: formatGoTime(event.time),
      output: rule.output(f, event),
      auditID: f.id,
    });
  }
  return alerts;
}

/** The detector the ingest pipeline takes. */
export const auditdDetector = { evaluate: evaluateAuditdEvent };
