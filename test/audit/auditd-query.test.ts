/**
 * `audit ingest` then `audit query --source auditd` (the built CLI on a SQLite store): each auditd
 * event comes back with who did what to what — the summary go-libaudit's aucoalesce gives the same
 * records, read from its golden files (not from our normalizer).
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { runCli } from "../helpers/cli.js";
import { dataPath } from "../helpers/shared.js";

const casesDir = dataPath("audit", "auditd", "go-libaudit", "aucoalesce", "testdata");

interface GoldenEvent {
  "@timestamp": string;
  sequence: number;
  summary: unknown;
}

let dir = "";
const expected = new Map<string, unknown>();
let log = "";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "shipshape-auditd-query-"));
  const blocks: [number, string][] = [];
  for (const file of readdirSync(casesDir).filter((f) => f.endsWith(".yaml"))) {
    const tests = (parseYaml(readFileSync(join(casesDir, file), "utf8")) as { tests: Record<string, string> })
      .tests;
    const golden = JSON.parse(
      readFileSync(join(casesDir, file.replace(/\.yaml$/, ".json.golden")), "utf8"),
    ) as {
      test_name: string;
      event: GoldenEvent;
    }[];
    for (const { test_name: name, event } of golden) {
      // The store's id for an auditd event: node:ms-time:serial (these logs have no node).
      const key = `:${Date.parse(event["@timestamp"])}:${event.sequence}`;
      expect(expected.has(key), `${file}: ${name} shares its serial and time with another case`).toBe(false);
      expected.set(key, event.summary);
      blocks.push([Date.parse(event["@timestamp"]), (tests[name] as string).trim()]);
    }
  }
  log = join(dir, "audit.log");
  // In time order, as auditd writes them (the assembler times events out by the log's own clock).
  blocks.sort((a, b) => a[0] - b[0]);
  writeFileSync(log, `${blocks.map(([, text]) => text).join("\n")}\n`);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("audit query shows auditd events' normalized summary", () => {
  it("gives each stored auditd event go-libaudit's summary, in JSON and in the table", () => {
    const store = join(dir, "store.db");
    const ingest = runCli(["audit", "ingest", "--store", store, log]);
    expect(ingest.code, ingest.stderr).toBe(0);
    const query = runCli(["audit", "query", "--store", store, "--source", "auditd", "--format", "json"]);
    expect(query.code, query.stderr).toBe(0);
    const rows = query.stdout
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as { id: string; summary?: unknown });
    expect(rows.length).toBe(expected.size);
    for (const row of rows) expect(row.summary, row.id).toEqual(expected.get(row.id));

    const table = runCli(["audit", "query", "--store", store, "--source", "auditd", "--verb", "execve"]);
    expect(table.code, table.stderr).toBe(0);
    const execs = table.stdout.split("\n").filter((l) => /\bexecve\b/.test(l));
    expect(execs.length).toBeGreaterThan(0);
    for (const line of execs) expect(line).toMatch(/\(\S+ as \S+: executed file \/\S+.* via \S+\)$/);
  });
});
