/**
 * One line of an auditd log (`[node=N ]type=T msg=audit(SEC.MSEC:SERIAL): k=v …`), parsed and
 * enriched the way elastic/go-libaudit's auparse does, so its golden files are our expectations.
 * Pure: text in, record out; a line whose header cannot be read gives undefined.
 */
import { enrichFields } from "./enrich.js";
import { type RecordTypeInfo, recordTypeInfo } from "./lookup.js";

export interface AuditdRecord {
  /** The record type as auditd names it: `SYSCALL`, `USER_LOGIN`, `PROCTITLE`. */
  type: string;
  /** Lowercase type, as go-libaudit reports it (`user_login`). */
  recordType: string;
  typeInfo: RecordTypeInfo;
  /** `node=` prefix (auditd's name_format), when present. */
  node?: string;
  /** Event time in milliseconds since the epoch (the kernel's clock at the syscall). */
  time: number;
  /** The event's serial number (uint32; wraps). */
  sequence: number;
  /** The text after `msg=`, trimmed: `audit(…): …`. */
  raw: string;
  /** Parsed and enriched fields (hex decoded, ids named, `success`/`res` → `result`). */
  data: Record<string, string>;
  /** The rule keys (`key="…"`, several joined by 0x01 in hex). */
  tags: string[];
  /** Interpreted fields auditd appends in its ENRICHED format (`UID="root"` after 0x1d). */
  enriched: Record<string, string>;
  /** Why enrichment failed (the fields parsed so far are kept). */
  error?: string;
}

const MSG_TOKEN = "msg=";

export function parseAuditdLine(input: string): AuditdRecord | undefined {
  let line = input.replace(/[\r\n]+$/, "");
  let node: string | undefined;
  const nodeMatch = /^node=(\S*) /.exec(line);
  if (nodeMatch) {
    node = nodeMatch[1];
    line = line.slice(nodeMatch[0].length);
  }
  if (!line.startsWith("type=")) return undefined;
  const msgIndex = line.indexOf(MSG_TOKEN);
  if (msgIndex < "type=".length + 1) return undefined;
  const typeInfo = recordTypeInfo(line.slice("type=".length, msgIndex - 1));
  if (!typeInfo) return undefined;
  const raw = line.slice(msgIndex + MSG_TOKEN.length).trim();
  const header = parseHeader(raw);
  if (!header) return undefined;
  const body = raw.slice(header.end + 1);
  // ENRICHED format: auditd appends interpreted fields after a 0x1d separator.
  const sep = body.indexOf("\x1d");
  const plain = sep === -1 ? body : body.slice(0, sep);
  const { data, tags, error } = enrichFields(typeInfo.name, plain);
  const enriched = extractEnriched(sep === -1 ? body : body.slice(sep + 1));
  const record: AuditdRecord = {
    type: typeInfo.name,
    recordType: typeInfo.name.toLowerCase(),
    typeInfo,
    time: header.time,
    sequence: header.sequence,
    raw,
    data,
    tags,
    enriched,
  };
  if (node !== undefined) record.node = node;
  if (error !== undefined) record.error = error;
  return record;
}

interface Header {
  time: number;
  sequence: number;
  /** Index of the closing parenthesis. */
  end: number;
}

/** `audit(1490137971.011:50406)`: seconds, milliseconds, serial. */
function parseHeader(text: string): Header | undefined {
  const open = text.indexOf("(");
  if (open === -1) return undefined;
  const dot = text.indexOf(".", open);
  if (dot === -1) return undefined;
  const colon = text.indexOf(":", dot);
  if (colon === -1) return undefined;
  const close = text.indexOf(")", colon);
  if (close === -1) return undefined;
  const sec = text.slice(open + 1, dot);
  const msec = text.slice(dot + 1, colon);
  const serial = text.slice(colon + 1, close);
  if (!/^\d{1,12}$/.test(sec) || !/^\d{1,9}$/.test(msec) || !/^\d{1,10}$/.test(serial)) return undefined;
  const sequence = Number(serial);
  if (sequence > 0xffffffff) return undefined;
  return { time: Number(sec) * 1000 + Number(msec), sequence, end: close };
}

// Uppercase keys are auditd's interpretations (ARCH=x86_64 SYSCALL=unlink AUID="alice").
const ENRICHED_KV = /(?:^|\s)([A-Z][A-Z0-9_]*)=("[^"]*"|\S*)/g;

function extractEnriched(text: string): Record<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(ENRICHED_KV)) {
    const key = m[1] as string;
    const value = m[2] as string;
    out.set(key, value.startsWith('"') ? value.slice(1, -1) : value);
  }
  return Object.fromEntries(out);
}

/** Go's RFC 3339 text for a time (trailing zeros of the fraction dropped), as in the golden files. */
export function formatGoTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.replace(/\.(\d*?)0*Z$/, (_m, frac: string) => (frac ? `.${frac}Z` : "Z"));
}

/** The record as an auditd log line again (`[node=N ]type=T msg=…`), so that it can be read back. */
export function recordLine(record: AuditdRecord): string {
  const node = record.node !== undefined ? `node=${record.node} ` : "";
  return `${node}type=${record.type} msg=${record.raw}`;
}
