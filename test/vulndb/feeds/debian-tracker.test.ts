/**
 * The Debian tracker importer against real payloads: vunnel's tracker JSON + DSA list with vunnel's
 * expected per-release snapshots, the real DSA/DLA lists (to 2023-04) checked against independent
 * counts, the streaming JSON reader against JSON.parse, and hostile/fuzzed inputs.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ShipshapeError } from "../../../src/errors.js";
import {
  AdvisoryIndex,
  advisoryFromRecord,
  advisoryRecord,
  parseDebianAdvisoryList,
} from "../../../src/vulndb/feeds/debian-advisory-list.js";
import {
  classifyDebianInput,
  debianTrackerImporter,
  releaseVerdict,
  severityOfUrgency,
  trackerPackageRecords,
} from "../../../src/vulndb/feeds/debian-tracker.js";
import { debianNamespace } from "../../../src/vulndb/feeds/distro-codenames.js";
import { jsonObjectMembers } from "../../../src/vulndb/feeds/json-members.js";
import type { Severity } from "../../../src/vulndb/records.js";
import { dataPath } from "../../helpers/shared.js";
import { MemorySession, testContext } from "./build-store.js";

const VUNNEL = () => dataPath("vuln", "fixtures", "vunnel-fixtures", "debian", "test-fixtures");

async function importInto(inputs: string[], warnings: string[] = []): Promise<MemorySession> {
  const session = new MemorySession();
  await debianTrackerImporter.import(inputs, session, testContext(warnings));
  return session;
}

const SEVERITY_NAME: Record<Severity, string> = {
  critical: "Critical",
  high: "High",
  medium: "Medium",
  low: "Low",
  negligible: "Negligible",
  unknown: "Unknown",
};
const RANK: Severity[] = ["unknown", "negligible", "low", "medium", "high", "critical"];

describe("vunnel's Debian fixture (tracker JSON + DSA list)", () => {
  it("matches vunnel's snapshots for debian:8–13 and unstable", async () => {
    // Compared per (namespace, CVE): the set of FixedIn (Name, Version) — "None" for no fix, "0" for
    // never affected —, the vulnerability's Severity (the highest of its packages' in that release),
    // Description, and for each FixedIn the advisory (VendorAdvisory.AdvisorySummary[].ID) and its
    // date (Available.Date when Kind is "advisory"; "first-observed" is vunnel's own bookkeeping and
    // means no advisory date). debian:7 snapshots come from vunnel's legacy results.db, not from the
    // tracker JSON, and are left out.
    const session = await importInto([join(VUNNEL(), "input")]);
    const byKey = new Map<string, typeof session.affected>();
    for (const r of session.affected) {
      const key = `${r.namespace}/${r.vulnerabilityId.toLowerCase()}`;
      byKey.set(key, [...(byKey.get(key) ?? []), r]);
    }
    const descriptions = new Map(session.vulnerabilities.map((v) => [v.record.id, v.record.description]));
    const input = readFileSync(join(VUNNEL(), "input", "debian.json"), "utf8");
    const snapshotKeys = new Set<string>();
    const notInInput: string[] = [];
    let compared = 0;
    for (const ns of readdirSync(join(VUNNEL(), "snapshots")).filter((d) => d !== "debian:7")) {
      for (const file of readdirSync(join(VUNNEL(), "snapshots", ns))) {
        const v = JSON.parse(readFileSync(join(VUNNEL(), "snapshots", ns, file), "utf8")).item.Vulnerability;
        const key = `${v.NamespaceName}/${v.Name.toLowerCase()}`;
        // A snapshot whose CVE the input does not mention at all is left over from older vunnel
        // inputs (its test compares only some snapshots): nothing the tracker JSON can give.
        if (!input.includes(`"${v.Name}"`)) {
          notInInput.push(key);
          continue;
        }
        snapshotKeys.add(key);
        const ours = byKey.get(key) ?? [];
        const fixedIn = (r: (typeof ours)[number]) =>
          `${r.packageName} ${r.status === "not-affected" ? "0" : (r.fixedVersion ?? "None")}`;
        expect(ours.map(fixedIn).sort(), key).toEqual(
          v.FixedIn.map((f: { Name: string; Version: string }) => `${f.Name} ${f.Version}`).sort(),
        );
        const top = ours
          .map((r) => r.severity ?? "unknown")
          .sort((a, b) => RANK.indexOf(b) - RANK.indexOf(a))[0]!;
        expect(SEVERITY_NAME[top], key).toBe(v.Severity);
        expect(descriptions.get(v.Name) ?? "", key).toBe(v.Description ?? "");
        for (const f of v.FixedIn) {
          const r = ours.find((x) => x.packageName === f.Name)!;
          const ids = (f.VendorAdvisory?.AdvisorySummary ?? []).map((a: { ID: string }) => a.ID);
          expect(r.advisory === null ? [] : [r.advisory], key).toEqual(ids);
          expect(r.fixPublished, key).toBe(f.Available?.Kind === "advisory" ? f.Available.Date : null);
        }
        compared++;
      }
    }
    expect(compared).toBeGreaterThanOrEqual(20);
    expect(notInInput).toEqual(["debian:10/cve-2012-0833"]);
    // …and nothing beyond them (the tracker JSON's releases are buster…sid plus stretch/jessie).
    expect([...byKey.keys()].sort()).toEqual([...snapshotKeys].sort());
  });

  it("keeps each release's own status: open+end-of-life in buster, fixed in bullseye", async () => {
    const session = await importInto([join(VUNNEL(), "input")]);
    const chromium = session.affected.filter((r) => r.vulnerabilityId === "CVE-2022-0456");
    expect(chromium.find((r) => r.namespace === "debian:10")).toMatchObject({
      status: "end-of-life",
      fixedVersion: null,
      severity: "unknown",
    });
    expect(chromium.find((r) => r.namespace === "debian:11")).toMatchObject({
      status: "fixed",
      fixedVersion: "98.0.4758.80-1~deb11u1",
    });
    const never = session.affected.find((r) => r.vulnerabilityId === "CVE-2007-2383");
    expect(never).toMatchObject({ status: "not-affected", fixedVersion: null, severity: "negligible" });
  });
});

describe("the DSA/DLA lists (security tracker data to 2023-04)", () => {
  const lists = () => dataPath("vuln", "feeds", "debian-security-tracker", "data");

  it.each([
    ["DSA", 5406],
    ["DLA", 3534],
  ])(
    "%s/list: every advisory header is read (counted independently) with a real date",
    (name, provenance) => {
      const text = readFileSync(join(lists(), name, "list"), "utf8");
      const headers = text.split("\n").filter((l) => l.startsWith("[")).length;
      const advisories = parseDebianAdvisoryList(text, `${name}/list`);
      expect(advisories.length).toBe(headers);
      expect(headers).toBe(provenance);
      for (const a of advisories) expect(a.date).toMatch(/^(19|20)\d\d-\d\d-\d\d$/);
      const fixes = advisories.flatMap((a) => a.fixes);
      const fixLines = text.split("\n").filter((l) => /^\s+\[[a-z-]+\] - \S+/.test(l)).length;
      expect(fixes.length).toBe(fixLines);
    },
  );

  it("reads the newest DSA as the file states it, and joins it to the tracker by exact fixed version", () => {
    const advisories = parseDebianAdvisoryList(
      readFileSync(join(lists(), "DSA", "list"), "utf8"),
      "DSA/list",
    );
    const first = readFileSync(join(lists(), "DSA", "list"), "utf8")
      .split("\n")
      .slice(0, 3);
    // "[29 Mar 2023] DSA-5380-1 xorg-server - security update", "{CVE-2023-1393}", "[bullseye] - xorg-server 2:1.20.11-1+deb11u6"
    const [, day, mon, year, id] = /^\[(\d+) (\w+) (\d+)\] (\S+)/.exec(first[0]!)!;
    expect(advisories[0]!.id).toBe(id);
    expect(new Date(`${mon} ${day}, ${year} UTC`).toISOString().slice(0, 10)).toBe(advisories[0]!.date);
    const [, release, pkg, version] = /\[(\w+)\] - (\S+) (\S+)/.exec(first[2]!)!;
    const cve = /\{(\S+)\}/.exec(first[1]!)![1]!;
    const index = new AdvisoryIndex();
    index.add(advisories);
    expect(index.find(release!, pkg!, cve, version!)?.id).toBe(id);
    expect(index.find(release!, pkg!, cve, `${version}+1`)).toBeNull();
  });

  it("lets revisions without CVEs inherit their base advisory's, and reads markers as no version", () => {
    const text = [
      "[02 Jan 2020] DSA-100-2 foo - regression update",
      "\t[buster] - foo 1.0-2",
      "[01 Jan 2020] DSA-100-1 foo - security update",
      "\t{CVE-2020-0001 CVE-2020-0002}",
      "\t[buster] - foo 1.0-1",
      "\t[stretch] - foo <not-affected> (Vulnerable code not present)",
      "\tNOTE: fixed in testing at time of DSA",
      "[31 Feb 2020] DSA-101-1 bar - impossible date",
      "\t{CVE-2020-0003}",
    ].join("\n");
    const advisories = parseDebianAdvisoryList(text, "test");
    expect(advisories.map((a) => a.id)).toEqual(["DSA-100-2", "DSA-100-1"]);
    expect(advisories[0]!.cves).toEqual(["CVE-2020-0001", "CVE-2020-0002"]);
    expect(advisories[1]!.fixes).toEqual([
      { release: "buster", package: "foo", version: "1.0-1" },
      { release: "stretch", package: "foo", version: null },
    ]);
    expect(() => parseDebianAdvisoryList("hello\nworld", "junk")).toThrow(ShipshapeError);
  });
});

describe("the DSA/DLA lists without the tracker JSON", () => {
  const data = () => dataPath("vuln", "feeds", "debian-security-tracker", "data");
  const listsOnly = () => dataPath("vuln", "feeds", "debian-security-tracker");

  it("are imported as advisory records (no affected records) with a warning saying what is missing", async () => {
    const warnings: string[] = [];
    const session = await importInto([listsOnly()], warnings);
    expect(session.affected).toEqual([]);
    // One record per advisory header line of both lists, counted from the text.
    const headers = ["DSA", "DLA"].flatMap((n) =>
      readFileSync(join(data(), n, "list"), "utf8")
        .split("\n")
        .filter((l) => /^\[\d/.test(l))
        .map((l) => /\] (\S+)/.exec(l)![1]!),
    );
    expect(session.vulnerabilities.map((v) => v.record.id).sort()).toEqual([...new Set(headers)].sort());
    expect(new Set(session.vulnerabilities.map((v) => v.source))).toEqual(new Set(["debian"]));
    // The newest DSA, as the file's first lines state it.
    const first = readFileSync(join(data(), "DSA", "list"), "utf8")
      .split("\n")
      .slice(0, 3);
    // "[29 Mar 2023] DSA-5380-1 xorg-server - security update", "\t{CVE-2023-1393}", "\t[bullseye] - xorg-server 2:1.20.11-1+deb11u6"
    const [, day, mon, year, id, header] = /^\[(\d+) (\w+) (\d+)\] (\S+) (.*)$/.exec(first[0]!)!;
    expect(session.vulnerabilities.find((v) => v.record.id === id)?.record).toEqual({
      id,
      aliases: [/\{(\S+)\}/.exec(first[1]!)![1]],
      summary: header,
      description: first[2]!.trim(),
      published: new Date(`${mon} ${day}, ${year} UTC`).toISOString().slice(0, 10),
      modified: null,
      severities: [],
      cvss: [],
      cwes: [],
      references: [`https://security-tracker.debian.org/tracker/${id}`],
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      new RegExp(
        `^no tracker JSON among the inputs: the ${new Set(headers).size} DSA/DLA advisories are imported as advisory records only, and no Debian package can be matched until the tracker JSON \\(https://security-tracker\\.debian\\.org/tracker/data/json\\) is imported too`,
      ),
    );
  });

  it("a later import of the tracker JSON alone joins the advisories an earlier import kept", async () => {
    const tracker = join(VUNNEL(), "input", "debian.json");
    const earlier = await importInto([listsOnly()]);
    const kept = earlier.vulnerabilities.map((v) => v.record);
    // The database it replaces hands the importer the advisory records by id prefix.
    const asked: string[][] = [];
    const later = new MemorySession();
    await debianTrackerImporter.import([tracker], later, {
      ...testContext(),
      previous: {
        async vulnerabilities(prefixes) {
          asked.push(prefixes);
          return kept.filter((r) => prefixes.some((p) => r.id.startsWith(p)));
        },
      },
    });
    expect(asked).toEqual([["DSA-", "DLA-", "DTSA-"]]);
    // The same records as importing the tracker JSON and the lists together.
    const together = await importInto([tracker, join(data(), "DSA", "list"), join(data(), "DLA", "list")]);
    const key = (r: object) => JSON.stringify(r);
    expect(later.affected.map(key).sort()).toEqual(together.affected.map(key).sort());
    expect(later.vulnerabilities.map(key).sort()).toEqual(together.vulnerabilities.map(key).sort());
    // ...which the advisories change: some fixes are named by a DSA/DLA, that the tracker alone cannot.
    const alone = await importInto([tracker]);
    const advised = later.affected.filter((r) => r.advisory !== null);
    expect(advised.length).toBeGreaterThan(0);
    expect(alone.affected.filter((r) => r.advisory !== null)).toEqual([]);
    for (const r of advised) {
      const advisory = kept.find((a) => a.id === r.advisory)!;
      expect(advisory.aliases).toContain(r.vulnerabilityId);
      expect(advisory.description).toContain(`- ${r.packageName} ${r.fixedVersion}`);
      expect(r.fixPublished).toBe(advisory.published);
    }
    // Given lists win over what the database had: nothing is asked then.
    asked.length = 0;
    await debianTrackerImporter.import([tracker, join(VUNNEL(), "input", "DSA")], new MemorySession(), {
      ...testContext(),
      previous: {
        async vulnerabilities(prefixes) {
          asked.push(prefixes);
          return [];
        },
      },
    });
    expect(asked).toEqual([]);
  });

  it("advisory records read back as the advisories they were made from (real lists and fuzzed ones)", () => {
    for (const name of ["DSA", "DLA"]) {
      for (const a of parseDebianAdvisoryList(readFileSync(join(data(), name, "list"), "utf8"), name)) {
        expect(advisoryFromRecord(advisoryRecord(a))).toEqual(a);
      }
    }
    const token = fc.stringMatching(/^[a-z0-9][a-z0-9.+:~-]{0,15}$/);
    const advisory = fc.record({
      id: fc.stringMatching(/^(DSA|DLA|DTSA)-\d{1,5}(-\d{1,2})?$/),
      date: fc
        .date({ min: new Date("1997-01-01"), max: new Date("2030-12-31"), noInvalidDate: true })
        .map((d) => d.toISOString().slice(0, 10)),
      packages: fc.array(token, { maxLength: 3 }),
      title: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ().,'-]{0,30}[A-Za-z0-9)]$/),
      cves: fc.uniqueArray(fc.stringMatching(/^CVE-\d{4}-\d{4,6}$/), { maxLength: 4 }),
      fixes: fc.array(
        fc.record({
          release: fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/),
          package: token,
          version: fc.option(token, { nil: null }),
        }),
        { maxLength: 4 },
      ),
    });
    fc.assert(
      fc.property(advisory, (a) => {
        // The list's own rule: a header without packages has no " - " before its title.
        fc.pre(a.packages.length > 0 || !a.title.includes(" - "));
        expect(advisoryFromRecord(advisoryRecord(a))).toEqual(a);
      }),
      { numRuns: 300 },
    );
    // Records that are not advisory records are not read as advisories.
    expect(
      advisoryFromRecord({
        ...advisoryRecord(parseDebianAdvisoryList("[01 Jan 2020] DSA-1-1 a - b", "x")[0]!),
        id: "CVE-2020-1",
      }),
    ).toBeNull();
  });
});

describe("release entries", () => {
  it.each([
    [{ status: "resolved", fixed_version: "1.2-3", urgency: "high**" }, "fixed", "1.2-3", "high"],
    [{ status: "resolved", fixed_version: "0", urgency: "unimportant" }, "not-affected", null, "negligible"],
    [{ status: "open", urgency: "end-of-life" }, "end-of-life", null, "unknown"],
    [
      { status: "open", urgency: "low", nodsa: "Minor issue", nodsa_reason: "ignored" },
      "will-not-fix",
      null,
      "low",
    ],
    [{ status: "open", urgency: "medium", nodsa: "", nodsa_reason: "postponed" }, "deferred", null, "medium"],
    [
      { status: "open", urgency: "not yet assigned", nodsa: "Minor issue", nodsa_reason: "" },
      "affected",
      null,
      "unknown",
    ],
    [{ status: "undetermined", urgency: "low*" }, "affected", null, "low"],
    [{ status: "open" }, "affected", null, null],
  ])("%j → %s", (entry, status, fixed, severity) => {
    expect(releaseVerdict(entry)).toEqual({ status, fixedVersion: fixed, severity });
  });

  it("says nothing for unusable entries", () => {
    expect(releaseVerdict({ status: "resolved" })).toBeNull();
    expect(releaseVerdict({ status: "weird" })).toBeNull();
    expect(severityOfUrgency(5)).toBeNull();
  });

  it("maps codenames to the image namespaces", () => {
    expect(debianNamespace("bookworm")).toBe("debian:12");
    expect(debianNamespace("trixie")).toBe("debian:13");
    expect(debianNamespace("forky")).toBe("debian:14");
    expect(debianNamespace("sid")).toBe("debian:unstable");
    expect(debianNamespace("buster")).toBe("debian:10");
    expect(debianNamespace("nonsense")).toBeNull();
  });

  it("warns once about releases it cannot place, and skips non-CVE/TEMP keys", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tracker-"));
    try {
      const file = join(dir, "json");
      writeFileSync(
        file,
        JSON.stringify({
          foo: {
            "CVE-2024-0001": { releases: { bookworm: { status: "open" }, "woody-lts": { status: "open" } } },
            "TEMP-0000000-ABCDEF": { releases: { bookworm: { status: "open" } } },
            "DSA-9999-1": { releases: { bookworm: { status: "open" } } },
          },
        }),
      );
      const warnings: string[] = [];
      const session = await importInto([file], warnings);
      expect(session.affected.map((r) => `${r.namespace} ${r.vulnerabilityId}`).sort()).toEqual([
        "debian:12 CVE-2024-0001",
        "debian:12 TEMP-0000000-ABCDEF",
      ]);
      expect(warnings).toEqual(["releases with no known version skipped: woody-lts"]);
      // gzip is read the same way.
      writeFileSync(file, gzipSync(readFileSync(file)));
      expect((await importInto([file])).affected).toHaveLength(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("inputs", () => {
  it("classifies files by content, and refuses a directory with neither the tracker JSON nor a list", async () => {
    expect(classifyDebianInput(readFileSync(join(VUNNEL(), "input", "debian.json")))).toBe("tracker-json");
    expect(classifyDebianInput(readFileSync(join(VUNNEL(), "input", "DSA")))).toBe("advisory-list");
    const config = dataPath("vuln", "feeds", "debian-security-tracker", "data", "config.json");
    expect(classifyDebianInput(readFileSync(config))).toBeNull();
    await expect(
      importInto([dataPath("vuln", "feeds", "debian-security-tracker", "data", "CPE")]),
    ).rejects.toThrow(/no Debian security tracker JSON and no DSA\/DLA list in .*CPE/);
    await expect(importInto([config])).rejects.toThrow(/neither the Debian security tracker JSON/);
    expect(await debianTrackerImporter.detect(join(VUNNEL(), "input"))).toBe(true);
    // In a directory, gzip files are judged by what they hold: a gzipped tracker JSON is read, a
    // gzipped list is read as a list, other gzip data is passed over.
    const dir = mkdtempSync(join(tmpdir(), "tracker-gz-"));
    try {
      writeFileSync(join(dir, "json.gz"), gzipSync(readFileSync(join(VUNNEL(), "input", "debian.json"))));
      writeFileSync(join(dir, "DSA.gz"), gzipSync(readFileSync(join(VUNNEL(), "input", "DSA"))));
      writeFileSync(join(dir, "other.gz"), gzipSync(Buffer.from("not a feed")));
      const viaGzip = await importInto([dir]);
      const plain = await importInto([join(VUNNEL(), "input")]);
      expect(viaGzip.affected).toEqual(plain.affected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // The security-tracker repository (its DSA/DLA lists) is Debian's data, though not enough alone.
    expect(await debianTrackerImporter.detect(dataPath("vuln", "feeds", "debian-security-tracker"))).toBe(
      true,
    );
  });

  it("claims nothing that only resembles the tracker's data", async () => {
    const fx = (...p: string[]) => dataPath("vuln", "fixtures", ...p);
    for (const path of [
      // Echo's advisories: package -> CVE -> {fixed_version}, no releases.
      fx("vunnel-fixtures", "echo", "test-fixtures", "input"),
      fx("vunnel-fixtures", "echo", "test-fixtures", "input", "echo-advisories", "data.json"),
      // Trivy's Red Hat CPE maps, some of them an empty object.
      fx("trivy-db-testdata", "redhat-csaf", "testdata", "empty-cve", "cpe"),
      fx("trivy-db-testdata", "redhat-csaf", "testdata", "no-vulnerabilities", "cpe", "nvr-to-cpe.json"),
      // The DTSA list (testing advisories, another header format) and the tracker's other data.
      dataPath("vuln", "feeds", "debian-security-tracker", "data", "DTSA"),
      dataPath("vuln", "feeds", "debian-security-tracker", "data", "config.json"),
      dataPath("vuln", "feeds"),
      dataPath("vuln", "feeds", "golang-vulndb"),
    ]) {
      expect([path, await debianTrackerImporter.detect(path)]).toEqual([path, false]);
    }
  });

  it("looks at every folder db import offers it in ../shared/data/vuln/feeds quickly", async () => {
    // db import asks about the folder, each folder in it and each one below (REFINE_DEPTH 2): a deep
    // walk of each took 2.5 s over these ~12,000 files; the tracker's data sits near the top.
    const feeds = dataPath("vuln", "feeds");
    const paths = [feeds];
    for (const a of readdirSync(feeds)) {
      paths.push(join(feeds, a));
      for (const b of readdirSync(join(feeds, a))) paths.push(join(feeds, a, b));
    }
    const started = performance.now();
    const claimed: string[] = [];
    for (const p of paths) if (await debianTrackerImporter.detect(p)) claimed.push(p);
    const elapsed = performance.now() - started;
    const tracker = join(feeds, "debian-security-tracker");
    expect(claimed).toEqual([tracker, join(tracker, "data")]);
    expect(elapsed).toBeLessThan(1500);
  });

  it.each([
    ['{"bar": {"CVE-2024-1": {}}, "foo": [1, 2]}', /is not a map of vulnerabilities/],
    ['{"foo": {"CVE-2024-1": {}}', /ends before its closing/],
    ['{"foo": {"CVE-2024-1": {}}} trailing', /data follows the end/],
    ['{"foo": {"CVE-2024-1": {"releases": {"bookworm": tru}}}}', /not valid JSON/],
  ])("refuses %j with a one-line message", async (text, problem) => {
    const dir = mkdtempSync(join(tmpdir(), "tracker-"));
    try {
      const file = join(dir, "json");
      writeFileSync(file, text);
      const err = await importInto([file]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ShipshapeError);
      expect((err as Error).message).toMatch(problem);
      expect((err as Error).message).toContain(file);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Split bytes into random chunks, as a stream would deliver them. */
