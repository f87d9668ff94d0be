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
 *   parseAuditEvents(bytes, options)   the same for a buffer held in memory (webhook bodies)
 *   openAuditInput(path)               the byte stream of a file, or stdin for "-"
 *   toAuditEvent(value)                validate one parsed JSON value into an AuditEvent
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createGunzip } from "node:zlib";
import * as v from "valibot";
import { describeError, ShipshapeError } from "../errors.js";
import type { AuditEvent, EventOrigin, JsonObject } from "./event.js";

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

const optionalString = v.optional(v.string());

const EventSchema = v.looseObject({
  kind: v.optional(v.literal("Event", 'is not "Event"')),
  apiVersion: v.optional(v.pipe(v.string(), v.startsWith("audit.k8s.io/", "is not audit.k8s.io/*"))),
  auditID: v.pipe(v.string(), v.minLength(1, "is empty")),
  stage: v.string(),
  verb: v.string(),
  requestURI: v.string(),
  user: v.optional(
    v.looseObject({
      username: optionalString,
      groups: v.optional(v.array(v.string())),
    }),
  ),
  objectRef: v.optional(
    v.looseObject({
      resource: optionalString,
      subresource: optionalString,
      namespace: optionalString,
      name: optionalString,
      apiGroup: optionalString,
      apiVersion: optionalString,
    }),
  ),
  responseStatus: v.optional(v.looseObject({ code: v.optional(v.number()) })),
  stageTimestamp: optionalString,
  requestReceivedTimestamp: optionalString,
});

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

/** Validate one parsed JSON value as an audit Event; a string says why it is not one. */
export function toAuditEvent(value: unknown): AuditEvent | string {
  if (!isPlainObject(value)) return `not a JSON object (${Array.isArray(value) ? "array" : typeof value})`;
  const candidate = unwrapEnvelope(value);
  if (!isPlainObject(candidate)) return "not a JSON object";
  if (candidate.auditID === undefined && isPlainObject(candidate.protoPayload)) {
    return "a Google Cloud audit log entry, not an audit.k8s.io Event";
  }
  const parsed = v.safeParse(EventSchema, candidate);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = issue.path?.map((p) => String(p.key)).join(".") ?? "";
    const what = issue.input === undefined ? `${path} is missing` : `${path}: ${issue.message}`;
    return `not an audit.k8s.io Event: ${path === "" ? issue.message : what}`;
  }
  const e = parsed.output;
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
    const { resource, subresource, namespace, name, apiGroup, apiVersion } = e.objectRef;
    event.objectRef = { resource, subresource, namespace, name, apiGroup, apiVersion };
    for (const key of Object.keys(event.objectRef) as (keyof typeof event.objectRef)[]) {
      if (event.objectRef[key] === undefined) delete event.objectRef[key];
    }
  }
  if (e.responseStatus?.code !== undefined) event.responseCode = e.responseStatus.code;
  return event;
}

/** Everything one parsed top-level value holds: an array, an EventList's items, or one Event. */
function* eventsOf(value: unknown, origin: EventOrigin, problem: (line: number, reason: string) => void) {
  let items: unknown[];
  if (Array.isArray(value)) items = value;
  else if (isPlainObject(value) && value.kind === "EventList") {
    if (!Array.isArray(value.items)) {
      problem(origin.line, "EventList without an items array");
      return;
    }
    items = value.items;
  } else items = [value];
  for (const [i, item] of items.entries()) {
    const event = toAuditEvent(item);
    if (typeof event === "string") {
      problem(origin.line, items.length > 1 || item !== value ? `item ${i}: ${event}` : event);
    } else yield { event, origin } satisfies ReadEvent;
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

/** Lines of a byte stream, each at most maxBytes (longer ones are reported and skipped). */
async function* linesOf(
  chunks: AsyncIterable<Uint8Array>,
  maxBytes: number,
  problem: (line: number, reason: string) => void,
): AsyncGenerator<[string, number]> {
  let pending: Buffer[] = [];
  let pendingLen = 0;
  let skipping = false;
  let lineNo = 0;
  let first = true;
  const take = (buf: Buffer): string => {
    let text = buf.toString("utf8");
    if (first) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    return text.endsWith("\r") ? text.slice(0, -1) : text;
  };
  for await (const chunk of chunks) {
    const buf = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let pos = 0;
    while (pos < buf.length) {
      const nl = buf.indexOf(0x0a, pos);
      const end = nl < 0 ? buf.length : nl;
      if (!skipping) {
        if (pendingLen + (end - pos) > maxBytes) {
          skipping = true;
          pending = [];
          pendingLen = 0;
        } else if (nl >= 0 && pendingLen === 0) {
          lineNo++;
          yield [take(buf.subarray(pos, end)), lineNo];
        } else {
          pending.push(buf.subarray(pos, end));
          pendingLen += end - pos;
          if (nl >= 0) {
            lineNo++;
            const line = take(Buffer.concat(pending, pendingLen));
            pending = [];
            pendingLen = 0;
            yield [line, lineNo];
          }
        }
      }
      if (nl < 0) break;
      if (skipping) {
        lineNo++;
        problem(lineNo, `line longer than ${maxBytes} bytes`);
        skipping = false;
      }
      pos = nl + 1;
    }
  }
  if (skipping) problem(lineNo + 1, `line longer than ${maxBytes} bytes`);
  else if (pendingLen > 0) yield [take(Buffer.concat(pending, pendingLen)), lineNo + 1];
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
 * Audit Events from a byte stream, in order. Bad lines go to options.onProblem; the generator only
 * throws (a ShipshapeError) when the stream itself cannot be read.
 */
export async function* readAuditEvents(
  chunks: AsyncIterable<Uint8Array>,
  options: EventInputOptions = {},
): AsyncGenerator<ReadEvent> {
  const source = options.source ?? "input";
  const maxBytes = options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
  const problem = (line: number, reason: string) => options.onProblem?.({ source, line, reason });
  const queue: ReadEvent[] = [];
  const handleText = (text: string, line: number) => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      problem(line, `not JSON (${describeError(err)})`);
      return;
    }
    for (const e of eventsOf(value, { source, line }, problem)) queue.push(e);
  };
  // Multi-line mode starts when the first non-blank line opens a document without closing it.
  let splitter: JsonValueSplitter | undefined;
  let decided = false;
  for await (const [line, lineNo] of linesOf(decompressed(chunks, source), maxBytes, problem)) {
    if (splitter) {
      splitter.feed(line, lineNo);
    } else {
      const trimmed = line.trim();
      if (trimmed === "") continue;
      if (!decided) {
        decided = true;
        if (trimmed === "{" || (trimmed.startsWith("[") && !parses(trimmed))) {
          splitter = new JsonValueSplitter(maxBytes, handleText, problem);
          splitter.feed(line, lineNo);
          yield* queue.splice(0);
          continue;
        }
      }
      handleText(trimmed, lineNo);
    }
    if (queue.length > 0) yield* queue.splice(0);
  }
  splitter?.end();
  if (queue.length > 0) yield* queue.splice(0);
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
