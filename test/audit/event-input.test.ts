import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type EventInputProblem,
  openAuditInput,
  parseAuditEvents,
  readAuditEvents,
} from "../../src/audit/event-input.js";
import { ShipshapeError } from "../../src/errors.js";
import { dataPath } from "../helpers/shared.js";

const auditLog = dataPath("audit", "k8s", "test-audit.log");
const aksLog = dataPath("audit", "k8s", "test-kube-audit.log");
const aksExpected = JSON.parse(
  readFileSync(dataPath("audit", "k8s", "test-kube-audit.log-expected.json"), "utf8"),
) as { expected: { kubernetes: { audit: Record<string, unknown> } }[] };

/** The Events of the real log, parsed independently of the reader (JSON.parse per line). */
function realEvents(): Record<string, unknown>[] {
  return readFileSync(auditLog, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((o) => o.kind === "Event");
}

async function readAll(bytes: Buffer | string, maxValueBytes?: number) {
  return parseAuditEvents(bytes, maxValueBytes === undefined ? {} : { maxValueBytes });
}

describe("readAuditEvents on the real Elastic samples", () => {
  it("reads the plain Events, unwraps the AKS record and reports the GKE line by number", async () => {
    const { events, problems } = await readAll(readFileSync(auditLog));
    const plain = realEvents();
    expect(events.slice(0, 3).map((e) => e.event.raw)).toEqual(plain);
    expect(events.map((e) => e.origin.line)).toEqual([1, 2, 3, 5]);
    // Line 5 is an AKS diagnostic record: its properties.log string is the Event.
    const line5 = JSON.parse(readFileSync(auditLog, "utf8").split("\n")[4]!) as {
      properties: { log: unknown };
    };
    expect(events[3]!.event.raw).toEqual(line5.properties.log);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 4 });
    expect(problems[0]!.reason).toMatch(/Google Cloud audit log/);
  });

  it("matches Elastic's expected fields for the AKS kube-audit sample", async () => {
    const { events, problems } = await readAll(readFileSync(aksLog));
    expect(problems).toEqual([]);
    expect(events).toHaveLength(1);
    const want = aksExpected.expected[0]!.kubernetes.audit as {
      auditID: string;
      verb: string;
      stage: string;
      requestURI: string;
      stageTimestamp: string;
      user: { username: string; groups: string[] };
      objectRef: Record<string, string>;
      responseStatus: { code: number };
    };
    const e = events[0]!.event;
    expect(e.auditID).toBe(want.auditID);
    expect(e.verb).toBe(want.verb);
    expect(e.stage).toBe(want.stage);
    expect(e.requestURI).toBe(want.requestURI);
    expect(e.time).toBe(want.stageTimestamp);
    expect(e.username).toBe(want.user.username);
    expect(e.groups).toEqual(want.user.groups);
    expect(e.objectRef).toEqual({
      resource: want.objectRef.resource,
      namespace: want.objectRef.namespace,
      name: want.objectRef.name,
      apiGroup: want.objectRef.apiGroup,
      apiVersion: want.objectRef.apiVersion,
    });
    expect(e.responseCode).toBe(want.responseStatus.code);
  });
});

