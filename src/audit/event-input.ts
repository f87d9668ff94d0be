/**
 * Reading Kubernetes audit Events from bytes: JSON lines (what kube-apiserver's log backend and
 * OpenShift's apiservers write), a JSON array, an `EventList` (what the webhook backend POSTs), or
 * pretty-printed JSON documents; gzip or plain, told apart by the gzip magic. AKS diagnostic-log
 * records (`{"category":"kube-audit","properties":{"log":"<Event JSON>"}}`) are unwrapped.
 *
 * The reader streams: one line (or, for multi-line documents, one top-level JSON value) is held at
 * a time, capped at `maxValueBytes`. A line that is not JSON, not an Event, or too long is reported
 * through `onProblem` with its line number and skipped; the stream goes on. Only an input that
 * cannot be read at all (missing file, corrupt gzip) ends it, with a ShipshapeError.
 *
 * API (also used by the audit store's ingest):
 *   readAuditEvents(chunks, options)   async generator of { event, origin } from any byte stream
 *   readAuditEventBatches(chunks, o)   the same, an array per chunk read
 *   scanAuditEvents(chunks, o, onEvent) each event to a callback as soon as it is parsed (fastest)
 *   parseAuditEvents(bytes, options)   the same for a buffer held in memory (webhook bodies)
 *   openAuditInput(path)               the byte stream of a file, or stdin for "-"
 *   toAuditEvent(value)                validate one parsed JSON value into an AuditEvent
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createGunzip } from "node:zlib";
import { describeError, ShipshapeError } from "../errors.js";
import type { AuditEvent, AuditObjectRef, EventOrigin, JsonObject } from "./event.js";

export interface EventInputProblem {
  /** The input's name ("stdin" for "-"). */
  source: string;
  /** 1-based line where the rejected line or JSON value starts. */
  line: number;
  reason: string;
}

export interface EventInputOptions {
  /** Name of the input in problems and errors (default "input"). */
  source?: string;
  /** Longest line or JSON document accepted, in bytes (default 16 MiB). */
  maxValueBytes?: number;
  /** Called for every skipped line or value. */
  onProblem?: (problem: EventInputProblem) => void;
}

export interface ReadEvent {
  event: AuditEvent;
  origin: EventOrigin;
}

export const DEFAULT_MAX_VALUE_BYTES = 16 * 1024 * 1024;

function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** AKS writes each Event inside a diagnostic-log record, as a JSON string or an object in properties.log. */
function unwrapEnvelope(value: JsonObject): unknown {
  if (value.auditID !== undefined) return value;
  const props = value.properties;
  if (!isPlainObject(props)) return value;
  if (isPlainObject(props.log)) return props.log;
  if (typeof props.log === "string") {
    try {
      return JSON.parse(props.log);
    } catch {
      return value;
    }
  }
  return value;
}

/** How a JSON value is named in a message ("a number", "null", …). */
function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** Why an optional string field is unacceptable, or undefined when it is absent or a string. */
function badOptionalString(value: unknown): string | undefined {
  return value === undefined || typeof value === "string" ? undefined : `is ${kindOf(value)}, not a string`;
}

/**
 * Checks only what the typed AuditEvent exposes (and the Event's identity): a hand-written check
 * instead of a schema library walking the whole object, because it runs on every line of logs of
 * millions of events. The first problem found is the reason given, path first ("stage is missing",
 * "kind: is not \"Event\"").
 */
