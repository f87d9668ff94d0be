/**
 * The policy and grade through the public API (src/api.ts), as the admission webhook will use them:
 * read a policy (a file or builtin:default), judge image names alone (a Pod's images, before any
 * scan), and `scanImage` returning `findings`, `grade` and `policy` per DESIGN.md on a real image.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  evaluatePolicies,
  healthIndexGrade,
  imageNameOf,
  parsePolicyFile,
  readPolicyFile,
  scanImage,
} from "../../src/api.js";
import { alpineImage, buildScanStore, type ScanStore } from "../scan/scan-store.js";

let store: ScanStore;
beforeAll(async () => {
  store = await buildScanStore({ alpine: true });
});
afterAll(() => store?.dispose());

describe("policy through the API", () => {
  it("judges a Pod's image names with the default policy, no scan needed for name rules", async () => {
    const policy = await readPolicyFile("builtin:default");
    const names = ["nginx", "quay.io/prometheus/node-exporter:v1.8.0"].map(imageNameOf);
    const result = evaluatePolicies(
      {
        names,
        transport: "registry",
        created: null,
        labels: null,
        packages: [],
        vulnerabilities: [],
        shown: [],
        hygiene: null,
        grade: null,
      },
      [policy],
      { now: new Date("2026-11-29T00:00:00Z") },
    );
    const tagViolations = result.violations.filter((v) => v.rule === "image.disallowedTags");
    expect(tagViolations.map((v) => v.image)).toEqual(["nginx"]);
    // Without a scan the hygiene rules cannot be checked: that fails, it does not pass silently.
    expect(result.violations.map((v) => v.rule)).toContain("forbidden.tools");
  });

  it("parses policy text and grades findings", () => {
    expect(parsePolicyFile("minimumGrade: B\n", "inline.yaml").minimumGrade).toBe("B");
    expect(healthIndexGrade([]).letter).toBe("A");
  });

  it("scanImage returns findings, grade and policy (DESIGN.md contract)", async () => {
    const doc = await scanImage(alpineImage("alpine-39"), {
      db: store.path,
      cache: null,
      ignoreFile: null,
      policy: parsePolicyFile(
        "vulnerabilities:\n  kevForbidden: true\nimage:\n  disallowedTags: ['3.*']\n",
        "p.yaml",
      ),
    });
    expect(Array.isArray(doc.findings)).toBe(true);
    expect(doc.findings.map((f) => f.rule)).toContain("SS1024"); // Alpine 3.9 is past its end of life
    expect(doc.grade.letter).toMatch(/^[A-F]$/);
    expect(doc.grade.complete).toBe(true);
    expect(doc.policy.passed).toBe(false);
    expect(doc.policy.violations.map((v) => `${v.rule} ${v.image}`)).toEqual([
      "image.disallowedTags alpine:3.9", // the RepoTag as written; matched normalised
    ]);
  });
});
