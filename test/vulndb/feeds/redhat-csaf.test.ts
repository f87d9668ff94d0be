/**
 * Red Hat CSAF: trivy-db's expected advisories for its VEX testdata, vunnel's expected versions for
 * real RHSA CSAF advisories, the archive (built with tar(1) and zstd(1)) with deltas and deletions,
 * the follow-up downloads, bad documents and archives, fuzzing.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { isShipshapeError } from "../../../src/errors.js";
import { compareVersions } from "../../../src/versions/index.js";
import { REDHAT_CPE_MAP_NAMESPACE } from "../../../src/vulndb/feeds/redhat-cpe.js";
import {
  archiveDate,
  documentKey,
  parseChangeList,
  redhatCsafFollowUpDownloads,
  redhatCsafImporter,
} from "../../../src/vulndb/feeds/redhat-csaf.js";
import { csafArchiveMembers } from "../../../src/vulndb/feeds/redhat-csaf-archive.js";
import {
  parseRedHatCsaf,
  type RhelAffectedRecord,
  rpmComponent,
} from "../../../src/vulndb/feeds/redhat-csaf-document.js";
import { dataPath } from "../../helpers/shared.js";
import { importRedHat, recordRedHat, vexDocument, writeJson } from "./redhat-csaf-helpers.js";

const trivyData = dataPath("vuln", "fixtures", "trivy-db-testdata", "redhat-csaf", "testdata");
const vunnelCsaf = dataPath("vuln", "fixtures", "vunnel-fixtures", "rhel", "test-fixtures", "csaf");
const tmp = mkdtempSync(join(tmpdir(), "shipshape-csaf-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** trivy-db's DB view of our records: bucket (RHSA, or CVE when unfixed) × package (module::name). */
function trivyView(records: RhelAffectedRecord[]): Record<string, unknown[]> {
  const out: Record<
    string,
    Map<string, { entry: Record<string, unknown>; cves: { ID: string; Severity: string }[] }>
  > = {};
  for (const r of records.filter((x) => x.namespace !== REDHAT_CPE_MAP_NAMESPACE)) {
    const bucket = `${r.advisory ?? r.vulnerabilityId} ${r.moduleStream ? `${r.moduleStream}::` : ""}${r.packageName}`;
    const entry: Record<string, unknown> = {
      FixedVersion: r.fixedVersion ?? "",
      // trivy-db omits the status when a fixed version says it.
      ...(r.fixedVersion ? {} : { Status: r.status }),
      Arches: r.arches ?? null,
      AffectedCPEList: r.cpes,
    };
    const key = JSON.stringify(entry);
    out[bucket] ??= new Map();
    const slot = out[bucket].get(key) ?? { entry, cves: [] };
    slot.cves.push({ ID: r.advisory ? r.vulnerabilityId : "", Severity: r.severity ?? "unknown" });
    out[bucket].set(key, slot);
  }
  return Object.fromEntries(
    Object.entries(out).map(([k, m]) => [
      k,
      [...m.values()].map((s) => ({ ...s.entry, CVEs: s.cves.sort((a, b) => a.ID.localeCompare(b.ID)) })),
    ]),
  );
}

