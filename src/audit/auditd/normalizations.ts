/**
 * How go-libaudit's aucoalesce turns an auditd event into "who did what to what, how": its
 * normalizations.yaml (elastic/go-libaudit, aucoalesce/normalizations.yaml; Apache-2.0) re-expressed
 * as a TypeScript table. Source: the version the golden files in ../shared were made with
 * (go-libaudit @ bc9ea45, 2025-05). Its text was read from the newest copy available here (a fork
 * at the same structure) plus upstream's own later additions known from its pull requests: link and
 * linkat (#177, seen in the ubuntu-24.04 golden file) and exit_group/exit (#149). The fork's own
 * entries not known upstream (memfd_create, shmget, shmctl, socket, ptrace, SOFTWARE_UPDATE) are
 * left out.
 *
 * Field lists name the keys tried in order (event data first, then the user ids). YAML merge keys
 * (`<<: *macro`) are resolved here as yaml.v2 resolves them into Go structs: nested structs (subject,
 * object, ecs) merge field by field, lists are replaced whole.
 */

/** ECS mapping sources: `subject.primary` … or `data.KEY` / `uid.KEY`. */
export type MappingFrom =
  | "subject.primary"
  | "subject.secondary"
  | "object.primary"
  | "object.secondary"
  | string;
export type MappingTo = "user" | "user.effective" | "user.target" | "user.changes" | "group";

export interface Normalization {
  action?: string;
  subject?: { primary?: string[]; secondary?: string[] };
  object?: { what?: string; primary?: string[]; secondary?: string[]; pathIndex?: number };
  how?: string[];
  recordTypes?: string[];
  syscalls?: string[];
  sourceIp?: string[];
  /** Chosen among several for one record type only when all these data keys are present. */
  hasFields?: string[];
  ecs?: { kind?: string; category?: string[]; type?: string[]; mappings?: [MappingFrom, MappingTo][] };
}

type Ecs = NonNullable<Normalization["ecs"]>;

/** yaml.v2's merge of a macro into a struct: nested objects merge, other values replace. */
function merge(base: Normalization, over: Normalization): Normalization {
  const out: Normalization = { ...base, ...over };
  if (base.subject && over.subject) out.subject = { ...base.subject, ...over.subject };
  if (base.object && over.object) out.object = { ...base.object, ...over.object };
  if (base.ecs && over.ecs) out.ecs = { ...base.ecs, ...over.ecs };
  return out;
}

const userSession: Normalization = {
  subject: { primary: ["auid"], secondary: ["acct", "id", "uid"] },
  object: { primary: ["terminal"], secondary: ["addr", "hostname"], what: "user-session" },
  how: ["exe", "terminal"],
};

const actorMappings: [MappingFrom, MappingTo][] = [
  ["subject.primary", "user"],
  ["subject.secondary", "user.effective"],
];
const ecsIam: Ecs = { category: ["iam"], type: ["info"] };
const ecsAuth: Ecs = { category: ["authentication"], type: ["info"], mappings: actorMappings };
const ecsSession: Ecs = { category: ["session"], type: ["info"], mappings: actorMappings };
const ecsHost: Ecs = { category: ["host"], type: ["info"] };
const ecsProcess: Ecs = { category: ["process"], type: ["info"] };
const ecsFile: Ecs = { category: ["file"], type: ["info"] };
const ecsDriver: Ecs = { category: ["driver"], type: ["info"] };
const ecsNetwork: Ecs = { category: ["network"], type: ["connection", "info"] };
const userModification: [MappingFrom, MappingTo][] = [...actorMappings, ["object.primary", "user.target"]];
const groupModification: [MappingFrom, MappingTo][] = [...actorMappings, ["object.primary", "group"]];

const t = (ecs: Ecs, ...type: string[]): Ecs => ({ ...ecs, type });
const file = (action: string, syscalls: string[], ecs: Ecs, pathIndex?: number): Normalization => ({
  action,
  object: pathIndex === undefined ? { what: "file" } : { what: "file", pathIndex },
  syscalls,
  ecs,
});
const session = (recordType: string, action: string, extra: Normalization = {}): Normalization =>
  merge(userSession, { recordTypes: [recordType], action, ...extra });
