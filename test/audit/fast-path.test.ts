/**
 * The fast paths of `audit scan` give the same answers as the plain ones:
 * - engine.evaluate (rule prefilter indexed by stage/resource/verb, one reused event context) =
 *   engine.evaluateUnindexed (every rule in order, a fresh context) on every real event (Falco's
 *   trace files, Elastic's samples), with Falco's rules (both versions) and shipshape's built-in
 *   rules, and on fuzzed events built from the values those rules test;
 * - scanAuditEvents (synchronous per line) = readAuditEvents, over any chunking of the bytes, and
 *   = an independent line-by-line JSON.parse of the input;
 * - the hand-written Event check accepts exactly what an independent statement of the contract
 *   accepts.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AuditEvent } from "../../src/audit/event.js";
import {
  type EventInputProblem,
  parseAuditEvents,
  type ReadEvent,
  readAuditEvents,
  scanAuditEvents,
  toAuditEvent,
} from "../../src/audit/event-input.js";
import { type AuditRuleEngine, builtinRulesFiles, loadAuditRules } from "../../src/audit/rules/engine.js";
import { dataPath, repoPath } from "../helpers/shared.js";

const falco = (f: string) => dataPath("audit", "falco", f);
const traceFiles = [
  "anonymous_creates_namespace_foo.json",
  "create_configmap_sensitive_values.first.json",
  "create_nginx_pod_privileged.json",
  "exec_pod.json",
  "some-user_creates_namespace_foo.json",
].map((f) => repoPath("test", "audit", "falco-traces", f));
const sampleFiles = [
  dataPath("audit", "k8s", "test-audit.log"),
  dataPath("audit", "k8s", "test-kube-audit.log"),
];

async function realEvents(): Promise<AuditEvent[]> {
  const out: AuditEvent[] = [];
  for (const f of [...traceFiles, ...sampleFiles]) {
    const { events } = await parseAuditEvents(readFileSync(f));
    out.push(...events.map((e) => e.event));
  }
  return out;
}

const ruleSets: [string, string[]][] = [
  [
    "Falco k8s_audit_rules.yaml",
    [falco("falco_rules_lists_used_by_k8s_audit.2022-12.yaml"), falco("k8s_audit_rules.yaml")],
  ],
  [
    "Falco k8s_audit_rules (k8saudit 0.6.0)",
    [falco("falco_rules_lists_used_by_k8s_audit.2022-12.yaml"), falco("k8s_audit_rules.k8saudit-0.6.0.yaml")],
  ],
  ["shipshape built-in", builtinRulesFiles()],
];

const view = (alerts: ReturnType<AuditRuleEngine["evaluate"]>) =>
  alerts.map((a) => `${a.rule} | ${a.priority} | ${a.time} | ${a.auditID} | ${a.output}`);

function eventOf(raw: Record<string, unknown>): AuditEvent | undefined {
  const e = toAuditEvent(raw);
  return typeof e === "string" ? undefined : e;
}

/** Values the rules test (and some they do not), to build events that reach deep into conditions. */
const pools = {
  verb: [
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
    "bind",
    "escalate",
    "x",
  ],
  resource: [
    "pods",
    "secrets",
    "configmaps",
    "namespaces",
    "services",
    "deployments",
    "serviceaccounts",
    "roles",
    "clusterroles",
    "rolebindings",
    "clusterrolebindings",
    "nodes",
    "mutatingwebhookconfigurations",
    "validatingwebhookconfigurations",
    "leases",
  ],
  subresource: [undefined, "exec", "attach", "portforward", "ephemeralcontainers", "proxy", "log"],
  stage: ["ResponseComplete", "ResponseStarted", "RequestReceived", "Panic"],
  user: [
    "system:anonymous",
    "admin",
    "kubernetes-admin",
    "minikube-user",
    "some-user",
    "system:kube-controller-manager",
    "system:serviceaccount:kube-system:replicaset-controller",
    "eks:node-manager",
  ],
  group: ["system:masters", "system:authenticated", "system:unauthenticated", "system:nodes"],
  namespace: [undefined, "default", "kube-system", "kube-public", "foo"],
  code: [200, 201, 204, 401, 403, 404, 500],
  image: [
    "nginx",
    "docker.io/library/nginx:1.25",
    "registry.k8s.io/pause:3.9",
    "quay.io/openshift/origin-cli:4.14",
    "falcosecurity/falco:0.36",
    "sysdig/sysdig@sha256:abc",
  ],
};