describe("trivy-db's expected advisories (pkg/vulnsrc/redhat-csaf/csaf_test.go)", () => {
  it("vuln-list-redhat testdata: every advisory-detail and CPE mapping", async () => {
    const { session, warnings } = await recordRedHat([join(trivyData, "vuln-list-redhat")]);
    // The expected values of trivy-db's test, with its CPE indices written out
    // (0 = …:8::baseos, 1 = …:9, 2 = …:9::appstream, 3 = …:9::baseos).
    const cpe = {
      9: "cpe:/o:redhat:enterprise_linux:9",
      appstream9: "cpe:/o:redhat:enterprise_linux:9::appstream",
      baseos9: "cpe:/o:redhat:enterprise_linux:9::baseos",
    };
    expect(trivyView(session.affected)).toEqual({
      "RHSA-2024:9941 pam": [
        {
          FixedVersion: "1.5.1-21.el9_5",
          CVEs: [{ ID: "CVE-2024-10041", Severity: "medium" }],
          Arches: ["aarch64", "x86_64"],
          AffectedCPEList: [cpe.baseos9],
        },
      ],
      "RHSA-2024:9999 test-package": [
        {
          FixedVersion: "1:1.0.0-1.el9",
          CVEs: [
            { ID: "CVE-2024-11111", Severity: "high" },
            { ID: "CVE-2024-22222", Severity: "critical" },
          ],
          Arches: ["aarch64", "x86_64"],
          AffectedCPEList: [cpe.appstream9, cpe.baseos9],
        },
      ],
      "CVE-2024-11111 affected-package-bin": [
        {
          FixedVersion: "",
          Status: "affected",
          CVEs: [{ ID: "", Severity: "high" }],
          Arches: null,
          AffectedCPEList: [cpe.baseos9],
        },
      ],
      "CVE-2024-22222 affected-package-bin": [
        {
          FixedVersion: "",
          Status: "affected",
          CVEs: [{ ID: "", Severity: "critical" }],
          Arches: null,
          AffectedCPEList: [cpe.baseos9],
        },
      ],
      "RHSA-2024:9999 module:2.4::modular-package": [
        {
          FixedVersion: "2.4.37-65.module+el8.10.0+21982+14717793",
          CVEs: [
            { ID: "CVE-2024-11111", Severity: "medium" },
            { ID: "CVE-2024-22222", Severity: "medium" },
          ],
          Arches: ["aarch64"],
          AffectedCPEList: [cpe.appstream9],
        },
      ],
      "RHSA-2025:0001 firefox:flatpak::firefox-x11": [
        {
          FixedVersion: "",
          Status: "fixed",
          CVEs: [{ ID: "CVE-2025-33333", Severity: "high" }],
          Arches: null,
          AffectedCPEList: [cpe[9]],
        },
      ],
    });
    // Repository and NVR mappings, as trivy-db's "Red Hat CPE" buckets.
    const maps = session.affected.filter((r) => r.namespace === REDHAT_CPE_MAP_NAMESPACE);
    expect(maps.map((r) => [r.packageName, r.cpes])).toEqual([
      ["repository:rhel-8-for-x86_64-baseos-rpms", ["cpe:/o:redhat:enterprise_linux:8::baseos"]],
      ["nvr:pam-1.5.1-21.el9_5.x86_64", ["cpe:/o:redhat:enterprise_linux:9::baseos"]],
    ]);
    // Everything lands in rhel:9, keyed by binary package (source RPMs and the OCI image are left out).
    expect(
      new Set(
        session.affected.filter((r) => r.namespace !== REDHAT_CPE_MAP_NAMESPACE).map((r) => r.namespace),
      ),
    ).toEqual(new Set(["rhel:9"]));
    expect(
      session.affected.some((r) => r.packageName === "affected-package" || r.packageName === "oci-image"),
    ).toBe(false);
    expect(warnings).toEqual([]);
  });

  it("happy testdata (parse_test.go): pam for both arches, test-package for x86_64 only", async () => {
    const { session } = await recordRedHat([join(trivyData, "happy")]);
    expect(trivyView(session.affected)).toEqual({
      "RHSA-2024:9941 pam": [
        {
          FixedVersion: "1.5.1-21.el9_5",
          CVEs: [{ ID: "CVE-2024-10041", Severity: "medium" }],
          Arches: ["aarch64", "x86_64"],
          AffectedCPEList: ["cpe:/o:redhat:enterprise_linux:9::baseos"],
        },
      ],
      "RHSA-2024:9999 test-package": [
        {
          FixedVersion: "1:1.0.0-1.el9",
          CVEs: [{ ID: "CVE-2024-9999", Severity: "high" }],
          Arches: ["x86_64"],
          AffectedCPEList: ["cpe:/o:redhat:enterprise_linux:9::baseos"],
        },
      ],
    });
    // The vendor_fix remediation date is the fix's publication date (trivy-db: "2024-11-19").
    expect(session.affected.find((r) => r.packageName === "pam")!.fixPublished).toBe(
      "2024-11-19T04:46:55.000Z",
    );
  });

  it("the vulnerability records carry Red Hat's text, severity, CVSS, CWE and references", async () => {
    const { session } = await recordRedHat([join(trivyData, "happy", "csaf-vex", "cve-2024-10041.json")]);
    expect(session.vulnerabilities).toEqual([
      {
        id: "CVE-2024-10041",
        aliases: [],
        summary: "pam: libpam: Libpam vulnerable to read hashed password",
        description:
          "A vulnerability was found in PAM. The secret information is stored in memory, where the attacker can trigger the victim program to execute.",
        published: "2024-10-18T00:00:00.000Z",
        modified: "2024-12-18T09:14:23.000Z",
        severities: [{ source: "redhat-csaf", severity: "medium" }],
        cvss: [
          {
            version: "3.1",
            vector: "CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:N/A:N",
            score: 4.7,
            source: "redhat-csaf",
          },
        ],
        cwes: ["CWE-922"],
        references: [
          "https://bugzilla.redhat.com/show_bug.cgi?id=2319212",
          "https://access.redhat.com/security/data/csaf/v2/vex/2024/cve-2024-10041.json",
        ],
      },
    ]);
  });

  it("empty-cve and no-vulnerabilities are errors with trivy-db's wording", async () => {
    const read = (p: string) => JSON.parse(readFileSync(p, "utf8"));
    expect(() =>
      parseRedHatCsaf(read(join(trivyData, "empty-cve", "csaf-vex", "empty-cve.json")), "e.json"),
    ).toThrow(/does not match \^CVE-\[0-9\]\{4\}-\[0-9\]\{4,\}/);
    expect(() =>
      parseRedHatCsaf(
        read(join(trivyData, "no-vulnerabilities", "csaf-vex", "no-vulnerabilities.json")),
        "n.json",
      ),
    ).toThrow(/invalid number of vulnerabilities/);
    // A directory of nothing but such documents is an error; mixed in with good ones, a warning.
    await expect(recordRedHat([join(trivyData, "empty-cve")])).rejects.toThrow(
      /empty-cve\.json: vulnerability cve ""/,
    );
    const { session, warnings } = await recordRedHat([
      join(trivyData, "empty-cve"),
      join(trivyData, "happy"),
    ]);
    expect(session.vulnerabilities.map((v) => v.id).sort()).toEqual(["CVE-2024-10041", "CVE-2024-9999"]);
    expect(warnings).toEqual([
      expect.stringMatching(/^1 Red Hat CSAF document\(s\) skipped as unreadable, e\.g\. .*empty-cve\.json/),
    ]);
  });
});

