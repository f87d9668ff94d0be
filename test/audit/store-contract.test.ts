/**
 * One contract, two stores: SQLite (a temp file) and PostgreSQL (a real server started for the test,
 * test/helpers/postgres.ts). Events are Elastic's real Kubernetes audit samples plus variants of them
 * (other users, verbs, namespaces, days) and real auditd events from go-libaudit's test logs; every
 * expectation is computed here from the input JSON, never read back from the store under test.
 */

import { createReadStream, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventFields } from "../../src/audit/auditd/event-fields.js";
import { readAuditdEvents } from "../../src/audit/auditd/log-reader.js";
import type { AuditEvent, JsonObject } from "../../src/audit/event.js";
import { parseAuditEvents } from "../../src/audit/event-input.js";
import { storedAlert, storedAuditdEvent, storedK8sEvent } from "../../src/audit/store/from-events.js";
import { dayKey } from "../../src/audit/store/partition.js";
import { PostgresAuditStore } from "../../src/audit/store/postgres.js";
import type { AuditStore, StoredAlert, StoredEvent } from "../../src/audit/store/records.js";
import { SqliteAuditStore } from "../../src/audit/store/sqlite.js";
import { ShipshapeError } from "../../src/errors.js";
import { startPostgres, type TestPostgres } from "../helpers/postgres.js";
import { dataPath } from "../helpers/shared.js";

const DAY = 86_400_000;
const BASE = Date.UTC(2026, 10, 20, 0, 30); // 2026-11-20T00:30Z
const USERS = ["alice", "bob", "system:serviceaccount:kube-system:deployer"];
const VERBS = ["get", "delete", "create", "list"];
const RESOURCES = ["secrets", "pods", "configmaps"];
const NAMESPACES = ["default", "kube-system", "payments"];

/** Real events, and 120 variants of the first real one spread over 5 days. */
async function k8sInput(): Promise<{ raw: JsonObject[]; events: AuditEvent[] }> {
  const text = readFileSync(dataPath("audit", "k8s", "test-audit.log"));
  const real = (await parseAuditEvents(text)).events.map((e) => e.event);
  const template = real[0] as AuditEvent;
  const variants: JsonObject[] = [];
  for (let i = 0; i < 120; i++) {
    const t = new Date(BASE + i * hourStep()).toISOString().replace(/\.000Z$/, ".123456Z");
    variants.push({
      ...template.raw,
      auditID: `variant-${i}`,
      stage: "ResponseComplete",
      verb: VERBS[i % VERBS.length] as string,
      user: { username: USERS[i % USERS.length] as string, groups: ["system:authenticated"] },
      objectRef: {
        resource: RESOURCES[i % RESOURCES.length] as string,
        namespace: NAMESPACES[Math.floor(i / 4) % NAMESPACES.length] as string,
        name: `obj-${i}`,
        apiVersion: "v1",
      },
      requestReceivedTimestamp: t,
      stageTimestamp: t,
    });
  }
  const parsed = (await parseAuditEvents(variants.map((v) => JSON.stringify(v)).join("\n"))).events.map(
    (e) => e.event,
  );
  return { raw: variants, events: [...real, ...parsed] };
}

function hourStep(): number {
  return 60 * 60 * 1000; // 120 hours = 5 days
}

async function auditdRows(): Promise<StoredEvent[]> {
  const rows: StoredEvent[] = [];
  const path = dataPath("audit", "auditd", "go-libaudit", "testdata", "normal.log");
  for await (const e of readAuditdEvents(createReadStream(path))) {
    rows.push(storedAuditdEvent(eventFields(e), JSON.stringify(e.records.map((r) => r.raw))));
  }
  return rows;
}

interface Backend {
  name: string;
  open(): Promise<AuditStore>;
  reopen(): Promise<AuditStore>;
  teardown(): Promise<void>;
}

