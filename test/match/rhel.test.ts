/**
 * RHEL matching end to end (Red Hat CSAF importer → SQLite store → matchPackages), as Trivy matches
 * Red Hat data: by binary package, in the release's namespace, scoped by the image's repositories
 * (content manifest → repository-to-CPE), per module stream, per architecture, with epochs; only
 * Red Hat's own builds. On the real ubi8-bdb image, real RHSA CSAF advisories (sudo: RHEL 8.8 EUS vs
 * RHEL 8 base; ruby module streams; bind with epoch 32) and Red Hat-shaped VEX documents.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalogImageResult } from "../../src/api.js";
import type { OsInfo } from "../../src/catalog/os.js";
import type { Package } from "../../src/catalog/package.js";
import { matchPackages } from "../../src/match/match.js";
import { parseContentManifest, resolveRhelScope } from "../../src/match/rhel-scope.js";
import { dataPath, fixturePath } from "../helpers/shared.js";
import {
  type ImportedStore,
  importRedHat,
  vexDocument,
  writeJson,
} from "../vulndb/feeds/redhat-csaf-helpers.js";

const tmp = mkdtempSync(join(tmpdir(), "shipshape-rhel-match-"));
const advisories = dataPath(
  "vuln",
  "fixtures",
  "vunnel-fixtures",
  "rhel",
  "test-fixtures",
  "csaf",
  "advisories",
);
const trivyMapping = dataPath(
  "vuln",
  "fixtures",
  "trivy-db-testdata",
  "redhat-csaf",
  "testdata",
  "vuln-list-redhat",
  "cpe",
  "repository-to-cpe.json",
);
const ubi8Manifest = parseContentManifest(
  readFileSync(
    dataPath(
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
    ),
  ),
  "ubi8-minimal-container-8.5-218.json",
);

const RHEL = (versionId: string): OsInfo => ({
  id: "rhel",
  versionId,
  prettyName: `Red Hat Enterprise Linux ${versionId}`,
  evidence: ["/etc/os-release"],
});

function rpm(name: string, version: string, extra: Partial<Package> = {}): Package {
  const release = version.slice(version.indexOf("-") + 1);
  return {
    type: "rpm",
    name,
    version,
    purl: `pkg:rpm/redhat/${name}@${version}`,
    arch: "x86_64",
    epoch: null,
    release,
    locations: [{ path: "/var/lib/rpm/rpmdb.sqlite" }],
    foundBy: "rpm",
    metadata: { vendor: "Red Hat, Inc.", modularityLabel: null },
    ...extra,
  };
}

/** Red Hat's repository-to-cpe.json shape, for repositories trivy's fixture does not list. */
const extraMapping = writeJson(tmp, "repository-to-cpe.json", {
  data: {
    "rhel-8-for-x86_64-baseos-eus-rpms": {
      cpes: ["cpe:/o:redhat:rhel_eus:8.8::baseos"],
      repo_relative_urls: ["content/eus/rhel8/8.8/x86_64/baseos/os"],
    },
    "rhocp-4.14-for-rhel-8-x86_64-rpms": { cpes: ["cpe:/a:redhat:openshift:4.14::el8"] },
  },
});