describe("real Red Hat security advisories in CSAF (vunnel's fixtures)", () => {
  const advisories = join(vunnelCsaf, "advisories");

  it("RHSA-2024:0811 (sudo): each RHEL stream's fix with its CPE, in rhel:8 and rhel:9", async () => {
    const { session } = await recordRedHat([join(advisories, "rhsa-2024_0811.json")]);
    const sudo = session.affected.filter(
      (r) => r.packageName === "sudo" && r.vulnerabilityId === "CVE-2023-28486",
    );
    expect(sudo.map((r) => [r.namespace, r.fixedVersion, r.cpes])).toEqual([
      ["rhel:8", "1.9.5p2-1.el8_6", ["cpe:/o:redhat:rhel_eus:8.6::baseos"]],
      ["rhel:8", "1.9.5p2-1.el8_8", ["cpe:/o:redhat:rhel_eus:8.8::baseos"]],
      ["rhel:8", "1.9.5p2-1.el8_9", ["cpe:/o:redhat:enterprise_linux:8::baseos"]],
      [
        "rhel:9",
        "1.9.5p2-10.el9_3",
        ["cpe:/a:redhat:enterprise_linux:9::appstream", "cpe:/o:redhat:enterprise_linux:9::baseos"],
      ],
      [
        "rhel:9",
        "1.9.5p2-7.el9_0.4",
        ["cpe:/a:redhat:rhel_eus:9.0::appstream", "cpe:/o:redhat:rhel_eus:9.0::baseos"],
      ],
      [
        "rhel:9",
        "1.9.5p2-9.el9_2.2",
        ["cpe:/a:redhat:rhel_eus:9.2::appstream", "cpe:/o:redhat:rhel_eus:9.2::baseos"],
      ],
    ]);
    // vunnel's expected version for the RHEL 9 platform (csaf_parser_test.py): 0:1.9.5p2-10.el9_3.
    const main9 = sudo.find((r) => r.cpes.includes("cpe:/o:redhat:enterprise_linux:9::baseos"))!;
    expect(compareVersions("rpm", main9.fixedVersion!, "0:1.9.5p2-10.el9_3")).toBe(0);
    for (const r of sudo) {
      expect(r.advisory).toBe("RHSA-2024:0811");
      expect(r.fixPublished).toBe("2024-02-14T00:54:45.000Z");
      expect(r.severity).toBe("medium");
      expect(r.arches).toEqual(["aarch64", "ppc64le", "s390x", "x86_64"]);
    }
    // Debug packages are binary packages too; source RPMs are not.
    expect(new Set(session.affected.map((r) => r.packageName))).toEqual(
      new Set([
        "sudo",
        "sudo-debuginfo",
        "sudo-debugsource",
        "sudo-python-plugin",
        "sudo-python-plugin-debuginfo",
      ]),
    );
  });

  it("RHSA-2023:3821 (ruby:2.7): vunnel's expected module and version", async () => {
    const { session } = await recordRedHat([join(advisories, "rhsa-2023_3821.json")]);
    const ruby = session.affected.filter((r) => r.packageName === "ruby");
    expect(new Set(ruby.map((r) => r.moduleStream))).toEqual(new Set(["ruby:2.7"]));
    expect(new Set(ruby.map((r) => r.vulnerabilityId))).toEqual(
      new Set(["CVE-2021-33621", "CVE-2023-28755", "CVE-2023-28756"]),
    );
    for (const r of ruby) {
      expect(compareVersions("rpm", r.fixedVersion!, "0:2.7.8-139.module+el8.8.0+18745+f1bef313")).toBe(0);
      expect(r.namespace).toBe("rhel:8");
      expect(r.cpes).toEqual(["cpe:/a:redhat:enterprise_linux:8::appstream"]);
    }
  });

  it("RHSA-2025:23414 (bind, RHEL 6 ELS): epoch 32 kept in the fixed version", async () => {
    const { session } = await recordRedHat([join(advisories, "2025", "rhsa-2025_23414.json")]);
    const bind = session.affected.filter((r) => r.packageName === "bind");
    expect(bind.length).toBe(2);
    for (const r of bind) {
      expect(r.fixedVersion).toBe("32:9.8.2-0.68.rc1.el6_10.17");
      expect(r.namespace).toBe("rhel:6");
      expect(r.cpes).toEqual(["cpe:/o:redhat:rhel_els:6"]);
    }
    expect(bind.map((r) => [r.vulnerabilityId, r.severity]).sort()).toEqual([
      ["CVE-2021-25220", "medium"],
      ["CVE-2025-40778", "high"],
    ]);
  });
});

