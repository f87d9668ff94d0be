/**
 * Falco's k8s audit rules, loaded unchanged after the lists from Falco's main rules file, must fire
 * as Falco does. Oracles:
 *  - Falco's own regression cases (falcosecurity/falco test/falco_k8s_audit_tests.yaml, cited by case
 *    name) on its own trace files (test/audit/falco-traces, see SOURCE.md);
 *  - k8s_audit_rules.summary.json (names, priorities, enabled flags, conditions);
 *  - for rules without a Falco trace, events derived from those traces by changing the fields the
 *    rule's condition reads; each case names the condition it reasons from.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { AuditEvent } from "../../src/audit/event.js";
import { parseAuditEvents } from "../../src/audit/event-input.js";
import { type AuditRuleEngine, loadAuditRules } from "../../src/audit/rules/engine.js";
import { recordedEvent as eventOf } from "../helpers/audit-events.js";
import { dataPath, repoPath } from "../helpers/shared.js";

const falco = (f: string) => dataPath("audit", "falco", f);
const trace = (f: string) => repoPath("test", "audit", "falco-traces", f);
const LISTS = falco("falco_rules_lists_used_by_k8s_audit.2022-12.yaml");
const CURRENT = falco("k8s_audit_rules.yaml");
const V060 = falco("k8s_audit_rules.k8saudit-0.6.0.yaml");

async function events(file: string): Promise<AuditEvent[]> {
  const { events, problems } = await parseAuditEvents(readFileSync(file));
  expect(problems).toEqual([]);
  return events.map((e) => e.event);
}

/** rule name → number of alerts over the events. */
function counts(engine: AuditRuleEngine, evs: AuditEvent[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of evs) for (const a of engine.evaluate(e)) out[a.rule] = (out[a.rule] ?? 0) + 1;
  return out;
}

const engines = new Map<string, AuditRuleEngine>();
async function engine(...files: string[]): Promise<AuditRuleEngine> {
  const key = files.join("|");
  let e = engines.get(key);
  if (!e) {
    e = await loadAuditRules([LISTS, ...files]);
    engines.set(key, e);
  }
  return e;
}

describe("the rules files load as Falco loads them", () => {
  it("k8s_audit_rules.yaml: the same rules, priorities, enabled flags and sources as the summary", async () => {
    const summary = JSON.parse(readFileSync(falco("k8s_audit_rules.summary.json"), "utf8")) as {
      rule: string;
      priority: string;
      enabled: boolean;
      source: string;
    }[];
    const e = await engine(CURRENT);
    expect(e.rules.map((r) => r.name)).toEqual(summary.map((s) => s.rule));
    expect(e.rules.map((r) => r.priority.toUpperCase().replace("INFORMATIONAL", "INFO"))).toEqual(
      summary.map((s) => s.priority),
    );
    expect(e.rules.map((r) => r.enabled)).toEqual(summary.map((s) => s.enabled));
    expect(summary.every((s) => s.source === "k8s_audit")).toBe(true);
    expect(e.notes).toEqual([]);
  });

  it("the k8saudit 0.6.0 rules file (with its empty list item) loads: 43 rules", async () => {
    const e = await engine(V060);
    expect(e.rules).toHaveLength(43);
    expect(e.rules.map((r) => r.name)).toContain("K8s Role/Clusterrole Created");
  });
});

