/**
 * CISA KEV: the real catalog (1,404 CVEs) against its own JSON Schema and its CSV twin, vunnel's
 * expected records, bad catalogs, fuzzing.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { isShipshapeError } from "../../../src/errors.js";
import {
  KEV_FEED_ID,
  kevImporter,
  looksLikeCatalog,
  parseKevCatalog,
} from "../../../src/vulndb/feeds/kev.js";
import type { KevRecord } from "../../../src/vulndb/records.js";
import { SqliteStore } from "../../../src/vulndb/sqlite-store.js";
import { dataPath } from "../../helpers/shared.js";

const catalogPath = dataPath("vuln", "feeds", "cisa-kev", "known_exploited_vulnerabilities.json");
const csvPath = dataPath("vuln", "feeds", "cisa-kev", "known_exploited_vulnerabilities.csv");

/** RFC 4180 rows (quoted fields with "" escapes and embedded newlines): the test's own reader. */
function csvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

// ajv and ajv-formats ship CommonJS.
const require = createRequire(import.meta.url);
type Validator = { validate(schema: object, data: unknown): boolean; errorsText(): string };
const Ajv = require("ajv") as { default: new (options: object) => Validator };
const addFormats = require("ajv-formats") as { default: (ajv: Validator) => void };

const tmp = mkdtempSync(join(tmpdir(), "shipshape-kev-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("the real catalog", () => {
  const catalog = parseKevCatalog(readFileSync(catalogPath), catalogPath);

  it("is valid against CISA's schema, and we read every entry", () => {
    const schema = JSON.parse(
      readFileSync(
        dataPath("vuln", "feeds", "cisa-kev", "known_exploited_vulnerabilities_schema.json"),
        "utf8",
      ),
    );
    const ajv = new Ajv.default({ strict: false, allErrors: true });
    addFormats.default(ajv);
    expect(ajv.validate(schema, JSON.parse(readFileSync(catalogPath, "utf8"))), ajv.errorsText()).toBe(true);
    expect(catalog.records).toHaveLength(1404);
    expect(catalog.declaredCount).toBe(1404);
    expect(catalog.catalogVersion).toBe("2025.08.25");
  });

  it("agrees with the CSV edition field by field", () => {
    const [header, ...rows] = csvRows(readFileSync(csvPath, "utf8")).filter((r) => r.length > 1);
    const col = (name: string) => header!.indexOf(name);
    const fromCsv = new Map<string, KevRecord>();
    for (const r of rows) {
      fromCsv.set(r[col("cveID")]!, {
        cveId: r[col("cveID")]!,
        dateAdded: r[col("dateAdded")]!,
        dueDate: r[col("dueDate")] || null,
        knownRansomware: r[col("knownRansomwareCampaignUse")] === "Known",
        // The importer trims names: CISA's data has "SimpleHelp " with a trailing space.
        vendorProject: r[col("vendorProject")]!.trim() || null,
        product: r[col("product")]!.trim() || null,
      });
    }
    expect(fromCsv.size).toBe(1404);
    for (const record of catalog.records) expect(record).toEqual(fromCsv.get(record.cveId));
    expect(catalog.records.filter((r) => r.knownRansomware).length).toBe(
      rows.filter((r) => r[col("knownRansomwareCampaignUse")] === "Known").length,
    );
  });

  it("imports into a store and enriches lookups", async () => {
    expect(await kevImporter.detect(catalogPath)).toBe(true);
    expect(await kevImporter.detect(dataPath("vuln", "feeds", "cisa-kev"))).toBe(true);
    expect(await kevImporter.detect(csvPath)).toBe(false);
    // Its JSON schema, next to it, names the catalog's keys but is not a catalog.
    const schemaPath = dataPath("vuln", "feeds", "cisa-kev", "known_exploited_vulnerabilities_schema.json");
    expect(await kevImporter.detect(schemaPath)).toBe(false);
    expect(looksLikeCatalog(readFileSync(schemaPath, "utf8"))).toBe(false);
    expect(looksLikeCatalog(readFileSync(catalogPath, "utf8").slice(0, 4096))).toBe(true);
    const dbPath = join(tmp, "kev.sqlite");
    const session = await SqliteStore.open(dbPath).beginBuild();
    const warnings: string[] = [];
    const result = await kevImporter.import([dataPath("vuln", "feeds", "cisa-kev")], session, {
      warn: (m) => warnings.push(m),
      now: new Date("2026-01-01T00:00:00Z"),
    });
    await session.commit();
    expect(result).toEqual({ records: 1404, dataDate: "2025-08-25T17:04:19.9796Z" });
    expect(warnings).toEqual([]);
    const store = SqliteStore.open(dbPath);
    try {
      const hit = await store.kev(["CVE-2025-48384", "CVE-1999-0001"]);
      expect([...hit.keys()]).toEqual(["CVE-2025-48384"]);
      expect(hit.get("CVE-2025-48384")).toEqual({
        cveId: "CVE-2025-48384",
        dateAdded: "2025-08-25",
        dueDate: "2025-09-15",
        knownRansomware: false,
        vendorProject: "Git",
        product: "Git",
      });
      expect((await store.status()).counts.kev).toBe(1404);
    } finally {
      await store.close();
    }
    expect(KEV_FEED_ID).toBe(kevImporter.id);
  });
});

