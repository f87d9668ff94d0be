/**
 * `shipshape sbom --format cyclonedx-json | spdx-json` as a user runs it (the built CLI): valid
 * documents on stdout, exit 0, describing the image by its expected manifest digest.
 */
import { Spec, Validation } from "@cyclonedx/cyclonedx-library";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { expectedManifestDigest, fixtureReference } from "./fixture-images.js";

describe("sbom --format for SBOM documents", () => {
  it("cyclonedx-json prints a valid CycloneDX 1.6 BOM of the image", async () => {
    const r = runCli(["sbom", "--quiet", "--format", "cyclonedx-json", fixtureReference("debian12-minbase")]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(await new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(r.stdout)).toBeNull();
    const bom = JSON.parse(r.stdout) as { metadata: { component: { purl: string } } };
    expect(bom.metadata.component.purl).toContain(`@${expectedManifestDigest("debian12-minbase")}`);
  });

  it("spdx-json prints an SPDX 2.3 document of the image", () => {
    const r = runCli(["sbom", "--quiet", "--format", "spdx-json", fixtureReference("alpine-apk")]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      spdxVersion: string;
      packages: { SPDXID: string; checksums?: { checksumValue: string }[] }[];
    };
    expect(doc.spdxVersion).toBe("SPDX-2.3");
    const image = doc.packages.find((p) => p.SPDXID === "SPDXRef-Image");
    expect(`sha256:${image?.checksums?.[0]?.checksumValue}`).toBe(expectedManifestDigest("alpine-apk"));
  });

  it("refuses an unknown format with a usage error", () => {
    const r = runCli(["sbom", "--format", "cyclonedx-xml", fixtureReference("alpine-apk")]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/cyclonedx-json/);
  });
});
