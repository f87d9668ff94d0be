/**
 * SBOMs other tools write, read as input. No third-party SBOM exists under ../shared (none has
 * `bomFormat` or `spdxVersion`), so these documents are built by hand in the shapes Trivy and Syft
 * write (their documented field and property names: Trivy's `aquasecurity:trivy:*` properties and
 * epoch qualifier, Syft's `syft:location:N:path`, `upstream` qualifier, DocumentRoot container
 * package and LicenseRefs), with the packages each must give written out independently below.
 */
import { describe, expect, it } from "vitest";
import { parseSbom } from "../../src/sbom-input/open.js";

const bytes = (doc: unknown) => new TextEncoder().encode(JSON.stringify(doc));
const read = (doc: unknown, options = {}) => parseSbom(bytes(doc), "SBOM test.json", "test.json", options);

const ALPINE_DIGEST = "sha256:21a3deaa0d32a8057914f36584b5288d2e5ecc984380bc0118285c70fa8c9300";
const IMAGE_ID = "sha256:c059bfaa849c4d8e4aecaeb3a10c2d9b3d85f5165c66ad3a4d937758128c4d18";

const trivyCycloneDx = {
  bomFormat: "CycloneDX",
  specVersion: "1.4",
  serialNumber: "urn:uuid:2be5773d-7cd3-4b4b-90a5-e165474ddace",
  version: 1,
  metadata: {
    timestamp: "2022-02-22T15:11:40.270597Z",
    tools: [{ vendor: "aquasecurity", name: "trivy", version: "0.48.0" }],
    component: {
      "bom-ref": `pkg:oci/alpine@${ALPINE_DIGEST}?repository_url=index.docker.io%2Flibrary%2Falpine&arch=amd64`,
      type: "container",
      name: "alpine:3.15",
      version: "",
      purl: `pkg:oci/alpine@${ALPINE_DIGEST}?repository_url=index.docker.io%2Flibrary%2Falpine&arch=amd64`,
      properties: [
        { name: "aquasecurity:trivy:SchemaVersion", value: "2" },
        { name: "aquasecurity:trivy:ImageID", value: IMAGE_ID },
        { name: "aquasecurity:trivy:RepoDigest", value: `alpine@${ALPINE_DIGEST}` },
        { name: "aquasecurity:trivy:RepoTag", value: "alpine:3.15" },
      ],
    },
  },
  components: [
    {
      "bom-ref": "6c8ae3a8-5b5c-4a61-9d80-17d3c1e1e0a1",
      type: "operating-system",
      name: "alpine",
      version: "3.15.0",
      properties: [
        { name: "aquasecurity:trivy:Class", value: "os-pkgs" },
        { name: "aquasecurity:trivy:Type", value: "alpine" },
      ],
    },
    {
      "bom-ref": "pkg:apk/alpine/busybox@1.34.1-r3?arch=x86_64&distro=3.15.0",
      type: "library",
      name: "busybox",
      version: "1.34.1-r3",
      licenses: [{ expression: "GPL-2.0-only" }],
      purl: "pkg:apk/alpine/busybox@1.34.1-r3?arch=x86_64&distro=3.15.0",
      properties: [
        { name: "aquasecurity:trivy:LayerDiffID", value: IMAGE_ID },
        { name: "aquasecurity:trivy:PkgType", value: "alpine" },
        { name: "aquasecurity:trivy:SrcName", value: "busybox" },
        { name: "aquasecurity:trivy:SrcVersion", value: "1.34.1-r3" },
      ],
    },
    {
      "bom-ref": "pkg:apk/alpine/ssl_client@1.34.1-r3?arch=x86_64&distro=3.15.0",
      type: "library",
      name: "ssl_client",
      version: "1.34.1-r3",
      purl: "pkg:apk/alpine/ssl_client@1.34.1-r3?arch=x86_64&distro=3.15.0",
      properties: [
        { name: "aquasecurity:trivy:SrcName", value: "busybox" },
        { name: "aquasecurity:trivy:SrcVersion", value: "1.34.1-r3" },
      ],
    },
    {
      "bom-ref": "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
      type: "library",
      group: "org.apache.logging.log4j",
      name: "log4j-core",
      version: "2.14.1",
      purl: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
      properties: [{ name: "aquasecurity:trivy:FilePath", value: "app/log4j-core-2.14.1.jar" }],
    },
    { "bom-ref": "b1", type: "application", name: "app/package-lock.json", properties: [] },
    {
      "bom-ref": "pkg:generic/openssl@3.0.1",
      type: "library",
      name: "openssl",
      version: "3.0.1",
      purl: "pkg:generic/openssl@3.0.1",
    },
  ],
  dependencies: [],
};

