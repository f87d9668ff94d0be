/**
 * The fields a k8s_audit condition or output can use: `ka.*` as the falcosecurity k8saudit plugin
 * extracts them (plugins/k8saudit/pkg/k8saudit/extract.go and the README's field table), and the
 * json plugin's `jevt.*` / `json.*` (value by JSON pointer, whole object, time).
 *
 * Extraction follows the plugin: a missing key makes the field unavailable (every comparison on it
 * is false); a non-string JSON value is rendered as compact JSON (so booleans are "true"/"false" and
 * `ka.req.configmap.obj` is the `data` object as JSON text); list fields give one string per
 * element, with absent per-container values skipped.
 */
import type { JsonValue } from "../event.js";
import type { EventContext, FieldValue } from "./event-context.js";
import { uriQueryParam } from "./uri-query.js";

export type FieldArgKind = "none" | "index" | "key" | "pointer";

export interface FieldSpec {
  name: string;
  /** Whether the field yields a list of values (operators apply as in Falco: `in` = all, `intersects` = any). */
  list: boolean;
  /** uint64 fields compare numerically. */
  numeric?: boolean;
  /**
   * Every event has the field (the event time, the whole object, the source): `exists` on it is
   * true without extracting it. Falco's rules test `jevt.rawtime exists` as "always true" on every
   * event (macro k8s_audit_always_true), so this saves parsing a timestamp per event.
   */
  alwaysPresent?: boolean;
  /** What may go in brackets after the name; `requiredArg` when it must be there. */
  arg: FieldArgKind;
  requiredArg?: boolean;
  /** The field is the event time in ns: comparisons use EventContext.compareRawtime. */
  rawtime?: boolean;
  /** The extractor for a given argument (already validated). */
  make(arg: string | undefined): (ctx: EventContext) => FieldValue;
}

type Json = JsonValue | undefined;

function get(value: Json, ...keys: string[]): Json {
  return getPath(value, keys);
}

/** The value at a fixed path of object keys (no rest-argument array per call: this runs per event). */
function getPath(value: Json, keys: readonly string[]): Json {
  let v = value;
  for (let i = 0; i < keys.length; i++) {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return undefined;
    v = v[keys[i]!];
  }
  return v;
}

/** fastjson's jsonValueAsString: strings as they are, anything else as compact JSON. */
function asString(v: JsonValue): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** The plugin's getValuesRecursive: walks keys, fanning out over arrays; absent leaves are undefined. */
function valuesRecursive(root: Json, index: number | undefined, keys: readonly string[]): Json[] | undefined {
  let v: Json = root;
  for (let i = 0; i < keys.length; i++) {
    if (Array.isArray(v)) {
      if (index === undefined) {
        const out: Json[] = [];
        for (const item of v) {
          const sub = valuesRecursive(item, index, keys.slice(i));
          if (sub === undefined) out.push(undefined);
          else out.push(...sub);
        }
        return out;
      }
      if (index >= v.length) return undefined;
      v = v[index];
    }
    const key = keys[i]!;
    if (key === "") {
      // "" selects the value itself (used for per-volume objects).
      if (v === undefined) return undefined;
      continue;
    }
    v = get(v, key);
    if (v === undefined) return undefined;
  }
  return [v];
}

function skipMissing(values: Json[]): string[] {
  const out: string[] = [];
  for (const v of values) if (v !== undefined) out.push(asString(v));
  return out;
}

/** Every value present, else unavailable (the plugin's arrayAsStrings errors on an absent element). */
function allPresent(values: Json[]): string[] | undefined {
  const out: string[] = [];
  for (const v of values) {
    if (v === undefined) return undefined;
    out.push(asString(v));
  }
  return out;
}

function indexArg(arg: string | undefined): number | undefined {
  return arg === undefined ? undefined : Number(arg);
}

const registry = new Map<string, FieldSpec>();

function scalar(name: string, ...keys: string[]): void {
  registry.set(name, {
    name,
    list: false,
    arg: "none",
    make: () => {
      if (keys.length === 1) {
        // Top-level keys (verb, stage, requestURI, …): the most read fields, one property read.
        const key = keys[0]!;
        return (ctx) => {
          const v = ctx.raw[key];
          return v === undefined ? undefined : typeof v === "string" ? v : asString(v);
        };
      }
      return (ctx) => {
        const v = getPath(ctx.raw, keys);
        return v === undefined ? undefined : typeof v === "string" ? v : asString(v);
      };
    },
  });
}

