/**
 * scanImage end to end on real data: the real Alpine 3.9 image (Trivy's test data) against a real
 * store (the Alpine secdb importer over the legacy secdb, NVD facts from Trivy's fixture DB). The
 * findings must be exactly what the secdb's fixed versions imply (computed independently from the
 * YAML), with NVD's severities; a database without Alpine data must never look clean; an empty or
 * stale database; VEX before the ignore file; an SBOM as input gives the same findings; the API
 * returns the DESIGN.md contract.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalogImage, renderCycloneDx, scanImage as scanImageJson } from "../../src/api.js";
import { ShipshapeError } from "../../src/errors.js";
import { type ScanResult, scanImage } from "../../src/scan/pipeline.js";
import { SqliteStore } from "../../src/vulndb/sqlite-store.js";
import {
  alpineImage,
  buildScanStore,
  expectedAlpineFindings,
  nvdSeverity,
  type ScanStore,
} from "./scan-store.js";

const key = (f: { id: string; pkgName: string; fixedVersion: string | null }) =>
  `${f.id} ${f.pkgName} ${f.fixedVersion}`;

let fresh: ScanStore;
let stale: ScanStore;
let noAlpine: ScanStore;
let work: string;
beforeAll(async () => {
  [fresh, stale, noAlpine] = await Promise.all([
    buildScanStore({ alpine: true }),
    buildScanStore({ alpine: true, importedAt: new Date("2020-06-08T00:00:00Z") }),
    buildScanStore({ alpine: false }),
  ]);
  work = mkdtempSync(join(tmpdir(), "shipshape-pipeline-test-"));
});
afterAll(() => {
  fresh?.dispose();
  stale?.dispose();
  noAlpine?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("Alpine 3.9 against the legacy secdb", () => {
  let result: ScanResult;
  beforeAll(async () => {
    result = await scanImage(alpineImage("alpine-39"), { db: fresh.path, cache: null, ignoreFile: null });
  });

  it("reports exactly the CVEs the secdb's fixed versions imply, with NVD's severity", () => {
    const expected = expectedAlpineFindings(result.catalog.packages, "3.9");
    expect(expected.size).toBeGreaterThan(0);
    expect(new Set(result.findings.map(key))).toEqual(expected);
    for (const f of result.findings) expect(f.severity, f.id).toBe(nvdSeverity(f.id));
    expect(result.findings.some((f) => f.severity === "critical")).toBe(true);
  });

  it("knows where its data came from and that it covered everything", () => {
    expect(result.database.location).toBe(fresh.path);
    expect(result.database.kind).toBe("import");
    expect(result.database.stale).toBe(false);
    expect(result.database.feeds.map((f) => f.feed).sort()).toEqual(["alpine", "nvd"]);
    expect(result.database.missingNamespaces).toEqual([]);
    expect(result.coverageGaps).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.gate.policy.passed).toBe(true);
    expect(result.matchedPackages).toBe(result.catalog.packages.length);
  });
});

describe("coverage", () => {
  it("a database without the image's distribution data is a coverage gap, never a clean result", async () => {
    const r = await scanImage(alpineImage("alpine-39"), { db: noAlpine.path, cache: null, ignoreFile: null });
    expect(r.findings).toEqual([]);
    expect(r.database.missingNamespaces).toEqual(["alpine:3.9"]);
    expect(r.coverageGaps).toHaveLength(1);
    expect(r.coverageGaps[0]).toMatch(/has no data for alpine:3\.9: those packages were not checked/);
  });

  it("a database that was never built is an error", async () => {
    const missing = join(work, "absent.sqlite");
    await expect(scanImage(alpineImage("alpine-39"), { db: missing, cache: null })).rejects.toThrow(
      /vulnerability database .*absent\.sqlite has not been built: run shipshape db update/,
    );
  });

  it("a stale database is an error in CI mode, a warning otherwise, accepted with skipDbAgeCheck", async () => {
    const options = { db: stale.path, cache: null, ignoreFile: null };
    const ci = scanImage(alpineImage("alpine-39"), { ...options, ci: true });
    await expect(ci).rejects.toBeInstanceOf(ShipshapeError);
    await expect(ci).rejects.toThrow(/over the maximum age .*CI mode/);
    const warned = await scanImage(alpineImage("alpine-39"), options);
    expect(warned.database.stale).toBe(true);
    expect(warned.warnings.join("\n")).toMatch(/over the maximum age/);
    expect(warned.findings.length).toBeGreaterThan(0);
    const skipped = await scanImage(alpineImage("alpine-39"), { ...options, ci: true, skipDbAgeCheck: true });
    expect(skipped.warnings.join("\n")).toMatch(/ignored: --skip-db-age-check/);
  });

  it("an injected store is used and left open", async () => {
    const store = SqliteStore.open(fresh.path);
    const r = await scanImage(alpineImage("alpine-310"), { store, cache: null, ignoreFile: null });
    expect(new Set(r.findings.map(key))).toEqual(expectedAlpineFindings(r.catalog.packages, "3.10"));
    expect(await store.hasNamespace("alpine:3.10")).toBe(true);
    await store.close();
  });
});

describe("suppression", () => {
  it("VEX first, then the ignore file; expired entries are reported, not applied", async () => {
    const vex = join(work, "musl.openvex.json");
    writeFileSync(
      vex,
      JSON.stringify({
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": "https://example.invalid/vex/musl",
        author: "shipshape tests",
        timestamp: "2026-01-01T00:00:00Z",
        version: 1,
        statements: [
          {
            vulnerability: { name: "CVE-2019-14697" },
            products: [{ "@id": "pkg:apk/alpine/musl" }],
            status: "not_affected",
            justification: "vulnerable_code_not_in_execute_path",
            impact_statement: "the x87 code is i386-only",
          },
        ],
      }),
    );
    const ignore = join(work, "ignore.yaml");
    writeFileSync(
      ignore,
      [
        "vulnerabilities:",
        "  - id: CVE-2019-14697",
        "    reason: also listed here; VEX wins for musl, this entry covers musl-utils",
        "  - id: CVE-2019-1563",
        "    reason: accepted until the base image moves",
        "    expires: 2020-01-01",
      ].join("\n"),
    );
    const r = await scanImage(alpineImage("alpine-39"), {
      db: fresh.path,
      cache: null,
      vex: [vex],
      ignoreFile: ignore,
      gate: { failOn: "low" },
    });
    const by = (pkg: string, id: string) =>
      r.suppressed.find((s) => s.finding.pkgName === pkg && s.finding.id === id);
    expect(by("musl", "CVE-2019-14697")?.suppression).toMatchObject({
      kind: "vex",
      status: "not_affected",
      file: vex,
    });
    expect(by("musl-utils", "CVE-2019-14697")?.suppression).toMatchObject({
      kind: "ignore-file",
      at: "line 2",
    });
    expect(r.suppressed).toHaveLength(2);
    expect(r.findings.some((f) => f.id === "CVE-2019-14697")).toBe(false);
    expect(r.expiredIgnores.map((e) => e.id)).toEqual(["CVE-2019-1563"]);
    expect(
      r.findings
        .filter((f) => f.id === "CVE-2019-1563")
        .map((f) => f.pkgName)
        .sort(),
    ).toEqual(["libcrypto1.1", "libssl1.1"]);
    expect(r.warnings.join("\n")).toMatch(/ignore entry for CVE-2019-1563 expired on 2020-01-01/);
    // The gate judged what is left: the low CVE-2019-1563 fails --fail-on low.
    expect(r.gate.policy.passed).toBe(false);
    expect(r.gate.policy.violations.map((v) => v.vulnerability)).toContain("CVE-2019-1563");
  });

  it("a malformed VEX file stops the scan before the image is read", async () => {
    const bad = join(work, "bad.vex.json");
    writeFileSync(bad, '{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{"status": "fixed"}]}');
    await expect(
      scanImage("docker-archive:/nonexistent/image.tar", { db: fresh.path, cache: null, vex: [bad] }),
    ).rejects.toThrow(/OpenVEX document .*bad\.vex\.json statements\[0\] is malformed/);
  });
});

describe("inputs and the API", () => {
  it("an SBOM of the image gives the same findings as the image", async () => {
    const sbom = await renderCycloneDx(await catalogImage(alpineImage("alpine-39"), { cache: null }));
    const path = join(work, "alpine-39.cdx.json");
    writeFileSync(path, sbom);
    const fromSbom = await scanImage(`sbom:${path}`, { db: fresh.path, ignoreFile: null });
    const fromImage = await scanImage(alpineImage("alpine-39"), {
      db: fresh.path,
      cache: null,
      ignoreFile: null,
    });
    expect(fromSbom.findings.map(key).sort()).toEqual(fromImage.findings.map(key).sort());
    expect(fromSbom.findings.length).toBeGreaterThan(0);
  });

  it("the API's scanImage returns the scan JSON contract", async () => {
    const doc = await scanImageJson(alpineImage("alpine-39"), {
      db: fresh.path,
      cache: null,
      ignoreFile: null,
      gate: { failOn: "critical" },
    });
    expect(Object.keys(doc)).toEqual(
      expect.arrayContaining([
        "source",
        "os",
        "packages",
        "vulnerabilities",
        "findings",
        "grade",
        "policy",
        "database",
        "suppressed",
      ]),
    );
    expect(doc.os?.id).toBe("alpine");
    // Hygiene findings and the grade (their rules are tested in test/checks and test/grade): the
    // 2019 Alpine 3.9 image is end of life and runs as root.
    expect(doc.findings.map((f) => f.rule)).toEqual(expect.arrayContaining(["SS1024", "SS1020"]));
    for (const f of doc.findings) {
      expect(Object.keys(f)).toEqual(expect.arrayContaining(["rule", "severity", "title", "remediation"]));
    }
    expect(doc.grade?.letter).toMatch(/^[A-F]$/);
    expect(Array.isArray(doc.grade?.reasons)).toBe(true);
    expect(doc.policy.passed).toBe(false);
    expect(doc.policy.violations.map((v) => v.package).sort()).toEqual(["musl", "musl-utils"]);
    for (const v of doc.vulnerabilities) {
      expect(Object.keys(v)).toEqual(
        expect.arrayContaining([
          "id",
          "aliases",
          "pkgName",
          "pkgType",
          "installedVersion",
          "fixedVersion",
          "severity",
          "fixable",
          "source",
        ]),
      );
    }
    expect(doc.summary.total).toBe(doc.vulnerabilities.length);
    expect(doc.summary.bySeverity.critical).toBe(2);
    expect(doc.database.location).toBe(fresh.path);
  });
});
