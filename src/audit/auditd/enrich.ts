/**
 * Field extraction and enrichment of one record's body, after elastic/go-libaudit's auparse (the
 * reference whose golden files we match): key=value pairs (bare, 'single' or "double" quoted, a
 * nested msg='…' flattened), useless values (?, (null), empty) dropped, unset ids named, SELinux
 * contexts split, success/res folded into result, errno and syscall names, hex-encoded values decoded.
 */
import { decodeKernelHex, hexToCString, hexToJoinedStrings } from "./hex.js";
import { archName, errnoName, signalName, syscallName } from "./lookup.js";
import { decodeSockaddr } from "./sockaddr.js";

interface Field {
  /** The value as written, quotes included: the kernel's hex encoding is recognised on this. */
  orig: string;
  value: string;
}

type Fields = Map<string, Field>;

const KV = /([a-z0-9_-]+)=([^"'\s]+|'(?:\\'|[^'])*'|"(?:\\"|[^"])*")/g;
const SELINUX_AVC = /avc:\s+(\w+)\s+\{\s*(.*)\s*\}\s+for\s+/;

export interface EnrichedFields {
  data: Record<string, string>;
  tags: string[];
  error?: string;
}

export function enrichFields(type: string, body: string): EnrichedFields {
  const fields: Fields = new Map();
  extractPairs(normalizeBody(type, body), fields, 0);
  if (type === "EXECVE") extractArgumentPieces(body, fields);
  const tags: string[] = [];
  const error = enrich(type, fields, tags);
  const data = Object.fromEntries([...fields].map(([k, f]) => [k, f.value]));
  return error === undefined ? { data, tags } : { data, tags, error };
}

/** Messages whose text is not key=value throughout, rewritten so that it is. */
function normalizeBody(type: string, body: string): string {
  switch (type) {
    case "AVC": {
      const m = SELINUX_AVC.exec(body);
      if (!m) return body; // AppArmor AVCs are key=value already
      const perms = (m[2] as string).trim().split(/\s+/).filter(Boolean).join(",");
      return `seresult=${m[1]} seperms=${perms} ${body.slice(m.index + m[0].length)}`;
    }
    case "LOGIN":
      return replaceFirst(replaceFirst(body, "old ", "old_", 2), "new ", "new_", 2);
    case "CRED_DISP":
    case "USER_START":
    case "USER_END":
      return replaceFirst(body, " (hostname=", " hostname=", 2).replace(/[)']+$/, "");
    default:
      return body;
  }
}

function replaceFirst(text: string, from: string, to: string, count: number): string {
  let out = text;
  let at = 0;
  for (let i = 0; i < count; i++) {
    const index = out.indexOf(from, at);
    if (index === -1) break;
    out = out.slice(0, index) + to + out.slice(index + from.length);
    at = index + to.length;
  }
  return out;
}

function trimQuotesAndSpace(v: string): string {
  return v.replace(/^['" ]+/, "").replace(/['" ]+$/, "");
}

// A nested msg='…' is flattened once; deeper nesting is left as text (bounded work on hostile input).
function extractPairs(text: string, into: Fields, depth: number): void {
  for (const m of text.matchAll(KV)) {
    const key = m[1] as string;
    const orig = m[2] as string;
    const value = trimQuotesAndSpace(orig);
    if (value === "" || value === "?" || value === "?," || value === "(null)") continue;
    if (key === "msg" && depth === 0) {
      extractPairs(value, into, depth + 1);
      continue;
    }
    into.set(key, { orig, value });
  }
}

// aN[i]=… pieces of a long argument (the key pattern above does not admit brackets).
const ARG_PIECE = /(?:^|\s)(a\d{1,7}\[\d{1,7}\])=([^"'\s]+|"[^"]*")/g;

function extractArgumentPieces(body: string, into: Fields): void {
  for (const m of body.matchAll(ARG_PIECE)) {
    const orig = m[2] as string;
    const value = orig.startsWith('"') ? orig.slice(1, -1) : (hexToCString(orig) ?? orig);
    into.set(m[1] as string, { orig, value });
  }
}

function setValue(fields: Fields, key: string, value: string): void {
  const f = fields.get(key);
  if (f) fields.set(key, { orig: f.orig, value });
}

function enrich(type: string, fields: Fields, tags: string[]): string | undefined {
  for (const key of ["auid", "old-auid", "ses"]) {
    const v = fields.get(key)?.value;
    if (v === "4294967295" || v === "-1") setValue(fields, key, "unset");
  }
  splitSELinuxContext(fields, "subj");
  foldResult(fields);
  nameExitCode(fields);
  ruleKeys(fields, tags);
  hexDecode(fields, "cwd");
  switch (type) {
    case "SECCOMP": {
      const error = nameSignal(fields);
      if (error) return error;
      return syscallFields(fields);
    }
    case "SYSCALL":
      return syscallFields(fields);
    case "SOCKADDR": {
      const saddr = fields.get("saddr");
      if (!saddr) return "saddr key not found";
      const decoded = decodeSockaddr(saddr.value);
      if (!decoded) return "failed to parse saddr";
      fields.delete("saddr");
      for (const [k, v] of Object.entries(decoded)) fields.set(k, { orig: v, value: v });
      return undefined;
    }
    case "PROCTITLE":
      hexDecode(fields, "proctitle");
      return undefined;
    case "USER_CMD":
      hexDecode(fields, "cmd");
      return undefined;
    case "TTY":
    case "USER_TTY":
      hexDecode(fields, "data");
      return undefined;
    case "EXECVE":
      return execveArgs(fields);
    case "PATH":
      splitSELinuxContext(fields, "obj");
      hexDecode(fields, "name");
      return undefined;
    case "USER_LOGIN":
      hexDecode(fields, "acct"); // only failed logins hex-encode the account
      return undefined;
    default:
      return undefined;
  }
}

function syscallFields(fields: Fields): string | undefined {
  const arch = fields.get("arch");
  if (!arch) return "arch key not found";
  const name = archName(arch.value);
  if (name === undefined && !/^[0-9a-fA-F]{1,16}$/.test(arch.value)) return "failed to parse arch";
  if (name !== undefined) setValue(fields, "arch", name);
  const syscall = fields.get("syscall");
  if (!syscall) return "syscall key not found";
  if (!/^-?\d{1,10}$/.test(syscall.value)) return "failed to parse syscall";
  const sname = name === undefined ? undefined : syscallName(name, Number(syscall.value));
  if (sname !== undefined) setValue(fields, "syscall", sname);
  hexDecode(fields, "exe");
  return undefined;
}

function nameSignal(fields: Fields): string | undefined {
  const sig = fields.get("sig");
  if (!sig) return "sig key not found";
  if (!/^-?\d{1,10}$/.test(sig.value)) return "failed to parse sig";
  const name = signalName(Number(sig.value));
  if (name !== undefined) setValue(fields, "sig", name);
  return undefined;
}

function splitSELinuxContext(fields: Fields, key: string): void {
  const f = fields.get(key);
  if (!f) return;
  const suffixes = ["_user", "_role", "_domain", "_level", "_category"];
  const parts = f.value.split(":");
  // At most five parts: the category keeps any further colons.
  const head = parts.slice(0, 4);
  if (parts.length > 4) head.push(parts.slice(4).join(":"));
  fields.delete(key);
  head.forEach((part, i) => {
    fields.set(key + suffixes[i], { orig: part, value: part });
  });
}

/** SYSCALL says success=yes|no, other records res=success|failed|1|0: one `result`. */
function foldResult(fields: Fields): void {
  let f = fields.get("success");
  if (f) fields.delete("success");
  else {
    f = fields.get("res");
    if (!f) return;
    fields.delete("res");
  }
  const v = f.value.toLowerCase();
  const ok = v === "yes" || v === "1" || v.startsWith("suc");
  fields.set("result", { orig: ok ? "success" : "fail", value: ok ? "success" : "fail" });
}

function nameExitCode(fields: Fields): void {
  const f = fields.get("exit");
  if (!f || !/^-\d{1,10}$/.test(f.value)) return;
  const name = errnoName(-Number(f.value));
  if (name !== undefined) setValue(fields, "exit", name);
}

/** key="net", key="key=net", or several keys hex-encoded and joined by 0x01. */
function ruleKeys(fields: Fields, tags: string[]): void {
  const f = fields.get("key");
  if (!f) return;
  fields.delete("key");
  const decoded = decodeKernelHex(f.orig);
  if (decoded !== undefined) {
    tags.push(...decoded.toString("utf8").split("\x01"));
    return;
  }
  const eq = f.value.indexOf("=");
  tags.push(eq === -1 ? f.value : f.value.slice(eq + 1));
}

function hexDecode(fields: Fields, key: string): void {
  const f = fields.get(key);
  if (!f) return;
  const decoded = hexToJoinedStrings(f.orig);
  if (decoded !== undefined) setValue(fields, key, decoded);
}

/**
 * EXECVE: a0…a(argc-1), each possibly hex. An argument too long for one record is split as
 * aN_len=TOTAL aN[0]=… aN[1]=… (possibly over several EXECVE records: see event.ts, which joins them).
 */
function execveArgs(fields: Fields): string | undefined {
  const argc = fields.get("argc");
  if (!argc) return "argc key not found";
  if (!/^\d{1,10}$/.test(argc.value)) return `failed to convert argc='${argc.value}' to number`;
  const count = Number(argc.value);
  for (let i = 0; i < count; i++) {
    const key = `a${i}`;
    const arg = fields.get(key);
    if (!arg) {
      if (fields.has(`${key}_len`)) continue;
      return `failed to find arg ${key}`;
    }
    const ascii = hexToCString(arg.orig);
    if (ascii !== undefined) setValue(fields, key, ascii);
  }
  return undefined;
}
