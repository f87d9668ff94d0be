/**
 * OpenVEX input: real documents — Canonical's Ubuntu VEX for CVE-2023-38545 (curl, three statements:
 * fixed / affected / not_affected over ~600 package URLs) and Chainguard's library VEX (v0.2.0
 * `identifiers.purl` products), both from anchore/vunnel's test fixtures in ../shared — parsed, then
 * applied to findings named by those purls. Statement counts and statuses are compared with the raw
 * JSON; suppression follows the statement that names the finding's exact package; the newest
 * statement wins; image products with subcomponents; v0.0.x shapes; malformed documents are one-line
 * errors; the parser is fuzzed.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ShipshapeError } from "../../src/errors.js";
import { isOpenVex, parseOpenVex } from "../../src/vex/openvex.js";
import { applyVex } from "../../src/vex/statement.js";
import { dataPath } from "../helpers/shared.js";
import { finding } from "../policy/sample-findings.js";

const VUNNEL = (...p: string[]) => dataPath("vuln", "fixtures", "vunnel-fixtures", ...p);
const readJson = (path: string) => JSON.parse(readFileSync(path, "utf8")) as unknown;
const CURL = VUNNEL("ubuntu", "test-fixtures", "vex", "cve", "2023", "CVE-2023-38545.json");
const URLLIB3 = VUNNEL(
  "chainguard_libraries",
  "test-fixtures",
  "input",
  "openvex",
  "pypi",
  "urllib3.openvex.json",
);

interface RawStatement {
  status: string;
  justification?: string;
  impact_statement?: string;
  products: { "@id"?: string; identifiers?: { purl?: string } }[];
}

const curlFinding = (pkgName: string, purl: string) =>
  finding({
    id: "CVE-2023-38545",
    pkgName,
    pkgType: "deb",
    installedVersion: purl.slice(purl.indexOf("@") + 1, purl.indexOf("?")),
    purl,
    severity: "high",
    fixedVersion: null,
  });

describe("Canonical's Ubuntu VEX (CVE-2023-38545)", () => {
  const raw = readJson(CURL) as { statements: RawStatement[] };
  const doc = parseOpenVex(readJson(CURL), CURL);

  it("reads every statement with its status, justification and products", () => {
    expect(isOpenVex(readJson(CURL))).toBe(true);
    expect(doc.format).toBe("openvex");
    expect(doc.statements.map((s) => s.status)).toEqual(raw.statements.map((s) => s.status));
    expect(doc.statements.map((s) => s.products.length)).toEqual(
      raw.statements.map((s) => s.products.length),
    );
    expect(doc.statements.map((s) => s.suppresses)).toEqual(
      raw.statements.map((s) => s.status === "not_affected" || s.status === "fixed"),
    );
    const notAffected = doc.statements.find((s) => s.status === "not_affected")!;
    const rawNotAffected = raw.statements.find((s) => s.status === "not_affected")!;
    expect(notAffected.justification).toBe(rawNotAffected.justification);
    expect(notAffected.reason).toBe(rawNotAffected.impact_statement);
    expect(doc.statements[0]!.ids).toContain("CVE-2023-38545");
    expect(doc.warnings).toEqual([]);
  });

  it("suppresses the fixed and not_affected packages it names, keeps the affected ones and everything else", () => {
    const fixed = curlFinding(
      "libcurl4",
      "pkg:deb/ubuntu/libcurl4@7.81.0-1ubuntu1.24?arch=amd64&distro=jammy",
    );
    const affected = curlFinding("curl", "pkg:deb/ubuntu/curl@7.47.0-1ubuntu2.19?arch=amd64&distro=xenial");
    const notAffected = curlFinding(
      "libcurl4",
      "pkg:deb/ubuntu/libcurl4@7.68.0-1ubuntu2.25+esm3?arch=amd64&distro=esm-infra/focal",
    );
    const otherVersion = curlFinding(
      "libcurl4",
      "pkg:deb/ubuntu/libcurl4@7.81.0-1ubuntu1.13?arch=amd64&distro=jammy",
    );
    const otherCve = { ...fixed, id: "CVE-2023-38546" };
    const out = applyVex([fixed, affected, notAffected, otherVersion, otherCve], [doc], null);
    expect(out.kept).toEqual([affected, otherVersion, otherCve]);
    expect(out.suppressed.map((s) => [s.finding.purl, s.suppression.status, s.suppression.at])).toEqual([
      [fixed.purl, "fixed", "statements[0]"],
      [notAffected.purl, "not_affected", "statements[2]"],
    ]);
    const why = out.suppressed[1]!.suppression;
    expect(why).toMatchObject({ kind: "vex", file: CURL, justification: "vulnerable_code_not_present" });
    expect(why.reason).toMatch(/not affected by the issue/);
  });

  it("matches the vulnerability by alias too", () => {
    const aliased = {
      ...curlFinding("libcurl4", "pkg:deb/ubuntu/libcurl4@7.81.0-1ubuntu1.24?arch=amd64&distro=jammy"),
      id: "USN-6429-1",
      aliases: ["CVE-2023-38545"],
    };
    expect(applyVex([aliased], [doc], null).suppressed).toHaveLength(1);
  });
});

describe("Chainguard's library VEX (identifiers.purl)", () => {
  it("suppresses a statement's fixed PyPI packages by purl and alias", () => {
    const doc = parseOpenVex(readJson(URLLIB3), URLLIB3);
    const raw = readJson(URLLIB3) as { statements: RawStatement[] };
    expect(doc.statements[0]!.products.map((p) => p.purl)).toEqual(
      raw.statements[0]!.products.map((p) => p.identifiers?.purl),
    );
    const cgr = finding({
      id: "GHSA-g4mx-q9vg-27p4",
      aliases: ["CVE-2023-45803"],
      pkgName: "urllib3",
      pkgType: "pypi",
      installedVersion: "1.26.16+cgr.1",
      purl: "pkg:pypi/urllib3@1.26.16%2Bcgr.1",
    });
    const upstream = { ...cgr, installedVersion: "1.26.16", purl: "pkg:pypi/urllib3@1.26.16" };
    const out = applyVex([cgr, upstream], [doc], null);
    expect(out.suppressed.map((s) => s.finding.purl)).toEqual([cgr.purl]);
    expect(out.kept).toEqual([upstream]);
  });
});

describe("statement precedence and image products", () => {
  const base = {
    "@context": "https://openvex.dev/ns/v0.2.0",
    "@id": "https://example.invalid/vex-1",
    author: "shipshape tests",
    timestamp: "2026-01-01T00:00:00Z",
    version: 1,
  };
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
  const imagePurl =
    "pkg:oci/alpine@sha256%3A055936d39205?arch=amd64&repository_url=docker.io%2Flibrary%2Falpine&tag=3.9";

  it("the newest statement about a package wins, across documents", () => {
    const older = parseOpenVex(
      {
        ...base,
        statements: [
          {
            vulnerability: { name: "CVE-2019-14697" },
            products: [{ "@id": "pkg:apk/alpine/musl" }],
            status: "not_affected",
            justification: "vulnerable_code_not_in_execute_path",
            timestamp: "2026-01-01T00:00:00Z",
          },
        ],
      },
      "old.json",
    );
    const newer = parseOpenVex(
      {
        ...base,
        statements: [
          {
            vulnerability: { name: "CVE-2019-14697" },
            products: [{ "@id": "pkg:apk/alpine/musl" }],
            status: "affected",
            action_statement: "upgrade musl",
            timestamp: "2026-03-01T00:00:00Z",
          },
        ],
      },
      "new.json",
    );
    expect(applyVex([musl], [older, newer], null).kept).toEqual([musl]);
    expect(applyVex([musl], [newer, older], null).kept).toEqual([musl]);
    expect(applyVex([musl], [older], null).suppressed).toHaveLength(1);
  });

  it("an image product covers its subcomponents only, or every package without them; by digest", () => {
    const doc = parseOpenVex(
      {
        ...base,
        statements: [
          {
            vulnerability: "CVE-2019-14697",
            products: [
              {
                "@id": "pkg:oci/alpine@sha256%3A055936d39205",
                subcomponents: [{ "@id": "pkg:apk/alpine/musl-utils" }],
              },
            ],
            status: "not_affected",
            justification: "vulnerable_code_not_in_execute_path",
          },
        ],
      },
      "image.json",
    );
    const out = applyVex([musl, muslUtils], [doc], imagePurl);
    expect(out.suppressed.map((s) => s.finding.pkgName)).toEqual(["musl-utils"]);
    expect(applyVex([musl, muslUtils], [doc], null).suppressed).toEqual([]);
    const whole = parseOpenVex(
      {
        ...base,
        statements: [
          {
            vulnerability: { name: "CVE-2019-14697" },
            products: [{ "@id": "pkg:oci/alpine@sha256%3A055936d39205" }],
            status: "fixed",
          },
        ],
      },
      "whole.json",
    );
    expect(applyVex([musl, muslUtils], [whole], imagePurl).suppressed).toHaveLength(2);
    const otherImage = "pkg:oci/alpine@sha256%3Affffffffffff";
    expect(applyVex([musl, muslUtils], [whole], otherImage).suppressed).toEqual([]);
  });

  it("reads v0.0.x shapes: string products and statement-level subcomponents", () => {
    const doc = parseOpenVex(
      {
        "@context": "https://openvex.dev/ns",
        "@id": "x",
        author: "a",
        timestamp: "2023-01-01T00:00:00Z",
        version: "1",
        statements: [
          {
            vulnerability: "CVE-2019-14697",
            products: ["pkg:oci/alpine@sha256%3A055936d39205"],
            subcomponents: ["pkg:apk/alpine/musl"],
            status: "not_affected",
          },
        ],
      },
      "v001.json",
    );
    expect(applyVex([musl, muslUtils], [doc], imagePurl).suppressed.map((s) => s.finding.pkgName)).toEqual([
      "musl",
    ]);
  });

  it("warns about products it cannot match (CPE only) instead of guessing", () => {
    const doc = parseOpenVex(
      {
        ...base,
        statements: [
          {
            vulnerability: { name: "CVE-1" },
            products: [{ identifiers: { cpe23: "cpe:2.3:a:musl-libc:musl:1.1.20:*:*:*:*:*:*:*" } }],
            status: "not_affected",
          },
        ],
      },
      "cpe.json",
    );
    expect(doc.warnings[0]).toMatch(
      /cpe\.json statements\[0\]: "cpe:2\.3:a:musl-libc.*" names no package URL/,
    );
  });
});

describe("malformed OpenVEX", () => {
  const base = { "@context": "https://openvex.dev/ns/v0.2.0" };
  it.each([
    ["no statements", { ...base }, /OpenVEX document f\.json is malformed at statements/],
    [
      "bad status",
      { ...base, statements: [{ vulnerability: "CVE-1", products: [], status: "maybe" }] },
      /statements\[0\] is malformed at status: status must be one of/,
    ],
    [
      "no vulnerability",
      { ...base, statements: [{ products: [], status: "fixed" }] },
      /statements\[0\] is malformed at vulnerability/,
    ],
    [
      "products not a list",
      { ...base, statements: [{ vulnerability: "CVE-1", products: "pkg:x", status: "fixed" }] },
      /is malformed at products/,
    ],
  ])("%s", (_, doc, message) => {
    expect(() => parseOpenVex(doc, "f.json")).toThrow(ShipshapeError);
    expect(() => parseOpenVex(doc, "f.json")).toThrow(message);
  });

  it("fuzzed documents parse or fail with a ShipshapeError", () => {
    const purl = fc.constantFrom("pkg:apk/alpine/musl", "pkg:oci/x@sha256%3Aab", "not-a-purl", "pkg:", "");
    const component = fc.oneof(
      purl,
      fc.record({ "@id": purl }),
      fc.record({ identifiers: fc.record({ purl }) }),
      fc.anything(),
    );
    const statement = fc.record(
      {
        vulnerability: fc.oneof(
          fc.constantFrom("CVE-2019-14697", ""),
          fc.record({ name: fc.string(), aliases: fc.array(fc.string()) }),
          fc.anything(),
        ),
        products: fc.oneof(fc.array(component, { maxLength: 4 }), fc.anything()),
        status: fc.constantFrom("not_affected", "affected", "fixed", "under_investigation", "bogus"),
        timestamp: fc.oneof(fc.constant("2026-01-01T00:00:00Z"), fc.string()),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.array(statement, { maxLength: 5 }), (statements) => {
        try {
          const doc = parseOpenVex({ ...base, statements }, "fuzz.json");
          applyVex([finding({ id: "CVE-2019-14697", pkgName: "musl" })], [doc], "pkg:oci/x@sha256%3Aab");
        } catch (err) {
          expect(err).toBeInstanceOf(ShipshapeError);
          expect((err as Error).message).not.toContain("\n");
        }
      }),
      { numRuns: 300 },
    );
  });
});