const alert = (category: string[], type: string[]): Ecs => ({ kind: "alert", category, type });
const account = (recordType: string, action: string, ecs: Ecs): Normalization => ({
  recordTypes: [recordType],
  action,
  object: { primary: ["id", "acct"], what: "account" },
  ecs,
});
const simple = (recordType: string, action: string, rest: Normalization = {}): Normalization => ({
  recordTypes: [recordType],
  action,
  ...rest,
});

export const NORMALIZATIONS: readonly Normalization[] = [
  // Syscalls.
  { ecs: ecsProcess, syscalls: ["*"] }, // the catch-all: some categorisation for any syscall
  file("opened-file", ["creat"], t(ecsFile, "creation")),
  file("opened-file", ["fallocate", "truncate", "ftruncate"], t(ecsFile, "change")),
  file("opened-file", ["open", "openat", "readlink", "readlinkat"], ecsFile),
  file("read-file", ["read"], ecsFile),
  file("wrote-to-file", ["write"], t(ecsFile, "change")),
  file(
    "changed-file-attributes-of",
    ["setxattr", "fsetxattr", "lsetxattr", "removexattr", "fremovexattr", "lremovexattr"],
    t(ecsFile, "change"),
  ),
  file("changed-file-permissions-of", ["chmod", "fchmod", "fchmodat"], t(ecsFile, "change")),
  file("changed-file-ownership-of", ["chown", "fchown", "fchownat", "lchown"], t(ecsFile, "change")),
  {
    action: "loaded-kernel-module",
    object: { what: "file", primary: ["name"] },
    recordTypes: ["KERN_MODULE"],
    syscalls: ["finit_module", "init_module"],
    ecs: t(ecsDriver, "start"),
  },
  file("unloaded-kernel-module", ["delete_module"], t(ecsDriver, "end")),
  file("created-directory", ["mkdir", "mkdirat"], t(ecsFile, "creation"), 1),
  {
    action: "mounted",
    object: { what: "filesystem", pathIndex: 1 },
    syscalls: ["mount"],
    ecs: t(ecsFile, "creation"),
  },
  file("renamed", ["rename", "renameat", "renameat2"], t(ecsFile, "change"), 2),
  file(
    "checked-metadata-of",
    [
      "access",
      "faccessat",
      "fstatat",
      "newfstatat",
      "stat",
      "stat64",
      "fstat",
      "lstat",
      "getxattr",
      "lgetxattr",
      "fgetxattr",
    ],
    ecsFile,
  ),
  {
    action: "checked-filesystem-metadata-of",
    object: { what: "filesystem" },
    syscalls: ["statfs", "fstatfs"],
    ecs: ecsFile,
  },
  file("symlinked", ["symlink", "symlinkat"], t(ecsFile, "creation")),
  file("linked", ["link", "linkat"], t(ecsFile, "creation")),
  {
    action: "unmounted",
    object: { what: "filesystem" },
    syscalls: ["umount", "umount2"],
    ecs: t(ecsFile, "deletion"),
  },
  file("deleted", ["rmdir", "unlink", "unlinkat"], t(ecsFile, "deletion")),
  file("changed-timestamp-of", ["utime", "utimes", "futimesat", "futimens", "utimensat"], ecsFile),
  file("executed", ["execve", "execveat"], t(ecsProcess, "start")),
  {
    action: "listen-for-connections",
    object: { what: "socket" },
    syscalls: ["listen"],
    ecs: t(ecsNetwork, "start"),
  },
  {
    action: "accepted-connection-from",
    object: { what: "socket" },
    syscalls: ["accept", "accept4"],
    ecs: t(ecsNetwork, "connection", "start"),
  },
  { action: "bound-socket", object: { what: "socket" }, syscalls: ["bind"], ecs: t(ecsNetwork, "start") },
  {
    action: "connected-to",
    object: { what: "socket" },
    syscalls: ["connect"],
    ecs: t(ecsNetwork, "connection", "start"),
  },
  {
    action: "received-from",
    object: { what: "socket" },
    syscalls: ["recv", "recvfrom", "recvmsg", "recvmmsg"],
    ecs: ecsNetwork,
  },
  {
    action: "sent-to",
    object: { what: "socket" },
    syscalls: ["send", "sendto", "sendmsg", "sendmmsg"],
    ecs: ecsNetwork,
  },
  {
    action: "killed-pid",
    object: { what: "process" },
    syscalls: ["kill", "tkill", "tgkill"],
    ecs: t(ecsProcess, "end"),
  },
  {
    action: "changed-identity-of",
    object: { what: "process" },
    how: ["syscall"],
    syscalls: [
      "setuid",
      "seteuid",
      "setfsuid",
      "setreuid",
      "setgid",
      "setegid",
      "setfsgid",
      "setregid",
      "setresuid",
      "setresgid",
    ],
    ecs: t(ecsProcess, "change"),
  },
  {
    action: "changed-system-time",
    object: { what: "system" },
    recordTypes: ["TIME_ADJNTPVAL", "TIME_INJOFFSET"],
    syscalls: ["settimeofday", "clock_settime", "stime", "adjtimex", "clock_adjtime"],
    ecs: t(ecsHost, "change"),
  },
  file("make-device", ["mknod", "mknodat"], t(ecsFile, "creation")),
  {
    action: "changed-system-name",
    object: { what: "system" },
    syscalls: ["sethostname", "setdomainname"],
    ecs: t(ecsHost, "change"),
  },
  {
    action: "allocated-memory",
    object: { what: "memory" },
    syscalls: ["mmap", "mmap2", "brk"],
    ecs: ecsProcess,
  },
  {
    action: "adjusted-scheduling-policy-of",
    object: { what: "process" },
    how: ["syscall"],
    syscalls: ["sched_setparam", "sched_setscheduler", "sched_setattr"],
    ecs: t(ecsProcess, "change"),
  },
  // Upstream writes `type: end` beside (not inside) `ecs`, so the ECS type stays "info".
  {
    action: "end",
    object: { what: "process" },
    how: ["syscall"],
    syscalls: ["exit_group", "exit"],
    ecs: ecsProcess,
  },

  // Identity and access management.
  simple("ACCT_LOCK", "locked-account", { ecs: t(ecsIam, "user", "info") }),
  simple("ACCT_UNLOCK", "unlocked-account", { ecs: t(ecsIam, "user", "info") }),
  account("ADD_GROUP", "added-group-account-to", {
    ...ecsIam,
    mappings: groupModification,
    type: ["group", "creation"],
  }),
  account("ADD_USER", "added-user-account", {
    ...ecsIam,
    mappings: userModification,
    type: ["user", "creation"],
  }),
  account("DEL_GROUP", "deleted-group-account-from", {
    ...ecsIam,
    mappings: groupModification,
    type: ["group", "deletion"],
  }),
  account("DEL_USER", "deleted-user-account", {
    ...ecsIam,
    mappings: userModification,
    type: ["user", "deletion"],
  }),
  account("GRP_MGMT", "modified-group-account", {
    ...ecsIam,
    type: ["group", "change"],
    mappings: [
      ["subject.primary", "user"],
      ["subject.secondary", "group"],
      ["uid.uid", "user.effective"],
    ],
  }),
  account("ROLE_ASSIGN", "assigned-user-role-to", t(ecsIam, "user", "change")),
  simple("ROLE_MODIFY", "modified-role", { ecs: t(ecsIam, "change") }),
  account("ROLE_REMOVE", "removed-user-role-from", t(ecsIam, "user", "change")),
  session("USER_MGMT", "modified-user-account", {
    ecs: {
      ...ecsIam,
      type: ["user", "change"],
      mappings: [
        ["subject.primary", "user"],
        ["subject.secondary", "user.target"],
        ["uid.uid", "user.effective"],
      ],
    },
  }),
  session("USER_CHAUTHTOK", "changed-password", {
    ecs: {
      ...ecsIam,
      type: ["user", "change"],
      mappings: [
        ["subject.primary", "user"],
        ["uid.uid", "user.effective"],
        ["subject.secondary", "user.target"],
      ],
    },
  }),
  session("GRP_CHAUTHTOK", "changed-group-password", {
    object: { primary: ["acct"], what: "user-session" },
    ecs: {
      ...ecsIam,
      type: ["group", "change"],
      mappings: [
        ["subject.primary", "user"],
        ["uid.uid", "user.effective"],
        ["subject.secondary", "group"],
      ],
    },
  }),

  // Authentication.
  session("CRED_ACQ", "acquired-credentials", { ecs: ecsAuth }),
  session("CRED_DISP", "disposed-credentials", { ecs: ecsAuth }),
  session("CRED_REFR", "refreshed-credentials", { ecs: ecsAuth }),
  simple("GRP_AUTH", "authenticated-to-group", { ecs: ecsAuth }),
  simple("LOGIN", "changed-login-id-to", {
    subject: { primary: ["old_auid", "old-auid"], secondary: ["uid"] },
    object: { primary: ["new-auid", "new_auid", "auid"], what: "user-session" },
    ecs: {
      ...ecsAuth,
      type: ["start"],
      mappings: [
        ["subject.primary", "user"],
        ["object.primary", "user.effective"],
      ],
    },
  }),
  session("USER_ACCT", "was-authorized", { ecs: ecsAuth }),
  session("USER_AUTH", "authenticated", { ecs: ecsAuth }),
  session("USER_END", "ended-session", { ecs: t(ecsSession, "end") }),
  session("USER_ERR", "error", { sourceIp: ["addr"], ecs: ecsAuth }),
  session("USER_LOGIN", "logged-in", { sourceIp: ["addr"], ecs: t(ecsAuth, "start") }),
  session("USER_LOGOUT", "logged-out", { ecs: t(ecsAuth, "end") }),
  session("USER_ROLE_CHANGE", "changed-role-to", {
    object: { primary: ["selected-context"], what: "user-session" },
  }),
  session("USER_START", "started-session", { sourceIp: ["addr"], ecs: t(ecsSession, "start") }),

  // Host virtualisation.
  simple("VIRT_CONTROL", "issued-vm-control", {
    object: { primary: ["op"], secondary: ["vm"], what: "virtual-machine" },
    ecs: ecsHost,
  }),
  simple("VIRT_CREATE", "created-vm-image", { ecs: ecsHost }),
  simple("VIRT_DESTROY", "deleted-vm-image", { ecs: ecsHost }),
  simple("VIRT_INTEGRITY_CHECK", "checked-integrity-of", { ecs: ecsHost }),
  simple("VIRT_MACHINE_ID", "assigned-vm-id", {
    object: { primary: ["vm"], what: "virtual-machine" },
    ecs: ecsHost,
  }),
  simple("VIRT_MIGRATE_IN", "migrated-vm-from", { ecs: ecsHost }),
  simple("VIRT_MIGRATE_OUT", "migrated-vm-to", { ecs: ecsHost }),
  simple("VIRT_RESOURCE", "assigned-vm-resource", {
    object: { primary: ["resrc"], secondary: ["vm"], what: "virtual-machine" },
    ecs: ecsHost,
  }),

  // Userspace processes.
  simple("CHGRP_ID", "changed-group", { ecs: t(ecsProcess, "change") }),
  simple("CHUSER_ID", "changed-user-id", { ecs: t(ecsProcess, "change") }),
  simple("TEST", "sent-test", { ecs: ecsProcess }),
  simple("TRUSTED_APP", "unknown", { ecs: ecsProcess }),
  // From sudo and the like: uid is the user's at the time, not the (usually root) target.
  simple("USER_CMD", "ran-command", {
    object: { primary: ["cmd"], what: "process" },
    ecs: t(ecsProcess, "start"),
  }),

  // Host and services.
  simple("SYSTEM_BOOT", "booted-system", { object: { what: "system" }, ecs: t(ecsHost, "start") }),
  simple("SYSTEM_RUNLEVEL", "changed-to-runlevel", {
    object: { primary: ["new-level"], what: "system" },
    ecs: t(ecsHost, "change"),
  }),
  simple("SYSTEM_SHUTDOWN", "shutdown-system", { object: { what: "system" }, ecs: t(ecsHost, "end") }),
  simple("SERVICE_START", "started-service", {
    object: { primary: ["unit"], what: "service" },
    ecs: t(ecsProcess, "start"),
  }),
  simple("SERVICE_STOP", "stopped-service", {
    object: { primary: ["unit"], what: "service" },
    ecs: t(ecsProcess, "stop"),
  }),

  // The audit daemon.
  simple("CONFIG_CHANGE", "changed-audit-configuration", {
    object: {
      primary: ["op", "key", "audit_enabled", "audit_pid", "audit_backlog_limit", "audit_failure"],
      what: "audit-config",
    },
    ecs: { category: ["process", "configuration"], type: ["change"] },
  }),
  simple("DAEMON_ABORT", "aborted-auditd-startup", {
    object: { what: "service" },
    ecs: t(ecsProcess, "stop"),
  }),
  simple("DAEMON_ACCEPT", "remote-audit-connected", {
    object: { what: "service" },
    ecs: t(ecsNetwork, "connection", "start"),
  }),
  simple("DAEMON_CLOSE", "remote-audit-disconnected", {
    object: { what: "service" },
    ecs: t(ecsNetwork, "connection", "start"),
  }),
  simple("DAEMON_CONFIG", "changed-auditd-configuration", {
    object: { what: "service" },
    ecs: { category: ["process", "configuration"], type: ["change"] },
  }),
  simple("DAEMON_END", "shutdown-audit", { object: { what: "service" }, ecs: t(ecsProcess, "stop") }),
  simple("DAEMON_ERR", "audit-error", { object: { what: "service" }, ecs: ecsProcess }),
  simple("DAEMON_RECONFIG", "reconfigured-auditd", {
    object: { what: "service" },
    ecs: { category: ["process", "configuration"], type: ["info"] },
  }),
  simple("DAEMON_RESUME", "resumed-audit-logging", {
    object: { what: "service" },
    ecs: t(ecsProcess, "change"),
  }),
  simple("DAEMON_ROTATE", "rotated-audit-logs", {
    object: { what: "service" },
    ecs: t(ecsProcess, "change"),
  }),
  simple("DAEMON_START", "started-audit", { object: { what: "service" }, ecs: t(ecsProcess, "start") }),
  simple("KERNEL", "initialized-audit-subsystem", { ecs: ecsProcess }),

  // Configuration changes.
  simple("USYS_CONFIG", "changed-configuration", {
    object: { primary: ["op"], what: "system" },
    ecs: { category: ["configuration"], type: ["change"] },
  }),
  simple("NETFILTER_CFG", "loaded-firewall-rule-to", {
    object: { primary: ["table"], what: "firewall" },
    ecs: { category: ["configuration"], type: ["change"] },
  }),
  simple("FEATURE_CHANGE", "changed-audit-feature", {
    object: { primary: ["feature"], what: "system" },
    ecs: { category: ["configuration"], type: ["change"] },
  }),

  // TTY input.
  {
    recordTypes: ["TTY", "USER_TTY"],
    action: "typed",
    object: { primary: ["data"], what: "keystrokes" },
    how: ["comm", "exe"],
  },

  // Mandatory access control.
  simple("AVC", "violated-selinux-policy", {
    subject: { primary: ["scontext"] },
    object: { primary: ["tcontext"], secondary: ["tclass"] },
    hasFields: ["seresult"],
  }),
  simple("AVC", "violated-apparmor-policy", {
    object: {
      primary: ["operation"],
      secondary: ["requested_mask", "denied_mask", "capname"],
      what: "policy",
    },
    hasFields: ["apparmor"],
  }),
  simple("FS_RELABEL", "relabeled-filesystem", { object: { what: "mac-config" } }),
  simple("LABEL_LEVEL_CHANGE", "modified-level-of", { object: { primary: ["printer"], what: "printer" } }),
  simple("LABEL_OVERRIDE", "overrode-label-of", { object: { what: "mac-config" } }),
  simple("MAC_CHECK", "mac-permission"),
  simple("MAC_CONFIG_CHANGE", "changed-selinux-boolean", {
    object: { primary: ["bool"], what: "mac-config" },
    ecs: { category: ["configuration"], type: ["change"] },
  }),
  simple("MAC_POLICY_LOAD", "loaded-selinux-policy", {
    object: { what: "mac-config" },
    ecs: { category: ["configuration"], type: ["access"] },
  }),
  simple("MAC_STATUS", "changed-selinux-enforcement", {
    object: { primary: ["enforcing"], what: "mac-config" },
    ecs: { category: ["configuration"], type: ["change"] },
  }),
  simple("USER_AVC", "access-permission"),
  simple("USER_MAC_CONFIG_CHANGE", "changed-mac-configuration", {
    object: { what: "mac-config" },
    ecs: { category: ["configuration"], type: ["change"] },
  }),
  simple("USER_MAC_POLICY_LOAD", "loaded-mac-policy", {
    object: { what: "mac-config" },
    ecs: { category: ["configuration"], type: ["access"] },
  }),
  simple("USER_SELINUX_ERR", "access-error"),
  simple("SECCOMP", "violated-seccomp-policy", { object: { primary: ["syscall"], what: "process" } }),
  simple("SELINUX_ERR", "caused-mac-policy-error", { object: { what: "system" } }),

  // Crypto.
  session("CRYPTO_KEY_USER", "negotiated-crypto-key", {
    object: { primary: ["fp"], secondary: ["addr", "hostname"], what: "user-session" },
    sourceIp: ["addr"],
    ecs: ecsProcess,
  }),
  simple("CRYPTO_LOGIN", "crypto-officer-logged-in"),
  simple("CRYPTO_LOGOUT", "crypto-officer-logged-out", { ecs: ecsProcess }),
  session("CRYPTO_SESSION", "started-crypto-session", {
    object: { primary: ["addr"], secondary: ["rport"] },
    sourceIp: ["addr"],
    ecs: ecsProcess,
  }),
  simple("DAC_CHECK", "access-result"),

  // Anomalies: meant for intrusion detection.
  simple("ANOM_ABEND", "crashed-program", {
    object: { primary: ["comm", "exe"], secondary: ["pid"], what: "process" },
    how: ["sig"],
    ecs: alert(["process", "intrusion_detection"], ["end", "info"]),
  }),
  simple("ANOM_EXEC", "attempted-execution-of-forbidden-program", {
    object: { primary: ["cmd"], what: "process" },
    how: ["terminal"],
    ecs: alert(["process", "intrusion_detection"], ["start", "info"]),
  }),
  simple("ANOM_LINK", "used-suspicious-link", {
    ecs: alert(["file", "intrusion_detection"], ["access", "info"]),
  }),
  session("ANOM_LOGIN_FAILURES", "failed-log-in-too-many-times-to", {
    ecs: alert(["authentication", "intrusion_detection"], ["start", "denied"]),
  }),
  session("ANOM_LOGIN_LOCATION", "attempted-log-in-from-unusual-place-to", {
    ecs: alert(["authentication", "intrusion_detection"], ["start", "denied"]),
  }),
  session("ANOM_LOGIN_SESSIONS", "opened-too-many-sessions-to", {
    ecs: alert(["authentication", "intrusion_detection"], ["start", "denied"]),
  }),
  session("ANOM_LOGIN_TIME", "attempted-log-in-during-unusual-hour-to", {
    ecs: alert(["authentication", "intrusion_detection"], ["start", "denied"]),
  }),
  simple("ANOM_PROMISCUOUS", "changed-promiscuous-mode-on-device", {
    object: { primary: ["dev"], what: "network-device" },
    ecs: alert(["intrusion_detection"], ["info", "change"]),
  }),
  simple("ANOM_RBAC_INTEGRITY_FAIL", "tested-file-system-integrity-of", {
    object: { primary: ["hostname"], what: "filesystem" },
    ecs: alert(["intrusion_detection"], ["info"]),
  }),
  // Upstream spells this record type with its AUDIT_ prefix, so it never matches; kept as written.
  simple("AUDIT_ANOM_LOGIN_ACCT", "attempted-log-in-to-watched-account", {
    ecs: alert(["authentication", "intrusion_detection"], ["start", "denied"]),
  }),
  simple("ANOM_MAX_DAC", "max-discretionary-access-control-failures-reached", {
    ecs: alert(["intrusion_detection"], ["info"]),
  }),
  simple("ANOM_MAX_MAC", "max-mandatory-access-control-failures-reached", {
    ecs: alert(["intrusion_detection"], ["info"]),
  }),
  simple("ANOM_AMTU_FAIL", "abstract-machine-test-utility-failure", {
    ecs: alert(["intrusion_detection"], ["info"]),
  }),
  simple("ANOM_RBAC_FAIL", "rbac-self-test-failure", { ecs: alert(["intrusion_detection"], ["info"]) }),
  simple("ANOM_CRYPTO_FAIL", "crypto-system-test-failure", { ecs: alert(["intrusion_detection"], ["info"]) }),
  simple("ANOM_MK_EXE", "made-an-executable", {
    ecs: alert(["file", "intrusion_detection"], ["change", "info"]),
  }),
  simple("ANOM_ACCESS_FS", "accessed-watched-file-or-directory", {
    ecs: alert(["file", "intrusion_detection"], ["access", "info"]),
  }),
  simple("ANOM_ADD_ACCT", "added-user-account", {
    ecs: alert(["iam", "intrusion_detection"], ["user", "creation", "info"]),
  }),
  simple("ANOM_DEL_ACCT", "deleted-user-account", {
    ecs: alert(["iam", "intrusion_detection"], ["user", "deletion", "info"]),
  }),
  simple("ANOM_MOD_ACCT", "modified-user-account", {
    ecs: alert(["iam", "intrusion_detection"], ["user", "change", "info"]),
  }),
  simple("ANOM_ROOT_TRANS", "user-became-root", {
    ecs: alert(["authentication", "intrusion_detection"], ["start", "info"]),
  }),
  simple("ANOM_LOGIN_SERVICE", "service-account-attempted-login", {
    ecs: alert(["authentication", "intrusion_detection"], ["start", "denied"]),
  }),

  // Various.
  simple("USER", "sent-message", { object: { primary: ["addr"] } }),
];

export interface NormalizationIndex {
  bySyscall: ReadonlyMap<string, Normalization>;
  byRecordType: ReadonlyMap<string, readonly Normalization[]>;
}

/**
 * Indexes the table as aucoalesce's LoadNormalizationConfig does: one normalization per syscall,
 * several per record type only when each says which fields it needs.
 */
export function indexNormalizations(table: readonly Normalization[]): NormalizationIndex {
  const bySyscall = new Map<string, Normalization>();
  const byRecordType = new Map<string, Normalization[]>();
  for (const n of table) {
    for (const s of n.syscalls ?? []) {
      if (bySyscall.has(s)) throw new Error(`duplicate normalization for syscall ${s}`);
      bySyscall.set(s, n);
    }
    for (const r of n.recordTypes ?? []) {
      const list = byRecordType.get(r) ?? [];
      if (list.some((other) => (other.hasFields ?? []).length === 0)) {
        throw new Error(`duplicate normalization for record type ${r} without has_fields`);
      }
      list.push(n);
      byRecordType.set(r, list);
    }
  }
  return { bySyscall, byRecordType };
}

export const NORMALIZATION_INDEX: NormalizationIndex = indexNormalizations(NORMALIZATIONS);
