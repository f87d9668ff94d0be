/**
 * The filesystem rules' findings are cached with the catalog (src/checks/run.ts checksAnalysis,
 * src/catalog/image.ts): an unchanged image rescanned with the cache on gives the same findings
 * without reading a layer, the image rules still run on the day given, and a new rules version is
 * a miss. On debian12-app, whose secrets (with layers, deletions and EXAMPLE placeholders) must come
 * back from the cache exactly.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalogImageResult } from "../../src/catalog/image.js";
import { ALL_RULES } from "../../src/checks/all.js";
import {
  type CheckResult,
  checkImage,
  checksAnalysis,
  FILESYSTEM_RULES_VERSION,
} from "../../src/checks/run.js";
import { LayerCache } from "../../src/image/layer-cache.js";
import { fixturePath } from "../helpers/shared.js";

const REF = () => `oci-archive:${fixturePath("images", "debian12-app.oci.tar")}`;
const NOW = new Date("2026-11-29T00:00:00Z");

let dir: string;
let cache: LayerCache;
let cold: CheckResult;
let coldProgress = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "shipshape-check-cache-"));
  cache = new LayerCache(dir);
  cold = await checkImage(REF(), { cache, now: NOW, onProgress: () => coldProgress++ });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("checks on the catalog cache", () => {
  it("the first run reads the layers", () => {
    expect(cold.cached).toBe(false);
    expect(coldProgress).toBeGreaterThan(0);
    expect(cold.findings.some((f) => f.rule === "SS1010" && f.layer === 9)).toBe(true);
  });

  it("a rescan of the unchanged image returns the same findings without reading a layer", async () => {
    let progress = 0;
    const warm = await checkImage(REF(), { cache, now: NOW, onProgress: () => progress++ });
    expect(warm.cached).toBe(true);
    expect(progress).toBe(0);
    expect(warm.findings).toEqual(cold.findings);
    expect(warm.warnings).toEqual(cold.warnings);
  });

  it("image rules are not cached: a later day gives the age finding from the cached read", async () => {
    const later = await checkImage(REF(), { cache, now: new Date("2027-06-01T00:00:00Z") });
    expect(later.cached).toBe(true);
    expect(later.findings.filter((f) => f.rule === "SS1022")).toHaveLength(1);
    expect(cold.findings.filter((f) => f.rule === "SS1022")).toHaveLength(0);
  });

  it("the analysis version carries FILESYSTEM_RULES_VERSION, the rule ids and the requests' versions", () => {
    const version = checksAnalysis().version;
    expect(version.startsWith(`${FILESYSTEM_RULES_VERSION},`)).toBe(true);
    expect(version).toContain("SS1010");
    expect(version).toContain("check-secrets@");
  });

  it("bumping the rules version is a cache miss, then cached again under the new version", async () => {
    const current = checksAnalysis();
    const bumped = { ...current, version: `${current.version},next` };
    const first = await catalogImageResult(REF(), { cache }, bumped);
    expect(first.cached ?? false).toBe(false);
    const filesystemRules = new Set(ALL_RULES.filter((r) => r.scope === "filesystem").map((r) => r.id));
    const fsFindings = cold.findings.filter((f) => filesystemRules.has(f.rule));
    expect(fsFindings.length).toBeGreaterThan(10);
    expect(
      [...first.analysis!.findings].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    ).toEqual([...fsFindings].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))));
    const second = await catalogImageResult(REF(), { cache }, bumped);
    expect(second.cached).toBe(true);
    expect(second.analysis).toEqual(first.analysis);
    // The old version's entry is still there for the old code.
    expect((await catalogImageResult(REF(), { cache }, current)).cached).toBe(true);
  });

  it("a damaged cached document is a miss, not a crash", () => {
    const { revive } = checksAnalysis();
    expect(revive({ findings: [{ rule: 1 }], warnings: [] })).toBeNull();
    expect(
      revive({
        findings: [{ rule: "SS1010", severity: "urgent", title: "x", remediation: "y" }],
        warnings: [],
      }),
    ).toBeNull();
    expect(revive("not a document")).toBeNull();
    expect(
      revive({
        findings: [{ rule: "SS1003", severity: "medium", title: "x", remediation: "y", tool: 7 }],
        warnings: [],
      }),
    ).toBeNull();
    expect(
      revive({
        findings: [{ rule: "SS1010", severity: "high", title: "x", remediation: "y", layer: 1.5 }],
        warnings: [],
      }),
    ).toBeNull();
    expect(revive({ findings: [], warnings: [] })).toEqual({ findings: [], warnings: [] });
  });
});
