/**
 * auditd records grouped into events: elastic/go-libaudit's reassembler inputs (normal, interleaved
 * out of order, lost messages, serial rollover) with the sequences, record counts and lost-event
 * counts its own test expects (testdata/EXPECTED_from_reassembler_test.go.txt). Its aucoalesce
 * golden files (whole normalized events) are matched in auditd-normalize.test.ts.
 */
import { createReadStream, readFileSync } from "node:fs";
import { Readable } from "node:stream";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type AuditdEvent, AuditdEventAssembler } from "../../src/audit/auditd/assembler.js";
import { eventFields } from "../../src/audit/auditd/event-fields.js";
import { newReadStats, readAuditdEvents } from "../../src/audit/auditd/log-reader.js";
import { type AuditdRecord, parseAuditdLine } from "../../src/audit/auditd/record.js";
import { dataPath } from "../helpers/shared.js";

const root = dataPath("audit", "auditd", "go-libaudit");

async function collect(chunks: AsyncIterable<Buffer | string>, options = {}) {
  const stats = newReadStats();
  const events: AuditdEvent[] = [];
  for await (const e of readAuditdEvents(chunks, stats, options)) events.push(e);
  return { events, stats };
}

/** The expectations of go-libaudit's TestReassembler, read from its test source. */
function reassemblerExpectations(): Map<string, { dropped: number; events: [number, number][] }> {
  const text = readFileSync(`${root}/testdata/EXPECTED_from_reassembler_test.go.txt`, "utf8");
  const out = new Map<string, { dropped: number; events: [number, number][] }>();
  for (const m of text.matchAll(
    /testdata\/(\w+)\.log", &results\{\s*dropped: (\d+),\s*events: \[\]eventMeta\{([^}]*(?:\}[^}]*)*?)\s*\},\s*\}\)/g,
  )) {
    const events = [...(m[3] as string).matchAll(/\{seq: (\d+), count: (\d+)\}/g)].map(
      (e) => [Number(e[1]), Number(e[2])] as [number, number],
    );
    out.set(m[1] as string, { dropped: Number(m[2]), events });
  }
  return out;
}