describe("statuses from product_status and remediations", () => {
  it("maps fixed, affected, deferred, will-not-fix, end-of-life, not-affected; leaves under_investigation out", async () => {
    const streams = [
      {
        id: "BaseOS-9.5.0.Z.MAIN",
        name: "Red Hat Enterprise Linux BaseOS (v. 9)",
        cpe: "cpe:/o:redhat:enterprise_linux:9::baseos",
      },
      {
        id: "red_hat_enterprise_linux_9",
        name: "Red Hat Enterprise Linux 9",
        cpe: "cpe:/o:redhat:enterprise_linux:9",
      },
      {
        id: "red_hat_enterprise_linux_8",
        name: "Red Hat Enterprise Linux 8",
        cpe: "cpe:/o:redhat:enterprise_linux:8",
      },
      {
        id: "red_hat_enterprise_linux_7",
        name: "Red Hat Enterprise Linux 7",
        cpe: "cpe:/o:redhat:enterprise_linux:7",
      },
      { id: "openshift-4", name: "Red Hat OpenShift Container Platform 4", cpe: "cpe:/a:redhat:openshift:4" },
    ];
    const doc = vexDocument({
      cve: "CVE-2024-90100",
      severity: "Important",
      streams,
      components: [
        {
          stream: "BaseOS-9.5.0.Z.MAIN",
          id: "pkg-a-0:1.0-2.el9_5.x86_64",
          purl: "pkg:rpm/redhat/pkg-a@1.0-2.el9_5?arch=x86_64",
          status: "fixed",
          remediation: {
            category: "vendor_fix",
            url: "https://access.redhat.com/errata/RHSA-2025:0100",
            date: "2025-01-02T03:04:05+00:00",
          },
        },
        {
          stream: "red_hat_enterprise_linux_9",
          id: "pkg-b",
          purl: "pkg:rpm/redhat/pkg-b",
          status: "known_affected",
          remediation: { category: "none_available", details: "Affected" },
        },
        {
          stream: "red_hat_enterprise_linux_9",
          id: "pkg-c",
          purl: "pkg:rpm/redhat/pkg-c",
          status: "known_affected",
          remediation: { category: "none_available", details: "Deferred" },
        },
        {
          stream: "red_hat_enterprise_linux_8",
          id: "pkg-a",
          purl: "pkg:rpm/redhat/pkg-a",
          status: "known_affected",
          remediation: { category: "no_fix_planned", details: "Will not fix" },
        },
        {
          stream: "red_hat_enterprise_linux_7",
          id: "pkg-a",
          purl: "pkg:rpm/redhat/pkg-a",
          status: "known_affected",
          remediation: { category: "no_fix_planned", details: "Out of support scope" },
        },
        {
          stream: "red_hat_enterprise_linux_8",
          id: "pkg-d",
          purl: "pkg:rpm/redhat/pkg-d",
          status: "known_not_affected",
        },
        {
          stream: "red_hat_enterprise_linux_8",
          id: "pkg-e",
          purl: "pkg:rpm/redhat/pkg-e",
          status: "under_investigation",
        },
        {
          stream: "red_hat_enterprise_linux_8",
          id: "pkg-f",
          purl: "pkg:rpm/redhat/pkg-f",
          status: "known_affected",
          impact: "Low",
        },
        // A layered product without a RHEL release in its CPE: nowhere to put it.
        { stream: "openshift-4", id: "pkg-g", purl: "pkg:rpm/redhat/pkg-g", status: "known_affected" },
      ],
    });
    const r = parseRedHatCsaf(doc, "doc.json");
    expect(
      r.affected.map((a) => [
        a.namespace,
        a.packageName,
        a.status,
        a.fixedVersion,
        a.advisory,
        a.fixPublished,
        a.severity,
      ]),
    ).toEqual([
      ["rhel:7", "pkg-a", "end-of-life", null, null, null, "high"],
      ["rhel:8", "pkg-a", "will-not-fix", null, null, null, "high"],
      ["rhel:8", "pkg-d", "not-affected", null, null, null, "high"],
      ["rhel:8", "pkg-f", "affected", null, null, null, "low"],
      ["rhel:9", "pkg-a", "fixed", "1.0-2.el9_5", "RHSA-2025:0100", "2025-01-02T03:04:05.000Z", "high"],
      ["rhel:9", "pkg-b", "affected", null, null, null, "high"],
      ["rhel:9", "pkg-c", "deferred", null, null, null, "high"],
    ]);
    expect(r.skipped.noMajor).toBe(1);
    expect(r.vulnerabilities[0]!.severities).toEqual([{ source: "redhat-csaf", severity: "high" }]);
  });

  it("reads components from product ids when a document has no purl (legacy module form too)", () => {
    expect(rpmComponent("pam-0:1.5.1-21.el9_5.x86_64", { name: null, cpe: null, purl: null })).toEqual({
      name: "pam",
      version: "1.5.1-21.el9_5",
      arch: "x86_64",
      module: null,
    });
    expect(rpmComponent("bind-32:9.8.2-0.68.rc1.el6_10.17.x86_64", undefined)).toEqual({
      name: "bind",
      version: "32:9.8.2-0.68.rc1.el6_10.17",
      arch: "x86_64",
      module: null,
    });
    expect(
      rpmComponent(
        "ruby:2.7:8080020230427102918:63b34585:ruby-0:2.7.8-139.module+el8.8.0+18745+f1bef313.x86_64",
        undefined,
      ),
    ).toEqual({
      name: "ruby",
      version: "2.7.8-139.module+el8.8.0+18745+f1bef313",
      arch: "x86_64",
      module: "ruby:2.7",
    });
    expect(rpmComponent("nodejs::nodejs:16", undefined)).toEqual({
      name: "nodejs",
      version: null,
      arch: null,
      module: "nodejs:16",
    });
    expect(rpmComponent("x", { name: "x", cpe: null, purl: "pkg:oci/redhat/x@1" })).toBe("not-rpm");
    expect(rpmComponent("a b c", undefined)).toBeNull();
  });
});

