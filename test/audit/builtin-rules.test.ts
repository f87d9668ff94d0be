/**
 * shipshape's built-in rules (rules/audit/*.yaml): each fires on a realistic event and not on a
 * benign one. Events are built from Falco's real trace files (test/audit/falco-traces) and the
 * Elastic samples by changing the fields the rule reads.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { builtinRulesFiles, loadAuditRules } from "../../src/audit/rules/engine.js";
import { recordedEvent as ev } from "../helpers/audit-events.js";
import { dataPath, repoPath } from "../helpers/shared.js";

type Raw = Record<string, unknown> & {
  objectRef: Record<string, string>;
  user: { username: string; groups?: string[] };
  responseStatus: { code: number };
  requestObject?: unknown;
  annotations?: Record<string, string>;
};

const trace = (f: string) =>
  JSON.parse(readFileSync(repoPath("test", "audit", "falco-traces", f), "utf8")) as Raw;
const elastic = () =>
  JSON.parse(readFileSync(dataPath("audit", "k8s", "test-audit.log"), "utf8").split("\n")[0]!) as Raw;

const engine = loadAuditRules(builtinRulesFiles());
async function fired(raw: Raw): Promise<string[]> {
  return (await engine).evaluate(ev(raw)).map((a) => a.rule);
}

describe("built-in audit rules", () => {
  it("load without notes; every rule is k8s_audit and enabled", async () => {
    const e = await engine;
    expect(e.notes).toEqual([]);
    expect(e.rules.length).toBeGreaterThanOrEqual(14);
    expect(e.rules.every((r) => r.enabled)).toBe(true);
  });

  it("the real Elastic sample events raise nothing (benign reads and lease updates)", async () => {
    for (const line of readFileSync(dataPath("audit", "k8s", "test-audit.log"), "utf8").split("\n")) {
      if (!line.includes('"kind":"Event"') || line.startsWith('{"category"')) continue;
      expect(await fired(JSON.parse(line) as Raw)).toEqual([]);
    }
  });

  it("exec into a pod (Falco's exec trace), and a denied exec", async () => {
    const raw = trace("exec_pod.json");
    expect(await fired(raw)).toEqual(["Exec or Attach Into Pod"]);
    const out = (await engine).evaluate(ev(raw))[0]!.output;
    expect(out).toContain("container=nginx1 command=bash source=(192.168.99.1)");
    raw.stage = "ResponseComplete";
    raw.responseStatus.code = 403;
    expect(await fired(raw)).toEqual(["Exec or Attach Into Pod Denied"]);
    raw.objectRef.subresource = "log"; // benign: logs
    raw.stage = "ResponseStarted";
    expect(await fired(raw)).toEqual([]);
  });

  it("secret read by a developer fires; by a node or an openshift operator it does not", async () => {
    const raw = elastic();
    raw.objectRef = { resource: "secrets", namespace: "prod", name: "db-password", apiVersion: "v1" };
    raw.user = { username: "dev@example.com", groups: ["system:authenticated"] };
    expect(await fired(raw)).toEqual(["Secret Read by Unexpected Identity"]);
    raw.user = { username: "system:node:worker-1", groups: ["system:nodes", "system:authenticated"] };
    expect(await fired(raw)).toEqual([]);
    raw.user = { username: "system:serviceaccount:openshift-ingress-operator:ingress-operator" };
    expect(await fired(raw)).toEqual([]);
    raw.user = { username: "dev@example.com" };
    raw.responseStatus.code = 403;
    expect(await fired(raw)).toEqual([]);
  });

  it("RBAC: escalate/bind/impersonate verbs, cluster-admin bindings, impersonation", async () => {
    const raw = trace("some-user_creates_namespace_foo.json");
    raw.objectRef = { resource: "clusterroles", name: "helper", apiGroup: "rbac.authorization.k8s.io" };
    raw.requestObject = {
      kind: "ClusterRole",
      rules: [
        { apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterroles"], verbs: ["escalate", "get"] },
      ],
    };
    expect(await fired(raw)).toEqual(["RBAC Role Grants Escalation Verbs"]);
    raw.requestObject = {
      kind: "ClusterRole",
      rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] }],
    };
    expect(await fired(raw)).toEqual([]);

    raw.objectRef = { resource: "clusterrolebindings", name: "b", apiGroup: "rbac.authorization.k8s.io" };
    raw.requestObject = {
      kind: "ClusterRoleBinding",
      roleRef: { kind: "ClusterRole", name: "cluster-admin" },
      subjects: [{ kind: "User", name: "mallory" }],
    };
    expect(await fired(raw)).toEqual(["Binding to cluster-admin"]);
    raw.requestObject = {
      kind: "ClusterRoleBinding",
      roleRef: { kind: "ClusterRole", name: "view" },
      subjects: [{ kind: "User", name: "mallory" }],
    };
    expect(await fired(raw)).toEqual([]);

    const imp = elastic();
    imp.user = { username: "dev@example.com" };
    imp.impersonatedUser = { username: "system:admin" };
    expect(await fired(imp)).toEqual(["Impersonated Request"]);
  });

  it("anonymous access: allowed on an API path fires, on /healthz it does not", async () => {
    const raw = trace("anonymous_creates_namespace_foo.json");
    expect(await fired(raw)).toEqual(["Anonymous Request Allowed"]);
    raw.requestURI = "/readyz?verbose";
    expect(await fired(raw)).toEqual([]);
    raw.requestURI = "/api/v1/secrets";
    raw.user = { username: "someone", groups: ["system:unauthenticated"] };
    expect(await fired(raw)).toEqual(["Anonymous Request Allowed"]);
    raw.annotations = { "authorization.k8s.io/decision": "forbid" };
    expect(await fired(raw)).toEqual([]);
  });

  it("privileged or host-namespace pods (Falco's privileged trace), not a plain pod", async () => {
    const raw = trace("create_nginx_pod_privileged.json");
    // The trace's image is "nginx" (unqualified), so the registry rule fires too.
    expect(await fired(raw)).toEqual(["Privileged or Host-Namespace Pod", "Image From Unapproved Registry"]);
    const spec = (
      raw.requestObject as { spec: Record<string, unknown> & { containers: Record<string, unknown>[] } }
    ).spec;
    spec.containers[0]!.image = "registry.redhat.io/ubi9/ubi:9.4";
    delete spec.containers[0]!.securityContext;
    expect(await fired(raw)).toEqual([]);
    spec.hostPID = true;
    expect(await fired(raw)).toEqual(["Privileged or Host-Namespace Pod"]);
  });

  it("admission webhooks and the OpenShift audit policy", async () => {
    const raw = trace("some-user_creates_namespace_foo.json");
    raw.objectRef = {
      resource: "validatingwebhookconfigurations",
      name: "gatekeeper",
      apiGroup: "admissionregistration.k8s.io",
    };
    raw.verb = "delete";
    raw.responseStatus.code = 200;
    expect(await fired(raw)).toEqual(["Admission Control Changed"]);
    raw.verb = "get";
    expect(await fired(raw)).toEqual([]);
    raw.verb = "patch";
    raw.objectRef = { resource: "apiservers", name: "cluster", apiGroup: "config.openshift.io" };
    raw.requestObject = { spec: { audit: { profile: "None" } } };
    expect(await fired(raw)).toEqual(["Audit Policy Changed"]);
    const out = (await engine).evaluate(ev(raw))[0]!.output;
    expect(out).toContain('audit={"profile":"None"}');
  });

  it("oc debug node pods, ephemeral containers and nodes/proxy", async () => {
    const raw = trace("create_nginx_pod_privileged.json");
    raw.objectRef = { resource: "pods", namespace: "openshift-debug-x7k2p", apiVersion: "v1" };
    const pod = raw.requestObject as {
      metadata: Record<string, unknown>;
      spec: { containers: Record<string, unknown>[] };
    };
    pod.spec.containers[0]!.image = "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:abcd";
    pod.metadata.annotations = { "debug.openshift.io/source-resource": "/v1, Resource=nodes/worker-1" };
    expect(await fired(raw)).toEqual(["Privileged or Host-Namespace Pod", "Node Debug Pod Created"]);

    const eph = trace("exec_pod.json");
    eph.stage = "ResponseComplete";
    eph.verb = "patch";
    eph.responseStatus.code = 200;
    eph.objectRef.subresource = "ephemeralcontainers";
    expect(await fired(eph)).toEqual(["Ephemeral Debug Container Added"]);

    const proxy = elastic();
    proxy.user = { username: "dev@example.com" };
    proxy.objectRef = { resource: "nodes", name: "worker-1", subresource: "proxy" };
    expect(await fired(proxy)).toEqual(["Node Proxy Access"]);
  });

  it("unapproved registries, and a user override of the approved list", async () => {
    const raw = trace("create_nginx_pod_privileged.json");
    const spec = (
      raw.requestObject as { spec: Record<string, unknown> & { containers: Record<string, unknown>[] } }
    ).spec;
    delete spec.containers[0]!.securityContext;
    spec.containers[0]!.image = "docker.io/library/nginx:1.25";
    expect(await fired(raw)).toEqual(["Image From Unapproved Registry"]);
    spec.containers[0]!.image = "registry.redhat.io/ubi9/nginx-124:1";
    spec.initContainers = [{ name: "init", image: "ghcr.io/evil/init:1" }];
    expect(await fired(raw)).toEqual(["Image From Unapproved Registry"]);
    delete spec.initContainers;
    expect(await fired(raw)).toEqual([]);
    // A registry that only shares a prefix is not approved.
    spec.containers[0]!.image = "registry.redhat.io.evil.com/x:1";
    expect(await fired(raw)).toEqual(["Image From Unapproved Registry"]);

    const override = repoPath("test", "audit", "falco-traces", "..", "approve-docker-library.yaml");
    const e = await loadAuditRules([...builtinRulesFiles(), override]);
    spec.containers[0]!.image = "docker.io/library/nginx:1.25";
    expect(e.evaluate(ev(raw)).map((a) => a.rule)).toEqual([]);
    spec.containers[0]!.image = "registry.redhat.io/ubi9/nginx-124:1";
    expect(e.evaluate(ev(raw)).map((a) => a.rule)).toEqual(["Image From Unapproved Registry"]);
  });
});
