/**
 * The fields of an assembled auditd event that rules and the store look at, gathered from its
 * records: who (auid/uid/euid and their enriched names), what process (pid, ppid, comm, exe, the
 * full command line from EXECVE with long arguments rejoined, else PROCTITLE), which syscall and
 * with what result, which paths, and the rule keys. Pure.
 */
import type { AuditdEvent } from "./assembler.js";
import type { AuditdRecord } from "./record.js";

export interface AuditdPath {
  name: string;
  nametype?: string;
  mode?: string;
  ouid?: string;
  ogid?: string;
}

export interface AuditdEventFields {
  /** `node:time:serial` (`#part` for a late continuation), unique per event across hosts and boots as far as auditd allows. */
  id: string;
  node?: string;
  time: number;
  sequence: number;
  /** Record types present, in order (`SYSCALL`, `EXECVE`, `CWD`, `PATH`, `PROCTITLE`). */
  types: string[];
  /** The first record's type: the event's kind for userspace events (USER_LOGIN, CRED_ACQ…). */
  kind: string;
  syscall?: string;
  arch?: string;
  result?: string;
  exit?: string;
  pid?: string;
  ppid?: string;
  auid?: string;
  uid?: string;
  euid?: string;
  gid?: string;
  egid?: string;
  ses?: string;
  tty?: string;
  comm?: string;
  exe?: string;
  /** EXECVE argv, long arguments rejoined; absent when the event has no EXECVE record. */
  argv?: string[];
  proctitle?: string;
  cwd?: string;
  paths: AuditdPath[];
  tags: string[];
  /** SELinux domain of the subject (container_t, spc_t …) or the AppArmor profile. */
  subject?: string;
  /** Userspace message fields (USER_*, CRED_*, LOGIN …): op, acct, addr, terminal, hostname. */
  op?: string;
  acct?: string;
  addr?: string;
  terminal?: string;
  /** auditd's own interpretation of ids when the log is ENRICHED (AUID="alice"). */
  names: Record<string, string>;
}

function first(records: AuditdRecord[], type: string): AuditdRecord | undefined {
  return records.find((r) => r.type === type);
}

export function eventFields(event: AuditdEvent): AuditdEventFields {
  const { records } = event;
  const head = records[0];
  const syscall = first(records, "SYSCALL") ?? first(records, "SECCOMP");
  const main = syscall ?? head;
  const d = main?.data ?? {};
  const tags = [...new Set(records.flatMap((r) => r.tags))];
  const names: Record<string, string> = {};
  for (const r of records) Object.assign(names, r.enriched);
  const paths: AuditdPath[] = [];
  for (const r of records) {
    if (r.type !== "PATH" || r.data.name === undefined) continue;
    const p: AuditdPath = { name: r.data.name };
    for (const k of ["nametype", "mode", "ouid", "ogid"] as const) {
      const v = r.data[k];
      if (v !== undefined) p[k] = v;
    }
    paths.push(p);
  }
  const fields: AuditdEventFields = {
    id: `${event.node ?? ""}:${event.time}:${event.sequence}${event.part !== undefined ? `#${event.part}` : ""}`,
    time: event.time,
    sequence: event.sequence,
    types: records.map((r) => r.type),
    kind: eventKind(records),
    paths,
    tags,
    names,
  };
  if (event.node !== undefined) fields.node = event.node;
  const copy = (key: keyof AuditdEventFields & string, value: string | undefined) => {
    if (value !== undefined) (fields as unknown as Record<string, unknown>)[key] = value;
  };
  if (syscall) {
    copy("syscall", d.syscall);
    copy("arch", d.arch);
    copy("exit", d.exit);
  }
  for (const k of [
    "result",
    "pid",
    "ppid",
    "auid",
    "uid",
    "euid",
    "gid",
    "egid",
    "ses",
    "tty",
    "comm",
    "exe",
  ] as const) {
    copy(k, d[k]);
  }
  for (const k of ["op", "acct", "addr", "terminal"] as const) copy(k, head?.data[k]);
  copy("subject", d.subj_domain ?? d.subj_user);
  const argv = joinExecveArgs(records);
  if (argv) fields.argv = argv;
  copy("proctitle", first(records, "PROCTITLE")?.data.proctitle);
  copy("cwd", first(records, "CWD")?.data.cwd ?? d.cwd); // USER_CMD carries its own cwd
  return fields;
}

/** argv from the EXECVE records of one event: aN, or aN[0] aN[1] … when the argument was split. */
export function joinExecveArgs(records: AuditdRecord[]): string[] | undefined {
  const execve = records.filter((r) => r.type === "EXECVE");
  if (execve.length === 0) return undefined;
  const all: Record<string, string> = {};
  for (const r of execve) Object.assign(all, r.data);
  const argc = Number(all.argc);
  if (!Number.isSafeInteger(argc) || argc < 0) return undefined;
  const argv: string[] = [];
  // argc comes from the log: never trust it for an allocation, only count what is present.
  for (let i = 0; i < argc && i < 65536; i++) {
    const whole = all[`a${i}`];
    if (whole !== undefined) {
      argv.push(whole);
      continue;
    }
    let joined = "";
    let piece = 0;
    for (let p = all[`a${i}[0]`]; p !== undefined; p = all[`a${i}[${++piece}]`]) joined += p;
    if (piece === 0 && all[`a${i}_len`] === undefined) break;
    argv.push(joined);
  }
  return argv;
}

// Records that accompany a syscall rather than say what the event is.
const AUXILIARY = new Set(["SYSCALL", "EXECVE", "CWD", "PATH", "PROCTITLE", "SOCKADDR", "BPRM_FCAPS", "EOE"]);

/** What the event is: its first record that is not a syscall's companion, else SYSCALL. */
export function eventKind(records: AuditdRecord[]): string {
  const primary = records.find((r) => !AUXILIARY.has(r.type));
  if (primary) return primary.type;
  return records.some((r) => r.type === "SYSCALL") ? "SYSCALL" : (records[0]?.type ?? "");
}