const podSpec = fc.record(
  {
    containers: fc.array(
      fc.record(
        {
          name: fc.constantFrom("a", "b"),
          image: fc.constantFrom(...pools.image),
          securityContext: fc.record(
            {
              privileged: fc.boolean(),
              runAsUser: fc.constantFrom(0, 1000),
              procMount: fc.constant("Unmasked"),
            },
            { requiredKeys: [] },
          ),
          ports: fc.array(
            fc.record(
              { containerPort: fc.constantFrom(80, 8080), hostPort: fc.constant(80) },
              { requiredKeys: ["containerPort"] },
            ),
            { maxLength: 2 },
          ),
        },
        { requiredKeys: ["image"] },
      ),
      { maxLength: 3 },
    ),
    hostNetwork: fc.boolean(),
    hostPID: fc.boolean(),
    hostIPC: fc.boolean(),
    volumes: fc.array(
      fc.oneof(
        fc.record({
          name: fc.constant("v"),
          hostPath: fc.record({
            path: fc.constantFrom("/", "/etc", "/var/run/docker.sock", "/proc", "/tmp"),
          }),
        }),
        fc.record({ name: fc.constant("c"), configMap: fc.record({ name: fc.constant("x") }) }),
      ),
      { maxLength: 2 },
    ),
  },
  { requiredKeys: [] },
);

const roleRules = fc.record({
  rules: fc.array(
    fc.record({
      verbs: fc.array(fc.constantFrom("get", "*", "create", "bind", "escalate", "impersonate"), {
        maxLength: 3,
      }),
      resources: fc.array(fc.constantFrom("pods", "pods/exec", "*", "secrets"), { maxLength: 3 }),
    }),
    { maxLength: 2 },
  ),
});
const binding = fc.record({
  roleRef: fc.record({ name: fc.constantFrom("cluster-admin", "view", "edit") }),
  subjects: fc.array(
    fc.record({
      kind: fc.constantFrom("User", "Group", "ServiceAccount"),
      name: fc.constantFrom("bob", "system:anonymous"),
      namespace: fc.constant("default"),
    }),
    { maxLength: 2 },
  ),
});
const configData = fc.record({
  data: fc.dictionary(
    fc.constantFrom("aws_access_key_id", "password", "x"),
    fc.constantFrom("AKIA…", "secret", "1"),
  ),
});
const serviceSpec = fc.record({ spec: fc.record({ type: fc.constantFrom("NodePort", "ClusterIP") }) });
const requestObject = fc.oneof(
  fc.constant(undefined),
  fc.record({ spec: podSpec }),
  roleRules,
  binding,
  configData,
  serviceSpec,
);
/** The request object a scenario's resource would carry. */
const objectFor = fc.record({
  pod: fc.record({ spec: podSpec }),
  roleRules,
  binding,
  configData,
  serviceSpec,
});