const syftCycloneDx = {
  $schema: "http://cyclonedx.org/schema/bom-1.6.schema.json",
  bomFormat: "CycloneDX",
  specVersion: "1.6",
  serialNumber: "urn:uuid:0c4f3e57-7c8a-4a5e-8ad3-5e5c1c1b7f3e",
  version: 1,
  metadata: {
    timestamp: "2026-11-20T12:00:00Z",
    tools: { components: [{ type: "application", author: "anchore", name: "syft", version: "1.18.1" }] },
    component: {
      "bom-ref": "e0c6bb1c1f8e4d9a",
      type: "container",
      name: "debian12-app:latest",
      version: IMAGE_ID,
    },
  },
  components: [
    {
      "bom-ref": "pkg:deb/debian/bsdutils@1:2.38.1-5+deb12u3?arch=amd64&distro=debian-12&package-id=1",
      type: "library",
      publisher: "util-linux packagers <util-linux@packages.debian.org>",
      name: "bsdutils",
      version: "1:2.38.1-5+deb12u3",
      licenses: [{ license: { id: "BSD-4-Clause" } }, { license: { name: "GPL-2+" } }],
      purl: "pkg:deb/debian/bsdutils@1:2.38.1-5+deb12u3?arch=amd64&distro=debian-12&upstream=util-linux%402.38.1-5%2Bdeb12u3",
      properties: [
        { name: "syft:package:foundBy", value: "dpkg-db-cataloger" },
        { name: "syft:package:type", value: "deb" },
        { name: "syft:location:0:layerID", value: "sha256:bf7949e0" },
        { name: "syft:location:0:path", value: "/var/lib/dpkg/status" },
        { name: "syft:location:1:path", value: "/usr/share/doc/bsdutils/copyright" },
      ],
      components: [
        {
          "bom-ref": "nested-1",
          type: "library",
          name: "PyYAML",
          version: "6.0",
          purl: "pkg:pypi/pyyaml@6.0",
          properties: [
            {
              name: "syft:location:0:path",
              value: "/usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/METADATA",
            },
          ],
        },
      ],
    },
    {
      "bom-ref": "pkg:deb/debian/base-files@12.4+deb12u15?arch=amd64&distro=debian-12",
      type: "library",
      name: "base-files",
      version: "12.4+deb12u15",
      purl: "pkg:deb/debian/base-files@12.4+deb12u15?arch=amd64&distro=debian-12",
    },
    {
      "bom-ref": "npm-1",
      type: "library",
      name: "@types/node",
      version: "20.1.0",
      purl: "pkg:npm/%40types/node@20.1.0",
      evidence: { occurrences: [{ location: "/usr/share/nodejs/@types/node/package.json" }] },
    },
    {
      "bom-ref": "os-1",
      type: "operating-system",
      name: "debian",
      version: "12",
      description: "Debian GNU/Linux 12 (bookworm)",
    },
  ],
};

