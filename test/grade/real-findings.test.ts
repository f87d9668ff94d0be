/**
 * The grade of a real scan: debian12-app (comprehensive detection, so the Python libraries Debian
 * installed are matched) against a store the real PyPA importer builds from ../shared. Its urllib3
 * 1.26.12 has CVE-2023-43804 (PYSEC-2023-192, rated high = Important) fixed in 1.26.17; the fix's
 * date is read here from the advisory file itself (`published`), independently of the importer,
 * and "now" is moved across every Important threshold of that real date. The store has no Debian
 * data, so the grade is also incomplete — and must say so.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { healthIndexGrade } from "../../src/grade/health-index.js";
import { type ScanResult, scanImage } from "../../src/scan/pipeline.js";
import { PYPA } from "../../src/vulndb/feeds/pypa.js";
import { importPaths } from "../../src/vulndb/import.js";
import { SqliteStore } from "../../src/vulndb/sqlite-store.js";
import { dataPath } from "../helpers/shared.js";
import { fixtureReference } from "../report/fixture-images.js";

const DAY = 86_400_000;
const PYPA_DIR = () => dataPath("vuln", "feeds", "pypa-advisory-db");
const advisory = () =>
  parse(readFileSync(join(PYPA_DIR(), "vulns", "urllib3", "PYSEC-2023-192.yaml"), "utf8")) as {
    published: string;
    aliases: string[];
  };

let dir: string;
let store: SqliteStore;
let published: number;
let result: ScanResult;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "shipshape-grade-real-"));
  const path = join(dir, "db.sqlite");
  await importPaths({ store: SqliteStore.open(path), feeds: [PYPA], paths: [PYPA_DIR()] });
  store = SqliteStore.open(path);
  published = Date.parse(advisory().published);
  // 31 days after the fix: past Important's B bound (30 days), inside C's (90).
  result = await scanImage(fixtureReference("debian12-app"), {
    store,
    cache: null,
    ignoreFile: null,
    detectionPriority: "comprehensive",
    now: new Date(published + 31 * DAY + 3_600_000),
  });
});
afterAll(async () => {
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("debian12-app's real findings", () => {
  it("finds urllib3's CVE-2023-43804 as an Important fix with the advisory's date", () => {
    expect(advisory().aliases).toContain("CVE-2023-43804");
    const f = result.findings.find((x) => [x.id, ...x.aliases].includes("CVE-2023-43804"));
    expect(f).toMatchObject({
      pkgName: "urllib3",
      installedVersion: "1.26.12",
      severity: "high",
      fixable: true,
    });
    expect(Date.parse(f!.fixPublished!)).toBe(published);
  });

  it("the scan grades it C at 31 days, naming the CVE, and marks the grade incomplete (no Debian data)", () => {
    expect(result.grade.letter).toBe("C");
    expect(result.grade.complete).toBe(false);
    expect(result.coverageGaps.join("\n")).toMatch(/debian:12/);
    expect(result.grade.reasons[0]).toMatch(/^incomplete:/);
    expect(result.grade.basis.map((b) => b.id)).toEqual(["CVE-2023-43804"]);
    expect(result.grade.reasons[1]).toMatch(
      /^CVE-2023-43804 \(Important\): fix urllib3 1\.26\.17 not applied; fix published 2023-10-04, 31 days ago/,
    );
  });

  it.each([
    [0, "B"],
    [30, "B"],
    [31, "C"],
    [90, "C"],
    [91, "D"],
    [365, "D"],
    [366, "F"],
  ] as const)("regraded %i days after the real fix date: %s", (days, letter) => {
    const now = new Date(published + days * DAY + 60_000);
    const g = healthIndexGrade(result.findings, { now });
    expect(g.letter).toBe(letter);
    expect(g.basis.map((b) => b.id)).toContain("CVE-2023-43804");
  });
});
