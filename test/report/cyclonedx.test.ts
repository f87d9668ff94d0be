/**
 * `sbom --format cyclonedx-json`: our output is valid against the CycloneDX 1.6 JSON schema (the
 * library's strict validator, which also checks licence ids against the SPDX list), for hand-built
 * packages of every type and for catalogImage of every fixture image; and it carries what the
 * packages and the image's expected facts say.
 */
import { Spec, Validation } from "@cyclonedx/cyclonedx-library";
import { describe, expect, it } from "vitest";
import { catalogImage, catalogImageResult } from "../../src/api.js";
import { renderCycloneDxJson } from "../../src/report/cyclonedx.js";
import { sbomSubject } from "../../src/report/sbom-identity.js";
import { expectedManifestDigest, fixtureImages, fixtureReference } from "./fixture-images.js";
import { SAMPLE_OS, SAMPLE_SOURCE, samplePackages } from "./sample-packages.js";

interface CdxComponent {
  type: string;
  name: string;
  version?: string;
  purl?: string;
  "bom-ref"?: string;
  description?: string;
  licenses?: ({ license: { id?: string; name?: string } } | { expression: string })[];
  properties?: { name: string; value: string }[];
}
interface CdxBom {
  bomFormat: string;
  specVersion: string;
  serialNumber: string;
  version: number;
  metadata: {
    timestamp: string;
    tools: { components: { name: string; version: string }[] };
    component: CdxComponent;
    properties?: { name: string; value: string }[];
  };
  components: CdxComponent[];
  dependencies: { ref: string; dependsOn?: string[] }[];
}

const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot6);

async function expectValid(text: string): Promise<CdxBom> {
  const errors = await validator.validate(text);
  expect(errors, JSON.stringify(errors, null, 1)?.slice(0, 2000)).toBeNull();
  return JSON.parse(text) as CdxBom;
}

const prop = (c: CdxComponent, name: string) =>
  c.properties?.filter((p) => p.name === name).map((p) => p.value);
const created = new Date("2026-12-01T10:00:00Z");

