/**
 * One assembled auditd event coalesced into a single normalized document, as elastic/go-libaudit's
 * aucoalesce.CoalesceMessages builds it (its golden files are our expectations): the primary record's
 * type and category, result and session, a summary of who (actor) did what (action) to what (object)
 * and how, the user's ids and SELinux labels, the process, the file or socket involved, the PATH
 * records, the remaining fields as `data`, and ECS categorisation. Fields go-libaudit omits when empty
 * are omitted here too. Names for ids (which need the host's passwd/group files) are not resolved:
 * aucoalesce does that only on request (ResolveIDs), not while coalescing. Pure.
 */
import type { AuditdEvent } from "./assembler.js";
import { auditEventCategory, recordTypeNumber } from "./event-category.js";
import {
  type MappingFrom,
  type MappingTo,
  NORMALIZATION_INDEX,
  type Normalization,
} from "./normalizations.js";
import { type AuditdRecord, formatGoTime } from "./record.js";

export interface EcsEntity {
  name?: string;
  id?: string;
}

export interface NormalizedAuditdEvent {
  "@timestamp": string;
  sequence: number;
  category: string;
  record_type: string;
  result?: string;
  session: string;
  tags?: string[];
  summary: {
    actor: { primary?: string; secondary?: string };
    action?: string;
    object: { type?: string; primary?: string; secondary?: string };
    how?: string;
  };
  user: { ids?: Record<string, string>; selinux?: Record<string, string> };
  process: {
    pid?: string;
    ppid?: string;
    title?: string;
    name?: string;
    exe?: string;
    cwd?: string;
    args?: string[];
  };
  file?: {
    path?: string;
    device?: string;
    inode?: string;
    mode?: string;
    uid?: string;
    gid?: string;
    selinux?: Record<string, string>;
  };
  source?: { ip?: string; port?: string; path?: string };
  destination?: { ip?: string; port?: string; path?: string };
  network?: { direction: "ingress" | "egress" };
  data?: Record<string, string>;
  paths?: Record<string, string>[];
  ecs: {
    event: { kind?: string; category?: string[]; type?: string[]; outcome?: string };
    user: EcsEntity & { effective: EcsEntity; target: EcsEntity; changes: EcsEntity };
    group: EcsEntity;
  };
}

export interface NormalizeResult {
  event: NormalizedAuditdEvent;
  /** What could not be filled in (aucoalesce's warnings, same text), sorted. */
  warnings: string[];
}

/** Working state: Data and User maps as mutable Maps (Go's maps), turned into the document at the end. */
interface Work {
  doc: NormalizedAuditdEvent;
  data: Map<string, string>;
  ids: Map<string, string>;
  selinux: Map<string, string>;
  paths: Record<string, string>[];
  warnings: string[];
}

/** A record's fields as auparse's Data() gives them: undefined when parsing or enrichment failed. */
function recordData(r: AuditdRecord): Map<string, string> | undefined {
  return r.error === undefined ? new Map(Object.entries(r.data)) : undefined;
}

/**
 * Normalizes an event. A compound event (several records) must hold a SYSCALL record; aucoalesce
 * refuses one without, and so does this: `{ error }` with CoalesceMessages' reason.
 */
export function normalizeAuditdEvent(event: AuditdEvent): NormalizeResult | { error: string } {
  const records = event.records.filter((r) => r.type !== "EOE");
  const head = records[0];
  if (!head) return { error: "messages is empty" };
  let work: Work;
  if (records.length === 1) work = newEvent(head, undefined);
  else {
    const special = head.type !== "SYSCALL" ? head : undefined;
    const syscall = records.find((r) => r.type === "SYSCALL");
    if (!syscall) return { error: "missing syscall message in compound event" };
    work = newEvent(special, syscall);
    for (const r of records) {
      if (r.type === "SYSCALL") work.data.delete("items");
      else if (r.type === "PATH") addPath(r, work);
      else if (r.type === "SOCKADDR") addSockaddr(r, work);
      else if (r.type === "EXECVE") addExecve(r, work);
      else addFields(r, work);
    }
  }
  applyNormalization(work);
  addProcess(work);
  return { event: finish(work), warnings: [...work.warnings].sort() };
}

