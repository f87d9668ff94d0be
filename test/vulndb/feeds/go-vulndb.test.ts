/**
 * The Go vulndb importer on real data: the whole feed (4,291 records) in seconds, from the repository
 * layout and from a zip archive in vuln.go.dev's `vulndb.zip` layout (made here with Info-ZIP's
 * `zip`); vunnel's expected transformation of two records (its snapshots carry the OSV record plus
 * the fix it derives: version and date) compared with ours: id, aliases, range events, fixed version
 * and fix date; trivy-db's govulndb fixtures (happy and the sad, truncated one).
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GO_VULNDB } from "../../../src/vulndb/feeds/go-vulndb.js";
import { dataPath } from "../../helpers/shared.js";
import { MemorySession, testContext } from "./build-store.js";

const feed = dataPath("vuln", "feeds", "golang-vulndb");
const vunnel = dataPath("vuln", "fixtures", "vunnel-fixtures", "govulndb", "test-fixtures");

async function importGo(inputs: string[]) {
  const session = new MemorySession();
  const warnings: string[] = [];
  const result = await GO_VULNDB.import(inputs, session, testContext(warnings));
  return { session, warnings, result };
}

interface Snapshot {
  item: {
    id: string;
    aliases?: string[];
    affected: {
      package: { name: string };
      ranges: {
        events: Record<string, string>[];
        database_specific?: { anchore?: { fixes?: { version: string; date: string }[] } };
      }[];
    }[];
  };
}

describe("Go vulndb", () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "shipshape-govulndb-"));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("imports the whole feed in seconds, every live record, keyed by module path", async () => {
    const started = performance.now();
    const { session, warnings, result } = await importGo([feed]);
    const seconds = (performance.now() - started) / 1000;
    expect(seconds).toBeLessThan(10);
    const files = readdirSync(join(feed, "data", "osv")).filter((f) => f.endsWith(".json"));
    const live = files.filter((f) => {
      const doc = JSON.parse(readFileSync(join(feed, "data", "osv", f), "utf8")) as { withdrawn?: string };
      return !doc.withdrawn || Date.parse(doc.withdrawn) > testContext().now.getTime();
    });
    expect(files.length).toBe(4291);
    expect(new Set(session.vulnerabilities.map((v) => v.record.id)).size).toBe(live.length);
    expect(warnings).toEqual([]);
    expect(result.records).toBe(session.vulnerabilities.length + session.affected.length);
    expect(
      session.affected.every((a) => a.namespace === "go" && a.scheme === "go" && a.source === "go-vulndb"),
    ).toBe(true);
    // The standard library and the go command are pseudo-modules of their own.
    const stdlib = session.affected.filter((a) => a.packageName === "stdlib");
    expect(stdlib.length).toBeGreaterThan(100);
    expect(session.affected.some((a) => a.packageName === "toolchain")).toBe(true);
    // Go's zero time means "unknown", not year 1.
    expect(session.vulnerabilities.every((v) => !v.record.modified?.startsWith("0001"))).toBe(true);
  });

  it("reads vuln.go.dev's vulndb.zip layout (ID/GO-….json) exactly as the repository layout", async () => {
    const tree = join(work, "zip-src");
    mkdirSync(join(tree, "ID"), { recursive: true });
    mkdirSync(join(tree, "index"), { recursive: true });
    const some = readdirSync(join(feed, "data", "osv")).filter((f) => f.startsWith("GO-2023-"));
    for (const f of some) cpSync(join(feed, "data", "osv", f), join(tree, "ID", f));
    cpSync(join(feed, "README.md"), join(tree, "index", "db.json")); // not a record: never selected
    const zip = join(work, "vulndb.zip");
    execFileSync("zip", ["-q", "-r", "-X", zip, "ID", "index"], { cwd: tree });
    const fromZip = await importGo([zip]);
    const fromTree = await importGo([join(tree, "ID")]);
    expect(fromZip.session.affected.length).toBeGreaterThan(100);
    expect(fromZip.session.affected).toEqual(fromTree.session.affected);
    expect(fromZip.session.vulnerabilities).toEqual(fromTree.session.vulnerabilities);
    expect(await GO_VULNDB.detect(zip)).toBe(true);
    expect(await GO_VULNDB.detect(feed)).toBe(true);
    expect(await GO_VULNDB.detect(dataPath("vuln", "feeds", "rustsec"))).toBe(false);
  });

  it("matches vunnel's expected transformation: events, fixed version and fix date", async () => {
    const { session } = await importGo([join(vunnel, "vulndb")]);
    for (const name of readdirSync(join(vunnel, "snapshots"))) {
      const snap = JSON.parse(readFileSync(join(vunnel, "snapshots", name), "utf8")) as Snapshot;
      const vuln = session.vulnerabilities.find((v) => v.record.id === snap.item.id)!.record;
      expect(vuln.aliases).toEqual(snap.item.aliases ?? []);
      for (const a of snap.item.affected) {
        const ours = session.affected.find(
          (x) => x.vulnerabilityId === snap.item.id && x.packageName === a.package.name,
        )!;
        const events = a.ranges.flatMap((r) => r.events);
        const expectedRanges = [];
        for (let i = 0; i < events.length; i += 2) {
          expectedRanges.push({ introduced: events[i]!.introduced, fixed: events[i + 1]!.fixed });
        }
        expect(ours.ranges).toEqual(expectedRanges);
        const fix = a.ranges[0]!.database_specific!.anchore!.fixes![0]!;
        expect(ours.fixedVersion).toBe(fix.version);
        expect(ours.fixPublished?.slice(0, 10)).toBe(fix.date);
      }
    }
  });

  it("trivy-db's fixtures: the happy records import; a truncated record fails naming the file", async () => {
    const happy = await importGo([
      dataPath("vuln", "fixtures", "trivy-db-testdata", "govulndb", "testdata", "happy"),
    ]);
    expect(happy.session.affected.find((a) => a.vulnerabilityId === "GO-2025-3487")).toMatchObject({
      packageName: "golang.org/x/crypto",
      ranges: [{ introduced: "0", fixed: "0.35.0" }],
    });
    // Its published/modified are Go's zero time: unknown.
    expect(
      happy.session.vulnerabilities.find((v) => v.record.id === "GO-2025-3487")!.record.published,
    ).toBeNull();
    await expect(
      importGo([dataPath("vuln", "fixtures", "trivy-db-testdata", "govulndb", "testdata", "sad")]),
    ).rejects.toThrow(/GO-2024-2730\.json: not valid JSON/);
  });
});
