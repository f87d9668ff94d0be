/**
 * The Alpine secdb importer against real payloads: vunnel's secdb input with its expected snapshots,
 * trivy-db's vuln-list inputs (happy and sad) with trivy-db's expected advisories, the whole legacy
 * secdb (v3.3–v3.11) checked against an independent count, and hostile/fuzzed documents.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ShipshapeError } from "../../../src/errors.js";
import { alpineSecdbImporter, branchFromPath, secdbRecords } from "../../../src/vulndb/feeds/alpine-secdb.js";
import { parseSecdb, parseSecfixLine } from "../../../src/vulndb/feeds/alpine-secfixes.js";
import { dataPath } from "../../helpers/shared.js";
import { MemorySession, testContext } from "./build-store.js";

async function importInto(inputs: string[]): Promise<MemorySession> {
  const session = new MemorySession();
  await alpineSecdbImporter.import(inputs, session, testContext());
  return session;
}

describe("vunnel's Alpine fixture", () => {
  const root = () => dataPath("vuln", "fixtures", "vunnel-fixtures", "alpine", "test-fixtures");

  it("gives exactly the (namespace, CVE, package, fixed version) of vunnel's snapshots", async () => {
    // Compared fields: NamespaceName, Name (the CVE), FixedIn[].Name and FixedIn[].Version.
    const session = await importInto([join(root(), "input", "secdb")]);
    const ours = new Set(
      session.affected.map(
        (r) => `${r.namespace} ${r.vulnerabilityId} ${r.packageName} ${r.fixedVersion ?? "0"}`,
      ),
    );
    const theirs = new Set<string>();
    const snapDir = join(root(), "snapshots", "3.15");
    for (const f of readdirSync(snapDir)) {
      const v = JSON.parse(readFileSync(join(snapDir, f), "utf8")).item.Vulnerability;
      for (const fix of v.FixedIn) theirs.add(`${v.NamespaceName} ${v.Name} ${fix.Name} ${fix.Version}`);
    }
    expect(theirs.size).toBeGreaterThan(10);
    expect([...ours].sort()).toEqual([...theirs].sort());
    for (const r of session.affected) {
      expect(r).toMatchObject({ scheme: "apk", status: "fixed", source: "alpine", severity: null });
    }
    // vunnel's Link for each CVE is Alpine's tracker page; ours is the record's reference.
    const links = new Map(session.vulnerabilities.map((v) => [v.record.id, v.record.references]));
    expect(links.get("CVE-2018-1071")).toEqual(["https://security.alpinelinux.org/vuln/CVE-2018-1071"]);
  });
});

describe("trivy-db's Alpine test data", () => {
  const root = () => dataPath("vuln", "fixtures", "trivy-db-testdata", "alpine", "testdata");

  it("happy: the advisories trivy-db expects (alpine 3.12 ansible), GHSA ids kept as their own or as aliases", async () => {
    const session = await importInto([join(root(), "happy", "vuln-list", "alpine", "ansible.json")]);
    const fixed = new Map(
      session.affected.map((r) => [`${r.namespace} ${r.packageName} ${r.vulnerabilityId}`, r]),
    );
    // trivy-db alpine_test.go: advisory-detail CVE-2019-14904 / CVE-2019-14905 → 2.9.3-r0, CVE-2020-1737 → 2.9.6-r0.
    expect(fixed.get("alpine:3.12 ansible CVE-2019-14904")?.fixedVersion).toBe("2.9.3-r0");
    expect(fixed.get("alpine:3.12 ansible CVE-2019-14905")?.fixedVersion).toBe("2.9.3-r0");
    expect(fixed.get("alpine:3.12 ansible CVE-2020-1737")?.fixedVersion).toBe("2.9.6-r0");
    // trivy-db keeps only CVE ids; the same lines give CVE-2024-22195 and CVE-2017-2616 there too.
    expect(fixed.get("alpine:3.12 ansible CVE-2024-22195")?.fixedVersion).toBe("2.9.3-r0");
    expect(fixed.get("alpine:3.12 ansible CVE-2017-2616")?.fixedVersion).toBe("2.9.3-r0");
    // What trivy-db drops: GHSA-only lines are vulnerabilities of their own here.
    expect(fixed.get("alpine:3.12 ansible GHSA-f7r5-w49x-gxm3")?.fixedVersion).toBe("2.9.3-r0");
    expect(fixed.get("alpine:3.12 ansible GHSA-h6cc-rc6q-23j4")?.fixedVersion).toBe("2.9.3-r0");
    expect(session.affected).toHaveLength(7);
    const cve22195 = session.vulnerabilities.find((v) => v.record.id === "CVE-2024-22195");
    expect(cve22195?.record.aliases).toEqual(["GHSA-h5c8-rqwp-cp95"]);
  });

  it("sad: a document that is not JSON is refused with a one-line error naming the file", async () => {
    const file = join(root(), "sad", "vuln-list", "alpine", "ansible.json");
    const err = await importInto([file]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ShipshapeError);
    expect((err as Error).message).toContain(file);
    expect((err as Error).message).not.toContain("\n");
  });
});

describe("the legacy secdb (alpine-secdb, v3.3–v3.11)", () => {
  it("reads every branch and every CVE→fix pair (12,028 per PROVENANCE, counted here with grep-like lines)", async () => {
    const dir = dataPath("vuln", "feeds", "alpine-secdb-legacy");
    const session = await importInto([dir]);
    const namespaces = new Set(session.affected.map((r) => r.namespace));
    expect([...namespaces].sort()).toEqual(
      ["3.10", "3.11", "3.3", "3.4", "3.5", "3.6", "3.7", "3.8", "3.9"].map((b) => `alpine:${b}`),
    );
    // Independent count: YAML list items that are neither `- pkg:` entries nor architectures.
    let lines = 0;
    for (const b of readdirSync(dir).filter((d) => /^v3\.\d+$/.test(d))) {
      for (const repo of ["main", "community"]) {
        lines += readFileSync(join(dir, b, `${repo}.yaml`), "utf8")
          .split("\n")
          .filter((l) => /^\s+- /.test(l) && !/^\s+- pkg:/.test(l) && !/^ {2}- [\w]+$/.test(l)).length;
      }
    }
    expect(lines).toBe(12028);
    // Lines with several CVEs (Meltdown/Spectre) give several records; lines with no id give none.
    expect(session.affected.length).toBeGreaterThanOrEqual(lines - 40);
    const origins = new Set(session.affected.map((r) => `${r.namespace} ${r.packageName}`));
    expect(origins.has("alpine:3.9 openssl")).toBe(true);
    // The "0" entry (never affected) becomes an explicit not-affected record.
    expect(session.affected.some((r) => r.status === "not-affected" && r.fixedVersion === null)).toBe(true);
  });
});

describe("secfixes id lines", () => {
  it.each([
    ["CVE-2019-14904", [["CVE-2019-14904", []]]],
    ["CVE-2017-2616 (+ regression fix)", [["CVE-2017-2616", []]]],
    ["CVE-2017-8904 XSA-214", [["CVE-2017-8904", ["XSA-214"]]]],
    ["CVE_2019-2426", [["CVE-2019-2426", []]]],
    ["CVE 2018-16859", [["CVE-2018-16859", []]]],
    ["CVE-2017-8073.patch", [["CVE-2017-8073", []]]],
    ["CVE-2017-17434-1", [["CVE-2017-17434", []]]],
    [" CVE-2016-6263", [["CVE-2016-6263", []]]],
    ["XSA-207", [["XSA-207", []]]],
    ["wnpa-sec-2017-21", [["wnpa-sec-2017-21", []]]],
    ["CVE-2024-22195 GHSA-h5c8-rqwp-cp95", [["CVE-2024-22195", ["GHSA-h5c8-rqwp-cp95"]]]],
    [
      "CVE-2017-5753 CVE-2017-5715 CVE-2017-5754 XSA-254 XPTI",
      [
        ["CVE-2017-5753", []],
        ["CVE-2017-5715", []],
        ["CVE-2017-5754", []],
      ],
    ],
    ["CVE-2018-16301 (was fixed in libpcap)", [["CVE-2018-16301", []]]],
    ["(nothing here)", []],
  ])("%j", (line, expected) => {
    expect(parseSecfixLine(line).map((v) => [v.id, v.aliases])).toEqual(expected);
  });
});

describe("hostile and malformed documents", () => {
  it.each([
    ["[]", "the top level is not a map"],
    ['{"packages": 5}', "no packages list"],
    ['{"packages": [{"pkg": {"secfixes": {}}}]}', "no name"],
    ['{"distroversion": "3.x", "packages": []}', "is not a branch"],
    ['{"packages": [{"pkg": {"name": "a", "secfixes": {"1-r0": "CVE-1"}}}]}', "no array of ids"],
    ['{"packages": [{"pkg": {"name": "a", "secfixes": {"1-r0": [5]}}}]}', "non-text id"],
    ["packages: [unclosed", "does not parse"],
    ["a: &x [*x]\nb: *x", "secdb"],
  ])("%j is refused", (text, problem) => {
    const run = () => parseSecdb(text, "doc.json");
    expect(run).toThrow(ShipshapeError);
    expect(run).toThrow(problem);
  });

  it("refuses a YAML alias bomb without expanding it", () => {
    const bomb = ["a: &a [x,x,x,x,x,x,x,x,x,x]"];
    for (let i = 0; i < 12; i++)
      bomb.push(
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(97 + i)}`)
          .join(",")}]`,
      );
    bomb.push("packages: []");
    expect(() => parseSecdb(bomb.join("\n"), "bomb.yaml")).toThrow(ShipshapeError);
  });

  it("names the branch from the path when the document does not (v3.9/main.yaml, v3.20-main.json)", () => {
    expect(branchFromPath("/x/v3.9/main.yaml")).toBe("3.9");
    expect(branchFromPath("/dl/v3.20-community.json")).toBe("3.20");
    expect(branchFromPath("/dl/edge-main.json")).toBe("edge");
    expect(branchFromPath("/dl/main.json")).toBeNull();
  });

  it("refuses a directory with no secdb document, and a document whose branch is unknown", async () => {
    const dir = mkdtempSync(join(tmpdir(), "secdb-"));
    try {
      writeFileSync(join(dir, "README.md"), "nothing");
      await expect(importInto([dir])).rejects.toThrow(/no Alpine secdb documents/);
      const file = join(dir, "main.json");
      writeFileSync(
        file,
        JSON.stringify({ packages: [{ pkg: { name: "a", secfixes: { "1-r0": ["CVE-2020-1"] } } }] }),
      );
      await expect(importInto([file])).rejects.toThrow(/branch it describes is unknown/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("detects secdb trees and files, and nothing else", async () => {
    expect(await alpineSecdbImporter.detect(dataPath("vuln", "feeds", "alpine-secdb-legacy"))).toBe(true);
    expect(
      await alpineSecdbImporter.detect(
        dataPath(
          "vuln",
          "fixtures",
          "trivy-db-testdata",
          "alpine",
          "testdata",
          "happy",
          "vuln-list",
          "alpine",
          "ansible.json",
        ),
      ),
    ).toBe(true);
    expect(await alpineSecdbImporter.detect(dataPath("vuln", "feeds", "cisa-kev"))).toBe(false);
    expect(await alpineSecdbImporter.detect("/nonexistent/path")).toBe(false);
  });

  it("does not claim other distributions' secdb documents, nor damaged copies met in a folder", async () => {
    const fx = (...p: string[]) => dataPath("vuln", "fixtures", ...p);
    // Same shape, other distributions' packages (urlprefix is theirs; distroversion none or "v1").
    for (const path of [
      fx("vunnel-fixtures", "wolfi", "test-fixtures", "input", "secdb", "security.json"),
      fx("vunnel-fixtures", "chainguard", "test-fixtures", "input", "secdb", "security.json"),
      fx("vunnel-fixtures", "minimos", "test-fixtures", "input", "secdb", "security.json"),
      fx("vunnel-fixtures", "secureos", "test-fixtures", "input", "secdb", "secdb.json"),
      fx("trivy-db-testdata", "wolfi"),
      fx("trivy-db-testdata", "chainguard"),
      fx("trivy-db-testdata", "minimos"),
      // Root.io's feed: another format that mentions distroversion and packages.
      fx("trivy-db-testdata", "rootio"),
      // Trivy's deliberately broken copy of an Alpine document.
      fx("trivy-db-testdata", "alpine", "testdata", "sad"),
    ]) {
      expect([path, await alpineSecdbImporter.detect(path)]).toEqual([path, false]);
    }
    expect(await alpineSecdbImporter.detect(fx("trivy-db-testdata", "alpine", "testdata"))).toBe(true);
    // Named on its own, another distribution's document is refused with the reason.
    const wolfi = fx("vunnel-fixtures", "wolfi", "test-fixtures", "input", "secdb", "security.json");
    await expect(importInto([wolfi])).rejects.toThrow(
      /security\.json: its packages come from "https:\/\/packages\.wolfi\.dev", not Alpine's repositories/,
    );
    // A folder holding Alpine's and broken copies: the broken one is passed over with a warning.
    const session = new MemorySession();
    const warnings: string[] = [];
    await alpineSecdbImporter.import(
      [fx("trivy-db-testdata", "alpine", "testdata")],
      session,
      testContext(warnings),
    );
    const happy = await importInto([fx("trivy-db-testdata", "alpine", "testdata", "happy")]);
    expect(session.affected).toEqual(happy.affected);
    expect(session.affected.length).toBeGreaterThan(0);
    expect(warnings).toEqual([
      "1 secdb-like file(s) passed over: not Alpine's, damaged, or of no known branch",
    ]);
  });
});

describe("fuzzing", () => {
  it("parseSecfixLine never throws and only returns well-formed ids", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (line) => {
        for (const v of parseSecfixLine(line)) {
          expect(v.id).toMatch(/^(CVE-\d{4}-\d{4,}|GHSA-|XSA-|TALOS-|ZBX-|wnpa-sec-|OSV-|ALPINE-)/i);
          expect(v.aliases).not.toContain(v.id);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("parseSecdb on arbitrary JSON values and text: a document or a ShipshapeError, nothing else", () => {
    const arbitraryDoc = fc.oneof(
      fc.json(),
      fc.string({ maxLength: 300 }),
      fc
        .record({
          distroversion: fc.constantFrom("v3.9", "edge", "v3", "3.12"),
          packages: fc.array(
            fc.record({
              pkg: fc.record({
                name: fc.oneof(fc.string({ maxLength: 10 }), fc.integer()),
                secfixes: fc.dictionary(
                  fc.string({ maxLength: 8 }),
                  fc.oneof(
                    fc.array(fc.oneof(fc.string({ maxLength: 30 }), fc.constant(null))),
                    fc.constant(null),
                  ),
                ),
              }),
            }),
            { maxLength: 4 },
          ),
        })
        .map((d) => JSON.stringify(d)),
    );
    fc.assert(
      fc.property(arbitraryDoc, (text) => {
        try {
          const doc = parseSecdb(text, "fuzz");
          const records = secdbRecords(doc, doc.branch ?? "3.9");
          for (const r of records.affected) expect(r.namespace.startsWith("alpine:")).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(ShipshapeError);
        }
      }),
      { numRuns: 400 },
    );
  });

  it("truncated real documents are refused or read as a prefix, never crash", () => {
    const text = readFileSync(dataPath("vuln", "feeds", "alpine-secdb-legacy", "v3.9", "main.yaml"), "utf8");
    fc.assert(
      fc.property(fc.integer({ min: 0, max: text.length }), (n) => {
        try {
          parseSecdb(text.slice(0, n), "truncated");
        } catch (err) {
          expect(err).toBeInstanceOf(ShipshapeError);
        }
      }),
      { numRuns: 60 },
    );
  });
});