function newEvent(special: AuditdRecord | undefined, syscall: AuditdRecord | undefined): Work {
  const msg = (special ?? syscall) as AuditdRecord;
  const doc: NormalizedAuditdEvent = {
    "@timestamp": formatGoTime(msg.time),
    sequence: msg.sequence,
    category: auditEventCategory(recordTypeNumber(msg.type, msg.typeInfo.number)),
    record_type: msg.recordType,
    session: "",
    summary: { actor: {}, object: {} },
    user: {},
    process: {},
    ecs: { event: {}, user: { effective: {}, target: {}, changes: {} }, group: {} },
  };
  const work: Work = { doc, data: new Map(), ids: new Map(), selinux: new Map(), paths: [], warnings: [] };
  const source = syscall ?? msg;
  const data = recordData(source);
  if (!data) {
    work.warnings.push(source.error as string);
    return work;
  }
  doc.result = data.get("result") ?? "unknown";
  data.delete("result");
  const ses = data.get("ses");
  if (ses !== undefined) {
    doc.session = ses;
    data.delete("ses");
  }
  const auid = data.get("auid");
  if (auid !== undefined) doc.summary.actor.primary = auid;
  const uid = data.get("uid");
  if (uid !== undefined) doc.summary.actor.secondary = uid;
  if (source.tags.length > 0) doc.tags = [...source.tags];
  for (const [k, v] of data) {
    if (k.endsWith("uid") || k.endsWith("gid")) work.ids.set(k, v);
    else if (k.startsWith("subj_")) work.selinux.set(k.slice(5), v);
    else work.data.set(k, v);
  }
  return work;
}

function addPath(r: AuditdRecord, work: Work): void {
  const data = recordData(r);
  if (!data) {
    work.warnings.push(`failed to parse PATH message: ${r.error}`);
    return;
  }
  work.paths.push(Object.fromEntries(data));
}

const INCOMING = new Set(["recvfrom", "recvmsg", "accept", "accept4"]);
const OUTGOING = new Set(["connect", "sendto", "sendmsg"]);

function addSockaddr(r: AuditdRecord, work: Work): void {
  const data = recordData(r);
  if (!data) {
    work.warnings.push(`failed to parse SOCKADDR message: ${r.error}`);
    return;
  }
  const syscall = work.data.get("syscall");
  if (syscall === undefined) {
    work.warnings.push("failed to add SOCKADDR data because syscall is unknown");
    return;
  }
  for (const [k, v] of data) work.data.set(`socket_${k}`, v);
  // bind, listen, getpeername, getsockname carry a SOCKADDR with no clear direction.
  const incoming = INCOMING.has(syscall);
  if (!incoming && !OUTGOING.has(syscall)) return;
  const ip = data.get("addr") ?? "";
  const port = data.get("port") ?? "";
  const path = data.get("path") ?? "";
  if (ip !== "" || port !== "" || path !== "") {
    const address: { ip?: string; port?: string; path?: string } = {};
    if (ip !== "") address.ip = ip;
    if (port !== "") address.port = port;
    if (path !== "") address.path = path;
    if (incoming) work.doc.source = address;
    else work.doc.destination = address;
  }
  work.doc.network = { direction: incoming ? "ingress" : "egress" };
}

/** Each EXECVE record on its own: a0 … a(argc-1) must all be present (split arguments are not joined). */
function addExecve(r: AuditdRecord, work: Work): void {
  const data = recordData(r);
  if (!data) {
    work.warnings.push(`failed to parse EXECVE message: ${r.error}`);
    return;
  }
  const argc = data.get("argc");
  if (argc === undefined) {
    work.warnings.push("argc key not found in EXECVE message");
    return;
  }
  work.data.set("argc", argc);
  if (!/^\d{1,10}$/.test(argc) || Number(argc) > 0xffffffff) {
    work.warnings.push(
      `failed to convert argc='${argc}' to number: strconv.ParseUint: parsing "${argc}": invalid syntax`,
    );
    return;
  }
  const args: string[] = [];
  // argc comes from the log: only what is present is read, so a huge argc costs one failed lookup.
  for (let i = 0; i < Number(argc); i++) {
    const arg = data.get(`a${i}`);
    if (arg === undefined) {
      work.warnings.push(`failed to find arg a${i}`);
      return;
    }
    args.push(arg);
  }
  if (args.length > 0) work.doc.process.args = args;
  else delete work.doc.process.args;
}

