/**
 * The vulnerability store contract: the same tests, run against every backend (sqlite-store.test.ts,
 * postgres-store.test.ts). Each test gets a fresh, empty database location and opens it the way the
 * CLI does (openStore with a --db value). Expected values are written out by hand from the
 * contract (store.ts, records.ts), not computed with the code under test.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ShipshapeError } from "../../src/errors.js";
import { canExportFeeds } from "../../src/vulndb/feed-export.js";
import { openStore } from "../../src/vulndb/open-store.js";
import type {
  AffectedRecord,
  EpssRecord,
  FeedState,
  KevRecord,
  VulnerabilityRecord,
} from "../../src/vulndb/records.js";
import type { BuildSession, VulnStore } from "../../src/vulndb/store.js";

export interface ContractLocation {
  /** The --db value that opens this database. */
  db: string;
  /** Overwrite the stored schema version (as another shipshape version would have written it). */
  setSchemaVersion(version: string): Promise<void>;
  /** Build leftovers next to the live data (temp files, build schemas): none after commit or abort. */
  leftovers(): Promise<string[]>;
  cleanup(): Promise<void>;
}

export interface ContractBackend {
  name: string;
  fresh(): Promise<ContractLocation>;
  /**
   * What a store opened before a commit reads afterwards: SQLite keeps reading the file it opened
   * ("old"); PostgreSQL readers name the live schema and read the new data ("new"). Both keep working.
   */
  openReaderAfterCommit: "old" | "new";
}

export function affectedRecord(
  namespace: string,
  packageName: string,
  vulnerabilityId: string,
  more: Partial<AffectedRecord> = {},
): AffectedRecord {
  return {
    vulnerabilityId,
    namespace,
    packageName,
    scheme: "deb",
    status: "fixed",
    ranges: [{ introduced: "0", fixed: "1.2-1" }],
    fixedVersion: "1.2-1",
    fixPublished: null,
    severity: null,
    moduleStream: null,
    cpes: [],
    source: "test-feed",
    advisory: null,
    ...more,
  };
}

export function vulnerabilityRecord(
  id: string,
  more: Partial<VulnerabilityRecord> = {},
): VulnerabilityRecord {
  return {
    id,
    aliases: [],
    summary: null,
    description: null,
    published: null,
    modified: null,
    severities: [],
    cvss: [],
    cwes: [],
    references: [],
    ...more,
  };
}

export function feedState(feed: string, records: number, more: Partial<FeedState> = {}): FeedState {
  return {
    feed,
    origin: `file:///feeds/${feed}`,
    importedAt: "2026-01-02T03:04:05.000Z",
    dataDate: "2026-01-01",
    etag: null,
    lastModified: null,
    records,
    ...more,
  };
}

export function kevRecord(cveId: string, dateAdded: string): KevRecord {
  return { cveId, dateAdded, dueDate: null, knownRansomware: false, vendorProject: null, product: null };
}

export function epssRecord(cveId: string, score: number): EpssRecord {
  return { cveId, score, percentile: score / 2, date: "2026-01-02" };
}

/** Order-independent comparison of affected records. */
function sorted(records: AffectedRecord[]): string[] {
  return records.map((r) => JSON.stringify(r)).sort();
}