function eventProblem(e: JsonObject): string | undefined {
  if (e.kind !== undefined && e.kind !== "Event") return 'kind: is not "Event"';
  const apiVersion = e.apiVersion;
  if (apiVersion !== undefined) {
    if (typeof apiVersion !== "string") return `apiVersion: is ${kindOf(apiVersion)}, not a string`;
    if (!apiVersion.startsWith("audit.k8s.io/")) return "apiVersion: is not audit.k8s.io/*";
  }
  for (const key of ["auditID", "stage", "verb", "requestURI"] as const) {
    const v = e[key];
    if (v === undefined) return `${key} is missing`;
    if (typeof v !== "string") return `${key}: is ${kindOf(v)}, not a string`;
  }
  if (e.auditID === "") return "auditID: is empty";
  const user = e.user;
  if (user !== undefined) {
    if (!isPlainObject(user)) return `user: is ${kindOf(user)}, not an object`;
    const bad = badOptionalString(user.username);
    if (bad !== undefined) return `user.username: ${bad}`;
    const groups = user.groups;
    if (groups !== undefined) {
      if (!Array.isArray(groups)) return `user.groups: is ${kindOf(groups)}, not an array`;
      for (let i = 0; i < groups.length; i++) {
        if (typeof groups[i] !== "string") return `user.groups.${i}: is ${kindOf(groups[i])}, not a string`;
      }
    }
  }
  const ref = e.objectRef;
  if (ref !== undefined) {
    if (!isPlainObject(ref)) return `objectRef: is ${kindOf(ref)}, not an object`;
    for (const key of OBJECT_REF_KEYS) {
      const bad = badOptionalString(ref[key]);
      if (bad !== undefined) return `objectRef.${key}: ${bad}`;
    }
  }
  const status = e.responseStatus;
  if (status !== undefined) {
    if (!isPlainObject(status)) return `responseStatus: is ${kindOf(status)}, not an object`;
    if (status.code !== undefined && typeof status.code !== "number")
      return `responseStatus.code: is ${kindOf(status.code)}, not a number`;
  }
  for (const key of ["stageTimestamp", "requestReceivedTimestamp"] as const) {
    const bad = badOptionalString(e[key]);
    if (bad !== undefined) return `${key}: ${bad}`;
  }
  return undefined;
}

const OBJECT_REF_KEYS = ["resource", "subresource", "namespace", "name", "apiGroup", "apiVersion"] as const;

/** Validate one parsed JSON value as an audit Event; a string says why it is not one. */
export function toAuditEvent(value: unknown): AuditEvent | string {
  if (!isPlainObject(value)) return `not a JSON object (${Array.isArray(value) ? "array" : typeof value})`;
  const candidate = unwrapEnvelope(value);
  if (!isPlainObject(candidate)) return "not a JSON object";
  if (candidate.auditID === undefined && isPlainObject(candidate.protoPayload)) {
    return "a Google Cloud audit log entry, not an audit.k8s.io Event";
  }
  const problem = eventProblem(candidate);
  if (problem !== undefined) return `not an audit.k8s.io Event: ${problem}`;
  // eventProblem has checked every type below.
  const e = candidate as {
    auditID: string;
    stage: string;
    verb: string;
    requestURI: string;
    user?: { username?: string; groups?: string[] };
    objectRef?: Record<string, string | undefined>;
    responseStatus?: { code?: number };
    stageTimestamp?: string;
    requestReceivedTimestamp?: string;
  };
  const event: AuditEvent = {
    auditID: e.auditID,
    stage: e.stage,
    verb: e.verb,
    requestURI: e.requestURI,
    time: e.stageTimestamp ?? e.requestReceivedTimestamp ?? "",
    raw: candidate,
  };
  if (e.user?.username !== undefined) event.username = e.user.username;
  if (e.user?.groups !== undefined) event.groups = e.user.groups;
  if (e.objectRef !== undefined) {
    const ref: AuditObjectRef = {};
    for (const key of OBJECT_REF_KEYS) {
      const v = e.objectRef[key];
      if (v !== undefined) ref[key] = v;
    }
    event.objectRef = ref;
  }
  if (e.responseStatus?.code !== undefined) event.responseCode = e.responseStatus.code;
  return event;
}

/** Everything one parsed top-level value holds (an array, an EventList's items, or one Event), to onEvent. */
function collectEvents(
  value: unknown,
  origin: EventOrigin,
  problem: (line: number, reason: string) => void,
  onEvent: (event: ReadEvent) => void,
): void {
  let items: unknown[];
  if (Array.isArray(value)) items = value;
  else if (isPlainObject(value) && value.kind === "EventList") {
    if (!Array.isArray(value.items)) {
      problem(origin.line, "EventList without an items array");
      return;
    }
    items = value.items;
  } else {
    const event = toAuditEvent(value);
    if (typeof event === "string") problem(origin.line, event);
    else onEvent({ event, origin });
    return;
  }
  for (let i = 0; i < items.length; i++) {
    const event = toAuditEvent(items[i]);
    if (typeof event === "string") problem(origin.line, `item ${i}: ${event}`);
    else onEvent({ event, origin });
  }
}

/**
 * Splits multi-line JSON (pretty-printed documents, arrays) into top-level values by tracking
 * nesting outside strings; a top-level array's elements come out one by one so a large array is
 * never held whole. Fed one line at a time.
 */