function addFields(r: AuditdRecord, work: Work): void {
  const data = recordData(r);
  if (!data) {
    work.warnings.push(`failed to parse message: ${r.error}`);
    return;
  }
  for (const [k, v] of data) {
    if (work.data.has(k)) {
      work.warnings.push(`duplicate key (${k}) from ${r.type} message`);
      continue;
    }
    work.data.set(k, v);
  }
}

const INTERPRETERS = ["/usr/bin/python", "/usr/bin/sh", "/usr/bin/bash", "/usr/bin/perl"];

/** how: the executable, or the command name when the executable is an interpreter running a script. */
function setHowDefaults(work: Work): void {
  const exe = work.data.get("exe") ?? work.data.get("comm");
  if (exe === undefined) return;
  work.doc.summary.how = exe;
  if (!INTERPRETERS.some((p) => exe.startsWith(p))) return;
  const comm = work.data.get("comm");
  if (comm !== undefined) work.doc.summary.how = comm;
}

function selectNormalization(work: Work): { norm?: Normalization; syscallNorm?: Normalization } {
  const { bySyscall, byRecordType } = NORMALIZATION_INDEX;
  const syscall = work.data.get("syscall");
  const syscallNorm = syscall === undefined ? undefined : (bySyscall.get(syscall) ?? bySyscall.get("*"));
  if (work.doc.record_type === "syscall") return { norm: syscallNorm, syscallNorm };
  const candidates = byRecordType.get(work.doc.record_type.toUpperCase()) ?? [];
  if (candidates.length <= 1) return { norm: candidates[0], syscallNorm };
  let norm: Normalization | undefined;
  // The last candidate whose required fields are all present wins (aucoalesce does not stop early).
  for (const n of candidates) if ((n.hasFields ?? []).every((f) => work.data.has(f))) norm = n;
  return { norm, syscallNorm };
}

/** A value by key: the event's data first, then the user ids. */
function getValue(work: Work, key: string): string | undefined {
  return work.data.get(key) ?? work.ids.get(key);
}

/** The first key present sets the value; none present is a warning naming them all. */
function firstOf(work: Work, keys: string[] | undefined, what: string, set: (v: string) => void): void {
  if (!keys || keys.length === 0) return;
  for (const key of keys) {
    const value = getValue(work, key);
    if (value !== undefined) {
      set(value);
      return;
    }
  }
  work.warnings.push(`failed to set ${what} using keys=[${keys.join(" ")}] because they were not found`);
}

function applyNormalization(work: Work): void {
  setHowDefaults(work);
  const { doc } = work;
  const { norm, syscallNorm } = selectNormalization(work);
  if (!norm) {
    work.warnings.push("no normalization found for event");
    return;
  }
  const ecs = doc.ecs.event;
  if (norm.ecs?.kind) ecs.kind = norm.ecs.kind;
  const category = [...(norm.ecs?.category ?? [])];
  const type = [...(norm.ecs?.type ?? [])];
  // A userspace/kernel record that came with a syscall is categorised as both.
  if (syscallNorm && syscallNorm !== norm) {
    category.push(...(syscallNorm.ecs?.category ?? []));
    type.push(...(syscallNorm.ecs?.type ?? []));
    if (doc.result === "fail") ecs.outcome = "failure";
  }
  if (category.length > 0) ecs.category = category;
  if (type.length > 0) ecs.type = type;
  if (norm.action) doc.summary.action = norm.action;

  const what = norm.object?.what ?? "";
  if (what !== "") doc.summary.object.type = what;
  if (what === "file" || what === "filesystem") setFileObject(work, norm.object?.pathIndex ?? 0);
  else if (what === "socket") setSocketObject(work);

  const s = doc.summary;
  firstOf(work, norm.subject?.primary, "subject primary", (v) => {
    s.actor.primary = v;
  });
  firstOf(work, norm.subject?.secondary, "subject secondary", (v) => {
    s.actor.secondary = v;
  });
  firstOf(work, norm.object?.primary, "object primary", (v) => {
    s.object.primary = v;
  });
  firstOf(work, norm.object?.secondary, "object secondary", (v) => {
    s.object.secondary = v;
  });
  firstOf(work, norm.how, "how", (v) => {
    s.how = v;
  });
  if (!doc.source && norm.sourceIp && norm.sourceIp.length > 0) setSourceIp(work, norm.sourceIp);
  for (const [from, to] of norm.ecs?.mappings ?? [])
    setEcsEntity(entityFor(doc, to), readMapping(work, from));
}