function chunked(bytes: Buffer, cuts: number[]): Readable {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    parts.push(bytes.subarray(prev, p));
    prev = p;
  }
  parts.push(bytes.subarray(prev));
  return Readable.from(parts.filter((p) => p.length > 0));
}

async function collect(source: Readable): Promise<[string, unknown][]> {
  const out: [string, unknown][] = [];
  for await (const m of jsonObjectMembers(source, { origin: "fuzz" })) out.push(m);
  return out;
}

describe("streaming JSON members (fuzzed against JSON.parse)", () => {
  it("yields exactly the members of any JSON object, however the bytes are chunked", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 3 })),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.boolean(),
        async (obj, cuts, pretty) => {
          const text = pretty ? JSON.stringify(obj, null, 2) : JSON.stringify(obj);
          const members = await collect(chunked(Buffer.from(text), cuts));
          expect(members).toEqual(Object.entries(JSON.parse(text)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("on arbitrary bytes: members or a ShipshapeError, and only members JSON.parse agrees with", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 60 }),
          fc.json().map((j) => `{"k": ${j}}`),
          fc.json().map((j) => `{"k": ${j}`.slice(0, Math.max(1, j.length))),
        ),
        fc.array(fc.nat(), { maxLength: 4 }),
        async (text, cuts) => {
          try {
            const members = await collect(chunked(Buffer.from(text), cuts));
            // Whatever was accepted is a real JSON object with those members.
            expect(members).toEqual(Object.entries(JSON.parse(text)));
          } catch (err) {
            expect(err).toBeInstanceOf(ShipshapeError);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it("refuses a member over the size limit without buffering the rest", async () => {
    const big = `{"a": "${"x".repeat(5000)}", "b": 1}`;
    const run = async () => {
      for await (const _ of jsonObjectMembers(Readable.from([Buffer.from(big)]), {
        origin: "big",
        maxMemberBytes: 1000,
      })) {
        // drain
      }
    };
    await expect(run()).rejects.toThrow(/larger than 1000 bytes/);
  });

  it("trackerPackageRecords on fuzzed entries: records or a ShipshapeError", () => {
    const release = fc.record(
      {
        status: fc.constantFrom("resolved", "open", "undetermined", "x", 3),
        fixed_version: fc.oneof(fc.constantFrom("0", "1.0-1", ""), fc.string({ maxLength: 5 })),
        urgency: fc.constantFrom("low", "high**", "unimportant", "end-of-life", "not yet assigned", 7),
        nodsa_reason: fc.constantFrom("", "ignored", "postponed"),
      },
      { requiredKeys: [] },
    );
    const entry = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.dictionary(
        fc.constantFrom("CVE-2024-1234", "TEMP-0-AB", "bogus"),
        fc.record({
          description: fc.string({ maxLength: 5 }),
          releases: fc.oneof(
            fc.dictionary(fc.constantFrom("bookworm", "sid", "zzz"), release),
            fc.constant([]),
          ),
        }),
      ),
    );
    fc.assert(
      fc.property(entry, (e) => {
        try {
          const r = trackerPackageRecords("pkg", e, new AdvisoryIndex(), "fuzz");
          for (const a of r.affected) expect(a.namespace).toMatch(/^debian:(12|unstable)$/);
        } catch (err) {
          expect(err).toBeInstanceOf(ShipshapeError);
        }
      }),
      { numRuns: 400 },
    );
  });

  it("parseDebianAdvisoryList on arbitrary text: advisories or a ShipshapeError", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.string({ maxLength: 40 }),
            fc.constantFrom(
              "[01 Jan 2020] DSA-1-1 a - b",
              "\t{CVE-2020-1234}",
              "\t[bullseye] - a 1.0",
              "\t[x] - ",
              "[99 Foo 2020] DLA-2-1 x - y",
            ),
          ),
          { maxLength: 12 },
        ),
        (lines) => {
          try {
            for (const a of parseDebianAdvisoryList(lines.join("\n"), "fuzz"))
              expect(a.date).toMatch(/^\d{4}-\d\d-\d\d$/);
          } catch (err) {
            expect(err).toBeInstanceOf(ShipshapeError);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