describe("Falco's regression cases (test/falco_k8s_audit_tests.yaml)", () => {
  for (const rules of [CURRENT, V060]) {
    const label = rules === CURRENT ? "current rules" : "k8saudit 0.6.0 rules";

    it(`create_privileged_pod (${label}): Create Privileged Pod: 1, nothing else`, async () => {
      const c = counts(await engine(rules), await events(trace("create_nginx_pod_privileged.json")));
      expect(c).toEqual({ "Create Privileged Pod": 1 });
    });

    it(`user_outside_allowed_set (${label}): Disallowed K8s User: 1`, async () => {
      const c = counts(
        await engine(rules, trace("allow_namespace_foo.yaml")),
        await events(trace("some-user_creates_namespace_foo.json")),
      );
      expect(c["Disallowed K8s User"]).toBe(1);
      // The namespace is allowed by the appended list; the activity rule still logs the creation.
      expect(c).toEqual({ "Disallowed K8s User": 1, "K8s Namespace Created": 1 });
    });

    it(`user_in_allowed_set (${label}): no detection at all`, async () => {
      const c = counts(
        await engine(
          rules,
          trace("allow_namespace_foo.yaml"),
          trace("allow_user_some-user.yaml"),
          trace("disallow_kactivity.yaml"),
        ),
        await events(trace("some-user_creates_namespace_foo.json")),
      );
      expect(c).toEqual({});
    });

    it(`namespace_outside_allowed_set (${label}): Create Disallowed Namespace: 1`, async () => {
      const c = counts(
        await engine(rules, trace("allow_user_some-user.yaml")),
        await events(trace("some-user_creates_namespace_foo.json")),
      );
      expect(c).toEqual({ "Create Disallowed Namespace": 1, "K8s Namespace Created": 1 });
    });

    it(`create_namespace (${label}): K8s Namespace Created: 1`, async () => {
      const c = counts(
        await engine(rules, trace("allow_namespace_foo.yaml"), trace("allow_user_some-user.yaml")),
        await events(trace("some-user_creates_namespace_foo.json")),
      );
      expect(c).toEqual({ "K8s Namespace Created": 1 });
    });

    it(`anonymous_user (${label}): Anonymous Request Allowed: 1`, async () => {
      const c = counts(await engine(rules), await events(trace("anonymous_creates_namespace_foo.json")));
      expect(c["Anonymous Request Allowed"]).toBe(1);
      // system:anonymous starts with "system:" so the user rule does not fire; namespace foo is not allowed.
      expect(c).toEqual({
        "Anonymous Request Allowed": 1,
        "Create Disallowed Namespace": 1,
        "K8s Namespace Created": 1,
      });
    });

    it(`pod_exec (${label}): Attach/Exec Pod: 1`, async () => {
      const e = await engine(rules);
      const evs = await events(trace("exec_pod.json"));
      expect(counts(e, evs)).toEqual({ "Attach/Exec Pod": 1 });
      // %ka.uri.param[command] takes the query parameter, as Go's url.ParseQuery does.
      expect(e.evaluate(evs[0]!)[0]!.output).toBe(
        "Attach/Exec to pod (user=minikube-user pod=nginx-deployment-7998647bdf-phvq7 resource=pods ns=default action=exec command=bash)",
      );
    });

    it(`create_configmap_private_creds (${label}): Create/Modify Configmap With Private Credentials: 6`, async () => {
      const first = readFileSync(trace("create_configmap_sensitive_values.first.json"), "utf8").trim();
      const keys = [
        "aws_access_key_id",
        "aws-access-key-id",
        "aws_s3_access_key_id",
        "aws-s3-access-key-id",
        "password",
        "passphrase",
      ];
      const lines = keys.map((k, i) =>
        first.replaceAll("aws_access_key_id", k).replace("9a2bb12c", `9a2bb12${i}`),
      );
      const { events: evs } = await parseAuditEvents(lines.join("\n"));
      const c = counts(
        await engine(rules, trace("disallow_kactivity.yaml")),
        evs.map((e) => e.event),
      );
      expect(c).toEqual({ "Create/Modify Configmap With Private Credentials": 6 });
    });
  }

  it("create_privileged_trusted_pod (0.6.0 rules + trust_nginx_container.yaml): no detection", async () => {
    const c = counts(
      await engine(V060, trace("trust_nginx_container.yaml")),
      await events(trace("create_nginx_pod_privileged.json")),
    );
    expect(c).toEqual({});
  });

  it("the README's sample alert for the privileged pod", async () => {
    // k8saudit-README.md: "Pod started with privileged container (user=system:serviceaccount:kube-system:
    // replicaset-controller pod=nginx-deployment-5cdcc99dbf-rgw6z ns=default image=nginx)" (older output format).
    const [ev] = await events(trace("create_nginx_pod_privileged.json"));
    const [alert] = (await engine(V060)).evaluate(ev!);
    expect(alert).toMatchObject({
      rule: "Create Privileged Pod",
      priority: "Warning",
      time: "2018-10-25T14:09:12.581541Z",
    });
    expect(alert!.output).toBe(
      "Pod started with privileged container (user=system:serviceaccount:kube-system:replicaset-controller pod=nginx-deployment-5cdcc99dbf-rgw6z resource=pods ns=default images=(nginx))",
    );
  });
});

