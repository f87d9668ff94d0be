/**
 * `shipshape db import` over every layout of real feed data on this machine, through the real CLI:
 * the whole `../shared/data/vuln/feeds` folder and each of its folders recognise exactly their feeds
 * (the same records either way); every `vuln/fixtures/<project>/<distro>` folder either imports (each
 * claimed feed giving records) or is cleanly "not recognised" — never a claim followed by a failure;
 * the fixtures' deliberately broken "sad" inputs, named explicitly, fail (if at all) with one line
 * naming what was given. Also: the DSA/DLA lists imported alone, then the tracker JSON alone, give
 * the records of both imported together.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { debianTrackerImporter } from "../../src/vulndb/feeds/debian-tracker.js";
import { SqliteStore } from "../../src/vulndb/sqlite-store.js";
import type { CliResult } from "../helpers/cli.js";
import { dataPath, repoPath } from "../helpers/shared.js";
import { MemorySession, testContext } from "../vulndb/feeds/build-store.js";

const tmp = mkdtempSync(join(tmpdir(), "shipshape-db-import-layouts-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const ENV = { CI: "", SHIPSHAPE_DB: "", SHIPSHAPE_DB_MAX_AGE: "", HOME: tmp, XDG_CACHE_HOME: "" };
let dbCounter = 0;

/** The built CLI as a child process (several run at once; spawnSync would serialise them). */
function cli(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [repoPath("bin", "shipshape.js"), ...args], {
      env: { ...process.env, SHIPSHAPE_CACHE_DIR: "/nonexistent-use-flags", ...ENV },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

interface ImportOutcome {
  path: string;
  result: CliResult;
  /** Feed id → records, when the import succeeded. */
  feeds: Map<string, number> | null;
}

/** `db import --format json PATH` into a fresh database. */
async function importOne(path: string): Promise<ImportOutcome> {
  const db = join(tmp, `db-${++dbCounter}.sqlite`);
  const result = await cli(["db", "import", "--db", db, "--format", "json", path]);
  let feeds: Map<string, number> | null = null;
  if (result.code === 0) {
    const report = JSON.parse(result.stdout) as { imported: { feed: string; records: number }[] };
    feeds = new Map(report.imported.map((f) => [f.feed, f.records]));
  }
  rmSync(db, { force: true });
  return { path, result, feeds };
}

/** Import each path, two at a time (the machine has two cores). */
async function importEach(paths: string[]): Promise<ImportOutcome[]> {
  const out: ImportOutcome[] = new Array(paths.length);
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const i = next++;
      out[i] = await importOne(paths[i]!);
    }
  };
  await Promise.all([worker(), worker()]);
  return out;
}

const subfolders = (dir: string) =>
  readdirSync(dir)
    .filter((n) => !n.startsWith(".") && statSync(join(dir, n)).isDirectory())
    .sort();

/** A failure is one line on stderr, exit 2, naming what it was given (or a file inside it). */
function expectCleanFailure(o: ImportOutcome): void {
  expect(o.result.code, `${o.path}: ${o.result.stderr}`).toBe(2);
  const lines = o.result.stderr.trimEnd().split("\n");
  expect(lines, o.result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^shipshape: db import: /);
  expect(lines[0]).not.toMatch(/internal error|\bat .*\.js:\d+/);
  expect(lines[0]).toContain(o.path);
}

describe("db import of ../shared/data/vuln/feeds", () => {
  const feeds = dataPath("vuln", "feeds");
  /** What each folder is (PROVENANCE.md): the feed whose data it holds. */
  const EXPECTED: Record<string, string[]> = {
    "alpine-secdb-legacy": ["alpine"],
    "cisa-kev": ["cisa-kev"],
    // The DSA/DLA lists without the tracker JSON: advisory records, and a warning.
    "debian-security-tracker": ["debian"],
    // Go's vulndb checkout; its data/osv folder is also a flat OSV folder, but the checkout is go-vulndb's.
    "golang-vulndb": ["go-vulndb"],
    "nodejs-security-wg": ["nodejs-security-wg"],
    "pypa-advisory-db": ["pypa"],
    rustsec: ["rustsec"],
  };

  it("the whole folder and each folder in it recognise exactly their feeds, with the same records", async () => {
    expect(subfolders(feeds)).toEqual(Object.keys(EXPECTED).sort());
    const [whole, ...parts] = await importEach([feeds, ...Object.keys(EXPECTED).map((n) => join(feeds, n))]);
    expect(whole!.result.code, whole!.result.stderr).toBe(0);
    expect([...whole!.feeds!.keys()].sort()).toEqual(Object.values(EXPECTED).flat().sort());
    for (const part of parts) {
      const name = relative(feeds, part.path);
      expect(part.result.code, `${name}: ${part.result.stderr}`).toBe(0);
      expect([...part.feeds!.keys()], name).toEqual(EXPECTED[name]);
      for (const [feed, records] of part.feeds!) {
        expect(records, `${name} ${feed}`).toBeGreaterThan(0);
        expect(records, `${name} ${feed}`).toBe(whole!.feeds!.get(feed));
      }
    }
    const debian = parts.find((p) => p.path.endsWith("debian-security-tracker"))!;
    expect(debian.result.stderr).toMatch(
      /^shipshape: warning: feed debian: no tracker JSON among the inputs: the \d+ DSA\/DLA advisories are imported as advisory records only/m,
    );
  }, 300_000);
});