const syftSpdx = {
  spdxVersion: "SPDX-2.3",
  dataLicense: "CC0-1.0",
  SPDXID: "SPDXRef-DOCUMENT",
  name: "debian12-app",
  documentNamespace: "https://anchore.com/syft/image/debian12-app-5f5d6f0b",
  creationInfo: {
    licenseListVersion: "3.25",
    creators: ["Organization: Anchore, Inc", "Tool: syft-1.18.1"],
    created: "2026-11-20T12:00:00Z",
  },
  packages: [
    {
      name: "debian12-app",
      SPDXID: "SPDXRef-DocumentRoot-Image-debian12-app",
      versionInfo: "sha256:4224b53efe56f3d3ae692898240b70bdc01c5741ccd8b40420389533190937dd",
      supplier: "NOASSERTION",
      downloadLocation: "NOASSERTION",
      filesAnalyzed: false,
      checksums: [
        {
          algorithm: "SHA256",
          checksumValue: "4224b53efe56f3d3ae692898240b70bdc01c5741ccd8b40420389533190937dd",
        },
      ],
      externalRefs: [
        {
          referenceCategory: "PACKAGE-MANAGER",
          referenceType: "purl",
          referenceLocator:
            "pkg:oci/debian12-app@sha256%3A4224b53efe56f3d3ae692898240b70bdc01c5741ccd8b40420389533190937dd?arch=amd64&tag=latest",
        },
      ],
      primaryPackagePurpose: "CONTAINER",
    },
    {
      name: "bsdutils",
      SPDXID: "SPDXRef-Package-deb-bsdutils-0a1b2c3d",
      versionInfo: "1:2.38.1-5+deb12u3",
      supplier: "Person: util-linux packagers (util-linux@packages.debian.org)",
      downloadLocation: "NOASSERTION",
      filesAnalyzed: false,
      sourceInfo: "acquired package info from DPKG DB: /var/lib/dpkg/status",
      licenseConcluded: "NOASSERTION",
      licenseDeclared: "BSD-4-Clause AND LicenseRef-GPL-2-plus AND (MIT OR Apache-2.0)",
      copyrightText: "NOASSERTION",
      externalRefs: [
        {
          referenceCategory: "SECURITY",
          referenceType: "cpe23Type",
          referenceLocator: "cpe:2.3:a:bsdutils:bsdutils:1\\:2.38.1-5\\+deb12u3:*:*:*:*:*:*:*",
        },
        {
          referenceCategory: "PACKAGE-MANAGER",
          referenceType: "purl",
          referenceLocator:
            "pkg:deb/debian/bsdutils@1%3A2.38.1-5%2Bdeb12u3?arch=amd64&upstream=util-linux%402.38.1-5%2Bdeb12u3&distro=debian-12",
        },
      ],
    },
    {
      name: "libc6",
      SPDXID: "SPDXRef-Package-deb-libc6-9f8e",
      versionInfo: "2.36-9+deb12u10",
      downloadLocation: "NOASSERTION",
      externalRefs: [
        {
          referenceCategory: "PACKAGE_MANAGER",
          referenceType: "purl",
          referenceLocator:
            "pkg:deb/debian/libc6@2.36-9%2Bdeb12u10?arch=amd64&upstream=glibc&distro=debian-12",
        },
      ],
    },
    { name: "some-file-thing", SPDXID: "SPDXRef-Package-binary-x", downloadLocation: "NOASSERTION" },
  ],
  files: [
    {
      fileName: "/var/lib/dpkg/status",
      SPDXID: "SPDXRef-File-1",
      checksums: [{ algorithm: "SHA1", checksumValue: "00" }],
    },
  ],
  hasExtractedLicensingInfos: [{ licenseId: "LicenseRef-GPL-2-plus", extractedText: "GPL-2+" }],
  relationships: [
    {
      spdxElementId: "SPDXRef-DOCUMENT",
      relatedSpdxElement: "SPDXRef-DocumentRoot-Image-debian12-app",
      relationshipType: "DESCRIBES",
    },
    {
      spdxElementId: "SPDXRef-DocumentRoot-Image-debian12-app",
      relatedSpdxElement: "SPDXRef-Package-deb-bsdutils-0a1b2c3d",
      relationshipType: "CONTAINS",
    },
  ],
};

