/**
 * `sbom --format spdx-json`: our output is valid against the official SPDX 2.3 JSON schema
 * (test/fixtures/schemas, validated with ajv), meets the stricter 2.3.1 patterns (SPDXID, dates)
 * and the rules the schema cannot express (every relationship names an element of the document,
 * every LicenseRef is defined, licenseDeclared parses as an SPDX expression), for hand-built packages
 * of every type and for catalogImage of every fixture image.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { ErrorObject } from "ajv";
import parseExpression from "spdx-expression-parse";
import { describe, expect, it } from "vitest";
import { catalogImage, catalogImageResult } from "../../src/api.js";
import { sbomSubject } from "../../src/report/sbom-identity.js";
import { renderSpdxJson, type SpdxDocument, spdxDocument } from "../../src/report/spdx.js";
import { repoPath } from "../helpers/shared.js";
import { expectedManifestDigest, fixtureImages, fixtureReference } from "./fixture-images.js";
import { SAMPLE_OS, SAMPLE_SOURCE, samplePackages } from "./sample-packages.js";

// ajv ships CommonJS; its 2019-09 draft class is the module itself.
const require = createRequire(import.meta.url);
const Ajv2019 = require("ajv/dist/2019") as new (
  options: object,
) => {
  compile(schema: object): ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };
};
const schema = JSON.parse(
  readFileSync(repoPath("test", "fixtures", "schemas", "spdx-2.3.schema.json"), "utf8"),
) as object;
const validateSchema = new Ajv2019({ strict: false, allErrors: true }).compile(schema);

/** SPDX 2.3.1's patterns, which the 2.3 schema leaves out. */
const SPDXID = /^SPDXRef-[a-zA-Z0-9.-]+$/;
const DATE =
  /^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T(([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]|23:59:60)Z$/;

function expectValid(text: string): SpdxDocument {
  const doc = JSON.parse(text) as SpdxDocument;
  const ok = validateSchema(doc);
  expect(ok, JSON.stringify(validateSchema.errors?.slice(0, 5))).toBe(true);
  expect(doc.creationInfo.created).toMatch(DATE);
  const ids = new Set<string>([doc.SPDXID]);
  for (const p of doc.packages) {
    expect(p.SPDXID).toMatch(SPDXID);
    expect(ids.has(p.SPDXID), `duplicate ${p.SPDXID}`).toBe(false);
    ids.add(p.SPDXID);
    for (const a of p.annotations ?? []) expect(a.annotationDate).toMatch(DATE);
    if (p.builtDate) expect(p.builtDate).toMatch(DATE);
  }
  for (const r of doc.relationships) {
    expect(ids.has(r.spdxElementId), r.spdxElementId).toBe(true);
    expect(ids.has(r.relatedSpdxElement), r.relatedSpdxElement).toBe(true);
  }
  const refs = new Set((doc.hasExtractedLicensingInfos ?? []).map((l) => l.licenseId));
  for (const p of doc.packages) {
    for (const field of [p.licenseDeclared, p.licenseConcluded]) {
      if (field === "NOASSERTION" || field === "NONE") continue;
      expect(() => parseExpression(field), field).not.toThrow();
      for (const ref of field.match(/LicenseRef-[A-Za-z0-9.-]+/g) ?? [])
        expect(refs.has(ref), ref).toBe(true);
    }
  }
  expect(doc.documentNamespace).toMatch(/^https:\/\/[^#\s]+$/);
  return doc;
}

const created = new Date("2026-12-01T10:00:00.250Z");

describe("SPDX 2.3 from hand-built packages", () => {
  const packages = samplePackages();
  const subject = { source: SAMPLE_SOURCE, os: SAMPLE_OS, packages };

  it("is valid SPDX 2.3 JSON with every package, its version and purl", () => {
    const doc = expectValid(renderSpdxJson(subject, { created }));
    expect(doc.spdxVersion).toBe("SPDX-2.3");
    expect(doc.dataLicense).toBe("CC0-1.0");
    expect(doc.creationInfo).toEqual({
      creators: ["Tool: shipshape-0.1.0"],
      created: "2026-12-01T10:00:00Z",
    });
    const libs = doc.packages.filter((p) => p.primaryPackagePurpose === "LIBRARY");
    expect(
      libs.map((p) => `${p.name} ${p.versionInfo} ${p.externalRefs?.[0]?.referenceLocator}`).sort(),
    ).toEqual(packages.map((p) => `${p.name} ${p.version} ${p.purl}`).sort());
    for (const p of libs) {
      expect(p.externalRefs).toEqual([
        { referenceCategory: "PACKAGE-MANAGER", referenceType: "purl", referenceLocator: expect.any(String) },
      ]);
      expect(p.downloadLocation).toBe("NOASSERTION");
      expect(p.filesAnalyzed).toBe(false);
      expect(p.licenseConcluded).toBe("NOASSERTION");
    }
  });

  it("DESCRIBES the image, which CONTAINS the OS and every package; an OS package CONTAINS what it owns", () => {
    const doc = expectValid(renderSpdxJson(subject, { created }));
    const describes = doc.relationships.filter((r) => r.relationshipType === "DESCRIBES");
    expect(describes).toEqual([
      {
        spdxElementId: "SPDXRef-DOCUMENT",
        relationshipType: "DESCRIBES",
        relatedSpdxElement: "SPDXRef-Image",
      },
    ]);
    const image = doc.packages.find((p) => p.SPDXID === "SPDXRef-Image")!;
    expect(image).toMatchObject({
      name: "sample-app",
      versionInfo: "latest",
      primaryPackagePurpose: "CONTAINER",
      builtDate: "2026-11-20T12:00:00Z",
      checksums: [{ algorithm: "SHA256", checksumValue: SAMPLE_SOURCE.manifestDigest!.slice(7) }],
    });
    expect(image.externalRefs?.[0]?.referenceLocator).toMatch(
      /^pkg:oci\/sample-app@sha256:4224b53e.*arch=amd64/,
    );
    const contained = doc.relationships
      .filter((r) => r.spdxElementId === "SPDXRef-Image" && r.relationshipType === "CONTAINS")
      .map((r) => r.relatedSpdxElement);
    expect(contained).toHaveLength(packages.length + 1);
    expect(contained).toContain("SPDXRef-OperatingSystem");
    const os = doc.packages.find((p) => p.SPDXID === "SPDXRef-OperatingSystem")!;
    expect(os).toMatchObject({
      name: "debian",
      versionInfo: "12",
      primaryPackagePurpose: "OPERATING_SYSTEM",
    });
    const idOf = (name: string) => doc.packages.find((p) => p.name === name)!.SPDXID;
    expect(doc.relationships).toContainEqual({
      spdxElementId: idOf("python3-urllib3"),
      relationshipType: "CONTAINS",
      relatedSpdxElement: idOf("urllib3"),
    });
  });

  it("declares licences as one expression: known names mapped to SPDX, others as defined LicenseRefs", () => {
    const doc = expectValid(renderSpdxJson(subject, { created }));
    const declared = (name: string) => doc.packages.find((p) => p.name === name)!.licenseDeclared;
    expect(declared("bash")).toBe("GPL-3.0-or-later");
    expect(declared("serde")).toBe("MIT OR Apache-2.0");
    expect(declared("dual")).toBe("(MIT OR Apache-2.0) AND BSD-2-Clause");
    expect(declared("bsdutils")).toBe(
      "BSD-4-Clause AND GPL-2.0-or-later AND LicenseRef-public-domain AND LGPL-2.1+",
    );
    expect(declared("openssl-libs")).toBe("OpenSSL AND Apache-2.0"); // rpm's "OpenSSL and ASL 2.0"
    const rpmBash = doc.packages.find((p) =>
      p.externalRefs?.[0]?.referenceLocator.startsWith("pkg:rpm/redhat/bash@"),
    );
    expect(rpmBash?.licenseDeclared).toBe("GPL-3.0-or-later"); // Fedora's GPLv3+
    expect(declared("Newtonsoft.Json")).toBe("NOASSERTION");
    const extracted = new Map(
      (doc.hasExtractedLicensingInfos ?? []).map((l) => [l.licenseId, l.extractedText]),
    );
    expect(extracted.get("LicenseRef-public-domain")).toBe("public-domain");
    expect(extracted.get("LicenseRef-Custom-licence-ACME-Corp.-see-LICENSE")).toBe(
      "Custom licence: ACME Corp. (see LICENSE)",
    );
  });

  it("names the supplier from the vendor when the cataloger knows it", () => {
    const doc = expectValid(renderSpdxJson(subject, { created }));
    expect(doc.packages.find((p) => p.name === "openssl-libs")!.supplier).toBe("Organization: Red Hat, Inc.");
    expect(doc.packages.find((p) => p.name === "musl")!.supplier).toBe("NOASSERTION");
  });

  it("gives distinct SPDXIDs to two installs of one purl", () => {
    const doc = expectValid(renderSpdxJson(subject, { created }));
    const ids = doc.packages.filter((p) => p.name === "minimist").map((p) => p.SPDXID);
    expect(ids).toHaveLength(2);
    expect(ids[0]).not.toBe(ids[1]);
  });

  it("has the same namespace for the same input and a new one for other packages", () => {
    const a = spdxDocument(subject, { created });
    const b = spdxDocument(subject, { created: new Date() });
    const c = spdxDocument({ ...subject, packages: packages.slice(2) }, { created });
    expect(a.documentNamespace).toMatch(
      /^https:\/\/spdx\.org\/spdxdocs\/shipshape\/sample-app-latest-[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(b.documentNamespace).toBe(a.documentNamespace);
    expect(c.documentNamespace).not.toBe(a.documentNamespace);
  });

  it("records incomplete databases in the document comment", () => {
    const doc = expectValid(
      renderSpdxJson(
        { ...subject, incomplete: [{ path: "/var/lib/rpm/Packages", reason: "bad page" }] },
        { created },
      ),
    );
    expect(doc.comment).toBe("Package list incomplete: /var/lib/rpm/Packages (bad page)");
  });

  it("takes the creation time from SOURCE_DATE_EPOCH when no time is given", () => {
    const saved = process.env.SOURCE_DATE_EPOCH;
    process.env.SOURCE_DATE_EPOCH = "1795176000";
    try {
      expect(spdxDocument(subject).creationInfo.created).toBe("2026-11-20T12:00:00Z");
    } finally {
      if (saved === undefined) delete process.env.SOURCE_DATE_EPOCH;
      else process.env.SOURCE_DATE_EPOCH = saved;
    }
  });

  it("is valid with no OS, no packages and no digest", () => {
    const doc = expectValid(
      renderSpdxJson(
        {
          source: { ...SAMPLE_SOURCE, manifestDigest: null, names: [], created: null },
          os: null,
          packages: [],
        },
        { created },
      ),
    );
    expect(doc.packages.map((p) => p.SPDXID)).toEqual(["SPDXRef-Image"]);
  });
});

describe("SPDX 2.3 of the fixture images", () => {
  it.each(fixtureImages())(
    "%s: valid, every cataloged package present, image by manifest digest",
    async (name) => {
      const sbom = await catalogImage(fixtureReference(name), { cache: null, includeOsOwned: true });
      const doc = expectValid(renderSpdxJson(sbom, { created }));
      const image = doc.packages.find((p) => p.SPDXID === "SPDXRef-Image")!;
      expect(image.checksums?.[0]?.checksumValue).toBe(expectedManifestDigest(name).slice("sha256:".length));
      const purls = doc.packages
        .filter((p) => p.primaryPackagePurpose === "LIBRARY")
        .map((p) => p.externalRefs?.[0]?.referenceLocator);
      expect(purls.sort()).toEqual(sbom.packages.map((p) => p.purl).sort());
      expect(
        doc.packages.filter((p) => p.primaryPackagePurpose === "OPERATING_SYSTEM").map((p) => p.name),
      ).toEqual(sbom.os ? [sbom.os.id] : []);
    },
  );

  it("takes the full catalog result too (sbomSubject)", async () => {
    const { source, result } = await catalogImageResult(fixtureReference("debian12-app"), {
      cache: null,
      includeOsOwned: true,
    });
    const doc = expectValid(renderSpdxJson(sbomSubject(source, result), { created }));
    expect(doc.packages.filter((p) => p.primaryPackagePurpose === "LIBRARY")).toHaveLength(
      result.packages.length,
    );
  });
});