describe("rules without a Falco trace: events derived from the traces", () => {
  const podRaw = () =>
    JSON.parse(readFileSync(trace("create_nginx_pod_privileged.json"), "utf8")) as {
      requestObject: { spec: Record<string, unknown> & { containers: Record<string, unknown>[] } };
      objectRef: Record<string, string>;
    } & Record<string, unknown>;
  const unprivileged = () => {
    const raw = podRaw();
    delete raw.requestObject.spec.containers[0]!.securityContext;
    return raw;
  };
  const fire = async (raw: unknown, rules = CURRENT) =>
    counts(await engine(rules), [eventOf(raw as Record<string, unknown>)]);

  it("an unprivileged pod in default fires nothing", async () => {
    expect(await fire(unprivileged())).toEqual({});
  });

  it("hostNetwork/hostPID/hostIPC: `ka.req.pod.host_* intersects (true)` rules", async () => {
    for (const [key, rule] of [
      ["hostNetwork", "Create HostNetwork Pod"],
      ["hostPID", "Create HostPid Pod"],
      ["hostIPC", "Create HostIPC Pod"],
    ] as const) {
      const raw = unprivileged();
      raw.requestObject.spec[key] = true;
      expect(await fire(raw), key).toEqual({ [rule]: 1 });
      raw.requestObject.spec[key] = false;
      expect(await fire(raw), `${key}=false`).toEqual({});
    }
  });

  it("hostNetwork with an image in k8s_audit_hostnetwork_images does not fire", async () => {
    const raw = unprivileged();
    raw.requestObject.spec.hostNetwork = true;
    raw.requestObject.spec.containers[0]!.image = "gke.gcr.io/kube-proxy:v1.29";
    expect(await fire(raw)).toEqual({});
  });

  it("sensitive_vol_mount: a hostPath volume in the list fires, /tmp does not", async () => {
    const raw = unprivileged();
    raw.requestObject.spec.volumes = [{ name: "sock", hostPath: { path: "/var/run/docker.sock" } }];
    expect(await fire(raw)).toEqual({ "Create Sensitive Mount Pod": 1 });
    raw.requestObject.spec.volumes = [{ name: "tmp", hostPath: { path: "/tmp" } }];
    expect(await fire(raw)).toEqual({});
  });

  it("any_container_privileged: a privileged init container fires with the current rules only", async () => {
    const raw = unprivileged();
    raw.requestObject.spec.initContainers = [
      { name: "init", image: "busybox", securityContext: { privileged: true } },
    ];
    expect(await fire(raw)).toEqual({ "Create Privileged Pod": 1 });
    // 0.6.0: `ka.req.pod.containers.privileged intersects (true)` only.
    expect(await fire(raw, V060)).toEqual({});
  });

  it("`not ka.req.pod.containers.image.repository in (k8s_audit_privileged_images)`: all images trusted → no alert", async () => {
    const raw = podRaw();
    raw.requestObject.spec.containers[0]!.image = "docker.io/calico/node:v3.27";
    expect(await fire(raw)).toEqual({});
    // One untrusted container among trusted ones is enough (in = every value is in the list).
    raw.requestObject.spec.containers.push({ name: "side", image: "nginx:1.25" });
    expect(await fire(raw)).toEqual({ "Create Privileged Pod": 1 });
  });

  it("Pod Created in Kube Namespace: a pod in kube-system with an image outside the allowed list", async () => {
    const raw = unprivileged();
    raw.objectRef.namespace = "kube-system";
    expect(await fire(raw)).toEqual({ "Pod Created in Kube Namespace": 1 });
    raw.requestObject.spec.containers[0]!.image = "registry.k8s.io/metrics-server-amd64:v0.3";
    expect(await fire(raw)).toEqual({});
  });

  it("Attach/Exec Pod: `kget` counts in the current rules, not in 0.6.0; port-forward is new", async () => {
    const raw = JSON.parse(readFileSync(trace("exec_pod.json"), "utf8")) as Record<string, unknown> & {
      objectRef: Record<string, string>;
    };
    raw.verb = "get";
    expect(await fire(raw)).toEqual({ "Attach/Exec Pod": 1 });
    expect(await fire(raw, V060)).toEqual({});
    raw.objectRef.subresource = "portforward";
    expect(await fire(raw)).toEqual({ "port-forward": 1 });
  });

  const nsEvent = () =>
    JSON.parse(readFileSync(trace("some-user_creates_namespace_foo.json"), "utf8")) as Record<
      string,
      unknown
    > & {
      objectRef: Record<string, string>;
      responseStatus: { code: number };
      user: { username: string };
    };

  it("secret get by a user in the allowed list: Get Successfully (200) / Unsuccessfully Tried (403)", async () => {
    const raw = nsEvent();
    raw.user.username = "minikube-user";
    raw.verb = "get";
    raw.objectRef = { resource: "secrets", namespace: "default", name: "db", apiVersion: "v1" };
    raw.responseStatus.code = 200;
    delete raw.requestObject;
    expect(await fire(raw)).toEqual({ "K8s Secret Get Successfully": 1 });
    raw.responseStatus.code = 403;
    expect(await fire(raw)).toEqual({ "K8s Secret Get Unsuccessfully Tried": 1 });
  });

  it("Attach to cluster-admin Role: a ClusterRoleBinding whose roleRef is cluster-admin", async () => {
    const raw = nsEvent();
    raw.user.username = "minikube-user";
    raw.objectRef = { resource: "clusterrolebindings", name: "oops", apiGroup: "rbac.authorization.k8s.io" };
    raw.requestObject = {
      kind: "ClusterRoleBinding",
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
      subjects: [{ kind: "User", name: "mallory", apiGroup: "rbac.authorization.k8s.io" }],
    };
    const e = await engine(CURRENT);
    const alerts = e.evaluate(eventOf(raw));
    expect(alerts.map((a) => a.rule)).toEqual([
      "Attach to cluster-admin Role",
      "K8s ClusterRoleBinding Created",
    ]);
    expect(alerts[0]!.output).toBe(
      'Cluster Role Binding to cluster-admin role (user=minikube-user subject=({"kind":"User","name":"mallory","apiGroup":"rbac.authorization.k8s.io"}))',
    );
  });

  it("ClusterRole rules: wildcard, write verbs and pods/exec", async () => {
    const raw = nsEvent();
    raw.user.username = "minikube-user";
    raw.objectRef = { resource: "clusterroles", name: "r", apiGroup: "rbac.authorization.k8s.io" };
    raw.requestObject = {
      kind: "ClusterRole",
      rules: [{ apiGroups: [""], resources: ["pods/exec"], verbs: ["create"] }],
    };
    expect(await fire(raw)).toEqual({
      "ClusterRole With Write Privileges Created": 1,
      "ClusterRole With Pod Exec Created": 1,
      "K8s ClusterRole Created": 1,
    });
    raw.requestObject = {
      kind: "ClusterRole",
      rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["get"] }],
    };
    expect(await fire(raw)).toEqual({ "ClusterRole With Wildcard Created": 1, "K8s ClusterRole Created": 1 });
  });

  it("Ingress without TLS fires; with spec.tls it does not", async () => {
    const raw = nsEvent();
    raw.user.username = "minikube-user";
    raw.objectRef = {
      resource: "ingresses",
      namespace: "default",
      name: "web",
      apiGroup: "networking.k8s.io",
    };
    raw.requestObject = { kind: "Ingress", spec: { rules: [] } };
    expect(await fire(raw)).toEqual({ "Ingress Object without TLS Certificate Created": 1 });
    raw.requestObject = { kind: "Ingress", spec: { rules: [], tls: [{ secretName: "web-tls" }] } };
    expect(await fire(raw)).toEqual({});
  });

  it("Create NodePort Service and K8s Service Created", async () => {
    const raw = nsEvent();
    raw.user.username = "minikube-user";
    raw.objectRef = { resource: "services", namespace: "default", name: "web" };
    raw.requestObject = {
      kind: "Service",
      spec: { type: "NodePort", ports: [{ port: 80, nodePort: 30080 }] },
    };
    const alerts = (await engine(CURRENT)).evaluate(eventOf(raw));
    expect(alerts.map((a) => a.rule)).toEqual(["Create NodePort Service", "K8s Service Created"]);
    // extract.go walks requestObject/spec/ports and stops at the array: one value, the array as JSON.
    expect(alerts[0]!.output).toContain('ports=([{"port":80,"nodePort":30080}])');
  });

  it("Untrusted node rules are disabled by allow_all_k8s_nodes (always true)", async () => {
    const raw = nsEvent();
    raw.user.username = "kubelet";
    raw.objectRef = { resource: "nodes", name: "node-9" };
    expect(await fire(raw)).toEqual({});
  });
});