export function describeStoreContract(backend: ContractBackend): void {
  describe(`VulnStore contract: ${backend.name}`, () => {
    let loc: ContractLocation;
    const opened: VulnStore[] = [];
    const sessions: BuildSession[] = [];

    beforeEach(async () => {
      loc = await backend.fresh();
    });
    afterEach(async () => {
      for (const s of sessions.splice(0)) await s.abort().catch(() => {});
      for (const s of opened.splice(0)) await s.close().catch(() => {});
      await loc.cleanup();
    });

    async function open(): Promise<VulnStore> {
      const store = await openStore(loc.db, {});
      opened.push(store);
      return store;
    }

    async function begin(store: VulnStore): Promise<BuildSession> {
      const session = await store.beginBuild();
      sessions.push(session);
      return session;
    }

    /** Build and commit a database from `fill`. */
    async function build(fill: (s: BuildSession) => Promise<void>): Promise<void> {
      const store = await open();
      const session = await begin(store);
      await fill(session);
      await session.commit();
    }

    it("a database that was never built is empty, not an error", async () => {
      const store = await open();
      expect(await store.affected([{ namespace: "debian:12", packageName: "openssl" }])).toEqual([]);
      expect(await store.hasNamespace("debian:12")).toBe(false);
      expect(await store.vulnerabilities(["CVE-2024-0001"])).toEqual(new Map());
      expect(await store.kev(["CVE-2024-0001"])).toEqual(new Map());
      expect(await store.epss(["CVE-2024-0001"])).toEqual(new Map());
      const status = await store.status();
      expect(status.builtAt).toBeNull();
      expect(status.counts).toEqual({ vulnerabilities: 0, affected: 0, kev: 0, epss: 0 });
      expect(status.feeds).toEqual([]);
      expect(status.location).toBe(store.location);
    });

    it("stores affected records written in batches and finds them by (namespace, package)", async () => {
      const full = affectedRecord("rhel:8", "nodejs", "CVE-2023-0001", {
        scheme: "rpm",
        status: "fixed",
        ranges: [{ introduced: "0", fixed: "1:16.20.2-1.module+el8", lastAffected: "x", limit: "y" }],
        fixedVersion: "1:16.20.2-1.module+el8",
        fixPublished: "2023-09-01T00:00:00Z",
        severity: "high",
        moduleStream: "nodejs:16",
        cpes: ["cpe:/a:redhat:enterprise_linux:8::appstream", "cpe:/o:redhat:enterprise_linux:8::baseos"],
        source: "redhat-csaf",
        advisory: "RHSA-2023:5000",
      });
      const batch1 = [
        affectedRecord("debian:12", "openssl", "CVE-2024-0001"),
        affectedRecord("debian:12", "openssl", "CVE-2024-0002", {
          status: "affected",
          ranges: [],
          fixedVersion: null,
        }),
        affectedRecord("debian:11", "openssl", "CVE-2024-0001"),
      ];
      const batch2 = [
        full,
        affectedRecord("debian:12", "OpenSSL", "CVE-2024-0003"), // names are case-sensitive keys
        affectedRecord("pypi", "o'reilly\\pkg", "PYSEC-1", { scheme: "pep440" }),
        affectedRecord("npm", "@scope/ünïcødé-名前", "GHSA-aaaa-bbbb-cccc", { scheme: "semver" }),
        affectedRecord("npm", "a_c%", "GHSA-wild-card-1", { scheme: "semver" }),
      ];
      // Same vulnerability, package and namespace from two feeds: both rows stay.
      const batch3 = [affectedRecord("debian:12", "openssl", "CVE-2024-0001", { source: "osv-debian" })];
      await build(async (s) => {
        await s.putAffected(batch1);
        await s.putAffected([]);
        await s.putAffected(batch2);
        await s.putAffected(batch3);
      });
      const store = await open();

      expect(sorted(await store.affected([{ namespace: "debian:12", packageName: "openssl" }]))).toEqual(
        sorted([batch1[0]!, batch1[1]!, batch3[0]!]),
      );
      // Duplicated and unknown keys: each record once, nothing extra.
      const many = await store.affected([
        { namespace: "rhel:8", packageName: "nodejs" },
        { namespace: "rhel:8", packageName: "nodejs" },
        { namespace: "debian:11", packageName: "openssl" },
        { namespace: "debian:13", packageName: "openssl" },
        { namespace: "pypi", packageName: "o'reilly\\pkg" },
        { namespace: "npm", packageName: "@scope/ünïcødé-名前" },
        { namespace: "npm", packageName: "abc%" }, // no LIKE-style wildcards
        { namespace: "npm", packageName: "a_c" },
      ]);
      expect(sorted(many)).toEqual(sorted([full, batch1[2]!, batch2[2]!, batch2[3]!]));
      // Every field round-trips.
      expect(many.find((r) => r.namespace === "rhel:8")).toEqual(full);
      expect(await store.affected([{ namespace: "debian:12", packageName: "OpenSSL" }])).toEqual([batch2[1]]);
      expect(await store.affected([])).toEqual([]);
      // Keys no database could hold are simply not found.
      expect(await store.affected([{ namespace: "debian:12", packageName: "open\0ssl" }])).toEqual([]);
      expect(await store.affected([{ namespace: "", packageName: "" }])).toEqual([]);
    });

    it("finds 5,000 keys in one affected() call", async () => {
      const records = Array.from({ length: 6000 }, (_, i) =>
        affectedRecord("npm", `package-${i}`, `GHSA-${String(i).padStart(4, "0")}`, { scheme: "semver" }),
      );
      await build(async (s) => {
        await s.putAffected(records);
      });
      const store = await open();
      const keys = [
        ...Array.from({ length: 5000 }, (_, i) => ({
          namespace: "npm",
          packageName: `package-${i * 1 + 500}`,
        })),
        ...Array.from({ length: 300 }, (_, i) => ({ namespace: "npm", packageName: `missing-${i}` })),
        ...Array.from({ length: 300 }, (_, i) => ({ namespace: "pypi", packageName: `package-${i}` })),
      ];
      const started = performance.now();
      const found = await store.affected(keys);
      const elapsed = performance.now() - started;
      expect(found).toHaveLength(5000);
      expect(new Set(found.map((r) => r.packageName))).toEqual(
        new Set(Array.from({ length: 5000 }, (_, i) => `package-${i + 500}`)),
      );
      for (const r of found)
        expect(r.vulnerabilityId).toBe(`GHSA-${r.packageName.slice("package-".length).padStart(4, "0")}`);
      // A scan looks up every package at once; this must stay interactive.
      expect(elapsed).toBeLessThan(3000);
    });

    it("merges one vulnerability across the feeds that describe it", async () => {
      await build(async (s) => {
        await s.putVulnerabilities("nvd", [
          vulnerabilityRecord("CVE-2024-1000", {
            description: "NVD description",
            published: "2024-02-01T00:00:00Z",
            modified: "2024-06-01T00:00:00Z",
            severities: [{ source: "nvd", severity: "critical" }],
            cvss: [
              {
                version: "3.1",
                vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                score: 9.8,
                source: "nvd",
              },
            ],
            cwes: ["CWE-787"],
            references: ["https://nvd.example/CVE-2024-1000", "https://shared.example/"],
          }),
          vulnerabilityRecord("CVE-2024-2000", { summary: "only NVD knows this one" }),
        ]);
        await s.putVulnerabilities("debian-tracker", [
          vulnerabilityRecord("CVE-2024-1000", {
            aliases: ["DSA-5600-1", "CVE-2024-1000"],
            summary: "Debian summary",
            published: "2024-01-15T00:00:00Z",
            modified: "2024-03-01T00:00:00Z",
            severities: [{ source: "debian-tracker", severity: "medium" }],
            references: ["https://shared.example/"],
          }),
        ]);
        await s.putVulnerabilities("ghsa", [
          vulnerabilityRecord("CVE-2024-1000", {
            aliases: ["GHSA-1111-2222-3333"],
            summary: "GHSA summary (stale)",
            cwes: ["CWE-787", "CWE-20"],
          }),
        ]);
        // The same (id, feed) written again replaces the earlier row: here the GHSA one, last wins.
        await s.putVulnerabilities("ghsa", [
          vulnerabilityRecord("CVE-2024-1000", {
            aliases: ["GHSA-1111-2222-3333"],
            summary: "GHSA summary",
            severities: [{ source: "ghsa", severity: "high" }],
            cwes: ["CWE-787", "CWE-20"],
          }),
        ]);
      });
      const store = await open();
      const found = await store.vulnerabilities([
        "CVE-2024-1000",
        "CVE-2024-2000",
        "CVE-1999-0001",
        "CVE-2024-1000",
      ]);
      expect([...found.keys()].sort()).toEqual(["CVE-2024-1000", "CVE-2024-2000"]);
      // Feeds in byte order of their ids (debian-tracker, ghsa, nvd): first non-null text wins,
      // earliest published, latest modified, lists concatenated or united.
      expect(found.get("CVE-2024-1000")).toEqual({
        id: "CVE-2024-1000",
        aliases: ["DSA-5600-1", "GHSA-1111-2222-3333"],
        summary: "Debian summary",
        description: "NVD description",
        published: "2024-01-15T00:00:00Z",
        modified: "2024-06-01T00:00:00Z",
        severities: [
          { source: "debian-tracker", severity: "medium" },
          { source: "ghsa", severity: "high" },
          { source: "nvd", severity: "critical" },
        ],
        cvss: [
          {
            version: "3.1",
            vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            score: 9.8,
            source: "nvd",
          },
        ],
        cwes: ["CWE-787", "CWE-20"],
        references: ["https://shared.example/", "https://nvd.example/CVE-2024-1000"],
      });
      expect(found.get("CVE-2024-2000")?.summary).toBe("only NVD knows this one");
      expect((await store.status()).counts.vulnerabilities).toBe(2);
    });

    it("stores KEV and EPSS by CVE (within a feed, the last record for a CVE wins)", async () => {
      const kev: KevRecord[] = [
        {
          cveId: "CVE-2021-44228",
          dateAdded: "2021-12-10",
          dueDate: "2021-12-24",
          knownRansomware: true,
          vendorProject: "Apache",
          product: "Log4j2",
        },
        {
          cveId: "CVE-2014-0160",
          dateAdded: "2022-05-04",
          dueDate: null,
          knownRansomware: false,
          vendorProject: null,
          product: null,
        },
      ];
      const epss: EpssRecord[] = [
        { cveId: "CVE-2021-44228", score: 0.5, percentile: 0.9, date: "2026-01-01" },
        { cveId: "CVE-2021-44228", score: 0.97565, percentile: 0.99995, date: "2026-01-02" },
        { cveId: "CVE-2020-0001", score: 0.00042, percentile: 0.05, date: "2026-01-02" },
      ];
      await build(async (s) => {
        await s.putKev("cisa-kev", kev);
        await s.putEpss("epss", epss.slice(0, 1));
        await s.putEpss("epss", epss.slice(1));
      });
      const store = await open();
      const k = await store.kev(["CVE-2021-44228", "CVE-2014-0160", "CVE-2000-0000"]);
      expect(k).toEqual(
        new Map([
          ["CVE-2021-44228", kev[0]],
          ["CVE-2014-0160", kev[1]],
        ]),
      );
      const e = await store.epss(["CVE-2021-44228", "CVE-2020-0001", "CVE-2014-0160"]);
      expect(e).toEqual(
        new Map([
          ["CVE-2021-44228", epss[1]],
          ["CVE-2020-0001", epss[2]],
        ]),
      );
      expect(await store.kev([])).toEqual(new Map());
      const status = await store.status();
      expect(status.counts.kev).toBe(2);
      expect(status.counts.epss).toBe(2);
    });

    it("keeps KEV and EPSS rows per feed; a read gives one per CVE", async () => {
      const kev = (cveId: string, dateAdded: string, knownRansomware: boolean): KevRecord => ({
        cveId,
        dateAdded,
        dueDate: null,
        knownRansomware,
        vendorProject: "Acme",
        product: `Widget ${dateAdded}`,
      });
      await build(async (s) => {
        await s.putKev("feed-b", [
          kev("CVE-2024-0001", "2024-03-01", true),
          kev("CVE-2024-0002", "2024-01-01", false),
        ]);
        await s.putKev("feed-a", [
          kev("CVE-2024-0001", "2024-05-01", false),
          kev("CVE-2024-0002", "2024-01-01", false),
        ]);
        await s.putEpss("feed-a", [
          { cveId: "CVE-2024-0001", score: 0.1, percentile: 0.5, date: "2026-01-03" },
        ]);
        await s.putEpss("feed-b", [
          { cveId: "CVE-2024-0001", score: 0.2, percentile: 0.6, date: "2026-01-02" },
        ]);
        await s.putEpss("feed-c", [
          { cveId: "CVE-2024-0001", score: 0.3, percentile: 0.7, date: "2026-01-03" },
        ]);
      });
      const store = await open();
      // KEV: the earliest date any feed added it (same date: the first feed in byte order), known
      // ransomware use if any feed says so.
      expect(await store.kev(["CVE-2024-0001", "CVE-2024-0002"])).toEqual(
        new Map([
          ["CVE-2024-0001", kev("CVE-2024-0001", "2024-03-01", true)],
          ["CVE-2024-0002", kev("CVE-2024-0002", "2024-01-01", false)],
        ]),
      );
      // EPSS: the newest scores (same date: the first feed in byte order).
      expect(await store.epss(["CVE-2024-0001"])).toEqual(
        new Map([
          ["CVE-2024-0001", { cveId: "CVE-2024-0001", score: 0.1, percentile: 0.5, date: "2026-01-03" }],
        ]),
      );
      // Counts are of CVEs, not rows.
      expect((await store.status()).counts).toEqual({ vulnerabilities: 0, affected: 0, kev: 2, epss: 1 });
    });

    it("lists a feed's vulnerability records by id prefix (for an importer reusing them)", async () => {
      await build(async (s) => {
        await s.putVulnerabilities("debian", [
          vulnerabilityRecord("DSA-5380-1", { aliases: ["CVE-2023-1393"] }),
          vulnerabilityRecord("DLA-3380-1"),
          vulnerabilityRecord("CVE-2023-1393"),
          vulnerabilityRecord("DSAX-1"),
          vulnerabilityRecord("dsa-1"),
        ]);
        await s.putVulnerabilities("other", [vulnerabilityRecord("DSA-1-1")]);
      });
      const store = await open();
      expect(canExportFeeds(store)).toBe(true);
      if (!canExportFeeds(store)) return;
      const ids = async (feed: string, prefixes: string[]) =>
        (await store.feedVulnerabilities(feed, prefixes)).map((r) => r.id);
      expect(await ids("debian", ["DSA-", "DLA-"])).toEqual(["DLA-3380-1", "DSA-5380-1"]);
      expect((await store.feedVulnerabilities("debian", ["DSA-"]))[0]).toEqual(
        vulnerabilityRecord("DSA-5380-1", { aliases: ["CVE-2023-1393"] }),
      );
      expect(await ids("other", ["DSA-"])).toEqual(["DSA-1-1"]);
      // Prefixes are text, not patterns.
      expect(await ids("debian", ["DS_-", "%"])).toEqual([]);
      expect(await ids("debian", [])).toEqual([]);
      expect(await ids("nothing", ["DSA-"])).toEqual([]);
    });

    it("knows which namespaces it has data for", async () => {
      await build(async (s) => {
        await s.putAffected([
          affectedRecord("debian:12", "openssl", "CVE-2024-0001"),
          affectedRecord("alpine:3.9", "musl", "CVE-2019-14697", { scheme: "apk" }),
        ]);
      });
      const store = await open();
      expect(await store.hasNamespace("debian:12")).toBe(true);
      expect(await store.hasNamespace("alpine:3.9")).toBe(true);
      expect(await store.hasNamespace("debian:1")).toBe(false);
      expect(await store.hasNamespace("alpine:3.10")).toBe(false);
      expect(await store.hasNamespace("debian:%")).toBe(false);
      expect(await store.hasNamespace("")).toBe(false);
      expect(await store.hasNamespace("debian:12\0")).toBe(false);
    });

    it("reports counts, build time and feed states", async () => {
      const before = new Date().toISOString();
      await build(async (s) => {
        await s.putVulnerabilities("osv-go", [
          vulnerabilityRecord("GO-2024-0001"),
          vulnerabilityRecord("GO-2024-0002"),
        ]);
        await s.putVulnerabilities("nvd", [
          vulnerabilityRecord("GO-2024-0001"),
          vulnerabilityRecord("CVE-2024-9"),
        ]);
        await s.putAffected([
          affectedRecord("go", "golang.org/x/net", "GO-2024-0001", { source: "osv-go", scheme: "go" }),
          affectedRecord("go", "golang.org/x/net", "GO-2024-0002", { source: "osv-go", scheme: "go" }),
          affectedRecord("go", "stdlib", "GO-2024-0002", { source: "osv-go", scheme: "go" }),
        ]);
        await s.putKev("cisa-kev", [
          {
            cveId: "CVE-2024-9",
            dateAdded: "2024-01-01",
            dueDate: null,
            knownRansomware: false,
            vendorProject: null,
            product: null,
          },
        ]);
        await s.setFeedState(feedState("osv-go", 2));
        await s.setFeedState(
          feedState("nvd", 1, { etag: '"abc"', lastModified: "Wed, 01 Jan 2026 00:00:00 GMT" }),
        );
        await s.setFeedState(
          feedState("nvd", 2, { etag: '"def"', lastModified: "Thu, 02 Jan 2026 00:00:00 GMT" }),
        );
        await s.setFeedState(feedState("debian-tracker", 0, { dataDate: null }));
      });
      const after = new Date().toISOString();
      const store = await open();
      const status = await store.status();
      expect(status.counts).toEqual({ vulnerabilities: 3, affected: 3, kev: 1, epss: 0 });
      expect(status.schemaVersion).toBeGreaterThan(0);
      expect(status.builtAt).not.toBeNull();
      expect(status.builtAt! >= before && status.builtAt! <= after).toBe(true);
      expect(status.feeds).toEqual([
        feedState("debian-tracker", 0, { dataDate: null }),
        feedState("nvd", 2, { etag: '"def"', lastModified: "Thu, 02 Jan 2026 00:00:00 GMT" }),
        feedState("osv-go", 2),
      ]);
    });

    it("an aborted build leaves the live data untouched and readable", async () => {
      await build(async (s) => {
        await s.putAffected([affectedRecord("debian:12", "openssl", "CVE-A")]);
        await s.setFeedState(feedState("a", 1));
      });
      const reader = await open();
      const session = await begin(await open());
      await session.putAffected([affectedRecord("debian:12", "openssl", "CVE-B")]);
      await session.putAffected([affectedRecord("debian:12", "bash", "CVE-B")]);
      await session.setFeedState(feedState("b", 1));
      // While the build is open, readers see only the live data.
      expect(
        (await reader.affected([{ namespace: "debian:12", packageName: "openssl" }])).map(
          (r) => r.vulnerabilityId,
        ),
      ).toEqual(["CVE-A"]);
      await session.abort();
      await session.abort(); // twice is harmless
      for (const store of [reader, await open()]) {
        expect(
          (await store.affected([{ namespace: "debian:12", packageName: "openssl" }])).map(
            (r) => r.vulnerabilityId,
          ),
        ).toEqual(["CVE-A"]);
        expect(await store.affected([{ namespace: "debian:12", packageName: "bash" }])).toEqual([]);
        expect((await store.status()).feeds.map((f) => f.feed)).toEqual(["a"]);
      }
      expect(await loc.leftovers()).toEqual([]);
      await expect(session.commit()).rejects.toThrow(/aborted/);
    });

    it("a build that throws and is aborted leaves the live data untouched", async () => {
      await build(async (s) => {
        await s.putAffected([affectedRecord("debian:12", "openssl", "CVE-A")]);
      });
      const session = await begin(await open());
      await session.putAffected([affectedRecord("debian:12", "openssl", "CVE-B")]);
      // A record that breaks the table's rules (an importer bug): the put fails...
      const broken = {
        ...affectedRecord("debian:12", "openssl", "CVE-C"),
        namespace: null,
      } as unknown as AffectedRecord;
      await expect(session.putAffected([broken])).rejects.toThrow();
      // ...and the importer's caller aborts.
      await session.abort();
      const store = await open();
      expect(
        (await store.affected([{ namespace: "debian:12", packageName: "openssl" }])).map(
          (r) => r.vulnerabilityId,
        ),
      ).toEqual(["CVE-A"]);
      expect(await loc.leftovers()).toEqual([]);
    });

    it("a build that is never finished changes nothing", async () => {
      await build(async (s) => {
        await s.putAffected([affectedRecord("debian:12", "openssl", "CVE-A")]);
      });
      const session = await begin(await open());
      await session.putAffected([affectedRecord("debian:12", "openssl", "CVE-B")]);
      const store = await open();
      expect(
        (await store.affected([{ namespace: "debian:12", packageName: "openssl" }])).map(
          (r) => r.vulnerabilityId,
        ),
      ).toEqual(["CVE-A"]);
      expect((await store.status()).counts.affected).toBe(1);
    });

    it("a commit swaps in the new data whole; a store opened before it keeps working", async () => {
      await build(async (s) => {
        await s.putAffected([
          affectedRecord("debian:12", "openssl", "CVE-OLD-1"),
          affectedRecord("debian:12", "zlib", "CVE-OLD-2"),
        ]);
        await s.setFeedState(feedState("old", 2));
      });
      const reader = await open();
      expect(await reader.hasNamespace("debian:12")).toBe(true);
      await build(async (s) => {
        await s.putAffected([affectedRecord("alpine:3.19", "openssl", "CVE-NEW-1", { scheme: "apk" })]);
        await s.setFeedState(feedState("new", 1));
      });
      const oldView = { ids: ["CVE-OLD-1"], feeds: ["old"], debian: true, alpine: false };
      const newView = { ids: [] as string[], feeds: ["new"], debian: false, alpine: true };
      const view = async (store: VulnStore) => ({
        ids: (await store.affected([{ namespace: "debian:12", packageName: "openssl" }])).map(
          (r) => r.vulnerabilityId,
        ),
        feeds: (await store.status()).feeds.map((f) => f.feed),
        debian: await store.hasNamespace("debian:12"),
        alpine: await store.hasNamespace("alpine:3.19"),
      });
      expect(await view(reader)).toEqual(backend.openReaderAfterCommit === "old" ? oldView : newView);
      expect(await view(await open())).toEqual(newView);
      expect(await loc.leftovers()).toEqual([]);
    });

    it("copyFeedsFrom carries the feeds a build does not refresh", async () => {
      await build(async (s) => {
        await s.putVulnerabilities("feed-a", [vulnerabilityRecord("CVE-A1", { summary: "a, old" })]);
        await s.putVulnerabilities("feed-b", [vulnerabilityRecord("CVE-B1", { summary: "b" })]);
        await s.putVulnerabilities("feed-c", [vulnerabilityRecord("CVE-C1", { summary: "c" })]);
        await s.putAffected([
          affectedRecord("npm", "a", "CVE-A1", { source: "feed-a" }),
          affectedRecord("npm", "b", "CVE-B1", { source: "feed-b" }),
          affectedRecord("npm", "b2", "CVE-B1", { source: "feed-b" }),
          affectedRecord("npm", "c", "CVE-C1", { source: "feed-c" }),
        ]);
        await s.putKev("feed-a", [kevRecord("CVE-A1", "2024-01-01")]);
        await s.putKev("feed-b", [kevRecord("CVE-B1", "2024-02-02"), kevRecord("CVE-S", "2024-02-02")]);
        await s.putKev("feed-c", [kevRecord("CVE-C1", "2024-03-03"), kevRecord("CVE-S", "2024-01-03")]);
        await s.putEpss("feed-b", [epssRecord("CVE-B1", 0.25), epssRecord("CVE-S", 0.5)]);
        await s.putEpss("feed-c", [epssRecord("CVE-C1", 0.75)]);
        await s.setFeedState(feedState("feed-a", 1));
        await s.setFeedState(feedState("feed-b", 2));
        await s.setFeedState(feedState("feed-c", 1));
      });
      const live = await open();
      const session = await begin(live);
      // feed-a is refreshed, feed-b carried over, feed-c dropped.
      await session.putVulnerabilities("feed-a", [vulnerabilityRecord("CVE-A2", { summary: "a, new" })]);
      await session.putAffected([affectedRecord("npm", "a", "CVE-A2", { source: "feed-a" })]);
      await session.putKev("feed-a", [kevRecord("CVE-A2", "2024-04-04")]);
      await session.setFeedState(feedState("feed-a", 1, { importedAt: "2026-02-02T00:00:00.000Z" }));
      await session.copyFeedsFrom(live, ["feed-b"]);
      await session.copyFeedsFrom(live, []);
      await session.commit();

      const store = await open();
      const keys = ["a", "b", "b2", "c"].map((p) => ({ namespace: "npm", packageName: p }));
      expect(sorted(await store.affected(keys))).toEqual(
        sorted([
          affectedRecord("npm", "a", "CVE-A2", { source: "feed-a" }),
          affectedRecord("npm", "b", "CVE-B1", { source: "feed-b" }),
          affectedRecord("npm", "b2", "CVE-B1", { source: "feed-b" }),
        ]),
      );
      const vulns = await store.vulnerabilities(["CVE-A1", "CVE-A2", "CVE-B1", "CVE-C1"]);
      expect([...vulns.keys()].sort()).toEqual(["CVE-A2", "CVE-B1"]);
      expect(vulns.get("CVE-B1")?.summary).toBe("b");
      expect((await store.status()).feeds).toEqual([
        feedState("feed-a", 1, { importedAt: "2026-02-02T00:00:00.000Z" }),
        feedState("feed-b", 2),
      ]);
      // KEV and EPSS rows go with their feed: feed-b's are carried, feed-c's (and feed-a's old) are gone.
      const cves = ["CVE-A1", "CVE-A2", "CVE-B1", "CVE-C1", "CVE-S"];
      expect(await store.kev(cves)).toEqual(
        new Map([
          ["CVE-A2", kevRecord("CVE-A2", "2024-04-04")],
          ["CVE-B1", kevRecord("CVE-B1", "2024-02-02")],
          ["CVE-S", kevRecord("CVE-S", "2024-02-02")],
        ]),
      );
      expect(await store.epss(cves)).toEqual(
        new Map([
          ["CVE-B1", epssRecord("CVE-B1", 0.25)],
          ["CVE-S", epssRecord("CVE-S", 0.5)],
        ]),
      );
      expect((await store.status()).counts).toMatchObject({ kev: 3, epss: 2 });
    });

    it("copyFeedsFrom an empty live database carries nothing", async () => {
      const live = await open();
      const session = await begin(live);
      await session.putAffected([affectedRecord("npm", "a", "CVE-A2", { source: "feed-a" })]);
      await session.copyFeedsFrom(live, ["feed-b"]);
      await session.commit();
      const status = await (await open()).status();
      expect(status.counts.affected).toBe(1);
      expect(status.feeds).toEqual([]);
    });

    it("refuses a database of another schema version with a clear one-line error", async () => {
      await build(async (s) => {
        await s.putAffected([affectedRecord("debian:12", "openssl", "CVE-A")]);
      });
      await loc.setSchemaVersion("999");
      const err = await openStore(loc.db, {}).then(
        (s) => {
          opened.push(s);
          return undefined;
        },
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ShipshapeError);
      const e = err as ShipshapeError;
      expect(e.kind).toBe("input");
      expect(e.message).toMatch(/schema 999/);
      expect(e.message).toMatch(/needs \d+/);
      expect(e.message).toMatch(/shipshape db update or db import/);
      expect(e.message).not.toMatch(/\n/);
    });

    it("opened for a build, a database of another schema version reads as empty and is replaced", async () => {
      await build(async (s) => {
        await s.putAffected([affectedRecord("debian:12", "openssl", "CVE-A", { source: "feed-a" })]);
        await s.setFeedState(feedState("feed-a", 1));
      });
      await loc.setSchemaVersion("0");
      await expect(openStore(loc.db, {})).rejects.toThrow(/schema 0/);
      const old = await openStore(loc.db, {}, { forBuild: true });
      opened.push(old);
      expect(await old.affected([{ namespace: "debian:12", packageName: "openssl" }])).toEqual([]);
      expect((await old.status()).feeds).toEqual([]);
      const session = await begin(old);
      await session.putAffected([affectedRecord("debian:12", "openssl", "CVE-B")]);
      // Nothing of the other version's data is carried into the new build.
      await session.copyFeedsFrom(old, ["feed-a"]);
      await session.commit();
      const fresh = await open();
      expect((await fresh.status()).feeds).toEqual([]);
      expect(
        (await fresh.affected([{ namespace: "debian:12", packageName: "openssl" }])).map(
          (r) => r.vulnerabilityId,
        ),
      ).toEqual(["CVE-B"]);
    });

    it("two builds committed one after the other: the last commit wins, whole", async () => {
      const store = await open();
      const first = await begin(store);
      const second = await begin(store);
      await first.putAffected([affectedRecord("npm", "x", "CVE-FIRST")]);
      await second.putAffected([affectedRecord("npm", "x", "CVE-SECOND")]);
      await second.commit();
      await first.commit();
      const fresh = await open();
      expect(
        (await fresh.affected([{ namespace: "npm", packageName: "x" }])).map((r) => r.vulnerabilityId),
      ).toEqual(["CVE-FIRST"]);
      expect(await loc.leftovers()).toEqual([]);
    });

    it("readers during repeated commits see one build's data per call, never a mix", async () => {
      const GENERATIONS = 6;
      const filler = (g: number) =>
        Array.from({ length: 4000 }, (_, i) =>
          affectedRecord("npm", `filler-${i}`, `CVE-${g}-F${i}`, { source: "gen" }),
        );
      const generation = (g: number) => async (s: BuildSession) => {
        // Generation g: 10 + g rows for npm/pkg, and a feed state saying g.
        await s.putAffected(
          Array.from({ length: 10 + g }, (_, i) =>
            affectedRecord("npm", "pkg", `CVE-${g}-${i}`, { source: "gen" }),
          ),
        );
        await s.putAffected(filler(g));
        await s.setFeedState(feedState("gen", g));
      };
      await build(generation(0));
      const longLived = await open();
      let done = false;
      const seen = new Set<number>();
      const problems: string[] = [];
      const readLoop = async () => {
        while (!done) {
          // SQLite: a store reads the file it opened, so readers reopen; PostgreSQL: one store throughout.
          const store = backend.openReaderAfterCommit === "new" ? longLived : await open();
          const status = await store.status();
          const g = status.feeds[0]?.records ?? -1;
          if (status.counts.affected !== 10 + g + 4000) {
            problems.push(`status mixes builds: feed says ${g}, ${status.counts.affected} rows`);
          }
          const rows = await store.affected([{ namespace: "npm", packageName: "pkg" }]);
          const gens = new Set(rows.map((r) => Number(r.vulnerabilityId.split("-")[1])));
          const only = [...gens][0] ?? -1;
          if (gens.size !== 1 || rows.length !== 10 + only) {
            problems.push(
              `affected() mixes builds: ${rows.length} rows from generations ${[...gens].join(",")}`,
            );
          }
          seen.add(only);
          if (store !== longLived) {
            await store.close();
            opened.splice(opened.indexOf(store), 1);
          }
        }
      };
      const readers = [readLoop(), readLoop()];
      try {
        for (let g = 1; g <= GENERATIONS; g++) await build(generation(g));
      } finally {
        done = true;
        await Promise.all(readers);
      }
      expect(problems).toEqual([]);
      // The readers did overlap the commits.
      expect(seen.size).toBeGreaterThan(1);
      const final = await open();
      expect((await final.status()).feeds[0]?.records).toBe(GENERATIONS);
    });

    it("imports 100,000 affected records in seconds", async () => {
      const store = await open();
      const session = await begin(store);
      const started = performance.now();
      for (let b = 0; b < 10; b++) {
        await session.putAffected(
          Array.from({ length: 10_000 }, (_, i) =>
            affectedRecord(`debian:${10 + (i % 3)}`, `pkg-${b}-${i}`, `CVE-2024-${b}${i}`, {
              ranges: [{ introduced: "0", fixed: `${i}.0-1` }],
              fixedVersion: `${i}.0-1`,
              advisory: `DSA-${i}-1`,
            }),
          ),
        );
      }
      await session.commit();
      const elapsed = performance.now() - started;
      console.log(
        `${backend.name}: 100,000 affected records imported and committed in ${Math.round(elapsed)} ms`,
      );
      expect(elapsed).toBeLessThan(30_000);
      const fresh = await open();
      expect((await fresh.status()).counts.affected).toBe(100_000);
      const found = await fresh.affected([
        { namespace: "debian:10", packageName: "pkg-9-9999" },
        { namespace: "debian:11", packageName: "pkg-0-1" },
        { namespace: "debian:12", packageName: "pkg-0-1" },
      ]);
      expect(found.map((r) => `${r.namespace} ${r.packageName} ${r.vulnerabilityId}`).sort()).toEqual([
        "debian:10 pkg-9-9999 CVE-2024-99999",
        "debian:11 pkg-0-1 CVE-2024-01",
      ]);
    });
  });
}