function listOf(name: string, ...keys: string[]): void {
  registry.set(name, {
    name,
    list: true,
    arg: "none",
    make: () => (ctx) => {
      const v = getPath(ctx.raw, keys);
      return Array.isArray(v) ? v.map(asString) : undefined;
    },
  });
}

function indexed(name: string, extract: (ctx: EventContext, index: number | undefined) => FieldValue): void {
  registry.set(name, {
    name,
    list: true,
    arg: "index",
    make: (arg) => {
      const index = indexArg(arg);
      return (ctx) => extract(ctx, index);
    },
  });
}

// --- request / identity ---------------------------------------------------------------------------
scalar("ka.auditid", "auditID");
scalar("ka.stage", "stage");
scalar("ka.auth.decision", "annotations", "authorization.k8s.io/decision");
scalar("ka.auth.reason", "annotations", "authorization.k8s.io/reason");
// OpenShift's oauth-server and pod-security / admission-policy annotations (README field table).
scalar("ka.auth.openshift.decision", "annotations", "authentication.openshift.io/decision");
scalar("ka.auth.openshift.username", "annotations", "authentication.openshift.io/username");
scalar(
  "ka.validations.admission.policy.failure",
  "annotations",
  "validation.policy.admission.k8s.io/validation_failure",
);
scalar("ka.security.pod.violations", "annotations", "pod-security.kubernetes.io/audit-violations");
scalar("ka.user.name", "user", "username");
listOf("ka.user.groups", "user", "groups");
scalar("ka.impuser.name", "impersonatedUser", "username");
scalar("ka.verb", "verb");
scalar("ka.uri", "requestURI");
scalar("ka.useragent", "userAgent");
// The README's meaning ("the IP addresses of the client"): the Event's sourceIPs. extract.go
// (falcosecurity/plugins 8efcec33) reads it through extractRulesField, i.e. requestObject/rules/
// sourceIPs, which no Event has; shipshape follows the documented meaning.
indexed("ka.sourceips", (ctx, index) => {
  const ips = get(ctx.raw, "sourceIPs");
  if (!Array.isArray(ips)) return undefined;
  if (index === undefined) return skipMissing(ips);
  const one = ips[index];
  return one === undefined ? undefined : [asString(one)];
});
registry.set("ka.uri.param", {
  name: "ka.uri.param",
  list: false,
  arg: "key",
  requiredArg: true,
  make: (arg) => (ctx) => {
    const uri = get(ctx.raw, "requestURI");
    // Go's url.Parse + url.ParseQuery, as the plugin (see uri-query.ts); jsonValueAsString first.
    return uri === undefined ? undefined : uriQueryParam(asString(uri), arg ?? "");
  },
});

// --- target ---------------------------------------------------------------------------------------
scalar("ka.target.name", "objectRef", "name");
scalar("ka.target.namespace", "objectRef", "namespace");
scalar("ka.target.resource", "objectRef", "resource");
scalar("ka.target.subresource", "objectRef", "subresource");
registry.set("ka.target.pod.name", {
  name: "ka.target.pod.name",
  list: false,
  arg: "none",
  make: () => (ctx) => {
    const ref = get(ctx.raw, "objectRef");
    const name = get(ref, "name");
    return get(ref, "resource") === "pods" && name !== undefined ? asString(name) : undefined;
  },
});
scalar("ka.resp.name", "responseObject", "metadata", "name");
scalar("ka.response.code", "responseStatus", "code");
scalar("ka.response.reason", "responseStatus", "reason");