let pgServer: TestPostgres | undefined;
let dir = "";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "shipshape-audit-store-"));
  pgServer = await startPostgres();
}, 120_000);

afterAll(async () => {
  await pgServer?.stop();
  await rm(dir, { recursive: true, force: true });
});

const backends: Backend[] = [
  {
    name: "sqlite",
    open: async () => SqliteAuditStore.open(join(dir, "audit.sqlite")),
    reopen: async () => SqliteAuditStore.open(join(dir, "audit.sqlite")),
    teardown: async () => {},
  },
  {
    name: "postgres",
    open: async () =>
      PostgresAuditStore.open(await (pgServer as TestPostgres).createDatabase("audit_contract")),
    reopen: async () =>
      PostgresAuditStore.open(
        `postgres://postgres@127.0.0.1:${(pgServer as TestPostgres).port}/audit_contract`,
      ),
    teardown: async () => {},
  },
];

const answers = new Map<string, unknown[]>();

describe.each(backends)("audit store contract: $name", (backend) => {
  let store: AuditStore;
  let input: { raw: JsonObject[]; events: AuditEvent[] };
  let rows: StoredEvent[];
  const received = Date.UTC(2026, 10, 29);

  beforeAll(async () => {
    store = await backend.open();
    input = await k8sInput();
    rows = input.events.map((e) => storedK8sEvent(e, received));
  }, 60_000);
  afterAll(async () => {
    await store.close();
  });

  it("ingests every (auditID, stage, time) once and resolves only once committed", async () => {
    // Elastic's samples reuse one auditID for different requests: the time tells them apart.
    const distinct = new Set(input.events.map((e) => `${e.auditID}\u0000${e.stage}\u0000${e.time}`));
    const result = await store.ingest({ events: rows, alerts: [] });
    expect(result.events).toBe(distinct.size);
    // Another connection sees the rows at once: the ingest resolved after the commit.
    const other = await backend.reopen();
    try {
      expect((await other.queryEvents({ limit: 10_000 })).length).toBe(distinct.size);
    } finally {
      await other.close();
    }
    // Delivered again (a webhook retry): nothing new.
    expect((await store.ingest({ events: rows, alerts: [] })).events).toBe(0);
  });

  it("has one partition per UTC day of the events", async () => {
    const days = [...new Set(rows.map((r) => dayKey(r.time)))].sort();
    expect(await store.partitions()).toEqual(days);
    expect(days.length).toBeGreaterThanOrEqual(5);
  });

  it("answers user / verb / resource / namespace / time filters like a filter over the input", async () => {
    const since = BASE + 30 * hourStep();
    const until = BASE + 90 * hourStep();
    for (const user of USERS) {
      for (const verb of ["delete", "get"]) {
        const want = input.raw
          .filter((v) => (v.user as JsonObject).username === user && v.verb === verb)
          .filter((v) => (v.objectRef as JsonObject).resource === "secrets")
          .filter((v) => {
            const t = Date.parse(String(v.stageTimestamp));
            return t >= since && t < until;
          })
          .map((v) => v.auditID)
          .sort();
        const got = await store.queryEvents({ user, verb, resource: "secrets", since, until });
        expect(got.map((e) => e.id).sort(), `${user} ${verb}`).toEqual(want);
        answers.set(`${backend.name}:${user}:${verb}`, got);
      }
    }
    const ns = await store.queryEvents({ namespace: "payments", limit: 10_000 });
    expect(ns.map((e) => e.id).sort()).toEqual(
      input.raw
        .filter((v) => (v.objectRef as JsonObject).namespace === "payments")
        .map((v) => String(v.auditID))
        .sort(),
    );
    // Rows come back in time order and keep the event's JSON.
    const times = ns.map((e) => e.time);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(JSON.parse((ns[0] as StoredEvent).raw).objectRef.namespace).toBe("payments");
    // The real sample events are there with their own fields.
    const real = input.events[0] as AuditEvent;
    const stored = await store.queryEvents({ user: real.username as string, limit: 10_000 });
    expect(stored.some((e) => e.id === real.auditID && e.verb === real.verb)).toBe(true);
  });

  it("honours the limit", async () => {
    expect((await store.queryEvents({ limit: 7 })).length).toBe(7);
  });

  it("stores alerts with their event's who/what, filtered by rule and least priority", async () => {
    const byId = new Map(rows.map((r) => [r.id, r]));
    const lines = input.raw.slice(0, 40).map((v, i) => ({
      rule: i % 2 === 0 ? "K8s Secret Deleted" : "Attach/Exec Pod",
      priority: i % 3 === 0 ? "WARNING" : i % 3 === 1 ? "NOTICE" : "CRITICAL",
      time: String(v.stageTimestamp),
      output: `alert ${i}`,
      auditID: String(v.auditID),
    }));
    const alerts: StoredAlert[] = lines.map((l) => storedAlert(l, byId.get(l.auditID), received));
    expect((await store.ingest({ events: [], alerts })).alerts).toBe(40);
    expect((await store.ingest({ events: [], alerts })).alerts).toBe(0);
    const warnOrWorse = await store.queryAlerts({ minPriority: "warning", rule: "K8s Secret Deleted" });
    expect(warnOrWorse.map((a) => a.output).sort()).toEqual(
      lines
        .filter((l) => l.rule === "K8s Secret Deleted" && l.priority !== "NOTICE")
        .map((l) => l.output)
        .sort(),
    );
    const bob = await store.queryAlerts({ user: "bob", limit: 1000 });
    expect(bob.length).toBe(lines.filter((l) => (byId.get(l.auditID) as StoredEvent).user === "bob").length);
    expect(bob.every((a) => a.user === "bob")).toBe(true);
    await expect(store.queryAlerts({ minPriority: "loud" })).rejects.toThrow(/not one of Falco's/);
  });

  it("stores auditd events next to Kubernetes ones", async () => {
    const auditd = await auditdRows();
    expect((await store.ingest({ events: auditd, alerts: [] })).events).toBe(auditd.length);
    const got = await store.queryEvents({ source: "auditd", verb: "execve", limit: 1000 });
    expect(got.map((e) => e.id).sort()).toEqual(
      auditd
        .filter((e) => e.verb === "execve")
        .map((e) => e.id)
        .sort(),
    );
    expect(got.length).toBeGreaterThan(0);
    answers.set(`${backend.name}:auditd`, got);
  });

  it("refuses times no day partition can hold", async () => {
    const bad = { ...(rows[0] as StoredEvent), id: "bad", time: Number.NaN };
    await expect(store.ingest({ events: [bad], alerts: [] })).rejects.toThrow(ShipshapeError);
  });

  it("drops whole days past the retention window and keeps the rest", async () => {
    const before = await store.partitions();
    const now = BASE + 3 * DAY + 12 * 3600_000; // day 3 at noon: 2 days' retention keeps days 1–3
    const dropped = await store.applyRetention(2, now);
    const want = before.filter(
      (d) => Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8)) + DAY <= now - 2 * DAY,
    );
    expect(dropped).toEqual(want);
    expect(dropped.length).toBeGreaterThan(0);
    expect(await store.partitions()).toEqual(before.filter((d) => !want.includes(d)));
    const left = await store.queryEvents({ limit: 10_000 });
    expect(left.every((e) => !want.includes(dayKey(e.time)))).toBe(true);
    expect(left.length).toBeGreaterThan(0);
  });
});

describe("both stores", () => {
  it("gave the same answers", () => {
    for (const [key, value] of answers) {
      if (!key.startsWith("sqlite:")) continue;
      expect(answers.get(key.replace(/^sqlite:/, "postgres:")), key).toEqual(value);
    }
    expect(answers.size).toBeGreaterThan(4);
  });
});