describe("vunnel's fixture and expected records", () => {
  const dir = dataPath("vuln", "fixtures", "vunnel-fixtures", "kev", "test-fixtures");
  it("gives the fields of each snapshot", () => {
    const catalog = parseKevCatalog(readFileSync(join(dir, "valid-catalog-1.json")), "valid-catalog-1.json");
    // A trimmed copy: the count still says the original's size.
    expect(catalog.declaredCount).not.toBe(catalog.entries);
    const snapshots = ["cve-2025-0108", "cve-2024-53704", "cve-2024-57727"].map(
      (id) =>
        JSON.parse(readFileSync(join(dir, "snapshots", "valid-catalog-1", `kev:${id}.json`), "utf8"))
          .item as Record<string, string>,
    );
    expect(catalog.records.map((r) => r.cveId).sort()).toEqual(snapshots.map((s) => s.cveID).sort());
    for (const s of snapshots) {
      expect(catalog.records.find((r) => r.cveId === s.cveID)).toEqual({
        cveId: s.cveID,
        dateAdded: s.dateAdded,
        dueDate: s.dueDate,
        knownRansomware: s.knownRansomwareCampaignUse === "Known",
        vendorProject: s.vendorProject!.trim(),
        product: s.product!.trim(),
      });
    }
  });
});

describe("bad input", () => {
  const cases: [string, string, RegExp][] = [
    ["not JSON", "{", /is not JSON/],
    [
      "a single entry",
      readFileSync(
        dataPath(
          "vuln",
          "fixtures",
          "vunnel-fixtures",
          "kev",
          "test-fixtures",
          "single-entry",
          "example1.json",
        ),
        "utf8",
      ),
      /is not a KEV catalog: catalogVersion/,
    ],
    ["an array", "[]", /is not a KEV catalog/],
    [
      "a bad CVE id",
      JSON.stringify({
        catalogVersion: "1",
        dateReleased: "x",
        vulnerabilities: [{ cveID: "CVE-1", dateAdded: "2020-01-01" }],
      }),
      /vulnerabilities\[0\]\.cveID is not a CVE id/,
    ],
    [
      "a bad date",
      JSON.stringify({
        catalogVersion: "1",
        dateReleased: "x",
        vulnerabilities: [{ cveID: "CVE-2020-1234", dateAdded: "01/02/2020" }],
      }),
      /vulnerabilities\[0\]\.dateAdded is not a YYYY-MM-DD date/,
    ],
  ];
  for (const [name, text, problem] of cases) {
    it(`refuses ${name}`, () => {
      let error: unknown;
      try {
        parseKevCatalog(text, "kev.json");
      } catch (err) {
        error = err;
      }
      expect(isShipshapeError(error)).toBe(true);
      expect((error as Error).message).toMatch(/^kev\.json/);
      expect((error as Error).message).toMatch(problem);
    });
  }

  it("import names a missing catalog", async () => {
    const empty = join(tmp, "empty");
    writeFileSync(join(tmp, "other.json"), "{}");
    await expect(
      kevImporter.import([join(tmp, "other.json")], {} as never, { warn() {}, now: new Date() }),
    ).rejects.toThrow(/is not a KEV catalog/);
    await expect(kevImporter.import([empty], {} as never, { warn() {}, now: new Date() })).rejects.toThrow(
      /KEV input .*empty cannot be read/,
    );
  });
});

describe("fuzz", () => {
  it("parses or refuses with a ShipshapeError", () => {
    const entry = fc.record(
      {
        cveID: fc.oneof(fc.constant("CVE-2024-12345"), fc.string({ maxLength: 20 })),
        dateAdded: fc.oneof(fc.constant("2024-01-02"), fc.string({ maxLength: 12 })),
        dueDate: fc.oneof(fc.constant("2024-02-03"), fc.constant(""), fc.constant(null), fc.integer()),
        knownRansomwareCampaignUse: fc.constantFrom("Known", "Unknown", "known", ""),
        vendorProject: fc.oneof(fc.string(), fc.constant(null)),
      },
      { requiredKeys: [] },
    );
    const doc = fc.record(
      {
        catalogVersion: fc.oneof(fc.string(), fc.integer()),
        dateReleased: fc.string(),
        count: fc.integer(),
        vulnerabilities: fc.array(entry, { maxLength: 5 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        fc.oneof(
          doc.map((d) => JSON.stringify(d)),
          fc.string({ maxLength: 60 }),
        ),
        (text) => {
          try {
            const c = parseKevCatalog(text, "fuzz.json");
            for (const r of c.records) expect(r.cveId).toMatch(/^CVE-\d{4}-\d{4,}$/);
          } catch (err) {
            if (!isShipshapeError(err)) throw err;
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