// --- bindings, roles, configmaps, services ---------------------------------------------------------
listOf("ka.req.binding.subjects", "requestObject", "subjects");
scalar("ka.req.binding.role", "requestObject", "roleRef", "name");
function subjectNames(name: string, kind: string, withNamespace = false): void {
  registry.set(name, {
    name,
    list: true,
    arg: "none",
    make: () => (ctx) => {
      const subjects = get(ctx.raw, "requestObject", "subjects");
      if (!Array.isArray(subjects)) return undefined;
      const out: string[] = [];
      for (const s of subjects) {
        if (get(s, "kind") !== kind) continue;
        const n = get(s, "name");
        if (n === undefined) continue;
        const ns = get(s, "namespace");
        out.push(withNamespace ? `${ns === undefined ? "" : asString(ns)}:${asString(n)}` : asString(n));
      }
      return out;
    },
  });
}
subjectNames("ka.req.binding.subjects.user_names", "User");
subjectNames("ka.req.binding.subjects.serviceaccount_names", "ServiceAccount");
subjectNames("ka.req.binding.subjects.serviceaccount_ns_names", "ServiceAccount", true);
subjectNames("ka.req.binding.subjects.group_names", "Group");
registry.set("ka.req.binding.subject.has_name", {
  name: "ka.req.binding.subject.has_name",
  list: false,
  arg: "key",
  requiredArg: true,
  // Deprecated; the plugin answers "true" whatever the key (extract.go's note).
  make: () => () => "true",
});
scalar("ka.req.configmap.name", "objectRef", "name");
scalar("ka.req.configmap.obj", "requestObject", "data");
listOf("ka.req.role.rules", "requestObject", "rules");
for (const [suffix, key] of [
  ["apiGroups", "apiGroups"],
  ["nonResourceURLs", "nonResourceURLs"],
  ["verbs", "verbs"],
  ["resources", "resources"],
] as const) {
  indexed(`ka.req.role.rules.${suffix}`, (ctx, index) => {
    const per = valuesRecursive(ctx.raw, index, ["requestObject", "rules", key]);
    if (per === undefined) return undefined;
    const out: string[] = [];
    for (const v of per) if (Array.isArray(v)) out.push(...skipMissing(v));
    return out;
  });
}
scalar("ka.req.service.type", "requestObject", "spec", "type");
indexed("ka.req.service.ports", (ctx, index) => {
  const v = valuesRecursive(ctx.raw, index, ["requestObject", "spec", "ports"]);
  return v === undefined ? undefined : skipMissing(v);
});

// --- pods -------------------------------------------------------------------------------------------
scalar("ka.req.pod.host_ipc", "requestObject", "spec", "hostIPC");
scalar("ka.req.pod.host_network", "requestObject", "spec", "hostNetwork");
scalar("ka.req.container.host_network", "requestObject", "spec", "hostNetwork");
scalar("ka.req.pod.host_pid", "requestObject", "spec", "hostPID");
scalar("ka.req.pod.run_as_user", "requestObject", "spec", "securityContext", "runAsUser");
scalar("ka.req.pod.run_as_group", "requestObject", "spec", "securityContext", "runAsGroup");
scalar("ka.req.pod.fs_group", "requestObject", "spec", "securityContext", "fsGroup");
listOf("ka.req.pod.supplemental_groups", "requestObject", "spec", "securityContext", "supplementalGroups");

function images(ctx: EventContext, list: string, index: number | undefined): string[] | undefined {
  const v = valuesRecursive(ctx.raw, index, ["requestObject", "spec", list, "image"]);
  return v === undefined ? undefined : allPresent(v);
}

/** readContainerRepositories: the image up to the first ":" then up to the first "@". */
function repository(image: string): string {
  return image.split(":")[0]!.split("@")[0]!;
}

