/** Content manifests (the real UBI8 one from Trivy's fixtures), scope and architecture rules, fuzzing. */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Package } from "../../src/catalog/package.js";
import { isShipshapeError } from "../../src/errors.js";
import {
  archApplies,
  inRhelScope,
  isOtherVendorRpm,
  parseContentManifest,
} from "../../src/match/rhel-scope.js";
import type { AffectedRecord } from "../../src/vulndb/records.js";
import { dataPath } from "../helpers/shared.js";

const manifestPath = dataPath(
  "vuln",
  "fixtures",
  "trivy-fixtures",
  "pkg",
  "fanal",
  "analyzer",
  "buildinfo",
  "testdata",
  "content_manifests",
  "ubi8-minimal-container-8.5-218.json",
);

const record = (cpes: string[], arches?: string[]): AffectedRecord =>
  ({
    vulnerabilityId: "CVE-2024-1",
    namespace: "rhel:8",
    packageName: "p",
    scheme: "rpm",
    status: "fixed",
    ranges: [],
    fixedVersion: "1-1.el8",
    fixPublished: null,
    severity: null,
    moduleStream: null,
    cpes,
    source: "redhat-csaf",
    advisory: null,
    ...(arches ? { arches } : {}),
  }) as AffectedRecord;

const pkg = (arch: string | undefined, vendor: string | null = "Red Hat, Inc."): Package => ({
  type: "rpm",
  name: "p",
  version: "1-0.el8",
  purl: "pkg:rpm/redhat/p@1-0.el8",
  ...(arch ? { arch } : {}),
  locations: [],
  foundBy: "rpm",
  metadata: { vendor },
});

describe("content manifests", () => {
  it("reads the real UBI8 manifest: content sets and layer index", () => {
    expect(parseContentManifest(readFileSync(manifestPath), "m.json")).toEqual({
      contentSets: ["rhel-8-for-x86_64-baseos-rpms", "rhel-8-for-x86_64-appstream-rpms"],
      imageLayerIndex: 1,
    });
  });

  it("refuses what is not one", () => {
    expect(() => parseContentManifest("{", "m.json")).toThrow(/m\.json is not JSON/);
    expect(() => parseContentManifest('{"image_contents": []}', "m.json")).toThrow(
      /m\.json is not a Red Hat content manifest/,
    );
    expect(() => parseContentManifest(Buffer.alloc(5 * 1024 * 1024, 0x20), "m.json")).toThrow(
      /over the 4194304-byte cap/,
    );
  });

  it("drops content-set names that are not repository ids", () => {
    expect(
      parseContentManifest('{"content_sets": ["ok-rpms", "", "bad name", "ok-rpms"]}', "m.json").contentSets,
    ).toEqual(["ok-rpms"]);
  });

  it("fuzz: parses or fails with a ShipshapeError", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc.record({ content_sets: fc.array(fc.string()) }).map((v) => JSON.stringify(v)),
          fc.string(),
        ),
        (text) => {
          try {
            for (const s of parseContentManifest(text, "f.json").contentSets)
              expect(s).toMatch(/^[A-Za-z0-9][\w.+-]*$/);
          } catch (err) {
            if (!isShipshapeError(err)) throw err;
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("scope", () => {
  const base = "cpe:/o:redhat:enterprise_linux:8::baseos";
  const eus = "cpe:/o:redhat:rhel_eus:8.8::baseos";
  const ocp = "cpe:/a:redhat:openshift:4.14::el8";

  it("records without CPEs apply everywhere", () => {
    expect(inRhelScope(record([]), null)).toBe(true);
    expect(inRhelScope(record([]), [base])).toBe(true);
  });

  it("with the image's CPEs, a record must share one", () => {
    expect(inRhelScope(record([base]), [base])).toBe(true);
    expect(inRhelScope(record([eus]), [base])).toBe(false);
    expect(inRhelScope(record([ocp, base]), [base])).toBe(true);
  });

  it("without them (or with none), the platform's streams apply and layered products do not", () => {
    for (const cpes of [null, undefined, []]) {
      expect(inRhelScope(record([eus]), cpes)).toBe(true);
      expect(inRhelScope(record([base]), cpes)).toBe(true);
      expect(inRhelScope(record([ocp]), cpes)).toBe(false);
    }
  });

  it("architectures: listed ones only; noarch and unknown packages always", () => {
    expect(archApplies(record([], ["x86_64"]), pkg("x86_64"))).toBe(true);
    expect(archApplies(record([], ["x86_64"]), pkg("aarch64"))).toBe(false);
    expect(archApplies(record([], ["x86_64"]), pkg("noarch"))).toBe(true);
    expect(archApplies(record([], ["x86_64"]), pkg(undefined))).toBe(true);
    expect(archApplies(record([]), pkg("aarch64"))).toBe(true);
  });

  it("vendors: Red Hat's builds and unknown ones are Red Hat's to judge", () => {
    expect(isOtherVendorRpm(pkg("x86_64", "Red Hat, Inc."))).toBe(false);
    expect(isOtherVendorRpm(pkg("x86_64", null))).toBe(false);
    expect(isOtherVendorRpm(pkg("x86_64", "Fedora Project"))).toBe(true);
    expect(isOtherVendorRpm(pkg("x86_64", "CentOS"))).toBe(true);
  });
});
