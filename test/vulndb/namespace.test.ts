import { describe, expect, it } from "vitest";
import type { OsInfo } from "../../src/catalog/os.js";
import { distroNamespace } from "../../src/vulndb/namespace.js";

const os = (id: string, versionId: string, extra: Partial<OsInfo> = {}): OsInfo => ({
  id,
  versionId,
  prettyName: `${id} ${versionId}`,
  evidence: [],
  ...extra,
});

describe("distroNamespace", () => {
  it.each([
    [os("debian", "12"), "debian:12"],
    [os("debian", "", { codename: "trixie" }), "debian:13"],
    [os("debian", "", { codename: "sid" }), "debian:unstable"],
    [os("ubuntu", "22.04"), "ubuntu:22.04"],
    [os("alpine", "3.16.2"), "alpine:3.16"],
    [os("alpine", "3.21_alpha20240807"), "alpine:edge"],
    [os("rhel", "8.8"), "rhel:8"],
    [os("centos", "8"), "rhel:8"],
    [os("amzn", "2023"), "amazon:2023"],
    [os("mariner", "2.0"), "mariner:2.0"],
  ])("%o → %s", (info, expected) => {
    expect(distroNamespace(info)).toBe(expected);
  });

  it("an unknown OS has no namespace", () => {
    expect(distroNamespace(null)).toBeNull();
  });
});