// Unlike the summary fields, the source address is taken from the event data only (and moved out of it).
function setSourceIp(work: Work, keys: string[]): void {
  for (const key of keys) {
    const value = work.data.get(key);
    if (value === undefined) continue;
    work.data.delete(key);
    work.doc.source = value === "" ? {} : { ip: value };
    work.doc.network = { direction: "ingress" };
    return;
  }
  work.warnings.push(`failed to set source IP using keys=[${keys.join(" ")}] because they were not found`);
}

function readMapping(work: Work, from: MappingFrom): string {
  const s = work.doc.summary;
  switch (from) {
    case "subject.primary":
      return s.actor.primary ?? "";
    case "subject.secondary":
      return s.actor.secondary ?? "";
    case "object.primary":
      return s.object.primary ?? "";
    case "object.secondary":
      return s.object.secondary ?? "";
  }
  const dot = from.indexOf(".");
  const dict = from.slice(0, dot);
  const key = from.slice(dot + 1);
  if (dict === "data") return work.data.get(key) ?? "";
  if (dict === "uid") return work.ids.get(key) ?? "";
  return "";
}

function entityFor(doc: NormalizedAuditdEvent, to: MappingTo): EcsEntity {
  const u = doc.ecs.user;
  switch (to) {
    case "user":
      return u;
    case "user.effective":
      return u.effective;
    case "user.target":
      return u.target;
    case "user.changes":
      return u.changes;
    case "group":
      return doc.ecs.group;
  }
}

/** An id (digits) or a name; unset ids (empty, unset, -1, 4294967295) become id "unset" alone. */
function setEcsEntity(e: EcsEntity, value: string): void {
  if (value === "" || value === "unset" || value === "4294967295" || value === "-1") {
    delete e.name;
    e.id = "unset";
    return;
  }
  // Go's strconv.ParseUint(value, 10, 64): decimal digits within 64 bits.
  if (/^\d+$/.test(value) && BigInt(value) <= 0xffffffffffffffffn) e.id = value;
  else e.name = value;
}

// Go's os.FileMode bits, which aucoalesce applies to the kernel's st_mode value as it is.
const GO_MODE_DIR = 1n << 31n;
const GO_MODE_SYMLINK = 1n << 27n;
const GO_MODE_DEVICE = 1n << 26n;
const GO_MODE_NAMED_PIPE = 1n << 25n;
const GO_MODE_SOCKET = 1n << 24n;
const GO_MODE_CHAR_DEVICE = 1n << 21n;
const GO_MODE_IRREGULAR = 1n << 19n;
const GO_MODE_TYPE =
  GO_MODE_DIR |
  GO_MODE_SYMLINK |
  GO_MODE_NAMED_PIPE |
  GO_MODE_SOCKET |
  GO_MODE_DEVICE |
  GO_MODE_CHAR_DEVICE |
  GO_MODE_IRREGULAR;
// aucoalesce's own block-device constant, in st_mode's encoding (S_IFBLK).
const MODE_BLOCK_DEVICE = 0o60000n;

/**
 * The file the event is about: the PATH record at the normalization's index (or the first), skipping
 * PARENT/UNKNOWN entries. Since Go's FileMode bits sit above st_mode's, a kernel mode always reads
 * as a regular file there: the object type is "file" for directories too, as in the golden files.
 */
