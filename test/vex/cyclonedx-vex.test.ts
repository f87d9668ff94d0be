/**
 * CycloneDX VEX input: a CycloneDX 1.6 document (checked against the CycloneDX 1.6 JSON schema with
 * the library's strict validator, so the test input is real CycloneDX) whose vulnerabilities carry
 * `analysis.state` and `affects` refs in the three forms tools write — a bom-ref of a component in
 * the same document, a BOM-Link `urn:cdx:SERIAL/VERSION#bom-ref`, and a purl — and our own
 * `scan --format cyclonedx` output read back as VEX. Malformed input is a one-line error; fuzzed.
 */
import { Spec, Validation } from "@cyclonedx/cyclonedx-library";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ShipshapeError } from "../../src/errors.js";
import { renderScanCycloneDxJson } from "../../src/report/cyclonedx-vulnerabilities.js";
import { isCycloneDxVex, parseCycloneDxVex } from "../../src/vex/cyclonedx-vex.js";
import { parseVexDocument } from "../../src/vex/read.js";
import { applyVex } from "../../src/vex/statement.js";
import { finding } from "../policy/sample-findings.js";

const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot6);

const SERIAL = "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79";
const musl = finding({
  id: "CVE-2019-14697",
  pkgName: "musl",
  installedVersion: "1.1.20-r4",
  fixedVersion: "1.1.20-r5",
  purl: "pkg:apk/alpine/musl@1.1.20-r4?arch=x86_64&distro=alpine-3.9.4",
});
const muslUtils = {
  ...musl,
  pkgName: "musl-utils",
  purl: "pkg:apk/alpine/musl-utils@1.1.20-r4?arch=x86_64&distro=alpine-3.9.4",
};
const libssl = finding({
  id: "CVE-2019-1549",
  pkgName: "libssl1.1",
  installedVersion: "1.1.1b-r1",
  fixedVersion: "1.1.1d-r0",
  purl: "pkg:apk/alpine/libssl1.1@1.1.1b-r1?arch=x86_64&distro=alpine-3.9.4",
});
const libcrypto = {
  ...libssl,
  pkgName: "libcrypto1.1",
  purl: "pkg:apk/alpine/libcrypto1.1@1.1.1b-r1?arch=x86_64&distro=alpine-3.9.4",
};

const VEX = {
  bomFormat: "CycloneDX",
  specVersion: "1.6",
  serialNumber: SERIAL,
  version: 1,
  metadata: {
    timestamp: "2026-02-01T00:00:00Z",
    component: { type: "container", name: "alpine", version: "3.9", "bom-ref": "image" },
  },
  components: [
    {
      type: "library",
      name: "musl",
      version: "1.1.20-r4",
      "bom-ref": "musl-ref",
      purl: "pkg:apk/alpine/musl@1.1.20-r4",
    },
    {
      type: "library",
      name: "libssl1.1",
      version: "1.1.1b-r1",
      "bom-ref": "pkg:apk/alpine/libssl1.1@1.1.1b-r1",
      purl: "pkg:apk/alpine/libssl1.1@1.1.1b-r1",
    },
  ],
  vulnerabilities: [
    {
      id: "CVE-2019-14697",
      source: { name: "NVD", url: "https://nvd.nist.gov/vuln/detail/CVE-2019-14697" },
      analysis: {
        state: "not_affected",
        justification: "code_not_reachable",
        detail: "The x87 code path is i386-only; this image is x86_64.",
      },
      affects: [{ ref: "musl-ref" }],
    },
    {
      id: "CVE-2019-1549",
      analysis: { state: "false_positive", detail: "fork() is never called" },
      affects: [
        { ref: `${SERIAL}/1#pkg%3Aapk%2Falpine%2Flibssl1.1%401.1.1b-r1`.replace("urn:uuid:", "urn:cdx:") },
      ],
    },
    {
      id: "GHSA-xxxx-xxxx-xxxx",
      references: [{ id: "CVE-2019-1549", source: { name: "NVD" } }],
      analysis: { state: "exploitable", response: ["update"] },
      affects: [{ ref: "pkg:apk/alpine/libcrypto1.1" }],
    },
    { id: "CVE-2019-1563", affects: [{ ref: "musl-ref" }] },
  ],
};