// libuuid of util-linux, in the shapes Red Hat publishes: fixed in RHEL 8.8 EUS and in RHEL 8 main
// in different advisories and versions, unfixed in RHEL 9, and (a second CVE) fixed only in a
// layered product's RHEL 8 build.
const libuuidVex = writeJson(
  tmp,
  "cve-2024-90001.json",
  vexDocument({
    cve: "CVE-2024-90001",
    severity: "Moderate",
    streams: [
      {
        id: "BaseOS-8.8.0.Z.EUS",
        name: "Red Hat Enterprise Linux BaseOS EUS (v.8.8)",
        cpe: "cpe:/o:redhat:rhel_eus:8.8::baseos",
      },
      {
        id: "BaseOS-8.10.0.Z.MAIN",
        name: "Red Hat Enterprise Linux BaseOS (v. 8)",
        cpe: "cpe:/o:redhat:enterprise_linux:8::baseos",
      },
      {
        id: "red_hat_enterprise_linux_9",
        name: "Red Hat Enterprise Linux 9",
        cpe: "cpe:/o:redhat:enterprise_linux:9",
      },
    ],
    components: [
      ...["x86_64", "aarch64"].map((arch) => ({
        stream: "BaseOS-8.8.0.Z.EUS",
        id: `libuuid-0:2.32.1-42.el8_8.2.${arch}`,
        purl: `pkg:rpm/redhat/libuuid@2.32.1-42.el8_8.2?arch=${arch}`,
        status: "fixed" as const,
        remediation: {
          category: "vendor_fix",
          url: "https://access.redhat.com/errata/RHSA-2024:90011",
          date: "2024-12-01T00:00:00+00:00",
        },
      })),
      {
        stream: "BaseOS-8.10.0.Z.MAIN",
        id: "libuuid-0:2.32.1-46.el8_10.x86_64",
        purl: "pkg:rpm/redhat/libuuid@2.32.1-46.el8_10?arch=x86_64",
        status: "fixed",
        remediation: {
          category: "vendor_fix",
          url: "https://access.redhat.com/errata/RHSA-2024:90012",
          date: "2024-12-05T00:00:00+00:00",
        },
      },
      {
        stream: "BaseOS-8.10.0.Z.MAIN",
        id: "util-linux-0:2.32.1-46.el8_10.src",
        purl: "pkg:rpm/redhat/util-linux@2.32.1-46.el8_10?arch=src",
        status: "fixed",
        remediation: {
          category: "vendor_fix",
          url: "https://access.redhat.com/errata/RHSA-2024:90012",
          date: "2024-12-05T00:00:00+00:00",
        },
      },
      {
        stream: "red_hat_enterprise_linux_9",
        id: "libuuid",
        purl: "pkg:rpm/redhat/libuuid",
        status: "known_affected",
        remediation: { category: "none_available", details: "Affected" },
      },
    ],
  }),
);
const layeredVex = writeJson(
  tmp,
  "cve-2024-90002.json",
  vexDocument({
    cve: "CVE-2024-90002",
    severity: "Important",
    streams: [
      {
        id: "8Base-RHOSE-4.14",
        name: "Red Hat OpenShift Container Platform 4.14",
        cpe: "cpe:/a:redhat:openshift:4.14::el8",
      },
    ],
    components: [
      {
        stream: "8Base-RHOSE-4.14",
        id: "libuuid-0:2.32.1-43.rhaos4.14.el8.x86_64",
        purl: "pkg:rpm/redhat/libuuid@2.32.1-43.rhaos4.14.el8?arch=x86_64",
        status: "fixed",
        remediation: {
          category: "vendor_fix",
          url: "https://access.redhat.com/errata/RHSA-2024:90013",
          date: "2024-12-06T00:00:00+00:00",
        },
      },
    ],
  }),
);
// Module streams of one package: nodejs:16 and nodejs:18 fixed in different versions.
const nodejsVex = writeJson(
  tmp,
  "cve-2024-90003.json",
  vexDocument({
    cve: "CVE-2024-90003",
    streams: [
      {
        id: "AppStream-8.10.0.Z.MAIN",
        name: "Red Hat Enterprise Linux AppStream (v. 8)",
        cpe: "cpe:/a:redhat:enterprise_linux:8::appstream",
      },
    ],
    components: [
      {
        stream: "AppStream-8.10.0.Z.MAIN",
        id: "nodejs-1:16.20.2-4.module+el8.9.0+19788+c5f5a6c0.x86_64::nodejs:16",
        purl: "pkg:rpm/redhat/nodejs@16.20.2-4.module%2Bel8.9.0%2B19788%2Bc5f5a6c0?arch=x86_64&epoch=1&rpmmod=nodejs:16:8090020231019152822:a75119d5",
        status: "fixed",
        remediation: {
          category: "vendor_fix",
          url: "https://access.redhat.com/errata/RHSA-2024:90031",
          date: "2024-01-10T00:00:00+00:00",
        },
      },
      {
        stream: "AppStream-8.10.0.Z.MAIN",
        id: "nodejs-1:18.19.0-1.module+el8.9.0+20473+c4e3d824.x86_64::nodejs:18",
        purl: "pkg:rpm/redhat/nodejs@18.19.0-1.module%2Bel8.9.0%2B20473%2Bc4e3d824?arch=x86_64&epoch=1&rpmmod=nodejs:18:8090020240103132022:a75119d5",
        status: "fixed",
        remediation: {
          category: "vendor_fix",
          url: "https://access.redhat.com/errata/RHSA-2024:90032",
          date: "2024-01-11T00:00:00+00:00",
        },
      },
    ],
  }),
);

