/**
 * A Kubernetes `audit.k8s.io/v1` Event as shipshape's audit layer sees it: the handful of typed
 * fields that every consumer (rule engine, store, query) needs, and the raw JSON object for
 * everything else (rule fields such as `jevt.value[/requestObject/spec]` read it directly).
 */

/** Any JSON value, as JSON.parse returns it. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface AuditObjectRef {
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  apiGroup?: string;
  apiVersion?: string;
}

export interface AuditEvent {
  auditID: string;
  /** RequestReceived | ResponseStarted | ResponseComplete | Panic */
  stage: string;
  verb: string;
  requestURI: string;
  username?: string;
  groups?: string[];
  objectRef?: AuditObjectRef;
  /** HTTP status code of the response, when the stage has one. */
  responseCode?: number;
  /** stageTimestamp, else requestReceivedTimestamp (RFC 3339, as the apiserver wrote it); "" if neither. */
  time: string;
  /** The whole Event object as read (after unwrapping an AKS diagnostic-log envelope). */
  raw: JsonObject;
}

/** Where an event came from, for messages and stores: the input's name and the line it started on. */
export interface EventOrigin {
  source: string;
  line: number;
}
