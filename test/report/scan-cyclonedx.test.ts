/**
 * `scan --format cyclonedx`: the image's CycloneDX 1.6 BOM (same components as `sbom`) with a
 * `vulnerabilities` array, valid against the CycloneDX 1.6 schema (the library's strict validator).
 * Each finding's vulnerability affects the bom-ref of its package's component; ratings carry NVD's
 * CVSS (score, vector, method) as Trivy's fixture DB gives them and the severity we report;
 * suppressed findings carry an analysis (VEX: state and justification; ignore file: a response, no
 * claim that the package is unaffected).
 */
import { Spec, Validation } from "@cyclonedx/cyclonedx-library";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderCycloneDxJson } from "../../src/report/cyclonedx.js";
import { renderScanCycloneDxJson } from "../../src/report/cyclonedx-vulnerabilities.js";
import { nvdFacts } from "../scan/scan-store.js";
import { alpine39Scan, type SampleScan } from "./scan-sample.js";

const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot6);

interface Rating {
  source?: { name?: string };
  score?: number;
  severity?: string;
  method?: string;
  vector?: string;
}
interface Vuln {
  id: string;
  source: { name: string; url: string };
  ratings?: Rating[];
  affects?: { ref: string; versions?: { version: string; status: string }[] }[];
  analysis?: { state?: string; justification?: string; response?: string[]; detail?: string };
  recommendation?: string;
  properties?: { name: string; value: string }[];
}
interface Bom {
  serialNumber: string;
  components: { "bom-ref": string; purl?: string; type: string }[];
  vulnerabilities?: Vuln[];
}

let sample: SampleScan;
let bom: Bom;
let text: string;
beforeAll(async () => {
  sample = await alpine39Scan();
  const created = new Date("2026-12-01T10:00:00Z");
  text = await renderScanCycloneDxJson(
    { ...sample.doc, packages: sample.result.catalog.packages },
    { created },
  );
  bom = JSON.parse(text) as Bom;
});
afterAll(() => sample?.dispose());

describe("CycloneDX 1.6 with vulnerabilities", () => {
  it("is valid against the CycloneDX 1.6 schema", async () => {
    const errors = await validator.validate(text);
    expect(errors, JSON.stringify(errors)?.slice(0, 2000)).toBeNull();
  });

  it("has the same components as the plain SBOM, and its own serial number", async () => {
    const plain = JSON.parse(
      await renderCycloneDxJson(
        { ...sample.doc, packages: sample.result.catalog.packages },
        { created: new Date("2026-12-01T10:00:00Z") },
      ),
    ) as Bom;
    expect(bom.components.map((c) => c["bom-ref"]).sort()).toEqual(
      plain.components.map((c) => c["bom-ref"]).sort(),
    );
    expect(bom.serialNumber).not.toBe(plain.serialNumber);
    const again = JSON.parse(
      await renderScanCycloneDxJson(
        { ...sample.doc, packages: sample.result.catalog.packages },
        { created: new Date("2026-12-01T10:00:00Z") },
      ),
    ) as Bom;
    expect(again.serialNumber).toBe(bom.serialNumber);
  });

  it("every shown finding is a vulnerability affecting its package's component", () => {
    const refOf = new Map(bom.components.map((c) => [c["bom-ref"], c.purl]));
    for (const f of sample.doc.vulnerabilities) {
      const v = bom.vulnerabilities?.find(
        (x) => x.id === f.id && !x.analysis && x.affects?.some((a) => refOf.get(a.ref) === f.purl),
      );
      expect(v, `${f.id} ${f.pkgName}`).toBeDefined();
      const affect = v!.affects!.find((a) => refOf.get(a.ref) === f.purl)!;
      expect(affect.versions).toEqual([{ version: f.installedVersion, status: "affected" }]);
      if (f.fixedVersion) expect(v!.recommendation).toContain(`${f.pkgName} to ${f.fixedVersion}`);
    }
  });

  it("rates with NVD's CVSS (score, vector, method) and the severity we report", () => {
    const facts = nvdFacts();
    const v = bom.vulnerabilities!.find((x) => x.id === "CVE-2019-1549")!;
    const nvd = facts.get("CVE-2019-1549")!.CVSS!.nvd!;
    const cvss = v.ratings!.find((r) => r.vector)!;
    expect(cvss).toMatchObject({
      source: { name: "nvd" },
      score: nvd.V3Score,
      vector: nvd.V3Vector,
      method: "CVSSv31",
    });
    expect(v.ratings!.find((r) => r.method === "other")).toMatchObject({
      severity: "medium",
      source: { name: "nvd" },
    });
    expect(v.source).toEqual({ name: "NVD", url: "https://nvd.nist.gov/vuln/detail/CVE-2019-1549" });
    const musl = bom.vulnerabilities!.find((x) => x.id === "CVE-2019-14697" && !x.analysis)!;
    expect(musl.ratings!.find((r) => r.vector)).toMatchObject({ method: "CVSSv3", score: 9.8 });
    expect(musl.properties).toContainEqual({ name: "shipshape:vulnerability:feed", value: "alpine" });
  });

  it("suppressed findings carry an analysis saying why", () => {
    const vex = bom.vulnerabilities!.find((x) => x.id === "CVE-2019-14697" && x.analysis)!;
    expect(vex.analysis).toMatchObject({ state: "not_affected", justification: "code_not_reachable" });
    expect(vex.analysis!.detail).toMatch(/i386 only/);
    expect(vex.affects!.map((a) => bom.components.find((c) => c["bom-ref"] === a.ref)?.purl)).toEqual([
      sample.doc.suppressed.find((s) => s.pkgName === "musl-utils")!.purl,
    ]);
    expect(vex.affects![0]!.versions![0]!.status).toBe("unaffected");
    const ignored = bom.vulnerabilities!.find((x) => x.id === "CVE-2019-1547" && x.analysis)!;
    expect(ignored.analysis!.state).toBeUndefined();
    expect(ignored.analysis!.response).toEqual(["will_not_fix"]);
    expect(ignored.analysis!.detail).toMatch(
      /Ignored by .*ignore\.yaml \(line 2, until 2099-01-01\): no explicit EC parameters/,
    );
    expect(ignored.affects![0]!.versions![0]!.status).toBe("affected");
  });
});
