/** AuditEvents for rule tests, from a recorded event's JSON or from a few fields of a made-up one. */
import type { AuditEvent } from "../../src/audit/event.js";

/** A recorded audit.k8s.io/v1 Event as the engine sees it (its time is stageTimestamp). */
export function recordedEvent(raw: Record<string, unknown>): AuditEvent {
  return {
    auditID: String(raw.auditID),
    stage: String(raw.stage),
    verb: String(raw.verb),
    requestURI: String(raw.requestURI),
    time: String(raw.stageTimestamp ?? ""),
    raw: raw as AuditEvent["raw"],
  };
}

/** A made-up event: `raw` over a ResponseComplete GET of /x, at a fixed nanosecond time. */
export function madeUpEvent(raw: Record<string, unknown>): AuditEvent {
  const full = { auditID: "id-1", stage: "ResponseComplete", verb: "get", requestURI: "/x", ...raw };
  return {
    auditID: String(full.auditID),
    stage: String(full.stage),
    verb: String(full.verb),
    requestURI: String(full.requestURI),
    time: "2024-01-02T03:04:05.123456789Z",
    raw: full as AuditEvent["raw"],
  };
}