let db: ImportedStore;
let ubi8: { os: OsInfo; libuuid: Package };

beforeAll(async () => {
  db = await importRedHat([
    libuuidVex,
    layeredVex,
    nodejsVex,
    trivyMapping,
    extraMapping,
    join(advisories, "rhsa-2024_0811.json"),
    join(advisories, "rhsa-2023_3821.json"),
    join(advisories, "rhsa-2024_1431.json"),
    join(advisories, "rhsa-2023_7025.json"),
    join(advisories, "2025", "rhsa-2025_23414.json"),
  ]);
  const { result } = await catalogImageResult(`oci-archive:${fixturePath("images", "ubi8-bdb.oci.tar")}`, {
    cache: null,
  });
  const libuuid = result.packages.find((p) => p.name === "libuuid");
  if (!result.os || !libuuid) throw new Error("ubi8-bdb: expected RHEL 8.8 with libuuid");
  ubi8 = { os: result.os, libuuid };
});

afterAll(async () => {
  await db.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

const summary = (r: Awaited<ReturnType<typeof matchPackages>>) =>
  r.findings.map((f) => [f.id, f.pkgName, f.installedVersion, f.fixedVersion, f.advisory, f.status]);

describe("ubi8-bdb (libuuid 2.32.1-42.el8_8 from util-linux, vendor Red Hat)", () => {
  it("is the real package the tests assume", () => {
    expect(ubi8.os.id).toBe("rhel");
    expect(ubi8.os.versionId).toBe("8.8");
    expect(ubi8.libuuid).toMatchObject({
      version: "2.32.1-42.el8_8",
      arch: "x86_64",
      sourceName: "util-linux",
    });
    expect(ubi8.libuuid.metadata?.vendor).toBe("Red Hat, Inc.");
  });

  it("without a content manifest: every RHEL 8 stream applies, layered products do not; the nearest fix wins", async () => {
    const r = await matchPackages([ubi8.libuuid], ubi8.os, db.store);
    expect(summary(r)).toEqual([
      ["CVE-2024-90001", "libuuid", "2.32.1-42.el8_8", "2.32.1-42.el8_8.2", "RHSA-2024:90011", "fixed"],
    ]);
    expect(r.findings[0]).toMatchObject({
      severity: "medium",
      severitySource: "redhat-csaf",
      source: "redhat-csaf",
      namespace: "rhel:8",
      fixPublished: "2024-12-01T00:00:00.000Z",
    });
    expect(r.missingNamespaces).toEqual([]);
  });

  it("with the real UBI8 content manifest (BaseOS + AppStream): only RHEL 8 main's fix", async () => {
    expect(ubi8Manifest.contentSets).toEqual([
      "rhel-8-for-x86_64-baseos-rpms",
      "rhel-8-for-x86_64-appstream-rpms",
    ]);
    const scope = await resolveRhelScope(db.store, [ubi8Manifest]);
    expect(scope.cpes).toEqual(["cpe:/o:redhat:enterprise_linux:8::baseos"]);
    // trivy-db's fixture maps BaseOS only: AppStream is said, not guessed.
    expect(scope.warnings).toEqual([
      "Red Hat repositories without a CPE mapping (ignored for scoping): rhel-8-for-x86_64-appstream-rpms",
    ]);
    const r = await matchPackages([ubi8.libuuid], ubi8.os, db.store, { cpes: scope.cpes });
    expect(summary(r)).toEqual([
      ["CVE-2024-90001", "libuuid", "2.32.1-42.el8_8", "2.32.1-46.el8_10", "RHSA-2024:90012", "fixed"],
    ]);
  });

  it("with an EUS repository: the EUS fix; with OpenShift's repository: the layered product's fix too", async () => {
    const eus = await resolveRhelScope(db.store, [
      { contentSets: ["rhel-8-for-x86_64-baseos-eus-rpms"], imageLayerIndex: null },
    ]);
    expect(eus.cpes).toEqual(["cpe:/o:redhat:rhel_eus:8.8::baseos"]);
    expect(summary(await matchPackages([ubi8.libuuid], ubi8.os, db.store, { cpes: eus.cpes }))).toEqual([
      ["CVE-2024-90001", "libuuid", "2.32.1-42.el8_8", "2.32.1-42.el8_8.2", "RHSA-2024:90011", "fixed"],
    ]);
    const ocp = await resolveRhelScope(db.store, [
      {
        contentSets: ["rhel-8-for-x86_64-baseos-rpms", "rhocp-4.14-for-rhel-8-x86_64-rpms"],
        imageLayerIndex: null,
      },
    ]);
    expect(summary(await matchPackages([ubi8.libuuid], ubi8.os, db.store, { cpes: ocp.cpes }))).toEqual([
      ["CVE-2024-90001", "libuuid", "2.32.1-42.el8_8", "2.32.1-46.el8_10", "RHSA-2024:90012", "fixed"],
      ["CVE-2024-90002", "libuuid", "2.32.1-42.el8_8", "2.32.1-43.rhaos4.14.el8", "RHSA-2024:90013", "fixed"],
    ]);
  });

  it("content sets the database does not know fall back to the default scope, with a warning", async () => {
    const scope = await resolveRhelScope(db.store, [
      { contentSets: ["some-private-repo"], imageLayerIndex: null },
    ]);
    expect(scope.cpes).toBeNull();
    expect(scope.warnings[0]).toMatch(
      /none of the image's Red Hat repositories \(some-private-repo\) is in the database/,
    );
  });

  it("a fix built for other architectures does not apply", async () => {
    const arm = { ...ubi8.libuuid, arch: "aarch64" };
    // The EUS fix was built for aarch64, the main one only for x86_64 (in this document).
    expect(summary(await matchPackages([arm], ubi8.os, db.store))).toEqual([
      ["CVE-2024-90001", "libuuid", "2.32.1-42.el8_8", "2.32.1-42.el8_8.2", "RHSA-2024:90011", "fixed"],
    ]);
    const base = await resolveRhelScope(db.store, [ubi8Manifest]);
    expect(summary(await matchPackages([arm], ubi8.os, db.store, { cpes: base.cpes }))).toEqual([]);
    expect(
      summary(
        await matchPackages([{ ...ubi8.libuuid, arch: "noarch" }], ubi8.os, db.store, { cpes: base.cpes }),
      ),
    ).toHaveLength(1);
  });

  it("an rpm of another vendor is not judged by Red Hat's data", async () => {
    const epel = { ...ubi8.libuuid, metadata: { ...ubi8.libuuid.metadata, vendor: "Fedora Project" } };
    const r = await matchPackages([epel], ubi8.os, db.store);
    expect(r.findings).toEqual([]);
    expect(r.warnings).toEqual([
      "1 rpm package(s) from vendors other than Red Hat are not matched against Red Hat's data",
    ]);
    // No vendor recorded (a locally built rpm): matched by name as before.
    const unknown = { ...ubi8.libuuid, metadata: { ...ubi8.libuuid.metadata, vendor: null } };
    expect((await matchPackages([unknown], ubi8.os, db.store)).findings).toHaveLength(1);
  });

  it("a fixed package is clean; RHEL 9 gets its own release's (unfixed) status", async () => {
    expect((await matchPackages([rpm("libuuid", "2.32.1-46.el8_10")], ubi8.os, db.store)).findings).toEqual(
      [],
    );
    const r = await matchPackages([rpm("libuuid", "2.37.4-18.el9")], RHEL("9.4"), db.store);
    expect(summary(r)).toEqual([["CVE-2024-90001", "libuuid", "2.37.4-18.el9", null, null, "affected"]]);
    expect(r.findings[0]!.fixable).toBe(false);
  });
});

describe("RHSA-2024:0811 (sudo, real): fixed in 8.8 EUS and in 8 base at different versions", () => {
  const sudoIds = ["CVE-2023-28486", "CVE-2023-28487", "CVE-2023-42465"];
  const fixes = async (version: string, cpes?: string[] | null) => {
    const r = await matchPackages([rpm("sudo", version)], RHEL("8.8"), db.store, { cpes: cpes ?? null });
    expect(r.findings.map((f) => f.id)).toEqual(r.findings.length ? sudoIds : []);
    return [...new Set(r.findings.map((f) => `${f.fixedVersion} ${f.advisory}`))];
  };
  let base: string[];
  let eus: string[];
  beforeAll(async () => {
    base = (
      await resolveRhelScope(db.store, [
        { contentSets: ["rhel-8-for-x86_64-baseos-rpms"], imageLayerIndex: null },
      ])
    ).cpes!;
    eus = (
      await resolveRhelScope(db.store, [
        { contentSets: ["rhel-8-for-x86_64-baseos-eus-rpms"], imageLayerIndex: null },
      ])
    ).cpes!;
  });

  it("an 8.7-era build: EUS scope → 1.el8_8, base scope → 1.el8_9, no scope → the lowest fix above it", async () => {
    expect(await fixes("1.9.5p2-0.el8_7", eus)).toEqual(["1.9.5p2-1.el8_8 RHSA-2024:0811"]);
    expect(await fixes("1.9.5p2-0.el8_7", base)).toEqual(["1.9.5p2-1.el8_9 RHSA-2024:0811"]);
    // Unscoped, every RHEL 8 stream's fix counts, 8.6 EUS's included (release 1 > 0).
    expect(await fixes("1.9.5p2-0.el8_7")).toEqual(["1.9.5p2-1.el8_6 RHSA-2024:0811"]);
  });

  it("the 8.8 EUS fix installed: clean on EUS, still vulnerable on the base stream", async () => {
    expect(await fixes("1.9.5p2-1.el8_8", eus)).toEqual([]);
    expect(await fixes("1.9.5p2-1.el8_8", base)).toEqual(["1.9.5p2-1.el8_9 RHSA-2024:0811"]);
    expect(await fixes("1.9.5p2-1.el8_9", base)).toEqual([]);
  });
});

describe("module streams (real ruby RHSAs for ruby:2.5, 2.7 and 3.1; nodejs:16 vs 18)", () => {
  const ruby = (version: string, label: string | null) =>
    rpm("ruby", version, { metadata: { vendor: "Red Hat, Inc.", modularityLabel: label } });

  it("a ruby:2.7 build matches only ruby:2.7's advisory", async () => {
    const r = await matchPackages(
      [ruby("2.7.6-138.module+el8.7.0+15870+2b7f0c9b", "ruby:2.7:8070020220623111417:3b9f49c4")],
      RHEL("8.8"),
      db.store,
    );
    expect(summary(r)).toEqual(
      ["CVE-2021-33621", "CVE-2023-28755", "CVE-2023-28756"].map((id) => [
        id,
        "ruby",
        "2.7.6-138.module+el8.7.0+15870+2b7f0c9b",
        "2.7.8-139.module+el8.8.0+18745+f1bef313",
        "RHSA-2023:3821",
        "fixed",
      ]),
    );
  });

  it("a ruby:3.1 build matches ruby:3.1's advisory (one more CVE) and nothing of 2.5/2.7", async () => {
    const r = await matchPackages(
      [ruby("3.1.2-141.module+el8.7.0+17068+c1d1f5b1", "ruby:3.1:8070020221103100547:a5b6ddf2")],
      RHEL("8.8"),
      db.store,
    );
    expect(r.findings.map((f) => f.id)).toEqual([
      "CVE-2021-33621",
      "CVE-2023-28755",
      "CVE-2023-28756",
      "CVE-2023-36617",
    ]);
    expect(new Set(r.findings.map((f) => `${f.fixedVersion} ${f.advisory}`))).toEqual(
      new Set(["3.1.4-142.module+el8.9.0+21471+7d1e4a35 RHSA-2024:1431"]),
    );
  });

  it("a non-modular ruby matches no module's records", async () => {
    expect((await matchPackages([ruby("2.5.5-105.el8", null)], RHEL("8.8"), db.store)).findings).toEqual([]);
  });

  it("nodejs:16 and nodejs:18 builds each get their stream's fix (epoch 1)", async () => {
    const node16 = rpm("nodejs", "16.20.1-1.module+el8.8.0+19196+c0a58c8d", {
      epoch: 1,
      metadata: { vendor: "Red Hat, Inc.", modularityLabel: "nodejs:16:8080020230601113123:63b34585" },
    });
    const node18 = rpm("nodejs", "18.18.2-1.module+el8.9.0+20473+c4e3d824", {
      epoch: 1,
      metadata: { vendor: "Red Hat, Inc.", modularityLabel: "nodejs:18:8090020231025133138:a75119d5" },
    });
    expect(summary(await matchPackages([node16, node18], RHEL("8.9"), db.store))).toEqual([
      [
        "CVE-2024-90003",
        "nodejs",
        "16.20.1-1.module+el8.8.0+19196+c0a58c8d",
        "1:16.20.2-4.module+el8.9.0+19788+c5f5a6c0",
        "RHSA-2024:90031",
        "fixed",
      ],
      [
        "CVE-2024-90003",
        "nodejs",
        "18.18.2-1.module+el8.9.0+20473+c4e3d824",
        "1:18.19.0-1.module+el8.9.0+20473+c4e3d824",
        "RHSA-2024:90032",
        "fixed",
      ],
    ]);
  });
});

describe("epochs", () => {
  it("bind 32:9.8.2-0.68.rc1.el6_10.16 (RHEL 6 ELS, real RHSA-2025:23414) is fixed in 32:…17", async () => {
    const bind = (epoch: number | null, version: string) => rpm("bind", version, { epoch });
    const r = await matchPackages([bind(32, "9.8.2-0.68.rc1.el6_10.16")], RHEL("6.10"), db.store);
    expect(summary(r)).toEqual([
      [
        "CVE-2021-25220",
        "bind",
        "9.8.2-0.68.rc1.el6_10.16",
        "32:9.8.2-0.68.rc1.el6_10.17",
        "RHSA-2025:23414",
        "fixed",
      ],
      [
        "CVE-2025-40778",
        "bind",
        "9.8.2-0.68.rc1.el6_10.16",
        "32:9.8.2-0.68.rc1.el6_10.17",
        "RHSA-2025:23414",
        "fixed",
      ],
    ]);
    expect(r.findings.map((f) => f.severity)).toEqual(["medium", "high"]);
    // The fixed build itself and a later epoch are clean; without its epoch the same version is older.
    expect(
      (await matchPackages([bind(32, "9.8.2-0.68.rc1.el6_10.17")], RHEL("6.10"), db.store)).findings,
    ).toEqual([]);
    expect((await matchPackages([bind(33, "9.8.2-0.1.el6")], RHEL("6.10"), db.store)).findings).toEqual([]);
    expect((await matchPackages([bind(null, "9.9.0-1.el6")], RHEL("6.10"), db.store)).findings).toHaveLength(
      2,
    );
  });
});