class JsonValueSplitter {
  private depth = 0;
  private inString = false;
  private escaped = false;
  private parts: string[] = [];
  private size = 0;
  private startLine = 0;
  /** The input is one top-level array whose elements are the values. */
  private inArray = false;
  private arrayClosed = false;
  private tooLong = false;

  constructor(
    private readonly maxBytes: number,
    private readonly emit: (text: string, line: number) => void,
    private readonly problem: (line: number, reason: string) => void,
  ) {}

  feed(line: string, lineNo: number): void {
    // The depth at which values start: 0 for concatenated documents, 1 inside the top-level array.
    const base = this.inArray ? 1 : 0;
    let start = -1;
    for (let i = 0; i < line.length; i++) {
      const c = line.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 0x5c) this.escaped = true;
        else if (c === 0x22) this.inString = false;
        continue;
      }
      if (this.depth === base && this.parts.length === 0 && start < 0) {
        // Between values.
        if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x2c) continue;
        if (this.inArray && c === 0x5d) {
          this.inArray = false;
          this.arrayClosed = true;
          this.depth = 0;
          continue;
        }
        if (!this.inArray && !this.arrayClosed && this.depth === 0 && c === 0x5b && !this.seenValue) {
          this.inArray = true;
          this.depth = 1;
          this.seenValue = true;
          this.feed(line.slice(i + 1), lineNo);
          return;
        }
        if (c !== 0x7b && c !== 0x5b) {
          this.problem(lineNo, `unexpected ${JSON.stringify(line.slice(i, i + 20))} between JSON values`);
          return;
        }
        this.seenValue = true;
        start = i;
        this.startLine = lineNo;
      }
      if (c === 0x22) this.inString = true;
      else if (c === 0x7b || c === 0x5b) this.depth++;
      else if (c === 0x7d || c === 0x5d) {
        this.depth--;
        if (this.depth === base) {
          this.append(line.slice(Math.max(start, 0), i + 1));
          this.finish();
          start = -1;
        }
      }
    }
    if (start >= 0 || this.parts.length > 0) {
      this.append(`${line.slice(Math.max(start, 0))}\n`);
      if (this.inString) {
        // A raw newline cannot be inside a JSON string: the value is broken. Resynchronise.
        this.problem(this.startLine, "unterminated string in JSON value");
        this.reset();
      }
    }
  }

  private seenValue = false;

  private append(text: string): void {
    if (this.tooLong) return;
    this.size += text.length;
    if (this.size > this.maxBytes) {
      this.tooLong = true;
      this.parts = [""];
      return;
    }
    this.parts.push(text);
  }

  private finish(): void {
    if (this.tooLong) this.problem(this.startLine, `JSON value longer than ${this.maxBytes} bytes`);
    else this.emit(this.parts.join(""), this.startLine);
    this.reset();
  }

  private reset(): void {
    this.parts = [];
    this.size = 0;
    this.tooLong = false;
    this.inString = false;
    this.escaped = false;
    this.depth = this.inArray ? 1 : 0;
  }

  end(): void {
    if (this.parts.length > 0) this.problem(this.startLine, "input ends inside a JSON value (truncated?)");
    else if (this.inArray) this.problem(this.startLine || 1, "input ends inside the top-level JSON array");
  }
}

/**
 * Splits a byte stream into lines, each at most maxBytes (longer ones are reported and skipped).
 * Synchronous and per chunk: a line inside a chunk is decoded straight from the chunk (no per-line
 * Buffer); only a line that spans chunks is assembled from pieces. Each line is handed on at once,
 * so what is parsed from it dies young (batching parsed events per chunk made them survive a
 * scavenge and doubled the GC time).
 */
class LineSplitter {
  private carry: Buffer[] = [];
  private carryLen = 0;
  private skipping = false;
  private lineNo = 0;
  private first = true;

  constructor(
    private readonly maxBytes: number,
    private readonly problem: (line: number, reason: string) => void,
    private readonly onLine: (line: string, lineNo: number) => void,
  ) {}

  push(buf: Buffer): void {
    const last = buf.lastIndexOf(0x0a);
    if (last < 0) {
      this.hold(buf, 0, buf.length);
      return;
    }
    let pos = 0;
    if (this.carryLen > 0 || this.skipping) {
      const nl = buf.indexOf(0x0a);
      this.hold(buf, 0, nl);
      this.lineNo++;
      if (this.skipping) {
        this.problem(this.lineNo, `line longer than ${this.maxBytes} bytes`);
        this.skipping = false;
      } else {
        this.emit(Buffer.concat(this.carry, this.carryLen).toString("utf8"), this.lineNo);
      }
      this.carry = [];
      this.carryLen = 0;
      pos = nl + 1;
    }
    while (pos <= last) {
      const nl = buf.indexOf(0x0a, pos);
      this.lineNo++;
      if (nl - pos > this.maxBytes) this.problem(this.lineNo, `line longer than ${this.maxBytes} bytes`);
      else this.emit(buf.toString("utf8", pos, nl), this.lineNo);
      pos = nl + 1;
    }
    if (last + 1 < buf.length) this.hold(buf, last + 1, buf.length);
  }