function setFileObject(work: Work, pathIndexHint: number): void {
  const { paths, doc } = work;
  if (paths.length === 0) return;
  const start = paths.length > pathIndexHint ? pathIndexHint : 0;
  let path = paths[start] as Record<string, string>;
  for (const p of paths.slice(start)) {
    if (p.nametype !== "PARENT" && p.nametype !== "UNKNOWN") {
      path = p;
      break;
    }
  }
  const file: NonNullable<NormalizedAuditdEvent["file"]> = {};
  doc.file = file;
  if (path.name !== undefined) {
    doc.summary.object.primary = path.name;
    if (path.name !== "") file.path = path.name;
  }
  if (path.inode !== undefined && path.inode !== "") file.inode = path.inode;
  if (path.rdev !== undefined && path.rdev !== "") file.device = path.rdev;
  if (path.mode !== undefined) {
    const mode = parseOctal64(path.mode);
    if (mode === undefined) return; // aucoalesce stops here too (the error is dropped)
    // Permissions with the setuid, setgid and sticky bits (golden "file_mode_preservation": 0106755 → 6755).
    file.mode = (mode & 0o7777n).toString(8).padStart(4, "0");
    const s = doc.summary.object;
    if ((mode & GO_MODE_TYPE) === 0n) s.type = "file";
    else if ((mode & GO_MODE_DIR) !== 0n) s.type = "directory";
    else if ((mode & GO_MODE_CHAR_DEVICE) !== 0n) s.type = "character-device";
    else if ((mode & MODE_BLOCK_DEVICE) !== 0n) s.type = "block-device";
    else if ((mode & GO_MODE_NAMED_PIPE) !== 0n) s.type = "named-pipe";
    else if ((mode & GO_MODE_SYMLINK) !== 0n) s.type = "symlink";
    else if ((mode & GO_MODE_SOCKET) !== 0n) s.type = "socket";
  }
  if (path.ouid !== undefined && path.ouid !== "") file.uid = path.ouid;
  if (path.ogid !== undefined && path.ogid !== "") file.gid = path.ogid;
  const selinux: Record<string, string> = {};
  let labelled = false;
  for (const [k, v] of Object.entries(path)) {
    if (!k.startsWith("obj_")) continue;
    selinux[k.slice(4)] = v;
    labelled = true;
  }
  if (labelled) file.selinux = selinux;
}

/** Go's strconv.ParseUint(s, 8, 64). */
function parseOctal64(s: string): bigint | undefined {
  if (!/^[0-7]{1,22}$/.test(s)) return undefined;
  const n = BigInt(`0o${s}`);
  return n <= 0xffffffffffffffffn ? n : undefined;
}

function setSocketObject(work: Work): void {
  const s = work.doc.summary.object;
  const primary = work.data.get("socket_addr") ?? work.data.get("socket_path");
  if (primary !== undefined) s.primary = primary;
  const port = work.data.get("socket_port");
  if (port !== undefined) s.secondary = port;
}

function addProcess(work: Work): void {
  const p = work.doc.process;
  const move = (key: string, set: (v: string) => void) => {
    const v = work.data.get(key);
    if (v !== undefined && v !== "") set(v);
    work.data.delete(key);
  };
  move("pid", (v) => {
    p.pid = v;
  });
  move("ppid", (v) => {
    p.ppid = v;
  });
  move("proctitle", (v) => {
    p.title = v;
  });
  move("comm", (v) => {
    p.name = v;
  });
  move("exe", (v) => {
    p.exe = v;
  });
  move("cwd", (v) => {
    p.cwd = v;
  });
}

/** The document with Go's omitempty applied: empty strings, maps and lists left out. */
function finish(work: Work): NormalizedAuditdEvent {
  const { doc } = work;
  if (work.ids.size > 0) doc.user.ids = Object.fromEntries(work.ids);
  if (work.selinux.size > 0) doc.user.selinux = Object.fromEntries(work.selinux);
  if (work.data.size > 0) doc.data = Object.fromEntries(work.data);
  if (work.paths.length > 0) doc.paths = work.paths;
  if (doc.result === "") delete doc.result;
  const s = doc.summary;
  for (const o of [
    s.actor,
    s.object,
    doc.ecs.user,
    doc.ecs.user.effective,
    doc.ecs.user.target,
    doc.ecs.user.changes,
    doc.ecs.group,
  ] as Record<string, unknown>[]) {
    for (const [k, v] of Object.entries(o)) if (v === "") delete o[k];
  }
  if (s.action === "") delete s.action;
  if (s.how === "") delete s.how;
  // Assemble in Go's field order so that JSON.stringify reads like the golden files.
  const ordered: NormalizedAuditdEvent = {
    "@timestamp": doc["@timestamp"],
    sequence: doc.sequence,
    category: doc.category,
    record_type: doc.record_type,
    ...(doc.result !== undefined ? { result: doc.result } : {}),
    session: doc.session,
    ...(doc.tags ? { tags: doc.tags } : {}),
    summary: doc.summary,
    user: doc.user,
    process: doc.process,
    ...(doc.file ? { file: doc.file } : {}),
    ...(doc.source ? { source: doc.source } : {}),
    ...(doc.destination ? { destination: doc.destination } : {}),
    ...(doc.network ? { network: doc.network } : {}),
    ...(doc.data ? { data: doc.data } : {}),
    ...(doc.paths ? { paths: doc.paths } : {}),
    ecs: doc.ecs,
  };
  return ordered;
}
