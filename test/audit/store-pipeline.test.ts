/**
 * The ingest pipeline's group commit on a real SQLite store: concurrent batches share transactions
 * (fewer commits than batches), each caller gets its own counts and resolves only once its rows
 * are committed, and a batch the store refuses fails alone, not its neighbours.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditdEvent } from "../../src/audit/auditd/assembler.js";
import { parseAuditdLine } from "../../src/audit/auditd/record.js";
import type { AuditEvent } from "../../src/audit/event.js";
import { parseAuditEvents } from "../../src/audit/event-input.js";
import { AuditIngestPipeline } from "../../src/audit/store/pipeline.js";
import type { AuditStore, IngestBatch } from "../../src/audit/store/records.js";
import { SqliteAuditStore } from "../../src/audit/store/sqlite.js";
import { ShipshapeError } from "../../src/errors.js";
import { dataPath } from "../helpers/shared.js";

let dir = "";
let sample: AuditEvent[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "shipshape-pipeline-"));
  sample = (await parseAuditEvents(readFileSync(dataPath("audit", "k8s", "test-audit.log")))).events.map(
    (e) => e.event,
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function counting(store: AuditStore): { store: AuditStore; commits: number[] } {
  const commits: number[] = [];
  const wrapped = Object.assign(Object.create(store) as AuditStore, {
    ingestMany: async (batches: readonly IngestBatch[]) => {
      commits.push(batches.length);
      return store.ingestMany(batches);
    },
  });
  return { store: wrapped, commits };
}

describe("ingest pipeline group commit", () => {
  it("commits concurrent batches together, each with its own counts", async () => {
    const real = SqliteAuditStore.open(join(dir, "group.sqlite"));
    const { store, commits } = counting(real);
    const pipeline = new AuditIngestPipeline(store);
    const batches = Array.from({ length: 40 }, (_, b) =>
      sample.map((e, i) => ({ ...e, auditID: `g-${b}-${i}` })),
    );
    // Batch 7 repeats batch 6: nothing of it is new.
    batches[7] = batches[6] as AuditEvent[];
    const results = await Promise.all(batches.map((b) => pipeline.ingestK8s(b)));
    const distinct = (b: AuditEvent[]) => new Set(b.map((e) => `${e.auditID}|${e.time}`)).size;
    expect(results.map((r) => r.events)).toEqual(batches.map((b, i) => (i === 7 ? 0 : distinct(b))));
    expect(results.every((r, i) => r.received === (batches[i] as AuditEvent[]).length)).toBe(true);
    expect(commits.reduce((a, b) => a + b, 0)).toBe(40);
    expect(commits.length).toBeLessThan(40);
    expect((await real.queryEvents({ limit: 100_000 })).length).toBe(
      batches.reduce((n, b, i) => n + (i === 7 ? 0 : distinct(b)), 0),
    );
    await real.close();
  });

  it("a batch the store refuses fails alone", async () => {
    const real = SqliteAuditStore.open(join(dir, "alone.sqlite"));
    const pipeline = new AuditIngestPipeline(real);
    // An auditd record whose clock is past year 9999: no day partition can hold it.
    const record = parseAuditdLine(
      "type=SYSCALL msg=audit(999999999999.000:5): arch=c000003e syscall=59 success=yes exit=0 pid=1",
    );
    expect(record).toBeDefined();
    const bad: AuditdEvent = {
      sequence: 5,
      time: (record as NonNullable<typeof record>).time,
      records: [record as NonNullable<typeof record>],
    };
    const good = sample.map((e, i) => ({ ...e, auditID: `alone-${i}` }));
    const [a, b, c] = await Promise.allSettled([
      pipeline.ingestK8s(good),
      pipeline.ingestAuditd([bad]),
      pipeline.ingestK8s(good.map((e) => ({ ...e, auditID: `${e.auditID}-2` }))),
    ]);
    expect(a.status).toBe("fulfilled");
    expect(c.status).toBe("fulfilled");
    expect(b.status).toBe("rejected");
    expect((b as PromiseRejectedResult).reason).toBeInstanceOf(ShipshapeError);
    expect(((b as PromiseRejectedResult).reason as Error).message).toMatch(/outside 1970–9999/);
    await real.close();
  });
});
