import { describe, expect, it } from "vitest";
import type { Finding } from "../../src/match/finding.js";
import { mergeAliases } from "../../src/match/match.js";

function finding(id: string, aliases: string[], extra: Partial<Finding> = {}): Finding {
  return {
    id,
    aliases,
    pkgName: "golang.org/x/net",
    pkgType: "golang",
    installedVersion: "v0.1.0",
    fixedVersion: null,
    severity: "unknown",
    severitySource: "osv-go",
    fixable: false,
    status: "affected",
    source: "osv-go",
    namespace: "go",
    purl: "pkg:golang/golang.org/x/net@v0.1.0",
    fixPublished: null,
    title: null,
    advisory: null,
    ...extra,
  };
}

describe("mergeAliases", () => {
  it("the same vulnerability under GO-, GHSA- and CVE ids is one finding with the CVE as id", () => {
    const merged = mergeAliases([
      finding("GO-2023-1571", ["CVE-2022-41723", "GHSA-vvpx-j8f3-3w6h"], {
        fixedVersion: "v0.7.0",
        fixable: true,
      }),
      finding("GHSA-vvpx-j8f3-3w6h", ["CVE-2022-41723"], {
        source: "ghsa",
        severity: "high",
        severitySource: "ghsa",
        fixedVersion: "v0.7.0",
        fixable: true,
      }),
    ]);
    expect(merged).toHaveLength(1);
    expect(merged[0]!.id).toBe("CVE-2022-41723");
    expect(merged[0]!.aliases).toEqual(["GHSA-vvpx-j8f3-3w6h", "GO-2023-1571"]);
    expect(merged[0]!.fixedVersion).toBe("v0.7.0");
  });

  it("different vulnerabilities, or the same one in different packages, stay apart", () => {
    const other = finding("GO-2024-0001", [], { purl: "pkg:golang/other@v1.0.0", pkgName: "other" });
    const merged = mergeAliases([
      finding("GO-2023-1571", ["CVE-2022-41723"]),
      finding("GO-2023-9999", []),
      other,
    ]);
    expect(merged.map((f) => f.id).sort()).toEqual(["CVE-2022-41723", "GO-2023-9999", "GO-2024-0001"]);
  });

  it("a finding without a fix takes the fix another source names", () => {
    const merged = mergeAliases([
      finding("PYSEC-2023-1", ["CVE-2023-1"]),
      finding("GHSA-aaaa-bbbb-cccc", ["CVE-2023-1"], {
        fixedVersion: "v0.2.0",
        fixable: true,
        source: "ghsa",
      }),
    ]);
    expect(merged).toHaveLength(1);
    expect(merged[0]).toMatchObject({
      id: "CVE-2023-1",
      fixedVersion: "v0.2.0",
      fixable: true,
      status: "fixed",
    });
  });
});
