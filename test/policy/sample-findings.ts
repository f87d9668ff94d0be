/**
 * Findings for the gate, ignore-file and VEX tests, shaped like the matcher's. The packages and ids
 * are the real ones the Alpine 3.9 image (Trivy's test data) has against the legacy Alpine secdb,
 * with NVD's CVSS scores as Trivy's integration fixture database records them
 * (aquasecurity/trivy integration/testdata/fixtures/db/vulnerability.yaml); the end-to-end tests in
 * test/scan produce the same findings from the real image and importer.
 */
import type { Finding } from "../../src/match/finding.js";

export function finding(over: Partial<Finding> & Pick<Finding, "id" | "pkgName">): Finding {
  const version = over.installedVersion ?? "1.0.0-r0";
  return {
    aliases: [],
    pkgType: "apk",
    installedVersion: version,
    fixedVersion: null,
    severity: "unknown",
    severitySource: "alpine",
    fixable: (over.fixedVersion ?? null) !== null,
    status: (over.fixedVersion ?? null) !== null ? "fixed" : "affected",
    source: "alpine",
    namespace: "alpine:3.9",
    purl: `pkg:apk/alpine/${over.pkgName}@${version}?arch=x86_64&distro=alpine-3.9.4`,
    fixPublished: null,
    title: null,
    advisory: null,
    ...over,
  };
}

/** The Alpine 3.9 image's findings: musl CVE-2019-14697 (NVD 9.8), OpenSSL 1.1.1b CVEs. */
export function alpine39Findings(): Finding[] {
  const ssl = (pkgName: string, id: string, severity: Finding["severity"], score: number, vector: string) =>
    finding({
      id,
      pkgName,
      installedVersion: "1.1.1b-r1",
      fixedVersion: "1.1.1d-r0",
      severity,
      severitySource: "nvd",
      cvss: { version: vector.startsWith("CVSS:3.1") ? "3.1" : "3.0", vector, score, source: "nvd" },
    });
  const musl = (pkgName: string) =>
    finding({
      id: "CVE-2019-14697",
      pkgName,
      installedVersion: "1.1.20-r4",
      fixedVersion: "1.1.20-r5",
      severity: "critical",
      severitySource: "nvd",
      cvss: {
        version: "3.0",
        vector: "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        score: 9.8,
        source: "nvd",
      },
    });
  return [
    ssl("libcrypto1.1", "CVE-2019-1549", "medium", 5.3, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N"),
    ssl("libssl1.1", "CVE-2019-1549", "medium", 5.3, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N"),
    musl("musl"),
    musl("musl-utils"),
  ];
}
