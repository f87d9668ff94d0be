/**
 * auditd events normalized as elastic/go-libaudit's aucoalesce does: every test case of its
 * aucoalesce golden files (raw grouped messages in *.yaml, the normalized event and the warnings
 * go-libaudit produced in *.json.golden) must come out identical — the whole event, deep equality,
 * and the same warnings. Then properties the golden files do not pin down, against independent
 * statements of the contract, and a fuzz run over hostile records.
 */
import { readdirSync, readFileSync } from "node:fs";
import { Readable } from "node:stream";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import type { AuditdEvent } from "../../src/audit/auditd/assembler.js";
import { newReadStats, readAuditdEvents } from "../../src/audit/auditd/log-reader.js";
import { indexNormalizations, NORMALIZATIONS } from "../../src/audit/auditd/normalizations.js";
import { type NormalizeResult, normalizeAuditdEvent } from "../../src/audit/auditd/normalize.js";
import { type AuditdRecord, parseAuditdLine } from "../../src/audit/auditd/record.js";
import { dataPath } from "../helpers/shared.js";

const dir = dataPath("audit", "auditd", "go-libaudit", "aucoalesce", "testdata");

async function eventsOf(text: string): Promise<AuditdEvent[]> {
  const stats = newReadStats();
  const events: AuditdEvent[] = [];
  for await (const e of readAuditdEvents(Readable.from([text]), stats)) events.push(e);
  expect(stats.malformed).toBe(0);
  return events;
}

function normalized(event: AuditdEvent): NormalizeResult {
  const out = normalizeAuditdEvent(event);
  if ("error" in out) throw new Error(out.error);
  return out;
}

/** An event straight from lines (no assembler), for cases the assembler would split. */
function eventOf(lines: string[]): AuditdEvent {
  const records = lines.map((l) => parseAuditdLine(l) as AuditdRecord);
  const first = records[0] as AuditdRecord;
  return { sequence: first.sequence, time: first.time, records };
}

describe("normalized events equal go-libaudit's aucoalesce golden files", () => {
  const cases = readdirSync(dir).filter((f) => f.endsWith(".yaml"));
  it("covers the eight case files", () => {
    expect(cases.length).toBe(8);
  });
  for (const file of cases) {
    it(file, async () => {
      const tests = (parseYaml(readFileSync(`${dir}/${file}`, "utf8")) as { tests: Record<string, string> })
        .tests;
      const golden = JSON.parse(
        readFileSync(`${dir}/${file.replace(/\.yaml$/, ".json.golden")}`, "utf8"),
      ) as {
        test_name: string;
        event: unknown;
        warnings?: string[];
      }[];
      expect(golden.map((g) => g.test_name).sort()).toEqual(Object.keys(tests).sort());
      for (const { test_name: name, event: want, warnings } of golden) {
        const events = await eventsOf(tests[name] as string);
        expect(events.length, name).toBe(1);
        const got = normalized(events[0] as AuditdEvent);
        // The golden JSON went through Go's encoder; ours through JSON: compare the same way.
        expect(JSON.parse(JSON.stringify(got.event)), name).toEqual(want);
        expect(got.warnings, name).toEqual(warnings ?? []);
      }
    });
  }
});

describe("normalization table", () => {
  it("gives each syscall one normalization and several per record type only with has_fields", () => {
    const index = indexNormalizations(NORMALIZATIONS);
    expect(index.bySyscall.get("execve")?.action).toBe("executed");
    expect(index.byRecordType.get("AVC")?.map((n) => n.action)).toEqual([
      "violated-selinux-policy",
      "violated-apparmor-policy",
    ]);
    expect(() => indexNormalizations([...NORMALIZATIONS, { syscalls: ["execve"] }])).toThrow(/execve/);
    expect(() => indexNormalizations([...NORMALIZATIONS, { recordTypes: ["USER_LOGIN"] }])).toThrow(
      /USER_LOGIN/,
    );
  });
});