const anyEventRaw = fc.record(
  {
    kind: fc.constant("Event"),
    apiVersion: fc.constant("audit.k8s.io/v1"),
    auditID: fc.uuid(),
    stage: fc.constantFrom(...pools.stage),
    verb: fc.oneof(fc.constantFrom(...pools.verb), fc.string({ maxLength: 6 })),
    requestURI: fc.constantFrom(
      "/api/v1/namespaces/default/pods/p/exec?command=sh&container=c",
      "/healthz",
      "/readyz?verbose",
      "/api/v1/secrets",
      "/livez",
    ),
    user: fc.record(
      {
        username: fc.constantFrom(...pools.user),
        groups: fc.array(fc.constantFrom(...pools.group), { maxLength: 3 }),
      },
      { requiredKeys: [] },
    ),
    objectRef: fc.record(
      {
        resource: fc.oneof(fc.constantFrom(...pools.resource), fc.string({ maxLength: 5 })),
        subresource: fc.constantFrom(...pools.subresource.filter((s) => s !== undefined)),
        namespace: fc.constantFrom(...pools.namespace.filter((s) => s !== undefined)),
        name: fc.constantFrom("foo", "nginx", "admin", "cluster-admin", "system:controller:x", "kube-dns"),
      },
      { requiredKeys: [] },
    ),
    responseStatus: fc.record({ code: fc.constantFrom(...pools.code) }),
    annotations: fc.record({
      "authorization.k8s.io/decision": fc.constantFrom("allow", "forbid"),
      "authorization.k8s.io/reason": fc.constant("r"),
    }),
    requestObject,
    stageTimestamp: fc.constantFrom("2018-10-25T13:58:49.123456Z", "1970-01-01T00:00:00Z", "not a time"),
  },
  { requiredKeys: ["kind", "auditID", "stage", "verb", "requestURI"] },
);

/** What the rules look for, together: an event is often one of these (plus the random rest). */
const scenarios: [verb: string, resource: string, subresource: string | undefined, stage: string][] = [
  ["create", "pods", undefined, "ResponseComplete"],
  ["create", "pods", "exec", "ResponseStarted"],
  ["get", "pods", "attach", "ResponseStarted"],
  ["create", "pods", "portforward", "ResponseComplete"],
  ["patch", "pods", "ephemeralcontainers", "ResponseComplete"],
  ["create", "clusterroles", undefined, "ResponseComplete"],
  ["create", "roles", undefined, "ResponseComplete"],
  ["create", "clusterrolebindings", undefined, "ResponseComplete"],
  ["create", "rolebindings", undefined, "ResponseComplete"],
  ["create", "configmaps", undefined, "ResponseComplete"],
  ["update", "configmaps", undefined, "ResponseComplete"],
  ["create", "services", undefined, "ResponseComplete"],
  ["create", "namespaces", undefined, "ResponseComplete"],
  ["delete", "namespaces", undefined, "ResponseComplete"],
  ["create", "serviceaccounts", undefined, "ResponseComplete"],
  ["get", "secrets", undefined, "ResponseComplete"],
  ["patch", "mutatingwebhookconfigurations", undefined, "ResponseComplete"],
  ["delete", "clusterroles", undefined, "ResponseComplete"],
  ["get", "nodes", "proxy", "ResponseComplete"],
  ["create", "deployments", undefined, "ResponseComplete"],
  ["delete", "deployments", undefined, "ResponseComplete"],
  ["create", "secrets", undefined, "ResponseComplete"],
];

const eventRaw = fc
  .tuple(
    anyEventRaw,
    fc.option(fc.constantFrom(...scenarios), { freq: 3 }),
    objectFor,
    fc.constantFrom(200, 201, 403),
  )
  .map(([raw, scenario, objects, code]) => {
    if (scenario === null) return raw;
    const [verb, resource, subresource, stage] = scenario;
    const ref: Record<string, unknown> = { ...(raw.objectRef ?? {}), resource };
    if (subresource === undefined) delete ref.subresource;
    else ref.subresource = subresource;
    const obj =
      resource === "pods"
        ? objects.pod
        : resource.endsWith("roles")
          ? objects.roleRules
          : resource.endsWith("bindings")
            ? objects.binding
            : resource === "configmaps"
              ? objects.configData
              : resource === "services"
                ? objects.serviceSpec
                : raw.requestObject;
    return { ...raw, verb, stage, objectRef: ref, requestObject: obj, responseStatus: { code } };
  });

