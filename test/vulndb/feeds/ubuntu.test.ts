/**
 * The Ubuntu importer against real payloads: Canonical's OSV records, USNs and OpenVEX documents
 * from vunnel's fixtures, compared with vunnel's expected per-release snapshots; the same documents
 * packed as Canonical ships them (a .tar.xz made here with the system's tar/xz); trivy-db's Ubuntu
 * test data is in the older Ubuntu CVE tracker format this importer does not read. Hostile and
 * fuzzed inputs.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ShipshapeError } from "../../../src/errors.js";
import { archiveDocuments } from "../../../src/vulndb/feeds/tar-documents.js";
import {
  rangesOfEvents,
  UbuntuOverlay,
  ubuntuCveRecords,
  ubuntuDocumentKind,
  ubuntuImporter,
  ubuntuNamespace,
  vexDisposition,
  vexDistroNamespace,
} from "../../../src/vulndb/feeds/ubuntu.js";
import type { AffectedRecord } from "../../../src/vulndb/records.js";
import { dataPath } from "../../helpers/shared.js";
import { MemorySession, testContext } from "./build-store.js";

const FIXTURES = () => dataPath("vuln", "fixtures", "vunnel-fixtures", "ubuntu", "test-fixtures");

async function importInto(inputs: string[]): Promise<MemorySession> {
  const session = new MemorySession();
  await ubuntuImporter.import(inputs, session, testContext());
  return session;
}

interface Expected {
  fixed: string | null;
  wontFix: boolean;
  date: string | null;
}

/** vunnel's snapshots for the OSV-era releases: (namespace, CVE, package) → what it emitted. */
function vunnelSnapshots(): { expected: Map<string, Expected>; published: Map<string, string> } {
  const expected = new Map<string, Expected>();
  const published = new Map<string, string>();
  const root = join(FIXTURES(), "snapshots");
  for (const dir of readdirSync(root)) {
    const m = /^ubuntu-(pro-)?(\d+\.\d+)-lts$/.exec(dir);
    // `ubuntu:12.04`-style snapshots come from vunnel's frozen tracker data, not from OSV.
    if (!m) continue;
    const ns = `${m[1] ? "ubuntu-pro" : "ubuntu"}:${m[2]}`;
    for (const file of readdirSync(join(root, dir))) {
      const item = JSON.parse(readFileSync(join(root, dir, file), "utf8")).item;
      const cve = (item.upstream?.[0] as string | undefined) ?? item.id.replace(/^UBUNTU-/, "");
      published.set(cve, item.published.slice(0, 10));
      for (const a of item.affected) {
        const events = a.ranges.flatMap((r: { events: Record<string, string>[] }) => r.events);
        const fixes = a.ranges.flatMap(
          (r: { database_specific?: { anchore?: { fixes?: { date: string }[] } } }) =>
            r.database_specific?.anchore?.fixes ?? [],
        );
        expected.set(`${ns} ${cve} ${a.package.name}`, {
          fixed: events.find((e: Record<string, string>) => e.fixed)?.fixed ?? null,
          wontFix: a.database_specific?.anchore?.status === "wont-fix",
          date: fixes[0]?.date ?? null,
        });
      }
    }
  }
  return { expected, published };
}

