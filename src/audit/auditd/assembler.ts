/**
 * Groups auditd records into events by serial number, streaming with bounded memory. An event is
 * complete when its EOE record arrives, when a record that ends an event arrives (PROCTITLE, or any
 * standalone userspace/daemon record), when more than `maxInFlight` events are open (oldest first),
 * or when it is older than `timeoutMs` by the newest record's clock. Records of interleaved events
 * are sorted into their own events; serial numbers may wrap (2^32). Gaps in the serials of completed
 * events are counted as lost events (as elastic/go-libaudit's reassembler counts them).
 */
import { EOE_TYPE, PROCTITLE_TYPE } from "./lookup.js";
import type { AuditdRecord } from "./record.js";

export interface AuditdEvent {
  sequence: number;
  /** Time of the event's first record, ms since the epoch. */
  time: number;
  node?: string;
  /**
   * 2, 3 … when records of an already completed serial arrive later (reordered past the limits):
   * the continuation is its own event, told apart from the first part.
   */
  part?: number;
  /** The records in arrival order (EOE excluded). */
  records: AuditdRecord[];
}

export interface AssemblerOptions {
  /** Most events held open at once (default 64). */
  maxInFlight?: number;
  /**
   * An open event older than this by the log's own clock (the newest record's time) is complete
   * (default 30 s: records of one event are written together, so only a stalled or reordered
   * stream waits that long; maxInFlight bounds memory meanwhile).
   */
  timeoutMs?: number;
  /** Most records one event may hold; further ones are dropped and counted (default 4096). */
  maxRecordsPerEvent?: number;
  /** Most record text held in open events; past it the oldest are completed (default 64 MiB). */
  maxBytesInFlight?: number;
}

interface OpenEvent {
  event: AuditdEvent;
  complete: boolean;
  bytes: number;
}

// Serials further apart than this are taken to have wrapped (as go-libaudit's reassembler does).
const MAX_SORT_RANGE = 2 ** 24 - 1;

function before(a: number, b: number): boolean {
  return Math.abs(a - b) > MAX_SORT_RANGE ? a > b : a < b;
}

export class AuditdEventAssembler {
  private readonly maxInFlight: number;
  private readonly timeoutMs: number;
  private readonly maxRecords: number;
  private readonly maxBytes: number;
  private bytesInFlight = 0;
  private readonly open = new Map<number, OpenEvent>();
  /** Open serials, oldest first. */
  private order: number[] = [];
  private lastSequence = 0;
  /** Recently completed serials and how many parts each had (bounded: the last 1024). */
  private readonly completed = new Map<number, number>();
  private newestTime = 0;
  /** Events never seen, by gaps in the serials. */
  lost = 0;
  /** Records dropped because their event already held maxRecordsPerEvent. */
  droppedRecords = 0;

  constructor(options: AssemblerOptions = {}) {
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 64);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxRecords = options.maxRecordsPerEvent ?? 4096;
    this.maxBytes = options.maxBytesInFlight ?? 64 * 1024 * 1024;
  }

  /** Adds a record; returns the events it completed, in serial order. */
  push(record: AuditdRecord): AuditdEvent[] {
    if (record.time > this.newestTime) this.newestTime = record.time;
    const found = this.open.get(record.sequence);
    if (record.typeInfo.number === EOE_TYPE) {
      if (found) found.complete = true;
      return this.evict(false);
    }
    let entry = found;
    if (!entry) {
      const event: AuditdEvent = { sequence: record.sequence, time: record.time, records: [] };
      if (record.node !== undefined) event.node = record.node;
      const parts = this.completed.get(record.sequence);
      if (parts !== undefined) event.part = parts + 1;
      entry = { event, complete: false, bytes: 0 };
      this.open.set(record.sequence, entry);
      this.insertOrdered(record.sequence);
    }
    if (entry.event.records.length >= this.maxRecords) this.droppedRecords++;
    else {
      entry.event.records.push(record);
      entry.bytes += record.raw.length;
      this.bytesInFlight += record.raw.length;
    }
    if (record.typeInfo.standalone || record.typeInfo.number === PROCTITLE_TYPE) entry.complete = true;
    return this.evict(false);
  }

  /** Completes every open event (end of input). */
  flush(): AuditdEvent[] {
    return this.evict(true);
  }

  get openEvents(): number {
    return this.open.size;
  }

  private insertOrdered(sequence: number): void {
    let i = this.order.length;
    while (i > 0 && before(sequence, this.order[i - 1] as number)) i--;
    this.order.splice(i, 0, sequence);
  }

  private evict(all: boolean): AuditdEvent[] {
    const out: AuditdEvent[] = [];
    while (this.order.length > 0) {
      const sequence = this.order[0] as number;
      const entry = this.open.get(sequence) as OpenEvent;
      const expired = this.newestTime - entry.event.time > this.timeoutMs;
      const crowded = this.order.length > this.maxInFlight || this.bytesInFlight > this.maxBytes;
      if (!(all || entry.complete || crowded || expired)) break;
      if (this.lastSequence > 0) {
        const gap = (sequence - this.lastSequence - 1) >>> 0;
        if (gap <= MAX_SORT_RANGE) this.lost += gap;
      }
      this.lastSequence = sequence;
      this.order.shift();
      this.open.delete(sequence);
      this.bytesInFlight -= entry.bytes;
      this.completed.delete(sequence);
      this.completed.set(sequence, entry.event.part ?? 1);
      if (this.completed.size > 1024) this.completed.delete(this.completed.keys().next().value as number);
      out.push(entry.event);
    }
    return out;
  }
}