describe("CycloneDX VEX", () => {
  it("the test document is valid CycloneDX 1.6", async () => {
    expect(await validator.validate(JSON.stringify(VEX))).toBeNull();
  });

  const doc = parseCycloneDxVex(VEX, "vex.cdx.json");

  it("reads analyses (entries without one say nothing) and resolves bom-refs, BOM-Links and purls", () => {
    expect(isCycloneDxVex(VEX)).toBe(true);
    expect(doc.statements.map((s) => [s.ids, s.status, s.suppresses, s.products.map((p) => p.purl)])).toEqual(
      [
        [["CVE-2019-14697"], "not_affected", true, ["pkg:apk/alpine/musl@1.1.20-r4"]],
        [["CVE-2019-1549"], "false_positive", true, ["pkg:apk/alpine/libssl1.1@1.1.1b-r1"]],
        [["GHSA-XXXX-XXXX-XXXX", "CVE-2019-1549"], "exploitable", false, ["pkg:apk/alpine/libcrypto1.1"]],
      ],
    );
    expect(doc.statements[0]!.justification).toBe("code_not_reachable");
    expect(doc.statements[0]!.timestamp).toBe("2026-02-01T00:00:00Z");
    expect(doc.warnings).toEqual([]);
  });

  it("suppresses not_affected and false_positive findings for the named packages only", () => {
    const out = applyVex([musl, muslUtils, libssl, libcrypto], [doc], null);
    expect(out.suppressed.map((s) => [s.finding.pkgName, s.suppression.status, s.suppression.at])).toEqual([
      ["musl", "not_affected", "vulnerabilities[0]"],
      ["libssl1.1", "false_positive", "vulnerabilities[1]"],
    ]);
    expect(out.kept).toEqual([muslUtils, libcrypto]);
    expect(out.suppressed[0]!.suppression.reason).toMatch(/i386-only/);
  });

  it("the metadata component stands for every package of the scanned image", () => {
    const whole = parseCycloneDxVex(
      {
        ...VEX,
        vulnerabilities: [
          { id: "CVE-2019-14697", analysis: { state: "resolved" }, affects: [{ ref: "image" }] },
        ],
      },
      "image.cdx.json",
    );
    expect(
      applyVex([musl, muslUtils, libssl], [whole], null).suppressed.map((s) => s.finding.pkgName),
    ).toEqual(["musl", "musl-utils"]);
  });

  it("warns about refs it cannot resolve", () => {
    const d = parseCycloneDxVex(
      {
        ...VEX,
        vulnerabilities: [
          { id: "CVE-1", analysis: { state: "not_affected" }, affects: [{ ref: "nowhere" }] },
        ],
      },
      "x.json",
    );
    expect(d.warnings.join("\n")).toMatch(/affects ref "nowhere" names no component with a purl/);
  });

  it("our own scan CycloneDX output, read back as VEX, suppresses the same VEX-suppressed findings", async () => {
    const first = applyVex([musl, muslUtils, libssl], [doc], null);
    const suppressed = first.suppressed.map((s) => ({ ...jsonOf(s.finding), suppression: s.suppression }));
    const text = await renderScanCycloneDxJson({
      source: {
        reference: "docker-archive:alpine-39.tar.gz",
        transport: "docker-archive",
        names: ["alpine:3.9"],
        manifestDigest: null,
        configDigest: "sha256:055936d3920576da37aa9bc460d70c5f212028bda1c08c0879aedf03d7a66ea1",
        platform: { os: "linux", architecture: "amd64" },
        created: "2019-05-11T00:07:03.510395965Z",
      },
      os: { id: "alpine", versionId: "3.9.4", prettyName: "Alpine Linux v3.9" },
      packages: [musl, muslUtils, libssl].map((f) => ({
        name: f.pkgName,
        version: f.installedVersion,
        type: "apk" as const,
        purl: f.purl,
        locations: [{ path: "/lib/apk/db/installed" }],
      })),
      vulnerabilities: first.kept.map(jsonOf),
      suppressed,
    });
    expect(await validator.validate(text)).toBeNull();
    const back = parseVexDocument(JSON.parse(text), "scan.cdx.json");
    expect(back.format).toBe("cyclonedx");
    const again = applyVex([musl, muslUtils, libssl], [back], null);
    expect(again.suppressed.map((s) => s.finding.pkgName).sort()).toEqual(["libssl1.1", "musl"]);
    expect(again.kept).toEqual([muslUtils]);
  });
});

function jsonOf(f: typeof musl) {
  const { namespace: _n, ...rest } = f;
  return rest;
}

describe("malformed CycloneDX VEX", () => {
  it.each([
    [
      "bad state",
      { ...VEX, vulnerabilities: [{ id: "CVE-1", analysis: { state: "maybe" } }] },
      /vulnerabilities\[0\] is malformed at analysis\.state/,
    ],
    [
      "affects not a list",
      { ...VEX, vulnerabilities: [{ id: "CVE-1", analysis: { state: "not_affected" }, affects: "x" }] },
      /is malformed at affects/,
    ],
    ["not CycloneDX", { bomFormat: "SPDX" }, /CycloneDX VEX x\.json is malformed at bomFormat/],
  ])("%s", (_, value, message) => {
    expect(() => parseCycloneDxVex(value, "x.json")).toThrow(ShipshapeError);
    expect(() => parseCycloneDxVex(value, "x.json")).toThrow(message);
  });

  it("a document of neither format is named as such", () => {
    expect(() => parseVexDocument({ hello: 1 }, "what.json")).toThrow(/neither OpenVEX .* nor CycloneDX/);
  });

  it("fuzzed documents parse or fail with a ShipshapeError", () => {
    const ref = fc.constantFrom(
      "musl-ref",
      "image",
      "pkg:apk/alpine/musl",
      "urn:cdx:x/1#musl-ref",
      "urn:cdx:x/1#%E0%A4%A",
      "",
    );
    const vuln = fc.record(
      {
        id: fc.oneof(fc.constantFrom("CVE-2019-14697", ""), fc.anything()),
        analysis: fc.oneof(
          fc.record({ state: fc.constantFrom("not_affected", "resolved", "in_triage", "x") }),
          fc.anything(),
        ),
        affects: fc.oneof(fc.array(fc.record({ ref }), { maxLength: 3 }), fc.anything()),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        fc.array(vuln, { maxLength: 4 }),
        fc.oneof(fc.constant(VEX.components), fc.anything()),
        (vulnerabilities, components) => {
          try {
            const d = parseCycloneDxVex({ ...VEX, components, vulnerabilities }, "fuzz.json");
            applyVex([musl], [d], null);
          } catch (err) {
            expect(err).toBeInstanceOf(ShipshapeError);
            expect((err as Error).message).not.toContain("\n");
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