describe("normalization details the golden files do not cover", () => {
  it("reads the file object from the PATH record at the normalization's index, past PARENT entries", () => {
    // mkdir: aucoalesce's normalization points at the second PATH record (the created directory).
    const got = normalized(
      eventOf([
        'type=SYSCALL msg=audit(1.000:7): arch=c000003e syscall=83 success=yes exit=0 a0=1 a1=2 a2=3 a3=4 items=2 ppid=1 pid=2 auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=3 comm="mkdir" exe="/usr/bin/mkdir" key="dirs"',
        'type=PATH msg=audit(1.000:7): item=0 name="/tmp" inode=2 dev=08:01 mode=041777 ouid=0 ogid=0 rdev=00:00 nametype=PARENT',
        'type=PATH msg=audit(1.000:7): item=1 name="/tmp/new" inode=9 dev=08:01 mode=040755 ouid=1000 ogid=1000 rdev=00:00 obj=unconfined_u:object_r:user_tmp_t:s0 nametype=CREATE',
      ]),
    ).event;
    expect(got.summary).toEqual({
      actor: { primary: "1000", secondary: "1000" },
      action: "created-directory",
      object: { type: "file", primary: "/tmp/new" },
      how: "/usr/bin/mkdir",
    });
    expect(got.file).toEqual({
      path: "/tmp/new",
      device: "00:00",
      inode: "9",
      mode: "0755",
      uid: "1000",
      gid: "1000",
      selinux: { user: "unconfined_u", role: "object_r", domain: "user_tmp_t", level: "s0" },
    });
    expect(got.ecs.event).toEqual({ category: ["file"], type: ["creation"] });
  });

  it("takes a sendto's SOCKADDR as the destination and an accept's as the source", () => {
    const base = (syscall: number) => [
      `type=SYSCALL msg=audit(1.000:8): arch=c000003e syscall=${syscall} success=yes exit=0 a0=1 a1=2 a2=3 a3=4 items=0 ppid=1 pid=2 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm="curl" exe="/usr/bin/curl"`,
      // AF_INET 10.1.2.3:443
      "type=SOCKADDR msg=audit(1.000:8): saddr=020001BB0A0102030000000000000000",
    ];
    const sent = normalized(eventOf(base(44))).event;
    expect(sent.destination).toEqual({ ip: "10.1.2.3", port: "443" });
    expect(sent.network).toEqual({ direction: "egress" });
    expect(sent.summary.object).toEqual({ type: "socket", primary: "10.1.2.3", secondary: "443" });
    const accepted = normalized(eventOf(base(43))).event;
    expect(accepted.source).toEqual({ ip: "10.1.2.3", port: "443" });
    expect(accepted.network).toEqual({ direction: "ingress" });
  });

  it("categorises a record that came with a syscall as both, and a failed one as a failure", () => {
    const got = normalized(
      eventOf([
        "type=USER_CMD msg=audit(1.000:9): pid=5 uid=1000 auid=1000 ses=2 msg='cwd=\"/\" cmd=6C73 terminal=pts/0 res=failed'",
        'type=SYSCALL msg=audit(1.000:9): arch=c000003e syscall=59 success=no exit=-13 a0=1 a1=2 a2=3 a3=4 items=0 ppid=1 pid=5 auid=1000 uid=1000 gid=1000 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=2 comm="sudo" exe="/usr/bin/sudo"',
      ]),
    );
    expect(got.event.record_type).toBe("user_cmd");
    expect(got.event.category).toBe("user-space");
    expect(got.event.summary.action).toBe("ran-command");
    expect(got.event.summary.object).toEqual({ type: "process", primary: "ls" });
    expect(got.event.ecs.event).toEqual({
      category: ["process", "process"],
      type: ["start", "start"],
      outcome: "failure",
    });
    // The USER_CMD record's own pid/uid/auid/ses are kept beside the syscall's (not overwritten).
    expect(got.warnings).toContain("duplicate key (pid) from USER_CMD message");
    expect(got.event.data?.auid).toBe("1000");
  });

  it("refuses a compound event without a SYSCALL record, as aucoalesce does", () => {
    const out = normalizeAuditdEvent(
      eventOf([
        'type=CWD msg=audit(1.000:10): cwd="/"',
        "type=PROCTITLE msg=audit(1.000:10): proctitle=6C73",
      ]),
    );
    expect(out).toEqual({ error: "missing syscall message in compound event" });
  });

  it("keeps a record that failed to parse as a warning, not an exception", () => {
    const got = normalized(eventOf(["type=SYSCALL msg=audit(1.000:11): syscall=59 success=yes"]));
    expect(got.warnings).toEqual(["arch key not found", "no normalization found for event"]);
    expect(got.event.result).toBeUndefined();
    expect(got.event.session).toBe("");
  });
});

describe("hostile records", () => {
  const types = ["SYSCALL", "PATH", "EXECVE", "SOCKADDR", "USER_LOGIN", "AVC", "CWD", "PROCTITLE", "LOGIN"];
  const value = fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.constantFrom(
      "4294967295",
      "-1",
      "0",
      "0100644",
      "777777777777777777777777",
      "c000003e",
      "59",
      "(null)",
    ),
    fc.stringMatching(/^[0-9A-F]{0,24}$/),
  );
  const key = fc.constantFrom(
    "arch",
    "syscall",
    "success",
    "auid",
    "uid",
    "ses",
    "pid",
    "exe",
    "comm",
    "name",
    "mode",
    "nametype",
    "argc",
    "a0",
    "a1",
    "saddr",
    "addr",
    "acct",
    "terminal",
    "key",
    "apparmor",
    "seresult",
  );
  const record = fc.record({
    type: fc.constantFrom(...types),
    fields: fc.array(fc.tuple(key, value), { maxLength: 8 }),
  });

  it("never throws and always returns a document or the compound-event error", () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 6 }), (recs) => {
        const lines = recs.map(
          ({ type, fields }) =>
            `type=${type} msg=audit(5.000:42): ${fields.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(" ")}`,
        );
        const out = normalizeAuditdEvent(eventOf(lines));
        if ("error" in out) {
          expect(out.error).toBe("missing syscall message in compound event");
          expect(recs.length).toBeGreaterThan(1);
          expect(recs.some((r) => r.type === "SYSCALL")).toBe(false);
          return;
        }
        expect(out.event.sequence).toBe(42);
        expect(out.event["@timestamp"]).toBe("1970-01-01T00:00:05Z");
        expect(JSON.parse(JSON.stringify(out.event))).toEqual(out.event);
      }),
      { numRuns: 300 },
    );
  });
});
