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
  private readonly cache: (FieldValue | typeof MISSING)[];
  private rawtimeNs?: bigint;

  constructor(event: AuditEvent, slots: number) {
    this.event = event;
    this.raw = event.raw;
    this.cache = new Array<FieldValue | typeof MISSING>(slots).fill(MISSING);
  }

  /** The field in `slot`, extracted on first use. */
  get(slot: number, extract: (ctx: EventContext) => FieldValue): FieldValue {
    const cached = this.cache[slot];
    if (cached !== MISSING) return cached;
    const value = extract(this);
    this.cache[slot] = value;
    return value;
  }

  /**
   * The event time in nanoseconds since the epoch (stageTimestamp, else requestReceivedTimestamp).
   * The k8saudit plugin stamps events without a parseable time with the time it read them; so do we,
   * which keeps `jevt.rawtime exists` (Falco's "always true") true for every event.
   */
  rawtime(): bigint {
    if (this.rawtimeNs === undefined) this.rawtimeNs = parseRfc3339Nanos(this.event.time) ?? nowNanos();
    return this.rawtimeNs;
  }
}

const MISSING: unique symbol = Symbol("missing");

function nowNanos(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

/** RFC 3339 with up to nanosecond precision → ns since the epoch, or undefined. */
export function parseRfc3339Nanos(text: string): bigint | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/i.exec(text);
  if (!m) return undefined;
  const seconds = Date.parse(`${m[1]}${m[3]!.toUpperCase()}`);
  if (Number.isNaN(seconds)) return undefined;
  const frac = (m[2] ?? "").padEnd(9, "0");
  return BigInt(seconds) * 1_000_000n + BigInt(frac);
}

/** ns since the epoch → RFC 3339 UTC with nanoseconds. */
export function formatNanos(ns: bigint): string {
  const ms = ns / 1_000_000n;
  const iso = new Date(Number(ms)).toISOString(); // …SS.mmmZ
  const nanos = (ns % 1_000_000_000n).toString().padStart(9, "0");
  return `${iso.slice(0, 19)}.${nanos}Z`;
}
