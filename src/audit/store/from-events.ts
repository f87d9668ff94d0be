/**
 * Rows for the store from what the readers produce: a Kubernetes AuditEvent (who, verb, what,
 * where, from its typed fields), an auditd event (auid or its enriched name as the user, the syscall
 * or record kind as the verb, the executable as the name, the node as the namespace), and an alert
 * line of the `audit scan` contract (`{rule, priority, time, output, auditID}`).
 */
import type { AuditdEventFields } from "../auditd/event-fields.js";
import type { AuditEvent } from "../event.js";
import type { StoredAlert, StoredEvent } from "./records.js";

/** RFC 3339 → ms; undefined when unparseable. */
export function parseTime(text: string): number | undefined {
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

export function storedK8sEvent(event: AuditEvent, receivedAt: number): StoredEvent {
  const row: StoredEvent = {
    id: event.auditID,
    stage: event.stage,
    source: "k8s",
    // An event without a readable time is stored at the time it was received (as Falco stamps it).
    time: parseTime(event.time) ?? receivedAt,
    verb: event.verb,
    raw: JSON.stringify(event.raw),
  };
  if (event.username !== undefined) row.user = event.username;
  const ref = event.objectRef;
  if (ref?.resource !== undefined) row.resource = ref.resource;
  if (ref?.subresource !== undefined) row.subresource = ref.subresource;
  if (ref?.namespace !== undefined) row.namespace = ref.namespace;
  if (ref?.name !== undefined) row.name = ref.name;
  if (event.responseCode !== undefined) row.responseCode = event.responseCode;
  return row;
}

export function storedAuditdEvent(fields: AuditdEventFields, raw: string): StoredEvent {
  const row: StoredEvent = {
    id: fields.id,
    stage: "",
    source: "auditd",
    time: fields.time,
    verb: fields.syscall ?? fields.kind.toLowerCase(),
    resource: fields.kind.toLowerCase(),
    raw,
  };
  const user = fields.names.AUID ?? fields.auid ?? fields.acct;
  if (user !== undefined) row.user = user;
  if (fields.node !== undefined) row.namespace = fields.node;
  if (fields.exe !== undefined) row.name = fields.exe;
  return row;
}

export interface AlertLine {
  rule: string;
  priority: string;
  time: string;
  output: string;
  auditID: string;
}

/** An alert with the who/what of its event copied, for queries without a join. */
export function storedAlert(
  alert: AlertLine,
  event: StoredEvent | undefined,
  receivedAt: number,
): StoredAlert {
  const row: StoredAlert = {
    rule: alert.rule,
    priority: alert.priority,
    time: parseTime(alert.time) ?? event?.time ?? receivedAt,
    output: alert.output,
    auditID: alert.auditID,
    source: event?.source ?? "k8s",
  };
  if (event?.user !== undefined) row.user = event.user;
  if (event?.verb !== undefined) row.verb = event.verb;
  if (event?.resource !== undefined) row.resource = event.resource;
  if (event?.namespace !== undefined) row.namespace = event.namespace;
  return row;
}
