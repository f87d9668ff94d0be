/**
 * "Who did what to what, how" for an auditd event, from the normalized event's summary (see
 * normalize.ts), for the store's query output: from the event's records as log lines (what the
 * store keeps), and as one line of text.
 */
import type { AuditdEvent } from "./assembler.js";
import { type NormalizedAuditdEvent, normalizeAuditdEvent } from "./normalize.js";
import { type AuditdRecord, parseAuditdLine } from "./record.js";

export type AuditdSummary = NormalizedAuditdEvent["summary"];

/** The summary of one event's records (log lines); undefined when they do not read as one event. */
export function summarizeAuditdLines(lines: readonly string[]): AuditdSummary | undefined {
  const records: AuditdRecord[] = [];
  for (const line of lines) {
    const r = parseAuditdLine(line);
    if (!r) return undefined;
    records.push(r);
  }
  const first = records[0];
  if (!first) return undefined;
  const event: AuditdEvent = { sequence: first.sequence, time: first.time, records };
  const out = normalizeAuditdEvent(event);
  return "error" in out ? undefined : out.event.summary;
}

/** `1000 as root: executed file /usr/bin/ls via /usr/bin/bash` (parts that are unknown left out). */
export function summaryText(s: AuditdSummary): string {
  const actor = [s.actor.primary, s.actor.secondary !== undefined ? `as ${s.actor.secondary}` : undefined]
    .filter((p) => p !== undefined)
    .join(" ");
  const object = [s.object.type, s.object.primary, s.object.secondary]
    .filter((p) => p !== undefined)
    .join(" ");
  const what = [s.action ?? "did", object].filter((p) => p !== "").join(" ");
  const how = s.how !== undefined ? ` via ${s.how}` : "";
  return `${actor === "" ? "?" : actor}: ${what}${how}`;
}