/** How many different rules the fuzzed events must make fire (seen: 37, 33 and 10). */
const MIN_RULES_FIRED: Record<string, number> = {
  "Falco k8s_audit_rules.yaml": 25,
  "Falco k8s_audit_rules (k8saudit 0.6.0)": 25,
  "shipshape built-in": 8,
};

describe("rule prefilter and reused context = every rule with a fresh context", () => {
  for (const [name, files] of ruleSets) {
    it(`${name}: on every real event`, async () => {
      const engine = await loadAuditRules(files);
      const evs = await realEvents();
      expect(evs.length).toBeGreaterThan(5);
      let fired = 0;
      for (const e of evs) {
        const fast = view(engine.evaluate(e));
        expect(fast).toEqual(view(engine.evaluateUnindexed(e)));
        fired += fast.length;
      }
      if (name.startsWith("Falco")) expect(fired).toBeGreaterThan(0);
    });

    it(`${name}: on fuzzed events, in sequence through one engine`, async () => {
      const engine = await loadAuditRules(files);
      // Events without a time are stamped with the reading time: compare everything but the time then.
      const stable = (alerts: ReturnType<AuditRuleEngine["evaluate"]>, e: AuditEvent) =>
        view(e.time === "" ? alerts.map((a) => ({ ...a, time: "(reading time)" })) : alerts);
      const fired = new Set<string>();
      fc.assert(
        fc.property(fc.array(eventRaw, { minLength: 1, maxLength: 8 }), (raws) => {
          for (const raw of raws) {
            const e = eventOf(raw);
            if (e === undefined) continue;
            const fast = engine.evaluate(e);
            for (const a of fast) fired.add(a.rule);
            expect(stable(fast, e)).toEqual(stable(engine.evaluateUnindexed(e), e));
          }
        }),
        { numRuns: 300 },
      );
      // The events reach deep into the conditions: many different rules fire.
      expect(fired.size).toBeGreaterThanOrEqual(MIN_RULES_FIRED[name]!);
    });
  }

  it("the prefilter's cache of value combinations stays right past its bound and for huge values", async () => {
    const engine = await loadAuditRules(ruleSets[0]![1]);
    expect(engine.indexFields).toEqual(["jevt.value[/stage]", "ka.target.resource", "ka.verb"]);
    const base = JSON.parse(readFileSync(traceFiles[0]!, "utf8").split("\n")[0]!) as Record<string, unknown>;
    const verbs = [...Array.from({ length: 5000 }, (_, i) => `v${i}`), "x".repeat(100_000), "create", "v1"];
    for (const verb of verbs) {
      const e = eventOf({ ...base, verb })!;
      expect(view(engine.evaluate(e))).toEqual(view(engine.evaluateUnindexed(e)));
    }
    // The same event again after 5000 others: still its alerts.
    const create = eventOf(base)!;
    expect(engine.evaluate(create).length).toBeGreaterThan(0);
  });
});

/** An independent reading: each non-blank line JSON.parse'd, Events kept, in order. */
function referenceIds(text: string): string[] {
  const ids: string[] = [];
  for (const line of text.replace(/^\ufeff/, "").split("\n")) {
    const t = line.replace(/\r$/, "").trim();
    if (t === "") continue;
    try {
      let v = JSON.parse(t) as { auditID?: unknown; stage?: unknown; properties?: { log?: unknown } };
      // AKS diagnostic records carry the Event in properties.log (an object or its JSON text).
      const log = v.auditID === undefined ? v.properties?.log : undefined;
      if (typeof log === "string") v = JSON.parse(log) as typeof v;
      else if (typeof log === "object" && log !== null) v = log as typeof v;
      if (typeof v.auditID === "string" && v.auditID !== "" && typeof v.stage === "string")
        ids.push(v.auditID);
    } catch {
      // not JSON
    }
  }
  return ids;
}