  end(): void {
    if (this.skipping) this.problem(this.lineNo + 1, `line longer than ${this.maxBytes} bytes`);
    else if (this.carryLen > 0) {
      this.lineNo++;
      this.emit(Buffer.concat(this.carry, this.carryLen).toString("utf8"), this.lineNo);
    }
    this.carry = [];
    this.carryLen = 0;
  }

  /** Keeps bytes of an unfinished line (or drops them once it is too long). */
  private hold(buf: Buffer, from: number, to: number): void {
    if (this.skipping || to === from) return;
    if (this.carryLen + (to - from) > this.maxBytes) {
      this.skipping = true;
      this.carry = [];
      this.carryLen = 0;
      return;
    }
    this.carry.push(buf.subarray(from, to));
    this.carryLen += to - from;
  }

  private emit(line: string, lineNo: number): void {
    let text = line;
    if (this.first) {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (text.charCodeAt(text.length - 1) === 0x0d) text = text.slice(0, -1);
    this.onLine(text, lineNo);
  }
}

/** The stream, gunzipped when it starts with the gzip magic (1f 8b). */
async function* decompressed(chunks: AsyncIterable<Uint8Array>, source: string): AsyncGenerator<Uint8Array> {
  const iterator = chunks[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let headLen = 0;
  while (headLen < 2) {
    const next = await iterator.next();
    if (next.done) break;
    head.push(next.value);
    headLen += next.value.byteLength;
  }
  const rest: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => iterator,
  };
  const first = head.length > 0 ? Buffer.concat(head) : Buffer.alloc(0);
  if (!(first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b)) {
    if (first.length > 0) yield first;
    yield* rest;
    return;
  }
  const gunzip = createGunzip();
  const feed = (async () => {
    try {
      if (!gunzip.write(first)) await new Promise((r) => gunzip.once("drain", r));
      for await (const chunk of rest) {
        if (gunzip.destroyed) return;
        if (!gunzip.write(chunk)) await new Promise((r) => gunzip.once("drain", r));
      }
      gunzip.end();
    } catch (err) {
      gunzip.destroy(err instanceof Error ? err : new Error(String(err)));
    }
  })();
  try {
    for await (const out of gunzip) yield out as Buffer;
  } catch (err) {
    throw new ShipshapeError("input", `${source}: not a readable gzip stream (${describeError(err)})`, {
      cause: err,
    });
  } finally {
    gunzip.destroy();
    await feed;
  }
}

/**
 * Turns lines into events: JSON lines, or (when the first non-blank line opens a document without
 * closing it) multi-line JSON through JsonValueSplitter. Each event goes to `onEvent` as soon as
 * its line is parsed.
 */
class EventLineReader {
  private splitter: JsonValueSplitter | undefined;
  private decided = false;
  readonly lines: LineSplitter;

  constructor(
    private readonly source: string,
    private readonly maxBytes: number,
    private readonly problem: (line: number, reason: string) => void,
    private readonly onEvent: (event: ReadEvent) => void,
  ) {
    this.lines = new LineSplitter(maxBytes, problem, (line, lineNo) => this.line(line, lineNo));
  }

  end(): void {
    this.lines.end();
    this.splitter?.end();
  }

  private line(line: string, lineNo: number): void {
    if (this.splitter) {
      this.splitter.feed(line, lineNo);
      return;
    }
    // Most lines have nothing to trim: skip the call then.
    const trimmed =
      line.length > 0 && line.charCodeAt(0) > 0x20 && line.charCodeAt(line.length - 1) > 0x20
        ? line
        : line.trim();
    if (trimmed === "") return;
    if (!this.decided) {
      this.decided = true;
      if (trimmed === "{" || (trimmed.startsWith("[") && !parses(trimmed))) {
        this.splitter = new JsonValueSplitter(this.maxBytes, (t, l) => this.text(t, l), this.problem);
        this.splitter.feed(line, lineNo);
        return;
      }
    }
    this.text(trimmed, lineNo);
  }