function containerFields(list: "containers" | "initContainers" | "ephemeralContainers"): void {
  const prefix = `ka.req.pod.${list}`;
  indexed(`${prefix}.image`, (ctx, index) => images(ctx, list, index));
  indexed(`${prefix}.image.repository`, (ctx, index) => images(ctx, list, index)?.map(repository));
  const perContainer = (suffix: string, ...keys: string[]) =>
    indexed(`${prefix}.${suffix}`, (ctx, index) => {
      const v = valuesRecursive(ctx.raw, index, ["requestObject", "spec", list, ...keys]);
      return v === undefined ? undefined : skipMissing(v);
    });
  perContainer("name", "name");
  perContainer("command", "command");
  perContainer("args", "args");
  perContainer("privileged", "securityContext", "privileged");
  perContainer("allow_privilege_escalation", "securityContext", "allowPrivilegeEscalation");
  perContainer("read_only_fs", "securityContext", "readOnlyRootFilesystem");
  perContainer("run_as_user", "securityContext", "runAsUser");
  perContainer("run_as_group", "securityContext", "runAsGroup");
  perContainer("proc_mount", "securityContext", "procMount");
  perContainer("add_capabilities", "securityContext", "capabilities", "add");
  for (const [suffix, key] of [
    ["eff_run_as_user", "runAsUser"],
    ["eff_run_as_group", "runAsGroup"],
  ] as const) {
    // The container's own value, else the pod's, else 0 (the README's definition).
    indexed(`${prefix}.${suffix}`, (ctx, index) => {
      const podValue = get(ctx.raw, "requestObject", "spec", "securityContext", key);
      const fallback = podValue === undefined ? "0" : asString(podValue);
      const v = valuesRecursive(ctx.raw, index, ["requestObject", "spec", list, "securityContext", key]);
      return v?.map((x) => (x === undefined ? fallback : asString(x)));
    });
  }
  indexed(`${prefix}.host_port`, (ctx, index) => {
    const per = valuesRecursive(ctx.raw, index, ["requestObject", "spec", list, "ports"]);
    if (per === undefined) return undefined;
    const out: string[] = [];
    for (const ports of per) {
      if (!Array.isArray(ports)) continue;
      for (const p of ports) {
        // When hostNetwork is true, containerPort is the host port.
        const hp = get(p, "hostPort") ?? get(p, "containerPort");
        if (hp !== undefined) out.push(asString(hp));
      }
    }
    return out;
  });
}
containerFields("containers");
containerFields("initContainers");
containerFields("ephemeralContainers");

registry.set("ka.req.container.image", {
  name: "ka.req.container.image",
  list: false,
  arg: "none",
  make: () => (ctx) => images(ctx, "containers", 0)?.[0],
});
registry.set("ka.req.container.image.repository", {
  name: "ka.req.container.image.repository",
  list: false,
  arg: "none",
  make: () => (ctx) => {
    const first = images(ctx, "containers", 0)?.[0];
    return first === undefined ? undefined : repository(first);
  },
});
registry.set("ka.req.container.privileged", {
  name: "ka.req.container.privileged",
  list: false,
  arg: "none",
  make: () => (ctx) => {
    const v = valuesRecursive(ctx.raw, undefined, [
      "requestObject",
      "spec",
      "containers",
      "securityContext",
      "privileged",
    ]);
    if (v === undefined) return undefined;
    return v.some((x) => x === true) ? "true" : "false";
  },
});
indexed("ka.req.pod.volumes.hostpath", (ctx, index) => {
  const v = valuesRecursive(ctx.raw, index, ["requestObject", "spec", "volumes", "hostPath", "path"]);
  return v === undefined ? undefined : skipMissing(v);
});
indexed("ka.req.pod.volumes.flexvolume_driver", (ctx, index) => {
  const v = valuesRecursive(ctx.raw, index, ["requestObject", "spec", "volumes", "flexVolume", "driver"]);
  return v === undefined ? undefined : skipMissing(v);
});
indexed("ka.req.pod.volumes.volume_type", (ctx, index) => {
  const v = valuesRecursive(ctx.raw, index, ["requestObject", "spec", "volumes", ""]);
  if (v === undefined) return undefined;
  const out: string[] = [];
  for (const vol of v) {
    if (vol !== null && typeof vol === "object" && !Array.isArray(vol)) {
      for (const key of Object.keys(vol)) if (key !== "name") out.push(key);
    }
  }
  return out;
});
registry.set("ka.req.volume.hostpath", {
  name: "ka.req.volume.hostpath",
  list: false,
  arg: "key",
  requiredArg: true,
  // Deprecated: "true" when a hostPath volume equals the key, or starts with it when the key ends in "*".
  make: (arg) => {
    const key = arg ?? "";
    const prefix = key.endsWith("*") ? key.slice(0, -1) : undefined;
    return (ctx) => {
      const v = valuesRecursive(ctx.raw, undefined, ["requestObject", "spec", "volumes", "hostPath", "path"]);
      if (v === undefined) return undefined;
      for (const p of skipMissing(v)) {
        if ((prefix !== undefined && p.startsWith(prefix)) || p === key) return "true";
      }
      return "false";
    };
  },
});

// --- json plugin: jevt.* and json.* --------------------------------------------------------------------