describe("CycloneDX 1.6 from hand-built packages", () => {
  const packages = samplePackages();
  const subject = {
    source: SAMPLE_SOURCE,
    os: SAMPLE_OS,
    packages,
    incomplete: [{ path: "/var/lib/rpm/Packages", reason: "truncated page 7" }],
  };

  it("is valid CycloneDX 1.6 and lists every package once, with its purl and version", async () => {
    const bom = await expectValid(await renderCycloneDxJson(subject, { created }));
    expect(bom.bomFormat).toBe("CycloneDX");
    expect(bom.specVersion).toBe("1.6");
    const libs = bom.components.filter((c) => c.type === "library");
    expect(libs).toHaveLength(packages.length);
    const got = libs.map((c) => `${c.name} ${c.version} ${c.purl}`).sort();
    const want = packages.map((p) => `${p.name} ${p.version} ${p.purl}`).sort();
    expect(got).toEqual(want);
  });

  it("uses the purl as bom-ref, unique even for two installs of one purl", async () => {
    const bom = await expectValid(await renderCycloneDxJson(subject, { created }));
    const refs = bom.components.map((c) => c["bom-ref"]);
    expect(new Set(refs).size).toBe(refs.length);
    const minimist = bom.components.filter((c) => c.name === "minimist");
    expect(minimist.map((c) => c["bom-ref"]).sort()).toEqual([
      "pkg:npm/minimist@1.2.7",
      "pkg:npm/minimist@1.2.7#2",
    ]);
    // Each keeps its own location.
    expect(minimist.flatMap((c) => prop(c, "shipshape:location:0:path")).sort()).toEqual([
      "/app/node_modules/foo/node_modules/minimist/package.json",
      "/app/node_modules/minimist/package.json",
    ]);
  });

  it("describes the image as a container with a pkg:oci purl, and names shipshape as the tool", async () => {
    const bom = await expectValid(await renderCycloneDxJson(subject, { created }));
    const image = bom.metadata.component;
    expect(image.type).toBe("container");
    expect(image.name).toBe("sample-app");
    expect(image.version).toBe("latest");
    expect(image.purl).toBe(
      `pkg:oci/sample-app@${encodeURIComponent(SAMPLE_SOURCE.manifestDigest!)}?arch=amd64&tag=latest`.replace(
        "%3A",
        ":",
      ),
    );
    expect(prop(image, "shipshape:image:configDigest")).toEqual([SAMPLE_SOURCE.configDigest]);
    expect(prop(image, "shipshape:image:platform")).toEqual(["linux/amd64"]);
    expect(bom.metadata.tools.components).toEqual([expect.objectContaining({ name: "shipshape" })]);
    expect(bom.metadata.timestamp).toBe("2026-12-01T10:00:00.000Z");
    expect(bom.metadata.properties).toEqual([
      { name: "shipshape:incomplete", value: "/var/lib/rpm/Packages: truncated page 7" },
    ]);
  });

  it("has the OS as an operating-system component", async () => {
    const bom = await expectValid(await renderCycloneDxJson(subject, { created }));
    const os = bom.components.filter((c) => c.type === "operating-system");
    expect(os).toHaveLength(1);
    expect(os[0]).toMatchObject({
      name: "debian",
      version: "12",
      description: "Debian GNU/Linux 12 (bookworm)",
    });
    expect(prop(os[0]!, "shipshape:os:codename")).toEqual(["bookworm"]);
  });

  it("maps licences: SPDX ids (and DEP-5/Fedora names) as id, other names as name, compound ones as one expression", async () => {
    const bom = await expectValid(await renderCycloneDxJson(subject, { created }));
    const licensesOf = (name: string) => bom.components.find((c) => c.name === name)?.licenses;
    expect(licensesOf("bash")).toEqual([{ license: { id: "GPL-3.0-or-later" } }]);
    expect(licensesOf("rack")).toEqual([{ license: { id: "MIT" } }]); // "mit" fixed up to the SPDX id
    expect(licensesOf("bsdutils")).toEqual(
      expect.arrayContaining([
        { license: { id: "BSD-4-Clause" } },
        { license: { id: "GPL-2.0-or-later" } }, // DEP-5 GPL-2+
        { license: { name: "public-domain" } },
        { license: { id: "LGPL-2.1+" } }, // a deprecated SPDX id, still on the list
      ]),
    );
    expect(licensesOf("serde")).toEqual([{ expression: "MIT OR Apache-2.0" }]);
    expect(licensesOf("fzf") ?? licensesOf("github.com/junegunn/fzf")).toEqual([
      { expression: "Apache-2.0 WITH LLVM-exception" },
    ]);
    expect(licensesOf("dual")).toEqual([{ expression: "(MIT OR Apache-2.0) AND BSD-2-Clause" }]);
    expect(licensesOf("openssl-libs")).toEqual([{ expression: "OpenSSL AND Apache-2.0" }]); // rpm's "OpenSSL and ASL 2.0"
    const rpmBash = bom.components.find((c) => c.purl?.startsWith("pkg:rpm/redhat/bash@"));
    expect(rpmBash?.licenses).toEqual([{ license: { id: "GPL-3.0-or-later" } }]); // Fedora's GPLv3+
    expect(licensesOf("monolog/monolog")).toEqual([
      { license: { name: "Custom licence: ACME Corp. (see LICENSE)" } },
    ]);
    expect(licensesOf("Newtonsoft.Json")).toBeUndefined();
  });

  it("keeps arch, epoch, release, source package and layer in shipshape: properties", async () => {
    const bom = await expectValid(await renderCycloneDxJson(subject, { created }));
    const ssl = bom.components.find((c) => c.name === "openssl-libs")!;
    expect(prop(ssl, "shipshape:package:arch")).toEqual(["x86_64"]);
    expect(prop(ssl, "shipshape:package:epoch")).toEqual(["1"]);
    expect(prop(ssl, "shipshape:package:release")).toEqual(["7.el8_6"]);
    expect(prop(ssl, "shipshape:package:sourceName")).toEqual(["openssl"]);
    expect(prop(ssl, "shipshape:location:0:layer")).toEqual(["1"]);
    const rpmBash = bom.components.find((c) => c.purl?.startsWith("pkg:rpm/redhat/bash@"))!;
    expect(prop(rpmBash, "shipshape:package:epoch")).toEqual([]);
  });

  it("links image → OS → OS packages, and an OS package → the language package it owns", async () => {
    const bom = await expectValid(await renderCycloneDxJson(subject, { created }));
    const deps = new Map(bom.dependencies.map((d) => [d.ref, d.dependsOn ?? []]));
    const image = bom.metadata.component["bom-ref"]!;
    expect(deps.get(image)).toContain("os:debian@12");
    expect(deps.get(image)).toContain("pkg:npm/minimist@1.2.7");
    expect(deps.get("os:debian@12")).toContain(packages[0]!.purl);
    const owner = packages.find((p) => p.name === "python3-urllib3")!.purl;
    expect(deps.get(owner)).toEqual(["pkg:pypi/urllib3@1.26.12"]);
    expect(deps.get(image)).not.toContain("pkg:pypi/urllib3@1.26.12");
    // Packages whose dependencies we do not know are not claimed to have none.
    expect(bom.dependencies.every((d) => (d.dependsOn?.length ?? 0) > 0)).toBe(true);
    expect(deps.has("pkg:npm/minimist@1.2.7")).toBe(false);
  });

  it("gives the same serial number for the same input and a new one when the packages change", async () => {
    const a = JSON.parse(await renderCycloneDxJson(subject, { created })) as CdxBom;
    const b = JSON.parse(await renderCycloneDxJson(subject, { created: new Date() })) as CdxBom;
    const c = JSON.parse(
      await renderCycloneDxJson({ ...subject, packages: packages.slice(1) }, { created }),
    ) as CdxBom;
    expect(a.serialNumber).toMatch(
      /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(b.serialNumber).toBe(a.serialNumber);
    expect(c.serialNumber).not.toBe(a.serialNumber);
  });

  it("is valid with no OS, no packages and no digest", async () => {
    const bare = {
      source: { ...SAMPLE_SOURCE, manifestDigest: null, configDigest: null, names: [], created: null },
      os: null,
      packages: [],
    };
    const bom = await expectValid(await renderCycloneDxJson(bare, { created }));
    expect(bom.components ?? []).toEqual([]);
    expect(bom.metadata.component.purl).toBeUndefined();
  });
});

describe("CycloneDX 1.6 of the fixture images", () => {
  it.each(fixtureImages())(
    "%s: valid, every cataloged package present, image identified by its manifest digest",
    async (name) => {
      const doc = await catalogImage(fixtureReference(name), { cache: null, includeOsOwned: true });
      const bom = await expectValid(await renderCycloneDxJson(doc, { created }));
      expect(bom.metadata.component.name).toBe(name);
      expect(bom.metadata.component.purl).toContain(`@${expectedManifestDigest(name)}?arch=amd64`);
      const libs = bom.components.filter((c) => c.type === "library");
      expect(libs.map((c) => c.purl).sort()).toEqual(doc.packages.map((p) => p.purl).sort());
      const os = bom.components.filter((c) => c.type === "operating-system");
      expect(os.map((c) => c.name)).toEqual(doc.os ? [doc.os.id] : []);
    },
  );

  it("takes the full catalog result too (sbomSubject: Package objects with owners and catalogers)", async () => {
    const { source, result } = await catalogImageResult(fixtureReference("debian12-app"), {
      cache: null,
      includeOsOwned: true,
    });
    const bom = await expectValid(await renderCycloneDxJson(sbomSubject(source, result), { created }));
    expect(bom.components.filter((c) => c.type === "library")).toHaveLength(result.packages.length);
  });
});