describe("input shapes", () => {
  const plain = realEvents();

  it("gzip, JSON array, EventList and pretty-printed documents give the same events", async () => {
    const jsonl = `${plain.map((o) => JSON.stringify(o)).join("\n")}\n`;
    const shapes: [string, Buffer | string][] = [
      ["jsonl", jsonl],
      ["gzip", gzipSync(jsonl)],
      ["gzip multi-member", Buffer.concat([gzipSync(jsonl.slice(0, 10)), gzipSync(jsonl.slice(10))])],
      ["array one line", JSON.stringify(plain)],
      ["array pretty", JSON.stringify(plain, null, 2)],
      [
        "EventList one line",
        JSON.stringify({ kind: "EventList", apiVersion: "audit.k8s.io/v1", items: plain }),
      ],
      [
        "EventList pretty",
        JSON.stringify({ kind: "EventList", apiVersion: "audit.k8s.io/v1", items: plain }, null, 2),
      ],
      ["pretty documents", plain.map((o) => JSON.stringify(o, null, 2)).join("\n")],
      ["CRLF + BOM", `\ufeff${jsonl.replaceAll("\n", "\r\n")}`],
    ];
    for (const [name, bytes] of shapes) {
      const { events, problems } = await readAll(typeof bytes === "string" ? Buffer.from(bytes) : bytes);
      expect(problems, name).toEqual([]);
      expect(
        events.map((e) => e.event.raw),
        name,
      ).toEqual(plain);
    }
  });

  it("pretty-printed documents keep each value's starting line", async () => {
    const text = plain.map((o) => JSON.stringify(o, null, 2)).join("\n");
    const starts = [1];
    for (const o of plain.slice(0, -1))
      starts.push(starts.at(-1)! + JSON.stringify(o, null, 2).split("\n").length);
    const { events } = await readAll(Buffer.from(text));
    expect(events.map((e) => e.origin.line)).toEqual(starts);
  });

  it("counts malformed lines with their numbers and keeps going", async () => {
    const good = plain.map((o) => JSON.stringify(o));
    const lines = [
      good[0],
      "this is not json",
      good[1]!.slice(0, 40), // truncated
      '{"kind":"Pod","apiVersion":"v1"}',
      '{"kind":"Event","auditID":"x"}', // missing stage/verb/requestURI
      "[1, 2]",
      good[2],
      "",
      '{"kind":"EventList","items":"nope"}',
    ];
    const { events, problems } = await readAll(Buffer.from(lines.join("\n")));
    expect(events.map((e) => e.origin.line)).toEqual([1, 7]);
    expect(problems.map((p) => p.line)).toEqual([2, 3, 4, 5, 6, 6, 9]);
    expect(problems[0]!.reason).toMatch(/^not JSON/);
    expect(problems[2]!.reason).toMatch(/kind: is not "Event"/);
    expect(problems[3]!.reason).toMatch(/stage is missing/);
    expect(problems[6]!.reason).toMatch(/EventList without an items array/);
  });

  it("a line over the size cap is reported and skipped, the next one is read", async () => {
    const good = JSON.stringify(plain[0]);
    const huge = `{"kind":"Event","pad":"${"x".repeat(5000)}"}`;
    const { events, problems } = await readAll(Buffer.from([huge, good, huge].join("\n")), 2048);
    expect(events.map((e) => e.origin.line)).toEqual([2]);
    expect(problems).toEqual([
      { source: "input", line: 1, reason: "line longer than 2048 bytes" },
      { source: "input", line: 3, reason: "line longer than 2048 bytes" },
    ]);
  });

  it("a document truncated mid-value is reported, the values before it kept", async () => {
    const text = JSON.stringify(plain, null, 2);
    const cut = text.slice(0, text.lastIndexOf('"auditID"'));
    const { events, problems } = await readAll(Buffer.from(cut));
    expect(events.map((e) => e.event.raw)).toEqual(plain.slice(0, -1));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.reason).toMatch(/ends inside|unterminated/);
  });

  it("a corrupt gzip stream is an input error naming the source", async () => {
    const gz = gzipSync(JSON.stringify(plain[0]));
    const broken = Buffer.concat([gz.subarray(0, 12), Buffer.alloc(40, 0x55)]);
    async function* one() {
      yield broken;
    }
    await expect(async () => {
      for await (const _ of readAuditEvents(one(), { source: "x.log.gz" })) {
        // drain
      }
    }).rejects.toThrow(/x\.log\.gz: not a readable gzip stream/);
  });

  it("a missing file is an input error", async () => {
    await expect(openAuditInput("/nonexistent/audit.log")).rejects.toBeInstanceOf(ShipshapeError);
  });

  it("reads a file in small chunks the same as whole", async () => {
    const { chunks } = await openAuditInput(auditLog);
    const all: string[] = [];
    for await (const e of readAuditEvents(chunks, { source: auditLog })) all.push(e.event.auditID);
    const bytes = readFileSync(auditLog);
    async function* dribble() {
      for (let i = 0; i < bytes.length; i += 7) yield bytes.subarray(i, i + 7);
    }
    const small: string[] = [];
    for await (const e of readAuditEvents(dribble())) small.push(e.event.auditID);
    expect(small).toEqual(all);
    expect(all).toHaveLength(4);
  });
});

describe("fuzz", () => {
  const goodLine = JSON.stringify(realEvents()[0]);

  it("never throws on arbitrary bytes, and every line is an event or a problem", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), async (bytes) => {
        const problems: EventInputProblem[] = [];
        async function* one() {
          yield bytes;
        }
        let n = 0;
        try {
          for await (const _ of readAuditEvents(one(), { onProblem: (p) => problems.push(p) })) n++;
        } catch (err) {
          // Only a gzip-looking input may fail as a whole.
          expect(err).toBeInstanceOf(ShipshapeError);
          expect(bytes[0]).toBe(0x1f);
        }
        expect(n).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it("intact lines survive any corruption of the lines around them", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.constant(null), fc.string({ maxLength: 60 })), { minLength: 1, maxLength: 12 }),
        async (slots) => {
          // null = an intact Event line; a string = a garbage line (newlines removed).
          const lines = slots.map((s) => (s === null ? goodLine : s.replace(/[\r\n]/g, " ")));
          const { events } = await readAll(Buffer.from(lines.join("\n")));
          const intact = slots.flatMap((s, i) => (s === null ? [i + 1] : []));
          // Garbage that happens to be an Event is impossible here (no auditID), so exactly the intact lines come out,
          // unless the very first line opens a multi-line document.
          const first = lines.find((l) => l.trim() !== "")?.trim() ?? "";
          if (first !== "{" && !first.startsWith("[")) {
            expect(events.map((e) => e.origin.line)).toEqual(intact);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