  private text(text: string, line: number): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      this.problem(line, `not JSON (${describeError(err)})`);
      return;
    }
    collectEvents(value, { source: this.source, line }, this.problem, this.onEvent);
  }
}

export interface EventScanOptions extends EventInputOptions {
  /** Awaited after each chunk read (e.g. to wait for a full output pipe to drain). */
  afterChunk?: () => Promise<void> | undefined;
}

/**
 * The fast way to read: every Event of a byte stream is passed to `onEvent` as soon as its line is
 * parsed (synchronously, in order; no promise or generator step per event). Bad lines go to
 * options.onProblem as they are met. Resolves at the end of the stream; rejects (a ShipshapeError)
 * only when the stream itself cannot be read.
 */
export async function scanAuditEvents(
  chunks: AsyncIterable<Uint8Array>,
  options: EventScanOptions,
  onEvent: (event: ReadEvent) => void,
): Promise<void> {
  const source = options.source ?? "input";
  const maxBytes = options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
  const onProblem = options.onProblem;
  const problem = (line: number, reason: string) => onProblem?.({ source, line, reason });
  const reader = new EventLineReader(source, maxBytes, problem, onEvent);
  for await (const chunk of decompressed(chunks, source)) {
    reader.lines.push(
      Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength),
    );
    const wait = options.afterChunk?.();
    if (wait !== undefined) await wait;
  }
  reader.end();
}

/**
 * Audit Events from a byte stream, in order, an array per chunk read. Bad lines go to
 * options.onProblem; the generator only throws (a ShipshapeError) when the stream itself cannot
 * be read.
 */
export async function* readAuditEventBatches(
  chunks: AsyncIterable<Uint8Array>,
  options: EventInputOptions = {},
): AsyncGenerator<ReadEvent[]> {
  let batch: ReadEvent[] = [];
  const source = options.source ?? "input";
  const maxBytes = options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
  const onProblem = options.onProblem;
  const problem = (line: number, reason: string) => onProblem?.({ source, line, reason });
  const reader = new EventLineReader(source, maxBytes, problem, (e) => batch.push(e));
  for await (const chunk of decompressed(chunks, source)) {
    reader.lines.push(
      Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength),
    );
    if (batch.length > 0) {
      yield batch;
      batch = [];
    }
  }
  reader.end();
  if (batch.length > 0) yield batch;
}

/**
 * Audit Events from a byte stream, in order, one at a time. Bad lines go to options.onProblem; the
 * generator only throws (a ShipshapeError) when the stream itself cannot be read.
 */
export async function* readAuditEvents(
  chunks: AsyncIterable<Uint8Array>,
  options: EventInputOptions = {},
): AsyncGenerator<ReadEvent> {
  for await (const batch of readAuditEventBatches(chunks, options)) yield* batch;
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** readAuditEvents over a buffer held in memory (e.g. a webhook POST body). */
export async function parseAuditEvents(
  bytes: Uint8Array | string,
  options: Omit<EventInputOptions, "onProblem"> = {},
): Promise<{ events: ReadEvent[]; problems: EventInputProblem[] }> {
  const problems: EventInputProblem[] = [];
  const events: ReadEvent[] = [];
  const buf = typeof bytes === "string" ? Buffer.from(bytes, "utf8") : bytes;
  async function* one() {
    yield buf;
  }
  for await (const e of readAuditEvents(one(), { ...options, onProblem: (p) => problems.push(p) })) {
    events.push(e);
  }
  return { events, problems };
}

/** The bytes of an audit log file, or of stdin for "-". Missing or unreadable files are input errors. */
export async function openAuditInput(
  path: string,
): Promise<{ name: string; chunks: AsyncIterable<Uint8Array> }> {
  if (path === "-") return { name: "stdin", chunks: process.stdin };
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new ShipshapeError("input", `${path}: is a directory, not an audit log`);
  } catch (err) {
    if (err instanceof ShipshapeError) throw err;
    throw new ShipshapeError("input", `${path}: cannot read the audit log (${describeError(err)})`, {
      cause: err,
    });
  }
  const stream = createReadStream(path, { highWaterMark: 256 * 1024 });
  async function* guarded() {
    try {
      yield* stream;
    } catch (err) {
      throw new ShipshapeError("input", `${path}: cannot read the audit log (${describeError(err)})`, {
        cause: err,
      });
    }
  }
  return { name: path, chunks: guarded() };
}