/** RFC 6901 JSON pointer → reference tokens; undefined when malformed. */
export function parsePointer(pointer: string): string[] | undefined {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) return undefined;
  return pointer
    .slice(1)
    .split("/")
    .map((t) => t.replaceAll("~1", "/").replaceAll("~0", "~"));
}

function byPointer(root: JsonValue, tokens: readonly string[]): Json {
  let v: Json = root;
  for (const t of tokens) {
    if (Array.isArray(v)) {
      if (!/^(0|[1-9]\d*)$/.test(t)) return undefined;
      v = v[Number(t)];
    } else if (v !== null && typeof v === "object") {
      v = Object.hasOwn(v, t) ? v[t] : undefined;
    } else return undefined;
    if (v === undefined) return undefined;
  }
  return v;
}

/**
 * The event time as Falco prints %evt.time (and the old %jevt.time): libsinsp's
 * sinsp_utils::ts_to_string(ts, res, date=false, ns=true), "HH:MM:SS.nnnnnnnnn" in the local time
 * zone, whose offset libsinsp takes once from the current time (gmt2local(0)), not per event.
 */
export function clockTime(ns: bigint): string {
  const offset = BigInt(-new Date().getTimezoneOffset() * 60);
  const nanos = ((ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n;
  const seconds = (ns - nanos) / 1_000_000_000n + offset;
  const day = Number(((seconds % 86_400n) + 86_400n) % 86_400n);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(Math.floor(day / 3600))}:${two(Math.floor((day % 3600) / 60))}:${two(day % 60)}.${nanos.toString().padStart(9, "0")}`;
}

for (const prefix of ["jevt", "json"]) {
  registry.set(`${prefix}.value`, {
    name: `${prefix}.value`,
    list: false,
    arg: "pointer",
    requiredArg: true,
    make: (arg) => {
      const tokens = parsePointer(arg ?? "") ?? [];
      return (ctx) => {
        const v = byPointer(ctx.raw, tokens);
        return v === undefined ? undefined : asString(v);
      };
    },
  });
  registry.set(`${prefix}.obj`, {
    name: `${prefix}.obj`,
    list: false,
    alwaysPresent: true,
    arg: "none",
    make: () => (ctx) => JSON.stringify(ctx.raw),
  });
  registry.set(`${prefix}.time`, {
    name: `${prefix}.time`,
    list: false,
    alwaysPresent: true,
    arg: "none",
    make: () => (ctx) => clockTime(ctx.rawtime()),
  });
  registry.set(`${prefix}.rawtime`, {
    name: `${prefix}.rawtime`,
    list: false,
    alwaysPresent: true,
    numeric: true,
    arg: "none",
    rawtime: true,
    make: () => (ctx) => ctx.rawtime().toString(),
  });
}
// Generic event fields Falco offers for every source (used in outputs).
registry.set("evt.time", { ...registry.get("jevt.time")!, name: "evt.time" });
registry.set("evt.rawtime", { ...registry.get("jevt.rawtime")!, name: "evt.rawtime" });
registry.set("evt.source", {
  name: "evt.source",
  list: false,
  alwaysPresent: true,
  arg: "none",
  make: () => () => "k8s_audit",
});

/** The field named `name`, or undefined when k8s_audit has no such field. */
export function fieldSpec(name: string): FieldSpec | undefined {
  return registry.get(name);
}

/** Every field name, for help and error messages. */
export function fieldNames(): string[] {
  return [...registry.keys()].sort();
}

/** Checks a field's bracket argument; returns an error message or undefined. */
export function checkFieldArg(spec: FieldSpec, arg: string | undefined): string | undefined {
  if (arg === undefined)
    return spec.requiredArg ? `field ${spec.name} needs an argument in [brackets]` : undefined;
  switch (spec.arg) {
    case "none":
      return `field ${spec.name} takes no argument`;
    case "index":
      return /^\d+$/.test(arg)
        ? undefined
        : `field ${spec.name}[${arg}]: the argument must be an index (0, 1, …)`;
    case "pointer":
      return parsePointer(arg) === undefined
        ? `field ${spec.name}[${arg}]: the argument must be a JSON pointer starting with "/"`
        : undefined;
    case "key":
      return arg === "" ? `field ${spec.name} needs a non-empty key` : undefined;
  }
}