async function* chunked(bytes: Buffer, cuts: number[]) {
  let last = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    if (c > last && c < bytes.length) {
      yield bytes.subarray(last, c);
      last = c;
    }
  }
  yield bytes.subarray(last);
}

describe("scanAuditEvents = readAuditEvents = a line-by-line JSON.parse, however the bytes arrive", () => {
  const lines = readFileSync(dataPath("audit", "k8s", "test-audit.log"), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "");
  const piece = fc.oneof(
    fc.constantFrom(...lines),
    fc.constantFrom("", "   ", "not json", '{"kind":"Event"}', "[1,2]"),
    // Multi-byte characters that chunk cuts may split.
    fc.constant(
      JSON.stringify({
        kind: "Event",
        auditID: "ü-€-😀",
        stage: "ResponseComplete",
        verb: "get",
        requestURI: "/é",
      }),
    ),
  );

  it("on fuzzed logs (CRLF, BOM, blank and bad lines, cuts anywhere, over-long lines)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(piece, { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 12 }),
        async (parts, crlf, bom, cuts) => {
          const text = (bom ? "\ufeff" : "") + parts.join(crlf ? "\r\n" : "\n");
          const bytes = Buffer.from(text, "utf8");
          const at = cuts.map((c) => c % (bytes.length + 1));
          const scanned: ReadEvent[] = [];
          const scanProblems: EventInputProblem[] = [];
          await scanAuditEvents(chunked(bytes, at), { onProblem: (p) => scanProblems.push(p) }, (e) =>
            scanned.push(e),
          );
          const read: ReadEvent[] = [];
          const readProblems: EventInputProblem[] = [];
          for await (const e of readAuditEvents(chunked(bytes, []), {
            onProblem: (p) => readProblems.push(p),
          }))
            read.push(e);
          expect(scanned.map((e) => [e.event.auditID, e.origin.line])).toEqual(
            read.map((e) => [e.event.auditID, e.origin.line]),
          );
          expect(scanProblems).toEqual(readProblems);
          // The first line may open multi-line mode ("[1,2]" parses, so it does not); otherwise, the reference.
          expect(scanned.map((e) => e.event.auditID)).toEqual(referenceIds(text));
          // Over-long lines: a cap below the longest line reports exactly the lines above it.
          const cap = 600;
          const capped: ReadEvent[] = [];
          const cappedProblems: EventInputProblem[] = [];
          await scanAuditEvents(
            chunked(bytes, at),
            { maxValueBytes: cap, onProblem: (p) => cappedProblems.push(p) },
            (e) => capped.push(e),
          );
          const rawLines = text.split("\n");
          const tooLong = rawLines.flatMap((l, i) => (Buffer.byteLength(l, "utf8") > cap ? [i + 1] : []));
          expect(cappedProblems.filter((p) => p.reason.startsWith("line longer")).map((p) => p.line)).toEqual(
            tooLong,
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("the Event check accepts exactly the contract", () => {
  const optionalString = (v: unknown) => v === undefined || typeof v === "string";
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v);
  /** The contract, stated independently of event-input.ts. */
  function valid(e: Record<string, unknown>): boolean {
    if (e.kind !== undefined && e.kind !== "Event") return false;
    if (
      e.apiVersion !== undefined &&
      !(typeof e.apiVersion === "string" && e.apiVersion.startsWith("audit.k8s.io/"))
    )
      return false;
    if (typeof e.auditID !== "string" || e.auditID === "") return false;
    if (typeof e.stage !== "string" || typeof e.verb !== "string" || typeof e.requestURI !== "string")
      return false;
    if (e.user !== undefined) {
      if (!isObject(e.user) || !optionalString(e.user.username)) return false;
      const g = e.user.groups;
      if (g !== undefined && !(Array.isArray(g) && g.every((x) => typeof x === "string"))) return false;
    }
    if (e.objectRef !== undefined) {
      if (!isObject(e.objectRef)) return false;
      for (const k of ["resource", "subresource", "namespace", "name", "apiGroup", "apiVersion"])
        if (!optionalString(e.objectRef[k])) return false;
    }
    if (e.responseStatus !== undefined) {
      if (!isObject(e.responseStatus)) return false;
      if (e.responseStatus.code !== undefined && typeof e.responseStatus.code !== "number") return false;
    }
    return optionalString(e.stageTimestamp) && optionalString(e.requestReceivedTimestamp);
  }

  const anyJson = fc.oneof(
    fc.constant(undefined),
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.string({ maxLength: 4 }),
    fc.array(fc.string({ maxLength: 2 }), { maxLength: 2 }),
    fc.array(fc.integer(), { minLength: 1, maxLength: 2 }),
    fc.dictionary(
      fc.constantFrom("username", "groups", "resource", "code", "name"),
      fc.oneof(fc.string(), fc.integer(), fc.array(fc.string())),
      { maxKeys: 3 },
    ),
  );
  const keys = [
    "kind",
    "apiVersion",
    "auditID",
    "stage",
    "verb",
    "requestURI",
    "user",
    "objectRef",
    "responseStatus",
    "stageTimestamp",
    "requestReceivedTimestamp",
  ];

  it("random shapes: accepted iff the contract holds; rejected ones say which field", async () => {
    const good = JSON.parse(readFileSync(traceFiles[3]!, "utf8").split("\n")[0]!) as Record<string, unknown>;
    fc.assert(
      fc.property(
        fc.constantFrom(...keys),
        anyJson,
        fc.constantFrom("Event", "audit.k8s.io/v1", "x"),
        (key, value, text) => {
          const e: Record<string, unknown> = { ...good, [key]: value };
          if (key === "kind" || key === "apiVersion")
            e[key] = value === undefined ? undefined : typeof value === "string" ? text : value;
          for (const k of Object.keys(e)) if (e[k] === undefined) delete e[k];
          const got = toAuditEvent(e);
          expect(typeof got !== "string").toBe(valid(e));
          if (typeof got === "string")
            expect(got).toMatch(new RegExp(`^not an audit\\.k8s\\.io Event: ${key}`));
          else {
            expect(got.raw).toBe(e);
            expect(got.verb).toBe(e.verb);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe("hostile nesting", () => {
  const deep = (n: number) => JSON.parse(`${"[".repeat(n)}${"]".repeat(n)}`) as unknown;

  it("a value nested 200,000 levels deep makes its fields unavailable, never ends the evaluation", async () => {
    const engine = await loadAuditRules(ruleSets[0]![1]);
    const configmap = eventOf({
      kind: "Event",
      auditID: "deep-1",
      stage: "ResponseComplete",
      verb: "create",
      requestURI: "/api/v1/namespaces/default/configmaps",
      user: { username: "bob" },
      objectRef: { resource: "configmaps", namespace: "default", name: "c" },
      responseStatus: { code: 201 },
      requestObject: { data: deep(200_000) },
      stageTimestamp: "2024-05-06T07:08:09.123456Z",
    })!;
    const pod = eventOf({
      ...configmap.raw,
      auditID: "deep-2",
      objectRef: { resource: "pods", namespace: "default", name: "p" },
      requestObject: { spec: { containers: deep(200_000), volumes: deep(200_000) } },
    })!;
    for (const e of [configmap, pod]) {
      const alerts = engine.evaluate(e);
      expect(view(alerts)).toEqual(view(engine.evaluateUnindexed(e)));
      // The rules that do not need the deep value still fire (bob is not an allowed user).
      expect(alerts.map((a) => a.rule)).toContain("Disallowed K8s User");
    }
  });
});