describe("vunnel's Ubuntu fixture (OSV + USN + VEX)", () => {
  let session: MemorySession;
  beforeAll(async () => {
    session = await importInto([join(FIXTURES(), "osv"), join(FIXTURES(), "vex")]);
  });

  it("matches vunnel's per-release snapshots", () => {
    // Compared per (namespace, CVE, source package): the set of records, the fixed version, the
    // status (vunnel's "wont-fix" = our will-not-fix or end-of-life, which vunnel does not tell
    // apart; no status = fixed or affected), and the fix date where a USN gives one. vunnel falls
    // back to the CVE's publication date as an "advisory" date when no USN lists the fix; ours is
    // then null (a CVE's publication is not when a fix shipped), checked as such below.
    const { expected, published } = vunnelSnapshots();
    const ours = new Map<string, AffectedRecord>();
    for (const r of session.affected) {
      if (r.status === "not-affected") continue;
      ours.set(`${r.namespace} ${r.vulnerabilityId} ${r.packageName}`, r);
    }
    expect([...ours.keys()].sort()).toEqual([...expected.keys()].sort());
    let dated = 0;
    for (const [key, e] of expected) {
      const r = ours.get(key)!;
      expect(r.fixedVersion, key).toBe(e.fixed);
      expect(r.status === "will-not-fix" || r.status === "end-of-life", key).toBe(e.wontFix);
      if (r.fixPublished !== null) {
        expect(r.fixPublished, key).toBe(e.date);
        dated++;
      } else if (e.fixed !== null) {
        expect(e.date, key).toBe(published.get(r.vulnerabilityId));
      }
    }
    expect(dated).toBeGreaterThanOrEqual(3);
  });

  it("keeps USN ids as the fix's advisory, the Ubuntu priority as severity, the CVE as the id", () => {
    const wayland = session.affected.find(
      (r) => r.namespace === "ubuntu:22.04" && r.packageName === "wayland",
    )!;
    expect(wayland).toMatchObject({
      vulnerabilityId: "CVE-2021-3782",
      status: "fixed",
      fixedVersion: "1.20.0-1ubuntu0.1",
      advisory: "USN-5614-1",
      fixPublished: "2022-09-15",
      severity: "medium",
      scheme: "deb",
      source: "ubuntu",
    });
    const v = session.vulnerabilities.find((x) => x.record.id === "CVE-2021-3782")!;
    expect(v.source).toBe("ubuntu");
    expect(v.record.aliases).toContain("UBUNTU-CVE-2021-3782");
    // No upstream list: the id is derived from the OSV id.
    expect(session.vulnerabilities.some((x) => x.record.id === "CVE-2020-36325")).toBe(true);
  });

  it("makes a Pro-only fix a will-not-fix record below the Pro version in the free archive", () => {
    const base = session.affected.find((r) => r.namespace === "ubuntu:16.04" && r.packageName === "wayland")!;
    expect(base).toMatchObject({
      status: "will-not-fix",
      fixedVersion: null,
      ranges: [{ introduced: "0", limit: "1.12.0-1~ubuntu16.04.3+esm1" }],
    });
  });

  it("the same documents as a .tar.xz (Canonical's osv-all/vex-all packing) give the same records", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ubuntu-tar-"));
    try {
      execFileSync("tar", ["-C", FIXTURES(), "-cJf", join(dir, "osv-all.tar.xz"), "osv"]);
      execFileSync("tar", ["-C", FIXTURES(), "-cJf", join(dir, "vex-all.tar.xz"), "vex"]);
      const packed = await importInto([join(dir, "osv-all.tar.xz"), join(dir, "vex-all.tar.xz")]);
      const key = (r: AffectedRecord) => JSON.stringify(r);
      expect(packed.affected.map(key).sort()).toEqual(session.affected.map(key).sort());
      expect(await ubuntuImporter.detect(join(dir, "osv-all.tar.xz"))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("names and statuses", () => {
  it.each([
    ["Ubuntu:22.04:LTS", "ubuntu:22.04"],
    ["Ubuntu:25.10", "ubuntu:25.10"],
    ["Ubuntu:Pro:16.04:LTS", "ubuntu-pro:16.04"],
    ["Ubuntu:Pro:FIPS-updates:22.04:LTS", null],
    ["Ubuntu:22.04:LTS:for:NVIDIA:BlueField", null],
    ["Debian:12", null],
  ])("ecosystem %s → %s", (eco, ns) => {
    expect(ubuntuNamespace(eco)).toBe(ns);
  });

  it.each([
    ["jammy", "ubuntu:22.04"],
    ["esm-infra/xenial", "ubuntu-pro:16.04"],
    ["esm-apps/jammy", "ubuntu-pro:22.04"],
    ["esm-infra-legacy/trusty", "ubuntu-pro:14.04"],
    ["trusty/esm", "ubuntu-pro:14.04"],
    ["fips-updates/focal", null],
    ["nonsense", null],
  ])("purl distro %s → %s", (label, ns) => {
    expect(vexDistroNamespace(label)).toBe(ns);
  });

  it("reads every VEX statement kind in the fixtures the way vunnel's overlay documents them", () => {
    const seen = new Map<string, number>();
    for (const file of ["2016/CVE-2016-20013.json", "2023/CVE-2023-38545.json"]) {
      const doc = JSON.parse(readFileSync(join(FIXTURES(), "vex", "cve", file), "utf8"));
      for (const s of doc.statements) {
        const d = String(vexDisposition(s.status, s.justification, s.action_statement));
        seen.set(`${s.status}→${d}`, (seen.get(`${s.status}→${d}`) ?? 0) + 1);
      }
    }
    expect([...seen.keys()].sort()).toEqual([
      "affected→end-of-life",
      "affected→will-not-fix",
      "fixed→null",
      "not_affected→not-affected",
      "not_affected→null",
    ]);
  });

  it("turns OSV events into ranges", () => {
    expect(rangesOfEvents([{ introduced: "0" }, { fixed: "1.2" }])).toEqual([
      { introduced: "0", fixed: "1.2" },
    ]);
    expect(rangesOfEvents([{ introduced: "0" }])).toEqual([{ introduced: "0" }]);
    expect(
      rangesOfEvents([{ introduced: "1" }, { last_affected: "2" }, { introduced: "3" }, { limit: "4" }]),
    ).toEqual([
      { introduced: "1", lastAffected: "2" },
      { introduced: "3", limit: "4" },
    ]);
    expect(rangesOfEvents("junk")).toEqual([]);
  });
});

describe("hostile inputs", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "ubuntu-bad-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("refuses inputs with no CVE records, non-JSON files, and unknown JSON named directly", async () => {
    await expect(importInto([join(FIXTURES(), "vex")])).rejects.toThrow(/no Ubuntu CVE records/);
    writeFileSync(join(dir, "x.txt"), "hello");
    await expect(importInto([join(dir, "x.txt")])).rejects.toThrow(/neither an Ubuntu OSV\/VEX document/);
    writeFileSync(join(dir, "x.json"), "{}");
    await expect(importInto([join(dir, "x.json")])).rejects.toThrow(/not an Ubuntu OSV record/);
    writeFileSync(join(dir, "UBUNTU-CVE-2099-1.json"), "{broken");
    await expect(importInto([join(dir, "UBUNTU-CVE-2099-1.json")])).rejects.toThrow(ShipshapeError);
  });

  it("refuses a corrupt and a truncated .tar.xz with a one-line message naming it", async () => {
    execFileSync("tar", ["-C", FIXTURES(), "-cJf", join(dir, "osv-all.tar.xz"), "osv"]);
    const good = readFileSync(join(dir, "osv-all.tar.xz"));
    const corrupt = Buffer.from(good);
    corrupt[200] = corrupt[200]! ^ 0xff;
    writeFileSync(join(dir, "corrupt.tar.xz"), corrupt);
    writeFileSync(join(dir, "truncated.tar.xz"), good.subarray(0, Math.floor(good.length / 2)));
    for (const name of ["corrupt.tar.xz", "truncated.tar.xz"]) {
      const err = await importInto([join(dir, name)]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ShipshapeError);
      expect((err as Error).message).toContain(name);
      expect((err as Error).message).not.toContain("\n");
    }
  });

  it("caps one archive member's size", async () => {
    execFileSync("tar", ["-C", FIXTURES(), "-cJf", join(dir, "capped.tar.xz"), "osv"]);
    const run = async () => {
      for await (const _ of archiveDocuments(join(dir, "capped.tar.xz"), {
        select: () => true,
        maxDocumentBytes: 100,
      })) {
        // drain
      }
    };
    await expect(run()).rejects.toThrow(/over the 100-byte limit/);
  });

  it("archiveDocuments on damaged tarballs: documents or a ShipshapeError", async () => {
    execFileSync("tar", ["-C", FIXTURES(), "-cf", join(dir, "plain.tar"), "osv"]);
    execFileSync("tar", ["-C", FIXTURES(), "-cJf", join(dir, "plain.tar.xz"), "osv"]);
    const tar = readFileSync(join(dir, "plain.tar"));
    const xz = readFileSync(join(dir, "plain.tar.xz"));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(tar, xz),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(),
        async (original, flips, cut) => {
          const bytes = Buffer.from(original.subarray(0, Math.max(6, cut % (original.length + 1))));
          for (const [at, v] of flips) bytes[at % bytes.length] = v;
          const file = join(dir, original === tar ? "fuzz.tar" : "fuzz.tar.xz");
          writeFileSync(file, bytes);
          try {
            for await (const doc of archiveDocuments(file, {
              select: () => true,
              maxDocumentBytes: 1 << 20,
            })) {
              expect(doc.bytes.length).toBeLessThanOrEqual(1 << 20);
            }
          } catch (err) {
            expect(err).toBeInstanceOf(ShipshapeError);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("ubuntuCveRecords on fuzzed documents: records or a ShipshapeError", () => {
    const affected = fc.record(
      {
        package: fc.record(
          {
            ecosystem: fc.constantFrom("Ubuntu:22.04:LTS", "Ubuntu:Pro:16.04:LTS", "Ubuntu:x", 4),
            name: fc.oneof(fc.string({ maxLength: 6 }), fc.constant(null)),
          },
          { requiredKeys: [] },
        ),
        ranges: fc.array(
          fc.record({
            type: fc.constantFrom("ECOSYSTEM", "GIT"),
            events: fc.array(
              fc.oneof(
                fc.record({ introduced: fc.constantFrom("0", "1.0") }),
                fc.record({ fixed: fc.string({ maxLength: 6 }) }),
                fc.record({ limit: fc.string({ maxLength: 3 }) }),
                fc.jsonValue(),
              ),
              { maxLength: 4 },
            ),
          }),
          { maxLength: 2 },
        ),
      },
      { requiredKeys: [] },
    );
    const doc = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.record(
        {
          id: fc.constantFrom("UBUNTU-CVE-2024-1", "UBUNTU-CVE-2024-12345", "X"),
          upstream: fc.array(fc.constantFrom("CVE-2024-12345", "CVE-2024-99999", 5), { maxLength: 2 }),
          affected: fc.array(affected, { maxLength: 4 }),
          severity: fc.array(
            fc.record({ type: fc.constantFrom("Ubuntu", "CVSS_V3"), score: fc.string({ maxLength: 8 }) }),
            { maxLength: 2 },
          ),
        },
        { requiredKeys: [] },
      ),
    );
    fc.assert(
      fc.property(doc, (d) => {
        try {
          const r = ubuntuCveRecords(d, new UbuntuOverlay(), "fuzz");
          for (const a of r.affected) expect(a.namespace).toMatch(/^ubuntu(-pro)?:\d+\.\d+$/);
        } catch (err) {
          expect(err).toBeInstanceOf(ShipshapeError);
        }
      }),
      { numRuns: 400 },
    );
  });

  it("the overlay never throws on fuzzed VEX/USN documents", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.string({ maxLength: 60 }), (value, purl) => {
        const overlay = new UbuntuOverlay();
        const doc = {
          "@context": "https://openvex.dev/ns/v0.2.0",
          statements: [
            { vulnerability: { name: "CVE-1" }, status: "not_affected", products: [{ "@id": purl }, value] },
          ],
          id: "USN-1-1",
          affected: [value],
          published: value,
        };
        expect(ubuntuDocumentKind(doc)).toBe("usn");
        overlay.addVex(doc);
        overlay.addUsn(doc);
        if (typeof value === "object" && value !== null && !Array.isArray(value))
          overlay.addVex(value as Record<string, unknown>);
      }),
      { numRuns: 300 },
    );
  });
});