describe("archives, deltas and deletions", () => {
  const vexDir = join(trivyData, "vuln-list-redhat", "csaf-vex");

  /** Red Hat's archive nests documents by year; trivy's fixture keeps them flat: stage them so. */
  function stage(): string {
    const staged = join(tmp, "staged");
    rmSync(staged, { recursive: true, force: true });
    for (const f of [
      "cve-2024-10041.json",
      "cve-2024-11111.json",
      "cve-2024-22222.json",
      "cve-2025-33333.json",
    ]) {
      mkdirSync(join(staged, f.slice(4, 8)), { recursive: true });
      cpSync(join(vexDir, f), join(staged, f.slice(4, 8), f));
    }
    return staged;
  }

  /** The archive is made by tar(1) and zstd(1) or gzip(1), not by shipshape. */
  function makeArchive(name: string, compress: "zstd" | "gzip"): string {
    const path = join(tmp, name);
    const tarPath = join(tmp, `${name}.tar`);
    execFileSync("tar", ["-cf", tarPath, "-C", stage(), "2024", "2025"]);
    if (compress === "zstd") execFileSync("zstd", ["-q", "-f", tarPath, "-o", path]);
    else writeFileSync(path, execFileSync("gzip", ["-c", tarPath]));
    rmSync(tarPath);
    return path;
  }

  it("a zstd archive gives the same records as the loose documents", async () => {
    const archive = makeArchive("csaf_vex_2025-01-10.tar.zst", "zstd");
    expect(await redhatCsafImporter.detect(archive)).toBe(true);
    const fromArchive = await recordRedHat([archive]);
    const loose = await recordRedHat([vexDir]);
    // tar(1) orders members its own way: compare as sets.
    const sorted = <T>(xs: T[]) => xs.map((x) => JSON.stringify(x)).sort();
    expect(sorted(fromArchive.session.affected)).toEqual(sorted(loose.session.affected));
    expect(sorted(fromArchive.session.vulnerabilities)).toEqual(sorted(loose.session.vulnerabilities));
    const gz = makeArchive("csaf_vex_2025-01-10.tar.gz", "gzip");
    expect(sorted((await recordRedHat([gz])).session.affected)).toEqual(sorted(loose.session.affected));
  });

  it("loose changed documents replace the archive's, and newer deletions remove them", async () => {
    const archive = makeArchive("csaf_vex_2025-01-10.tar.zst", "zstd");
    const delta = join(tmp, "delta");
    mkdirSync(delta, { recursive: true });
    const changed = JSON.parse(readFileSync(join(vexDir, "cve-2024-10041.json"), "utf8"));
    changed.product_tree.branches[0].branches[2].branches[0].product.product_identification_helper.purl =
      "pkg:rpm/redhat/pam@1.5.1-22.el9_5?arch=x86_64";
    writeJson(delta, "cve-2024-10041.json", changed);
    writeFileSync(
      join(delta, "changes.csv"),
      [
        '"2024/cve-2024-10041.json","2025-01-12T10:00:00+00:00"',
        '"2025/cve-2025-44444.json","2025-01-11T10:00:00+00:00"',
        '"2024/cve-2024-11111.json","2025-01-01T10:00:00+00:00"',
      ].join("\n"),
    );
    writeFileSync(
      join(delta, "deletions.csv"),
      [
        '"2024/cve-2024-22222.json","2025-01-11T00:00:00+0000"',
        '"2025/cve-2025-33333.json","2024-06-01T00:00:00+00:00"',
      ].join("\n"),
    );
    const { session, warnings } = await recordRedHat([archive, delta]);
    const ids = new Set(session.vulnerabilities.map((v) => v.id));
    // Deleted after the archive: gone. Deleted before it: the archive's copy is current.
    expect(ids).toEqual(new Set(["CVE-2024-10041", "CVE-2024-11111", "CVE-2025-33333"]));
    const pam = session.affected.filter((r) => r.packageName === "pam");
    expect(pam.map((r) => [r.fixedVersion, r.arches])).toEqual([
      ["1.5.1-21.el9_5", ["aarch64"]],
      ["1.5.1-22.el9_5", ["x86_64"]],
    ]);
    // One changed document is not among the inputs: said once.
    expect(warnings).toEqual([
      "1 Red Hat VEX document(s) changed after the archive of 2025-01-10 are not among the inputs; fetch them from changes.csv for current data",
    ]);
  });

  it("members over the size cap are skipped without being kept, and reported", async () => {
    const archive = makeArchive("csaf_vex_2025-01-10.tar.zst", "zstd");
    const oversized: string[] = [];
    const kept: string[] = [];
    for await (const m of csafArchiveMembers(archive, {
      select: (name) => name.endsWith(".json"),
      maxMemberBytes: 5000,
      oversized: (name, size) => oversized.push(`${name} ${size}`),
    })) {
      kept.push(m.name);
      expect(m.bytes.length).toBeLessThanOrEqual(5000);
    }
    // Sizes as tar(1) recorded them (the fixture files' sizes).
    expect(kept).toEqual(["2025/cve-2025-33333.json"]);
    expect(oversized.sort()).toEqual([
      "2024/cve-2024-10041.json 7211",
      "2024/cve-2024-11111.json 11840",
      "2024/cve-2024-22222.json 11838",
    ]);
  });

  it("follow-up downloads: the archive archive_latest.txt names and the documents changed since", async () => {
    const downloads = await redhatCsafFollowUpDownloads(
      join(vunnelCsaf, "server"),
      "https://mirror.example/vex",
    );
    expect(downloads).toEqual([
      {
        name: "csaf_advisories_2025-02-15.tar.zst",
        url: "https://mirror.example/vex/csaf_advisories_2025-02-15.tar.zst",
      },
      { name: "rhsa-2024_0010.json", url: "https://mirror.example/vex/2024/rhsa-2024_0010.json" },
      { name: "rhsa-2024_11255.json", url: "https://mirror.example/vex/2024/rhsa-2024_11255.json" },
      { name: "rhsa-2024_5555.json", url: "https://mirror.example/vex/2024/rhsa-2024_5555.json" },
      { name: "rhsa-2024_6666.json", url: "https://mirror.example/vex/2024/rhsa-2024_6666.json" },
    ]);
    expect(redhatCsafImporter.downloads.map((d) => d.name)).toEqual([
      "archive_latest.txt",
      "changes.csv",
      "deletions.csv",
      "repository-to-cpe.json",
    ]);
  });

  it("vunnel's server directory: the fake archive is passed over in the directory, refused on its own", async () => {
    const fake = join(vunnelCsaf, "server", "csaf_advisories_2025-02-15.tar.zst");
    await expect(recordRedHat([fake])).rejects.toThrow(
      /csaf_advisories_2025-02-15\.tar\.zst is not zstd-compressed/,
    );
    // In the directory it is skipped with a warning; the real advisory beside it is read.
    const { session, warnings } = await recordRedHat([join(vunnelCsaf, "server")]);
    expect(warnings).toContain(`${fake} is named like a CSAF archive but is not zstd or gzip data; skipped`);
    expect(new Set(session.vulnerabilities.map((v) => v.id)).size).toBeGreaterThan(0);
    const direct = await recordRedHat([join(vunnelCsaf, "server", "2024", "rhsa-2024_0010.json")]);
    expect(session.affected).toEqual(direct.session.affected);
    expect(await redhatCsafImporter.detect(join(vunnelCsaf, "server"))).toBe(true);
  });

  it("a truncated archive is an error naming it", async () => {
    const archive = makeArchive("csaf_vex_2025-01-10.tar.zst", "zstd");
    const cut = join(tmp, "csaf_vex_2025-01-11.tar.zst");
    writeFileSync(cut, readFileSync(archive).subarray(0, 900));
    await expect(recordRedHat([cut])).rejects.toThrow(
      /csaf_vex_2025-01-11\.tar\.zst: .*(corrupt or truncated|truncated)/,
    );
  });

  it("reads the change lists' formats and names", () => {
    const list = parseChangeList(
      readFileSync(join(vunnelCsaf, "server", "changes.csv"), "utf8"),
      "changes.csv",
    );
    expect(list.get("rhsa-2024_0010")).toEqual({
      path: "2024/rhsa-2024_0010.json",
      time: Date.UTC(2025, 1, 18, 14, 28, 8),
    });
    expect(() => parseChangeList('"a.json",not-a-date', "c.csv")).toThrow(
      /c\.csv line 1: expected "path","timestamp"/,
    );
    expect(documentKey("2024/CVE-2024-1234.json")).toBe("cve-2024-1234");
    expect(archiveDate("csaf_vex_2025-02-15.tar.zst")).toBe(Date.UTC(2025, 1, 15));
  });
});

