/** Red Hat CPEs: release and platform of product CPEs, the mapping files in both shapes, fuzzing. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isShipshapeError } from "../../../src/errors.js";
import {
  cpeMappingRecords,
  isRhelPlatformCpe,
  parseCpeMapping,
  REDHAT_CPE_MAP_NAMESPACE,
  rhelMajorOfCpe,
  rhelMajorOfRelease,
} from "../../../src/vulndb/feeds/redhat-cpe.js";
import { dataPath } from "../../helpers/shared.js";

describe("product CPEs", () => {
  // CPEs as Red Hat's CSAF documents and repository-to-cpe.json name them.
  const cases: [string, number | null, boolean][] = [
    ["cpe:/o:redhat:enterprise_linux:9::baseos", 9, true],
    ["cpe:/a:redhat:enterprise_linux:8::appstream", 8, true],
    ["cpe:/o:redhat:enterprise_linux:9", 9, true],
    ["cpe:/o:redhat:rhel_eus:8.8::baseos", 8, true],
    ["cpe:/a:redhat:rhel_eus:9.2::appstream", 9, true],
    ["cpe:/o:redhat:rhel_els:6", 6, true],
    ["cpe:/a:redhat:rhel_e4s:8.6::appstream", 8, true],
    ["cpe:/o:redhat:rhel_aus:8.2::baseos", 8, true],
    ["cpe:/o:redhat:enterprise_linux:7::server", 7, true],
    ["cpe:/a:redhat:rhel_extras:7", 7, true],
    ["cpe:/a:redhat:openshift:4.14::el9", 9, false],
    ["cpe:/a:redhat:rhel_software_collections:3::el7", 7, false],
    ["cpe:/a:redhat:openshift:4", null, false],
    ["cpe:/a:redhat:hummingbird:1", null, false],
    ["cpe:/a:redhat:rhel_software_collections:3", null, false],
    ["cpe:/o:fedoraproject:fedora:39", null, false],
    ["not a cpe", null, false],
  ];
  for (const [cpe, major, platform] of cases) {
    it(`${cpe} → ${major}${platform ? ", platform" : ""}`, () => {
      expect(rhelMajorOfCpe(cpe)).toBe(major);
      expect(isRhelPlatformCpe(cpe)).toBe(platform);
    });
  }

  it("release tags name the release", () => {
    expect(rhelMajorOfRelease("1.5.1-21.el9_5")).toBe(9);
    expect(rhelMajorOfRelease("2.4.37-65.module+el8.10.0+21982+14717793")).toBe(8);
    expect(rhelMajorOfRelease("32:9.8.2-0.68.rc1.el6_10.17")).toBe(6);
    expect(rhelMajorOfRelease("1.2.3-1.hum1")).toBeNull();
    expect(rhelMajorOfRelease("2.1-3.fc39")).toBeNull();
    expect(rhelMajorOfRelease("1.0-1.el10")).toBe(10);
  });
});

describe("mapping files", () => {
  it("Trivy's flat shape (trivy-db testdata)", () => {
    const dir = dataPath(
      "vuln",
      "fixtures",
      "trivy-db-testdata",
      "redhat-csaf",
      "testdata",
      "vuln-list-redhat",
      "cpe",
    );
    const repos = parseCpeMapping(
      readFileSync(join(dir, "repository-to-cpe.json")),
      "repository-to-cpe.json",
    );
    expect([...repos]).toEqual([
      ["rhel-8-for-x86_64-baseos-rpms", ["cpe:/o:redhat:enterprise_linux:8::baseos"]],
    ]);
    const nvrs = parseCpeMapping(readFileSync(join(dir, "nvr-to-cpe.json")), "nvr-to-cpe.json");
    expect([...nvrs]).toEqual([["pam-1.5.1-21.el9_5.x86_64", ["cpe:/o:redhat:enterprise_linux:9::baseos"]]]);
  });

  it("Red Hat's published shape, with repository paths beside the CPEs", () => {
    const published = {
      data: {
        "rhel-8-for-x86_64-baseos-eus-rpms": {
          cpes: ["cpe:/o:redhat:rhel_eus:8.8::baseos", "cpe:/o:redhat:rhel_eus:8.6::baseos", "junk"],
          repo_relative_urls: ["content/eus/rhel8/8.8/x86_64/baseos/os"],
        },
        "bad name with spaces": { cpes: ["cpe:/o:redhat:enterprise_linux:8::baseos"] },
      },
    };
    const m = parseCpeMapping(JSON.stringify(published), "repository-to-cpe.json");
    expect([...m]).toEqual([
      [
        "rhel-8-for-x86_64-baseos-eus-rpms",
        ["cpe:/o:redhat:rhel_eus:8.6::baseos", "cpe:/o:redhat:rhel_eus:8.8::baseos"],
      ],
    ]);
    const [record] = cpeMappingRecords("repository", m, "redhat-csaf");
    expect(record).toMatchObject({
      namespace: REDHAT_CPE_MAP_NAMESPACE,
      packageName: "repository:rhel-8-for-x86_64-baseos-eus-rpms",
      status: "not-affected",
      cpes: ["cpe:/o:redhat:rhel_eus:8.6::baseos", "cpe:/o:redhat:rhel_eus:8.8::baseos"],
    });
  });

  it("refuses files of another shape", () => {
    expect(() => parseCpeMapping("[1,2]", "m.json")).toThrow(/m\.json is not a CPE mapping/);
    expect(() => parseCpeMapping("{", "m.json")).toThrow(/m\.json is not JSON/);
    expect(() => parseCpeMapping('{"a": "cpe:/o:x"}', "m.json")).toThrow(/not a CPE mapping/);
  });

  it("fuzz: any JSON maps or fails with a ShipshapeError; kept CPEs are CPE URIs", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue({ maxDepth: 3 }),
          fc.dictionary(
            fc.string(),
            fc.array(fc.oneof(fc.string(), fc.constant("cpe:/o:redhat:enterprise_linux:9"))),
          ),
        ),
        (value) => {
          try {
            const m = parseCpeMapping(JSON.stringify(value), "f.json");
            for (const cpes of m.values()) for (const c of cpes) expect(c).toMatch(/^cpe:\/[aho]:/);
          } catch (err) {
            if (!isShipshapeError(err)) throw err;
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
