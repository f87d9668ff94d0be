/**
 * NVD CVE API 2.0: trivy-db's and grype's expected records, vunnel's page and snapshots, the streamed
 * JSON 2.0 feed (gzip), bad input, fuzzing of the array scanner and the record parser.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { isShipshapeError } from "../../../src/errors.js";
import { JsonArrayScanner, jsonArrayItems } from "../../../src/vulndb/feeds/json-array-items.js";
import { nvdImporter, parseNvdCve, readNvdFile } from "../../../src/vulndb/feeds/nvd.js";
import type { VulnerabilityRecord } from "../../../src/vulndb/records.js";
import { SqliteStore } from "../../../src/vulndb/sqlite-store.js";
import { dataPath } from "../../helpers/shared.js";

const tmp = mkdtempSync(join(tmpdir(), "shipshape-nvd-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function readAll(path: string, warnings: string[] = []): Promise<VulnerabilityRecord[]> {
  const out: VulnerabilityRecord[] = [];
  for await (const r of readNvdFile(path, (m) => warnings.push(m))) if (r !== "not-nvd") out.push(r);
  return out;
}

const trivyDir = dataPath("vuln", "fixtures", "trivy-db-testdata", "nvd", "testdata");
const grypeDir = dataPath(
  "vuln",
  "fixtures",
  "grype-fixtures",
  "grype",
  "db",
  "v6",
  "build",
  "transformers",
  "nvd",
  "testdata",
);
const vunnelDir = dataPath("vuln", "fixtures", "vunnel-fixtures", "nvd", "test-fixtures");

describe("trivy-db's expected NVD details", () => {
  // From aquasecurity/trivy-db pkg/vulnsrc/nvd/nvd_test.go (happy path): description, CVSS v2/v3
  // score+vector, severities, CWE ids, references, dates.
  it("CVE-2020-0001: v2 7.2 and v3.1 7.8 from NVD, HIGH, no CWE (NVD-CWE-noinfo)", async () => {
    const [r] = await readAll(join(trivyDir, "happy", "vuln-list-nvd", "api", "2020", "CVE-2020-0001.json"));
    expect(r!.description).toBe(
      "In getProcessRecordLocked of ActivityManagerService.java isolated apps are not handled correctly. This could lead to local escalation of privilege with no additional execution privileges needed. User interaction is not needed for exploitation. Product: Android Versions: Android-8.0, Android-8.1, Android-9, and Android-10 Android ID: A-140055304",
    );
    expect(r!.cvss).toEqual([
      { version: "3.1", vector: "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", score: 7.8, source: "nvd" },
      { version: "2.0", vector: "AV:L/AC:L/Au:N/C:C/I:C/A:C", score: 7.2, source: "nvd" },
    ]);
    expect(r!.severities).toEqual([{ source: "nvd", severity: "high" }]);
    expect(r!.cwes).toEqual([]);
    expect(r!.references).toEqual(["https://source.android.com/security/bulletin/2020-01-01"]);
    expect(r!.modified).toBe("2021-07-21T11:39:23.747Z");
    expect(r!.published).toBe("2020-01-08T19:15:12.843Z");
  });

  it("CVE-2023-0001: NVD's primary v3.1 (6.7) wins over the CNA's (6.0), which is kept with its source", async () => {
    const [r] = await readAll(join(trivyDir, "happy", "vuln-list-nvd", "api", "2023", "CVE-2023-0001.json"));
    expect(r!.cvss[0]).toEqual({
      version: "3.1",
      vector: "CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H",
      score: 6.7,
      source: "nvd",
    });
    expect(r!.cvss[1]).toEqual({
      version: "3.1",
      vector: "CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:H/I:N/A:H",
      score: 6,
      source: "psirt@paloaltonetworks.com",
    });
    expect(r!.severities).toEqual([{ source: "nvd", severity: "medium" }]);
    expect(r!.cwes).toEqual(["CWE-319"]);
    expect(r!.references).toEqual(["https://security.paloaltonetworks.com/CVE-2023-0001"]);
    expect(r!.published).toBe("2023-02-08T18:15:11.523Z");
    expect(r!.modified).toBe("2023-11-21T19:15:08.073Z");
  });

  it("CVE-2024-0069 (rejected): the description and dates only", async () => {
    const [r] = await readAll(join(trivyDir, "happy", "vuln-list-nvd", "api", "2024", "CVE-2024-0069.json"));
    expect(r).toEqual({
      id: "CVE-2024-0069",
      aliases: [],
      summary: null,
      description: "Rejected reason: This CVE ID was unused by the CNA.",
      published: "2023-11-28T00:15:07.140Z",
      modified: "2023-11-28T00:15:07.140Z",
      severities: [],
      cvss: [],
      cwes: [],
      references: [],
    });
  });

  it("CVE-2024-5732: a v4.0 metric (every optional metric spelled X) is scored 6.9 as NVD says", async () => {
    const [r] = await readAll(join(trivyDir, "happy", "vuln-list-nvd", "api", "2024", "CVE-2024-5732.json"));
    const v4 = r!.cvss.find((c) => c.version === "4.0");
    expect(v4?.score).toBe(6.9);
  });

  it("the sad fixture is an error, as in trivy-db", async () => {
    await expect(
      readAll(join(trivyDir, "sad", "vuln-list-nvd", "api", "CVE-2020-0001.json")),
    ).rejects.toThrow(/CVE-2020-0001\.json: .*not valid JSON/);
  });
});

describe("grype's expected severities and dates", () => {
  it("CVE-2021-1566: NVD's v3.1 and v2 (rank 1) before Cisco's v3.1 (rank 2)", async () => {
    const [r] = await readAll(join(grypeDir, "cve-2021-1566.json"));
    expect(r!.cvss.map((c) => [c.vector, c.version, c.source])).toEqual([
      ["CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N", "3.1", "nvd"],
      ["AV:N/AC:M/Au:N/C:P/I:P/A:N", "2.0", "nvd"],
      ["CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N", "3.1", "psirt@cisco.com"],
    ]);
    expect(r!.description).toBe("description.");
    expect(Date.parse(r!.modified!)).toBe(Date.UTC(2024, 10, 21, 5, 44, 38, 237));
    expect(Date.parse(r!.published!)).toBe(Date.UTC(2021, 5, 16, 18, 15, 8, 710));
  });

  it("CVE-2008-3442: no metrics at all", async () => {
    const [r] = await readAll(join(grypeDir, "CVE-2008-3442.json"));
    expect(r!.cvss).toEqual([]);
    expect(r!.description).toBe("desc.");
    expect(Date.parse(r!.published!)).toBe(Date.UTC(2008, 7, 1, 14, 41, 0, 0));
    expect(Date.parse(r!.modified!)).toBe(Date.UTC(2008, 8, 5, 21, 43, 5, 500));
  });

  it("CVE-2026-25076: only a CNA scored it; the CNA's metrics keep the CNA as source", async () => {
    const [r] = await readAll(join(grypeDir, "CVE-2026-25076-affected-package-handles.json"));
    expect(r!.cvss.length).toBeGreaterThan(0);
    expect(new Set(r!.cvss.map((c) => c.source))).toEqual(new Set(["disclosure@vulncheck.com"]));
    // NVD lists the CNA's v3.1 as the primary metric: it gives the record's severity.
    const raw = JSON.parse(
      readFileSync(join(grypeDir, "CVE-2026-25076-affected-package-handles.json"), "utf8"),
    );
    expect(r!.cvss[0]!.vector).toBe(raw.cve.metrics.cvssMetricV31[0].cvssData.vectorString);
    expect(r!.severities[0]!.severity).toBe(
      raw.cve.metrics.cvssMetricV31[0].cvssData.baseSeverity.toLowerCase(),
    );
  });

  it("every grype fixture: each published base score equals the computed one", async () => {
    let compared = 0;
    for (const name of readdirSync(grypeDir)) {
      const raw = JSON.parse(readFileSync(join(grypeDir, name), "utf8"));
      const warnings: string[] = [];
      const records = await readAll(join(grypeDir, name), warnings);
      if (!/^CVE-\d{4}-\d+$/.test(raw.cve.id)) {
        expect(records).toEqual([]);
        expect(warnings.join(" ")).toMatch(/is not a CVE id/);
        continue;
      }
      const r = records[0]!;
      for (const list of Object.values(raw.cve.metrics ?? {}) as {
        cvssData: { vectorString: string; baseScore: number };
      }[][]) {
        for (const m of list) {
          const mine = r.cvss.find((c) => c.vector === m.cvssData.vectorString);
          expect(mine?.score, `${name} ${m.cvssData.vectorString}`).toBe(m.cvssData.baseScore);
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(25);
  });
});

describe("vunnel's API page", () => {
  it("yields one record per snapshot, with the snapshot's description, dates and vectors", async () => {
    const records = await readAll(join(vunnelDir, "full-page.json"));
    const snapDir = join(vunnelDir, "snapshots", "full-page");
    const snapshots = readdirSync(snapDir).flatMap((year) =>
      readdirSync(join(snapDir, year)).map(
        (f) => JSON.parse(readFileSync(join(snapDir, year, f), "utf8")).item.cve,
      ),
    );
    expect(records.map((r) => r.id).sort()).toEqual(snapshots.map((s) => s.id).sort());
    for (const s of snapshots) {
      const r = records.find((x) => x.id === s.id)!;
      expect(r.description).toBe(s.descriptions.find((d: { lang: string }) => d.lang === "en").value.trim());
      expect(Date.parse(r.published!)).toBe(Date.parse(`${s.published}Z`));
      expect(Date.parse(r.modified!)).toBe(Date.parse(`${s.lastModified}Z`));
      const vectors = Object.values(s.metrics ?? {}).flatMap((list) =>
        (list as { cvssData: { vectorString: string } }[]).map((m) => m.cvssData.vectorString),
      );
      expect(new Set(r.cvss.map((c) => c.vector))).toEqual(new Set(vectors));
    }
  });

  it("single-entry.json: CVE-2022-1576", async () => {
    const [r, ...rest] = await readAll(join(vunnelDir, "single-entry.json"));
    expect(rest).toEqual([]);
    expect(r!.id).toBe("CVE-2022-1576");
    expect(r!.cvss.slice(0, 2)).toEqual([
      { version: "3.1", vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:H/A:N", score: 6.5, source: "nvd" },
      { version: "2.0", vector: "AV:N/AC:M/Au:N/C:N/I:P/A:N", score: 4.3, source: "nvd" },
    ]);
  });
});

describe("importer", () => {
  it("detects the layouts, imports a gzip JSON 2.0 feed and keeps the newest copy of a CVE", async () => {
    const page = JSON.parse(readFileSync(join(vunnelDir, "full-page.json"), "utf8"));
    const feed = join(tmp, "nvdcve-2.0-2023.json.gz");
    writeFileSync(feed, gzipSync(JSON.stringify(page)));
    // An older copy of one CVE in a second file must not replace the newer one.
    const older = structuredClone(page.vulnerabilities[0]);
    older.cve.lastModified = "2000-01-01T00:00:00.000";
    older.cve.descriptions = [{ lang: "en", value: "stale" }];
    const olderFile = join(tmp, "zz-older.json");
    writeFileSync(olderFile, JSON.stringify({ format: "NVD_CVE", vulnerabilities: [older] }));

    expect(await nvdImporter.detect(feed)).toBe(true);
    expect(await nvdImporter.detect(join(vunnelDir, "full-page.json"))).toBe(true);
    expect(await nvdImporter.detect(join(trivyDir, "happy"))).toBe(true);
    expect(await nvdImporter.detect(dataPath("vuln", "feeds", "cisa-kev"))).toBe(false);
    expect(nvdImporter.downloads[0]).toEqual({
      name: "nvdcve-2.0-2002.json.gz",
      url: "https://nvd.nist.gov/feeds/json/cve/2.0/nvdcve-2.0-2002.json.gz",
      compression: "gzip",
    });

    const dbPath = join(tmp, "nvd.sqlite");
    const session = await SqliteStore.open(dbPath).beginBuild();
    const warnings: string[] = [];
    const result = await nvdImporter.import([feed, olderFile], session, {
      warn: (m) => warnings.push(m),
      now: new Date(),
    });
    await session.commit();
    expect(result.records).toBe(38);
    expect(result.dataDate).toBe(
      `${page.vulnerabilities
        .map((v: { cve: { lastModified: string } }) => v.cve.lastModified)
        .sort()
        .at(-1)}Z`,
    );
    const store = SqliteStore.open(dbPath);
    try {
      const id = older.cve.id as string;
      const got = (await store.vulnerabilities([id])).get(id)!;
      expect(got.description).not.toBe("stale");
      expect((await store.status()).counts.vulnerabilities).toBe(38);
      // NVD data never makes affected records: OS packages are matched against vendor data only.
      expect((await store.status()).counts.affected).toBe(0);
    } finally {
      await store.close();
    }
  });

  it("passes over vunnel's snapshots, skips other JSON in a directory with one warning, refuses a directory with no CVE", async () => {
    const warnings: string[] = [];
    const session = {
      async putVulnerabilities() {},
    } as unknown as Parameters<typeof nvdImporter.import>[1];
    const r = await nvdImporter.import([vunnelDir], session, {
      warn: (m) => warnings.push(m),
      now: new Date(),
    });
    // full-page (38) + single-entry (1); the snapshots are vunnel's output (a CVE wrapped in its
    // envelope), not a feed: passed over without a word, and never claimed on their own.
    expect(r.records).toBe(39);
    expect(warnings).toEqual([]);
    expect(await nvdImporter.detect(join(vunnelDir, "snapshots"))).toBe(false);
    const snapshot = join(vunnelDir, "snapshots", "single-entry");
    const [year] = readdirSync(snapshot);
    expect(await nvdImporter.detect(join(snapshot, year!, readdirSync(join(snapshot, year!))[0]!))).toBe(
      false,
    );
    // Other JSON next to NVD data: its values are counted and skipped, with one warning.
    const mixed = join(tmp, "mixed");
    mkdirSync(mixed, { recursive: true });
    writeFileSync(join(mixed, "page.json"), readFileSync(join(vunnelDir, "full-page.json")));
    writeFileSync(
      join(mixed, "kev.json"),
      readFileSync(dataPath("vuln", "feeds", "cisa-kev", "known_exploited_vulnerabilities.json")),
    );
    const m = await nvdImporter.import([mixed], session, { warn: (w) => warnings.push(w), now: new Date() });
    expect(m.records).toBe(38);
    expect(warnings).toEqual([
      expect.stringMatching(/skipped 1404 JSON value\(s\) that are not NVD CVE records/),
    ]);
    await expect(
      nvdImporter.import([dataPath("vuln", "feeds", "cisa-kev")], session, { warn() {}, now: new Date() }),
    ).rejects.toThrow(/no NVD CVE records/);
  });
});

describe("bad input", () => {
  const cases: [string, string, RegExp][] = [
    ["a truncated page", '{"format":"NVD_CVE","vulnerabilities":[{"cve":{"id":"CVE-2020-1234"', /truncated/],
    ["trailing garbage", '{"a":1} x', /data follows the end/],
    ["an empty file", "", /empty/],
    ["a scalar document", "42", /scalar where the document should be/],
    [
      "a broken item",
      '{"vulnerabilities":[{"cve":{"id":"CVE-2020-1234",}}]}',
      /an item of "vulnerabilities" is not valid JSON/,
    ],
  ];
  for (const [name, text, problem] of cases) {
    it(`refuses ${name}`, async () => {
      const path = join(tmp, `bad-${name.replace(/\W+/g, "-")}.json`);
      writeFileSync(path, text);
      let error: unknown;
      try {
        await readAll(path);
      } catch (err) {
        error = err;
      }
      expect(isShipshapeError(error)).toBe(true);
      expect((error as Error).message).toMatch(problem);
      expect((error as Error).message).toContain(path);
    });
  }

  it("an item over the cap is refused without being held", async () => {
    const big = `{"vulnerabilities":[{"cve":{"id":"CVE-2020-1234","descriptions":[{"lang":"en","value":"${"a".repeat(2_000_000)}"}]}}]}`;
    const scanner = new JsonArrayScanner({
      origin: "big.json",
      key: "vulnerabilities",
      maxItemBytes: 1_000_000,
    });
    expect(() => scanner.push(Buffer.from(big))).toThrow(/exceeds 1000000 bytes/);
  });

  it("a record that is not a CVE names the problem", () => {
    expect(() => parseNvdCve({ cve: { id: "GHSA-xxxx" } }, "x.json")).toThrow(/x\.json: id is not a CVE id/);
    expect(() =>
      parseNvdCve({ cve: { id: "CVE-2020-1234", metrics: { cvssMetricV31: [{}] } } }, "x.json"),
    ).toThrow(/metrics\.cvssMetricV31\.0\.cvssData/);
  });

  it("an unscorable vector keeps NVD's published score and warns when there is none", () => {
    const warnings: string[] = [];
    const r = parseNvdCve(
      {
        id: "CVE-2020-1234",
        metrics: {
          cvssMetricV31: [
            {
              source: "nvd@nist.gov",
              type: "Primary",
              cvssData: {
                version: "3.1",
                vectorString: "CVSS:3.1/AV:N",
                baseScore: 5.3,
                baseSeverity: "MEDIUM",
              },
            },
            {
              source: "cna@example.com",
              type: "Secondary",
              cvssData: { version: "3.1", vectorString: "junk" },
            },
          ],
        },
      },
      "x.json",
      (m) => warnings.push(m),
    );
    expect(r.cvss).toEqual([{ version: "3.1", vector: "CVSS:3.1/AV:N", score: 5.3, source: "nvd" }]);
    expect(r.severities).toEqual([{ source: "nvd", severity: "medium" }]);
    expect(warnings).toEqual([
      expect.stringMatching(/CVE-2020-1234: CVSS 3.1 metric from cna@example.com skipped/),
    ]);
  });
});

describe("fuzz", () => {
  const jsonValue = fc.jsonValue({ maxDepth: 3 });

  it("the scanner yields exactly JSON.parse's items for any chunking", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(jsonValue, { maxLength: 6 }),
        fc.dictionary(fc.string({ maxLength: 6 }), jsonValue, { maxKeys: 3 }),
        fc.array(fc.nat(400), { maxLength: 5 }),
        async (items, others, cuts) => {
          const doc = { ...others, vulnerabilities: items };
          const bytes = Buffer.from(JSON.stringify(doc, null, cuts.length % 2 ? 1 : 0));
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const chunks: Buffer[] = [];
          let at = 0;
          for (const p of [...points, bytes.length]) {
            chunks.push(bytes.subarray(at, p));
            at = p;
          }
          const got: unknown[] = [];
          for await (const v of jsonArrayItems(chunks, { origin: "f", key: "vulnerabilities" })) {
            expect(v.kind).toBe("item");
            got.push(v.value);
          }
          expect(got).toEqual(JSON.parse(JSON.stringify(items)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("documents without the array come back whole; junk fails with a ShipshapeError", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          jsonValue.map((v) => JSON.stringify(v)),
          fc.string({ maxLength: 40 }),
        ),
        async (text) => {
          try {
            const got = [];
            for await (const v of jsonArrayItems([Buffer.from(text)], {
              origin: "f",
              key: "vulnerabilities",
            }))
              got.push(v);
            let parsed: unknown;
            try {
              parsed = JSON.parse(text);
            } catch {
              throw new Error(`accepted invalid JSON ${text}`);
            }
            const hasArray =
              parsed !== null &&
              typeof parsed === "object" &&
              !Array.isArray(parsed) &&
              Array.isArray((parsed as Record<string, unknown>).vulnerabilities);
            if (!hasArray) expect(got).toEqual([{ kind: "document", value: parsed }]);
          } catch (err) {
            if (!isShipshapeError(err)) throw err;
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("parseNvdCve either returns a record or throws a ShipshapeError", () => {
    const metric = fc.record({
      source: fc.constantFrom("nvd@nist.gov", "cna@x"),
      type: fc.constantFrom("Primary", "Secondary"),
      cvssData: fc.record({
        version: fc.constantFrom("3.1", "2.0"),
        vectorString: fc.constantFrom(
          "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
          "AV:N/AC:L/Au:N/C:P/I:P/A:P",
          "bad",
        ),
        baseScore: fc.oneof(fc.double(), fc.constant(5)),
      }),
    });
    const cve = fc.record(
      {
        id: fc.oneof(fc.constant("CVE-2021-12345"), fc.string()),
        published: fc.oneof(fc.constant("2021-01-01T00:00:00.000"), fc.string()),
        descriptions: fc.array(fc.record({ lang: fc.constantFrom("en", "es"), value: fc.string() }), {
          maxLength: 2,
        }),
        metrics: fc.record({
          cvssMetricV31: fc.array(metric, { maxLength: 2 }),
          cvssMetricV2: fc.array(metric, { maxLength: 2 }),
        }),
        weaknesses: fc.array(
          fc.record({
            description: fc.array(
              fc.record({ lang: fc.constant("en"), value: fc.constantFrom("CWE-79", "NVD-CWE-Other", "x") }),
            ),
          }),
          { maxLength: 2 },
        ),
        references: fc.array(fc.record({ url: fc.oneof(fc.webUrl(), fc.string()) }), { maxLength: 3 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        fc.oneof(
          cve,
          cve.map((c) => ({ cve: c })),
          fc.anything(),
        ),
        (value) => {
          try {
            const r = parseNvdCve(value, "fuzz.json");
            for (const c of r.cvss) {
              expect(c.score).toBeGreaterThanOrEqual(0);
              expect(c.score).toBeLessThanOrEqual(10);
            }
            for (const w of r.cwes) expect(w).toMatch(/^CWE-\d+$/);
          } catch (err) {
            if (!isShipshapeError(err)) throw err;
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