describe("detect", () => {
  it("recognises Red Hat's layouts and nothing else", async () => {
    expect(await redhatCsafImporter.detect(join(trivyData, "vuln-list-redhat"))).toBe(true);
    expect(await redhatCsafImporter.detect(join(vunnelCsaf, "advisories"))).toBe(true);
    expect(await redhatCsafImporter.detect(join(trivyData, "happy", "cpe", "repository-to-cpe.json"))).toBe(
      true,
    );
    expect(await redhatCsafImporter.detect(dataPath("vuln", "feeds", "cisa-kev"))).toBe(false);
    expect(
      await redhatCsafImporter.detect(
        dataPath("vuln", "fixtures", "vunnel-fixtures", "nvd", "test-fixtures"),
      ),
    ).toBe(false);
    expect(await redhatCsafImporter.detect(join(tmp, "does-not-exist"))).toBe(false);
  });
});

describe("store", () => {
  it("imports into SQLite: rhel namespaces present, mappings stored apart", async () => {
    const built = await importRedHat([join(trivyData, "vuln-list-redhat")]);
    try {
      expect(await built.store.hasNamespace("rhel:9")).toBe(true);
      expect(await built.store.hasNamespace("rhel:8")).toBe(false);
      const pam = await built.store.affected([{ namespace: "rhel:9", packageName: "pam" }]);
      expect(pam.map((r) => r.advisory)).toEqual(["RHSA-2024:9941"]);
      expect(built.dataDate).toBe("2025-01-01T00:00:00.000Z");
      expect(built.records).toBeGreaterThan(0);
    } finally {
      await built.dispose();
    }
  });
});