const trivySpdxRpm = {
  spdxVersion: "SPDX-2.3",
  dataLicense: "CC0-1.0",
  SPDXID: "SPDXRef-DOCUMENT",
  name: "registry.access.redhat.com/ubi8:8.6",
  documentNamespace: "http://aquasecurity.github.io/trivy/container_image/ubi8-1b2c",
  creationInfo: {
    creators: ["Organization: aquasecurity", "Tool: trivy-0.48.0"],
    created: "2026-11-20T12:00:00Z",
  },
  packages: [
    {
      name: "redhat",
      SPDXID: "SPDXRef-OperatingSystem-5a3c",
      versionInfo: "8.6",
      downloadLocation: "NONE",
      primaryPackagePurpose: "OPERATING_SYSTEM",
    },
    {
      name: "openssl-libs",
      SPDXID: "SPDXRef-Package-1f2e",
      versionInfo: "1:1.1.1k-7.el8_6",
      downloadLocation: "NONE",
      licenseDeclared: "OpenSSL",
      externalRefs: [
        {
          referenceCategory: "PACKAGE-MANAGER",
          referenceType: "purl",
          referenceLocator:
            "pkg:rpm/redhat/openssl-libs@1.1.1k-7.el8_6?arch=x86_64&distro=redhat-8.6&epoch=1",
        },
      ],
      primaryPackagePurpose: "LIBRARY",
    },
    {
      name: "bash",
      SPDXID: "SPDXRef-Package-3c4d",
      versionInfo: "4.4.20-4.el8_6",
      downloadLocation: "NONE",
      externalRefs: [
        {
          referenceCategory: "PACKAGE-MANAGER",
          referenceType: "purl",
          referenceLocator: "pkg:rpm/redhat/bash@4.4.20-4.el8_6?arch=x86_64&distro=redhat-8.6",
        },
      ],
    },
  ],
  relationships: [
    {
      spdxElementId: "SPDXRef-DOCUMENT",
      relatedSpdxElement: "SPDXRef-OperatingSystem-5a3c",
      relationshipType: "DESCRIBES",
    },
  ],
};

describe("Trivy-style CycloneDX 1.4", () => {
  const got = read(trivyCycloneDx);

  it("gives the apk and maven packages, with source packages from Trivy's properties", () => {
    expect(got.document).toEqual({ format: "cyclonedx", specVersion: "1.4", ours: false });
    expect(
      got.result.packages.map((p) => [p.type, p.name, p.version, p.arch, p.sourceName, p.sourceVersion]),
    ).toEqual([
      ["apk", "busybox", "1.34.1-r3", "x86_64", "busybox", "1.34.1-r3"],
      ["apk", "ssl_client", "1.34.1-r3", "x86_64", "busybox", "1.34.1-r3"],
      ["maven", "org.apache.logging.log4j:log4j-core", "2.14.1", undefined, undefined, undefined],
    ]);
    expect(got.result.packages[0]!.licenses).toEqual(["GPL-2.0-only"]);
  });

  it("takes the OS from the operating-system component and the image from metadata", () => {
    expect(got.result.os).toMatchObject({ id: "alpine", versionId: "3.15.0", prettyName: "alpine 3.15.0" });
    expect(got.source).toEqual({
      reference: "test.json",
      transport: "sbom",
      names: ["alpine:3.15"],
      manifestDigest: ALPINE_DIGEST,
      configDigest: IMAGE_ID,
      platform: { os: "linux", architecture: "amd64" },
      created: null,
    });
  });

  it("says in one warning what it left out", () => {
    expect(got.result.warnings).toEqual([
      "sbom: SBOM test.json: left out 2 entries shipshape cannot scan: no purl (1), purl type generic (1)",
    ]);
  });
});

describe("Syft-style CycloneDX 1.6", () => {
  const got = read(syftCycloneDx);

  it("gives deb packages with epoch and upstream source, nested and scoped language packages with locations", () => {
    const rows = got.result.packages.map((p) => [p.type, p.name, p.version, p.sourceName, p.sourceVersion]);
    expect(rows).toEqual([
      ["deb", "base-files", "12.4+deb12u15", "base-files", "12.4+deb12u15"],
      ["deb", "bsdutils", "1:2.38.1-5+deb12u3", "util-linux", "2.38.1-5+deb12u3"],
      ["npm", "@types/node", "20.1.0", undefined, undefined],
      ["pypi", "PyYAML", "6.0", undefined, undefined],
    ]);
    const bsdutils = got.result.packages.find((p) => p.name === "bsdutils")!;
    expect(bsdutils.locations).toEqual([
      { path: "/var/lib/dpkg/status" },
      { path: "/usr/share/doc/bsdutils/copyright" },
    ]);
    expect(bsdutils.licenses).toEqual(["BSD-4-Clause", "GPL-2+"]);
    expect(got.result.packages.find((p) => p.name === "@types/node")!.locations).toEqual([
      { path: "/usr/share/nodejs/@types/node/package.json" },
    ]);
  });

  it("takes the OS with its pretty name, and names the image", () => {
    expect(got.result.os).toMatchObject({
      id: "debian",
      versionId: "12",
      prettyName: "Debian GNU/Linux 12 (bookworm)",
    });
    expect(got.source.names).toEqual(["debian12-app:latest"]);
    expect(got.source.manifestDigest).toBeNull();
    expect(got.result.warnings).toEqual([]);
  });
});

