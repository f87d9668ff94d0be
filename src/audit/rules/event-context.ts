/**
 * What a compiled condition sees of one event: the raw JSON, the typed event, and a per-event cache
 * so a field many rules test (`ka.target.resource`, `jevt.value[/stage]`) is extracted once.
 */
import type { AuditEvent, JsonObject } from "../event.js";

/** A field's value: a string, a list of strings, or undefined when the event does not have it. */
export type FieldValue = string | readonly string[] | undefined;

export class EventContext {
  readonly raw: JsonObject;
  readonly event: AuditEvent;
  /**
   * The cache: a slot holds the current event's value when its stamp equals `generation`. The
   * engine reuses one context for every event (reset), so evaluating allocates no cache per event.
   */
  private readonly values: FieldValue[];
  private readonly stamps: Uint32Array;
  private generation = 0;
  private rawtimeNs: bigint | undefined;
  /** The event time as whole seconds and nanoseconds (NaN seconds: not read yet). */
  private readonly time: TimeParts = { seconds: Number.NaN, nanos: 0 };

  constructor(event: AuditEvent, slots: number) {
    this.event = event;
    this.raw = event.raw;
    this.values = new Array<FieldValue>(slots).fill(undefined);
    this.stamps = new Uint32Array(slots);
    this.reset(event);
  }

  /** Point the context at another event; every cached field is forgotten. */
  reset(event: AuditEvent): void {
    (this as { event: AuditEvent }).event = event;
    (this as { raw: JsonObject }).raw = event.raw;
    this.rawtimeNs = undefined;
    this.time.seconds = Number.NaN;
    if (++this.generation === 0xffffffff) {
      this.stamps.fill(0);
      this.generation = 1;
    }
  }

  /**
   * The field in `slot`, extracted on first use. A value nested so deep that extracting it exhausts
   * the stack (JSON.stringify of a 100,000-level array, the per-array fan-out of list fields) makes
   * the field unavailable instead of ending the scan. Falco never meets such values: the plugin's
   * parser (valyala/fastjson, MaxDepth 300) refuses the whole event; V8's JSON.parse does not.
   */
  get(slot: number, extract: (ctx: EventContext) => FieldValue): FieldValue {
    if (this.stamps[slot] === this.generation) return this.values[slot];
    let value: FieldValue;
    try {
      value = extract(this);
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      value = undefined;
    }
    this.values[slot] = value;
    this.stamps[slot] = this.generation;
    return value;
  }

  /**
   * The event time in nanoseconds since the epoch (stageTimestamp, else requestReceivedTimestamp).
   * The k8saudit plugin stamps events without a parseable time with the time it read them; so do we,
   * which keeps `jevt.rawtime exists` (Falco's "always true") true for every event.
   */
  rawtime(): bigint {
    if (this.rawtimeNs === undefined) {
      const t = this.timeParts();
      this.rawtimeNs = BigInt(t.seconds) * 1_000_000_000n + BigInt(t.nanos);
    }
    return this.rawtimeNs;
  }

  /**
   * The event time against `seconds`.`nanos` since the epoch: -1, 0 or 1. With numbers, not BigInt:
   * Falco's rules compare `jevt.rawtime` (`k8s_audit_never_true` is `jevt.rawtime=0`) on most events.
   */
  compareRawtime(seconds: number, nanos: number): number {
    const t = this.timeParts();
    if (t.seconds !== seconds) return t.seconds < seconds ? -1 : 1;
    return t.nanos === nanos ? 0 : t.nanos < nanos ? -1 : 1;
  }

  private timeParts(): TimeParts {
    const t = this.time;
    if (Number.isNaN(t.seconds) && !parseRfc3339Into(this.event.time, t)) {
      const ms = Date.now();
      t.seconds = Math.floor(ms / 1000);
      t.nanos = (ms % 1000) * 1_000_000;
    }
    return t;
  }
}

interface TimeParts {
  seconds: number;
  nanos: number;
}

/**
 * RFC 3339 with up to nanosecond precision → ns since the epoch, or undefined, accepting what Go's
 * time.Parse(time.RFC3339Nano) accepts (the plugin's language; checked against Go in the tests):
 * upper-case T and Z, real calendar days, seconds 00–59, 1–9 fraction digits. Read digit by digit
 * (no regular expression, no Date parsing): it runs for every event a time-comparing rule sees.
 */
export function parseRfc3339Nanos(text: string): bigint | undefined {
  const t: TimeParts = { seconds: 0, nanos: 0 };
  return parseRfc3339Into(text, t) ? BigInt(t.seconds) * 1_000_000_000n + BigInt(t.nanos) : undefined;
}

/** parseRfc3339Nanos into `out` (whole seconds since the epoch, and nanoseconds); false if not a time. */
function parseRfc3339Into(text: string, out: TimeParts): boolean {
  const n = text.length;
  if (n < 20) return false;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (year < 0 || month < 1 || day < 1 || hour < 0 || minute < 0 || second < 0) return false;
  if (text[4] !== "-" || text[7] !== "-" || text[13] !== ":" || text[16] !== ":") return false;
  // Go's time.Parse(time.RFC3339Nano) takes only upper-case T and Z.
  if (text[10] !== "T") return false;
  // Go's time.Parse (the plugin's) refuses second 60 as Date.parse does.
  if (month > 12 || hour > 23 || minute > 59 || second > 59) return false;
  if (day > daysIn(year, month)) return false;
  let i = 19;
  let nanos = 0;
  if (text[i] === ".") {
    i++;
    const start = i;
    while (i < n && i - start < 9) {
      const d = text.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      nanos = nanos * 10 + d;
      i++;
    }
    if (i === start) return false;
    for (let k = i - start; k < 9; k++) nanos *= 10;
  }
  let offsetMinutes = 0;
  const z = text.charCodeAt(i);
  if (z === 0x5a) {
    if (i + 1 !== n) return false;
  } else if (z === 0x2b || z === 0x2d) {
    const oh = digits(text, i + 1, 2);
    const om = digits(text, i + 4, 2);
    if (i + 6 !== n || text[i + 3] !== ":" || oh < 0 || om < 0 || oh > 23 || om > 59) return false;
    offsetMinutes = (z === 0x2d ? -1 : 1) * (oh * 60 + om);
  } else return false;
  const seconds = daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
  out.seconds = seconds - offsetMinutes * 60;
  out.nanos = nanos;
  return true;
}

/** The whole number written by `count` ASCII digits at `at`, or -1. */
function digits(text: string, at: number, count: number): number {
  let v = 0;
  for (let i = at; i < at + count; i++) {
    const d = text.charCodeAt(i) - 48;
    if (!(d >= 0 && d <= 9)) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** ns since the epoch → RFC 3339 UTC with nanoseconds. */
export function formatNanos(ns: bigint): string {
  const ms = ns / 1_000_000n;
  const iso = new Date(Number(ms)).toISOString(); // …SS.mmmZ
  const nanos = (ns % 1_000_000_000n).toString().padStart(9, "0");
  return `${iso.slice(0, 19)}.${nanos}Z`;
}