describe("fuzz", () => {
  const real = JSON.parse(
    readFileSync(join(trivyData, "vuln-list-redhat", "csaf-vex", "cve-2024-11111.json"), "utf8"),
  );

  /** Replace the value at a random path of the document by a random JSON value. */
  function mutate(doc: unknown, path: number[], replacement: unknown): unknown {
    const copy = structuredClone(doc);
    let node: unknown = copy;
    for (let i = 0; i < path.length; i++) {
      if (node === null || typeof node !== "object") return copy;
      const keys = Object.keys(node);
      if (keys.length === 0) return copy;
      const key = keys[path[i]! % keys.length]!;
      if (i === path.length - 1) (node as Record<string, unknown>)[key] = replacement;
      else node = (node as Record<string, unknown>)[key];
    }
    return copy;
  }

  it("mutated real documents parse or fail with a ShipshapeError", () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(50), { minLength: 1, maxLength: 8 }),
        fc.jsonValue({ maxDepth: 2 }),
        (path, value) => {
          try {
            const r = parseRedHatCsaf(mutate(real, path, value), "fuzz.json");
            for (const a of r.affected) {
              expect(a.namespace).toMatch(/^rhel:\d+$/);
              expect(a.packageName).not.toBe("");
            }
          } catch (err) {
            if (!isShipshapeError(err)) throw err;
            expect((err as Error).message).toMatch(/^fuzz\.json/);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it("arbitrary values fail with a ShipshapeError", () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        try {
          parseRedHatCsaf(value, "any.json");
        } catch (err) {
          if (!isShipshapeError(err)) throw err;
        }
      }),
      { numRuns: 200 },
    );
  });

  it("change lists parse or fail with a ShipshapeError naming the line", () => {
    const line = fc.oneof(
      fc.constant('"2024/cve-2024-1234.json","2025-02-18T14:28:08+00:00"'),
      fc.constant('"2024/cve-2024-1234.json","2025-02-18T14:28:08+0000"'),
      fc.string({ maxLength: 40 }),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 6 }), (lines) => {
        try {
          for (const { time } of parseChangeList(lines.join("\n"), "c.csv").values())
            expect(Number.isFinite(time)).toBe(true);
        } catch (err) {
          if (!isShipshapeError(err)) throw err;
          expect((err as Error).message).toMatch(/^c\.csv line \d+: /);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("damaged archives (random bytes changed) import or fail with a ShipshapeError", async () => {
    const staged = join(tmp, "fuzz-staged");
    mkdirSync(join(staged, "2024"), { recursive: true });
    cpSync(
      join(trivyData, "happy", "csaf-vex", "cve-2024-10041.json"),
      join(staged, "2024", "cve-2024-10041.json"),
    );
    const tarPath = join(tmp, "fuzz.tar");
    execFileSync("tar", ["-cf", tarPath, "-C", staged, "2024"]);
    const variants = {
      zst: execFileSync("zstd", ["-q", "-c", tarPath]),
      gz: execFileSync("gzip", ["-c", tarPath]),
    };
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("zst", "gz") as fc.Arbitrary<"zst" | "gz">,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        async (kind, flips) => {
          const bytes = Buffer.from(variants[kind]);
          for (const [at, value] of flips) bytes[at % bytes.length] = value;
          const path = join(tmp, `csaf_vex_2025-01-0${n++ % 9}.tar.${kind}`);
          writeFileSync(path, bytes);
          try {
            await recordRedHat([path]);
          } catch (err) {
            if (!isShipshapeError(err)) throw err;
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("deeply nested product trees are refused, not recursed without bound", () => {
    let branches: unknown[] = [];
    for (let i = 0; i < 100; i++) branches = [{ category: "vendor", name: "x", branches }];
    const doc = { ...real, product_tree: { ...real.product_tree, branches } };
    expect(() => parseRedHatCsaf(doc, "deep.json")).toThrow(
      /deep\.json: product tree nested deeper than 32 levels/,
    );
  });
});