describe("Syft-style SPDX 2.3", () => {
  const got = read(syftSpdx);

  it("gives the deb packages, LicenseRefs mapped back to their names, the OS from the distro qualifier", () => {
    expect(got.document).toEqual({ format: "spdx", specVersion: "SPDX-2.3", ours: false });
    expect(
      got.result.packages.map((p) => [p.name, p.version, p.arch, p.sourceName, p.sourceVersion]),
    ).toEqual([
      ["bsdutils", "1:2.38.1-5+deb12u3", "amd64", "util-linux", "2.38.1-5+deb12u3"],
      ["libc6", "2.36-9+deb12u10", "amd64", "glibc", undefined],
    ]);
    expect(got.result.packages[0]!.licenses).toEqual(["BSD-4-Clause", "GPL-2+", "MIT OR Apache-2.0"]);
    expect(got.result.os).toMatchObject({ id: "debian", versionId: "12" });
  });

  it("takes the image from the described CONTAINER package", () => {
    expect(got.source.manifestDigest).toBe(
      "sha256:4224b53efe56f3d3ae692898240b70bdc01c5741ccd8b40420389533190937dd",
    );
    expect(got.source.platform).toEqual({ os: "linux", architecture: "amd64" });
    expect(got.source.names).toEqual([
      "debian12-app:sha256:4224b53efe56f3d3ae692898240b70bdc01c5741ccd8b40420389533190937dd",
    ]);
    expect(got.result.warnings).toEqual([
      "sbom: SBOM test.json: left out 1 entry shipshape cannot scan: no purl (1)",
    ]);
  });
});

describe("Trivy-style SPDX 2.3 of an rpm image", () => {
  const got = read(trivySpdxRpm);

  it("splits the rpm epoch out of the version and takes the release", () => {
    expect(got.result.packages.map((p) => [p.name, p.version, p.epoch, p.release, p.arch])).toEqual([
      ["bash", "4.4.20-4.el8_6", null, "4.el8_6", "x86_64"],
      ["openssl-libs", "1.1.1k-7.el8_6", 1, "7.el8_6", "x86_64"],
    ]);
    expect(got.result.packages[1]!.licenses).toEqual(["OpenSSL"]);
  });

  it("maps Trivy's OS name redhat to the os-release ID rhel", () => {
    expect(got.result.os).toMatchObject({ id: "rhel", versionId: "8.6" });
  });
});

describe("OS from distro qualifiers when the SBOM has no OS entry", () => {
  const withDistro = (distro: string, type = "apk", ns = "alpine") => ({
    bomFormat: "CycloneDX",
    specVersion: "1.5",
    components: [
      { type: "library", name: "a", version: "1", purl: `pkg:${type}/${ns}/a@1?distro=${distro}` },
      { type: "library", name: "b", version: "1", purl: `pkg:${type}/${ns}/b@1?distro=${distro}` },
    ],
  });

  it.each([
    ["alpine-3.16.2", "apk", "alpine", { id: "alpine", versionId: "3.16.2" }],
    ["3.16.2", "apk", "alpine", { id: "alpine", versionId: "3.16.2" }],
    ["debian-12", "deb", "debian", { id: "debian", versionId: "12" }],
    ["bookworm", "deb", "debian", { id: "debian", versionId: "", codename: "bookworm" }],
    ["rhel-8.8", "rpm", "redhat", { id: "rhel", versionId: "8.8" }],
    ["cbl-mariner-2.0", "rpm", "mariner", { id: "mariner", versionId: "2.0" }],
  ])("%s", (distro, type, ns, expected) => {
    expect(read(withDistro(distro, type, ns)).result.os).toMatchObject(expected);
  });
});