describe("db import of the fixtures' folders", () => {
  const fixtures = dataPath("vuln", "fixtures");
  /**
   * The folders that hold data of a feed shipshape reads (by their upstream project's layout: vunnel's
   * `<provider>/test-fixtures/input`, trivy-db's `<source>/testdata/happy`, grype's transformer inputs),
   * and which. Every other folder is another distribution's or another tool's format.
   */
  const RECOGNISED: Record<string, string[]> = {
    "grype-fixtures/grype": ["nvd"],
    "trivy-db-testdata/alpine": ["alpine"],
    "trivy-db-testdata/nvd": ["nvd"],
    "trivy-db-testdata/redhat-csaf": ["redhat-csaf"],
    "vunnel-fixtures/alpine": ["alpine"],
    "vunnel-fixtures/debian": ["debian"],
    "vunnel-fixtures/epss": ["epss"],
    "vunnel-fixtures/govulndb": ["go-vulndb"],
    "vunnel-fixtures/hummingbird": ["redhat-csaf"],
    "vunnel-fixtures/kev": ["cisa-kev"],
    "vunnel-fixtures/nvd": ["nvd"],
    "vunnel-fixtures/rhel": ["redhat-csaf"],
    "vunnel-fixtures/rocky": ["osv-rocky"],
    "vunnel-fixtures/ubuntu": ["ubuntu"],
  };

  it("each <project>/<distro> folder imports its feeds or is cleanly not recognised", async () => {
    const folders = subfolders(fixtures).flatMap((p) =>
      subfolders(join(fixtures, p)).map((d) => `${p}/${d}`),
    );
    expect(folders.length).toBeGreaterThan(60);
    for (const name of Object.keys(RECOGNISED)) expect(folders).toContain(name);
    const outcomes = await importEach(folders.map((f) => join(fixtures, f)));
    for (const o of outcomes) {
      const name = relative(fixtures, o.path);
      const expected = RECOGNISED[name];
      if (expected) {
        expect(o.result.code, `${name}: ${o.result.stderr}`).toBe(0);
        expect([...o.feeds!.keys()], name).toEqual(expected);
        // A claim is real data: every feed claimed gives records.
        for (const [feed, records] of o.feeds!) expect(records, `${name} ${feed}`).toBeGreaterThan(0);
      } else {
        expectCleanFailure(o);
        expect(o.result.stderr, name).toMatch(/: no feed data recognised in /);
      }
    }
  }, 300_000);

  it("the deliberately broken 'sad' inputs, named explicitly, import or fail with one line naming them", async () => {
    const sad: string[] = [];
    const walk = (dir: string, depth: number) => {
      for (const name of subfolders(dir)) {
        if (/^sad\d*$/.test(name)) sad.push(join(dir, name));
        else if (depth < 3) walk(join(dir, name), depth + 1);
      }
    };
    walk(fixtures, 0);
    expect(sad.length).toBeGreaterThan(30);
    let failed = 0;
    for (const o of await importEach(sad)) {
      if (o.result.code === 0) {
        for (const [feed, records] of o.feeds!) expect(records, `${o.path} ${feed}`).toBeGreaterThan(0);
        continue;
      }
      failed++;
      expectCleanFailure(o);
    }
    expect(failed).toBeGreaterThan(0);
  }, 300_000);
});

describe("db import: the DSA/DLA lists first, the tracker JSON later", () => {
  it("the later import of the tracker JSON alone uses the advisories the first one kept", async () => {
    const db = join(tmp, "debian-in-steps.sqlite");
    const lists = dataPath("vuln", "feeds", "debian-security-tracker");
    const tracker = dataPath(
      "vuln",
      "fixtures",
      "vunnel-fixtures",
      "debian",
      "test-fixtures",
      "input",
      "debian.json",
    );
    const first = await cli(["db", "import", "--db", db, lists]);
    expect(first.code, first.stderr).toBe(0);
    const second = await cli(["db", "import", "--db", db, tracker]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toBe("");

    // What the importer makes of the tracker JSON and both lists given together.
    const together = new MemorySession();
    const data = join(lists, "data");
    await debianTrackerImporter.import(
      [tracker, join(data, "DSA", "list"), join(data, "DLA", "list")],
      together,
      testContext(),
    );
    const withAdvisory = together.affected.filter((r) => r.advisory !== null);
    expect(withAdvisory.length).toBeGreaterThan(0);

    const store = SqliteStore.open(db);
    try {
      const keys = [
        ...new Map(together.affected.map((r) => [`${r.namespace} ${r.packageName}`, r])).values(),
      ];
      const stored = await store.affected(
        keys.map((r) => ({ namespace: r.namespace, packageName: r.packageName })),
      );
      const key = (r: object) => JSON.stringify(r);
      expect(stored.map(key).sort()).toEqual(together.affected.map(key).sort());
      // The advisories themselves are still there for the next import.
      const ids = together.vulnerabilities.map((v) => v.record.id);
      const vulns = await store.vulnerabilities(ids);
      expect([...vulns.keys()].sort()).toEqual([...new Set(ids)].sort());
      const status = await store.status();
      expect(status.feeds.map((f) => [f.feed, f.records])).toEqual([
        ["debian", together.affected.length + together.vulnerabilities.length],
      ]);
    } finally {
      await store.close();
    }
    // And the advisory a fix names is a header of its list (DSA/list or DLA/list).
    for (const r of withAdvisory) {
      const list = readFileSync(join(data, r.advisory!.split("-")[0]!, "list"), "utf8");
      expect(list).toContain(`] ${r.advisory} `);
    }
  }, 120_000);
});