describe("event grouping matches go-libaudit's reassembler test", () => {
  const expected = reassemblerExpectations();
  it("read the four cases from the test source", () => {
    expect([...expected.keys()].sort()).toEqual(["lost_messages", "normal", "out_of_order", "rollover"]);
  });
  for (const [name, want] of expected) {
    it(name, async () => {
      const { events, stats } = await collect(createReadStream(`${root}/testdata/${name}.log`));
      expect(events.map((e) => [e.sequence, e.records.length])).toEqual(want.events);
      expect(stats.lost).toBe(want.dropped);
      expect(stats.malformed).toBe(0);
    });
  }

  it("gives the same events whatever the chunking of the input", async () => {
    const text = readFileSync(`${root}/testdata/out_of_order.log`);
    const whole = (await collect(Readable.from([text]))).events.map((e) => e.records.map((r) => r.raw));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 30 }),
        async (sizes) => {
          const chunks: Buffer[] = [];
          for (let at = 0, i = 0; at < text.length; i++) {
            const size = sizes[i % sizes.length] as number;
            chunks.push(text.subarray(at, at + size));
            at += size;
          }
          const got = (await collect(Readable.from(chunks))).events.map((e) => e.records.map((r) => r.raw));
          expect(got).toEqual(whole);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("completes an event at EOE, and holds at most maxInFlight events open", async () => {
    const lines = [
      'type=SYSCALL msg=audit(100.000:10): arch=c000003e syscall=59 success=yes exit=0 pid=1 comm="a"',
      'type=SYSCALL msg=audit(100.000:11): arch=c000003e syscall=59 success=yes exit=0 pid=2 comm="b"',
      "type=EOE msg=audit(100.000:11):",
      'type=CWD msg=audit(100.000:10): cwd="/"',
      "type=EOE msg=audit(100.000:10):",
    ];
    // With room for both, 10 completes after its EOE and comes out before 11 (serial order).
    const roomy = await collect(Readable.from([`${lines.join("\n")}\n`]), { maxInFlight: 4 });
    expect(roomy.events.map((e) => [e.sequence, e.records.map((r) => r.type)])).toEqual([
      [10, ["SYSCALL", "CWD"]],
      [11, ["SYSCALL"]],
    ]);
    // With room for one, 10 is pushed out when 11 opens: its late CWD starts a new event.
    const tight = await collect(Readable.from([`${lines.join("\n")}\n`]), { maxInFlight: 1 });
    expect(tight.events.map((e) => [e.sequence, e.records.length])).toEqual([
      [10, 1],
      [11, 1],
      [10, 1],
    ]);
    // The continuation is its own event, numbered so that it never takes the first part's id.
    expect(tight.events.map((e) => e.part)).toEqual([undefined, undefined, 2]);
    expect(eventFields(tight.events[2] as AuditdEvent).id).toBe(":100000:10#2");
  });

  it("bounds the record text held open: records per event and bytes in flight", () => {
    const big = "x".repeat(1000);
    const assembler = new AuditdEventAssembler({
      maxInFlight: 1000,
      maxBytesInFlight: 25_000,
      maxRecordsPerEvent: 8,
    });
    let mostOpen = 0;
    const done: AuditdEvent[] = [];
    for (let serial = 1; serial <= 20; serial++) {
      for (let r = 0; r < 10; r++) {
        const record = parseAuditdLine(`type=PATH msg=audit(100.000:${serial}): item=${r} name="${big}"`);
        done.push(...assembler.push(record as AuditdRecord));
        mostOpen = Math.max(mostOpen, assembler.openEvents);
      }
    }
    done.push(...assembler.flush());
    // ~8 KB per event (8 records kept of 10): at most 4 open under a 25 KB cap, not all 20.
    expect(mostOpen).toBeLessThanOrEqual(4);
    expect(assembler.droppedRecords).toBe(40);
    expect(done.map((e) => [e.sequence, e.records.length])).toEqual(
      Array.from({ length: 20 }, (_, i) => [i + 1, 8]),
    );
  });

  it("completes an open event once the log's clock has moved past the timeout", async () => {
    const text = [
      "type=SYSCALL msg=audit(100.000:10): arch=c000003e syscall=59 success=yes exit=0",
      "type=SYSCALL msg=audit(101.000:11): arch=c000003e syscall=59 success=yes exit=0",
      "type=SYSCALL msg=audit(105.000:12): arch=c000003e syscall=59 success=yes exit=0",
    ].join("\n");
    const seen: number[][] = [];
    const stats = newReadStats();
    const gen = readAuditdEvents(Readable.from([text]), stats, { timeoutMs: 2000, maxInFlight: 100 });
    const first = await gen.next();
    // 10 and 11 are complete by time (105 − 100, 105 − 101 > 2 s) before the input ends.
    expect(first.value?.sequence).toBe(10);
    for await (const e of gen) seen.push([e.sequence]);
    expect(seen).toEqual([[11], [12]]);
  });

  it("counts malformed and overlong lines with their numbers and goes on", async () => {
    const text = [
      "type=SYSCALL msg=audit(100.000:10): arch=c000003e syscall=59 success=yes exit=0",
      "garbage",
      `type=PATH msg=audit(100.000:10): name="${"x".repeat(5000)}"`,
      "type=SYSCALL msg=audit(not-a-time): x=1",
      "type=PROCTITLE msg=audit(100.000:10): proctitle=6C73",
    ].join("\n");
    const { events, stats } = await collect(Readable.from([text]), { maxLineBytes: 1024 });
    expect(stats.malformed).toBe(3);
    expect(stats.malformedLines).toEqual([2, 3, 4]);
    expect(events.map((e) => e.records.map((r) => r.type))).toEqual([["SYSCALL", "PROCTITLE"]]);
  });
});
