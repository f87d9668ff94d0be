/**
 * The shipped default policy (policies/default.yaml, `builtin:default`): it reads, every StackRox
 * policy it cites (`StackRox: "NAME" (FILE)`) exists under that name and file in the StackRox
 * defaults' INDEX.json in ../shared, the values it maps are StackRox's own (CVE lists, the package
 * names of the component criteria, the image age, the tag), every StackRox default is accounted for
 * in policies/README.md, and the npm package ships the folder.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readPolicyFile } from "../../src/policy/policy-file.js";
import { dataPath, repoPath } from "../helpers/shared.js";

interface StackRoxPolicy {
  file: string;
  name: string;
  lifecycleStages: string[];
  disabledByDefault: boolean;
  criteria: { field: string; values: string[] }[][];
}

const index = () =>
  (
    JSON.parse(readFileSync(dataPath("policy", "stackrox-policies", "INDEX.json"), "utf8")) as {
      policies: StackRoxPolicy[];
    }
  ).policies;
const defaultText = () => readFileSync(repoPath("policies", "default.yaml"), "utf8");
const readme = () => readFileSync(repoPath("policies", "README.md"), "utf8");

/** Every `StackRox: "NAME" (FILE…)` citation in the default policy. */
function citations(): { name: string; file: string }[] {
  const out: { name: string; file: string }[] = [];
  for (const m of defaultText().matchAll(/StackRox: "([^"]+)" \(([a-z0-9_.-]+\.json)/g)) {
    out.push({ name: m[1]!, file: m[2]! });
  }
  // Lines citing two policies: `"Curl in Image" (curl.json), "Wget in Image" (wget.json)`.
  for (const m of defaultText().matchAll(/, "([^"]+)" \(([a-z0-9_.-]+\.json)\)/g))
    out.push({ name: m[1]!, file: m[2]! });
  return out;
}

const valuesOf = (p: StackRoxPolicy, field: string) =>
  p.criteria
    .flat()
    .filter((g) => g.field === field)
    .flatMap((g) => g.values);

describe("policies/default.yaml", () => {
  it("reads as builtin:default", async () => {
    const p = await readPolicyFile("builtin:default");
    expect(p.origin).toBe("builtin:default");
    expect(p.name).toBe("default");
  });

  it("cites only StackRox policies that exist, by their exact name and file", () => {
    const byFile = new Map(index().map((p) => [p.file, p]));
    const cited = citations();
    expect(cited.length).toBeGreaterThanOrEqual(17);
    for (const c of cited) {
      expect(byFile.get(c.file)?.name, c.file).toBe(c.name);
    }
  });

  it("maps StackRox's own values", async () => {
    const p = await readPolicyFile("builtin:default");
    const byFile = new Map(index().map((x) => [x.file, x]));
    const sr = (file: string) => byFile.get(file)!;
    // CVE policies: every CVE StackRox names is forbidden.
    for (const file of ["log4shell.json", "spring4shell.json", "struts_cve.json"]) {
      for (const cve of valuesOf(sr(file), "CVE")) expect(p.vulnerabilities.forbidden).toContain(cve);
    }
    // Image Component criteria "a|b=" (name regex = version regex): each name is a forbidden package.
    for (const file of ["apk.json", "apt.json", "dnf.json", "curl.json", "wget.json"]) {
      for (const value of valuesOf(sr(file), "Image Component")) {
        const names = value.split("=")[0]!.split("|");
        for (const n of names) expect(p.forbidden.packages).toContain(n);
      }
    }
    expect(valuesOf(sr("latest_tag.json"), "Image Tag")).toEqual(["latest"]);
    expect(p.image.disallowedTags).toEqual(["latest"]);
    expect(valuesOf(sr("image_age_days.json"), "Image Age")).toEqual(["90"]);
    expect(p.inform?.image.maxAgeDays).toBe(90);
    // "Fixable CVSS >= 7": a score of 7.0 must be over the ceiling, 6.9 not.
    expect(valuesOf(sr("cvss_7.json"), "CVSS")).toEqual([">= 7.000000"]);
    expect(p.vulnerabilities.maxFixableCvss).toBe(6.9);
    // "Fixable Severity at least Important": critical and high (Important) are over the ceiling.
    expect(valuesOf(sr("severity_important.json"), "Severity")).toEqual([">= IMPORTANT"]);
    expect(p.vulnerabilities.maxFixableSeverity).toBe("medium");
  });

  it("policies/README.md accounts for every StackRox default, by name and file", () => {
    const text = readme();
    for (const p of index()) expect(text, p.file).toContain(`${p.name} (${p.file})`);
  });

  it("is shipped in the npm package", () => {
    const pkg = JSON.parse(readFileSync(repoPath("package.json"), "utf8")) as { files: string[] };
    expect(pkg.files).toContain("policies");
  });
});
