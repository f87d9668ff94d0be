/**
 * Our CycloneDX and SPDX outputs read back as input give the packages, OS and image facts they were
 * written from: for hand-built packages of every type (all contract fields), and for catalogImage of
 * the fixture images (the name/version/type/purl set of the JSON output, the OS, the image digest).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import * as api from "../../src/api.js";
import { catalogImage, catalogImageResult } from "../../src/api.js";
import { type PackageJson, packageJson } from "../../src/catalog/package.js";
import { renderCycloneDxJson } from "../../src/report/cyclonedx.js";
import { sbomSubject } from "../../src/report/sbom-identity.js";
import { renderSpdxJson } from "../../src/report/spdx.js";
import {
  conjunctionTerms,
  parseSpdxExpression,
  renderSpdxExpression,
  spdxLicenseFor,
} from "../../src/report/spdx-license.js";
import { readSbomFile } from "../../src/sbom-input/open.js";
import { readSbomReference, sbomInputPath } from "../../src/sbom-input/reference.js";
import { expectedManifestDigest, fixtureImages, fixtureReference } from "../report/fixture-images.js";
import { SAMPLE_OS, SAMPLE_SOURCE, samplePackages } from "../report/sample-packages.js";

const dir = mkdtempSync(join(tmpdir(), "shipshape-sbom-rt-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function save(text: string, ext: string): string {
  const path = join(dir, `sbom-${n++}.${ext}`);
  writeFileSync(path, text);
  return path;
}

const writers = {
  cyclonedx: async (s: Parameters<typeof renderCycloneDxJson>[0]) =>
    save(await renderCycloneDxJson(s), "cdx.json"),
  spdx: async (s: Parameters<typeof renderSpdxJson>[0]) => save(renderSpdxJson(s), "spdx.json"),
};

/** A licence list as its SPDX terms (canonical text, split at top-level AND) and other names, sorted. */
function licenseAtoms(licenses: readonly string[] | undefined): string[] {
  const atoms = (licenses ?? []).flatMap((l) => {
    const spdx = spdxLicenseFor(l);
    const ast = spdx ? parseSpdxExpression(spdx) : null;
    return ast ? conjunctionTerms(ast).map((t) => renderSpdxExpression(t)) : [l.trim()];
  });
  return [...new Set(atoms)].sort();
}

const key = (p: Pick<PackageJson, "type" | "name" | "version" | "purl">) =>
  `${p.type} ${p.name} ${p.version} ${p.purl}`;

describe.each(Object.entries(writers))("%s written by us, read back", (format, write) => {
  it("gives back every field of every hand-built package, the OS and the image facts", async () => {
    const packages = samplePackages();
    const path = await write({ source: SAMPLE_SOURCE, os: SAMPLE_OS, packages });
    const back = await readSbomFile(path, { includeOsOwned: true });
    expect(back.document).toMatchObject({ format, ours: true });
    const sortKey = (p: PackageJson) => `${key(p)} ${p.locations[0]?.path}`;
    const sorted = (list: PackageJson[]) => [...list].sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
    const got = sorted(back.result.packages.map(packageJson));
    const want = sorted(packages.map(packageJson));
    if (format === "spdx") {
      expect(got).toEqual(want);
    } else {
      // CycloneDX keeps licences as the BOM normalises them: SPDX ids case-fixed (mit → MIT), known
      // names mapped (GPL-2+ → GPL-2.0-or-later), sorted, and a list with a compound expression
      // joined into one expression. Everything else is exact.
      const noLicenses = (list: PackageJson[]) => list.map(({ licenses: _, ...rest }) => rest);
      expect(noLicenses(got)).toEqual(noLicenses(want));
      const licensesOf = (name: string) => got.find((p) => p.name === name)?.licenses;
      expect(licensesOf("rack")).toEqual(["MIT"]);
      expect(licensesOf("dual")).toEqual(["(MIT OR Apache-2.0) AND BSD-2-Clause"]);
      expect(licensesOf("bsdutils")?.sort()).toEqual([
        "BSD-4-Clause",
        "GPL-2.0-or-later",
        "LGPL-2.1+",
        "public-domain",
      ]);
      expect(licensesOf("openssl-libs")).toEqual(["OpenSSL AND Apache-2.0"]);
    }
    const owned = back.result.packages.find((p) => p.name === "urllib3");
    expect(owned?.ownedBy).toEqual({ type: "deb", name: "python3-urllib3" });
    expect(back.result.os).toMatchObject({ id: "debian", versionId: "12", prettyName: SAMPLE_OS.prettyName });
    expect(back.result.os?.codename).toBe("bookworm");
    expect(back.source).toMatchObject({
      reference: path,
      transport: "sbom",
      names: SAMPLE_SOURCE.names,
      manifestDigest: SAMPLE_SOURCE.manifestDigest,
      configDigest: SAMPLE_SOURCE.configDigest,
      platform: SAMPLE_SOURCE.platform,
      created: SAMPLE_SOURCE.created,
    });
  });

  it("folds OS-owned packages unless includeOsOwned, as a scan does", async () => {
    const path = await write({ source: SAMPLE_SOURCE, os: SAMPLE_OS, packages: samplePackages() });
    const back = await readSbomFile(path);
    expect(back.result.packages.some((p) => p.name === "urllib3")).toBe(false);
    expect(back.result.folded).toBe(1);
  });

  it("keeps the incomplete databases it recorded", async () => {
    const incomplete = [{ path: "/var/lib/rpm/Packages", reason: "page 7: bad checksum" }];
    const path = await write({ source: SAMPLE_SOURCE, os: null, packages: [], incomplete });
    expect((await readSbomFile(path)).result.incomplete).toEqual(incomplete);
  });

  it.each(fixtureImages())(
    "%s: the same name/version/type/purl set, OS and digest as the JSON output",
    async (name) => {
      for (const includeOsOwned of [false, true]) {
        const json = await catalogImage(fixtureReference(name), { cache: null, includeOsOwned });
        const path = await write(json);
        const back = await readSbomFile(path, { includeOsOwned });
        expect(back.result.packages.map(key).sort()).toEqual(json.packages.map(key).sort());
        if (format === "spdx") expect(back.result.packages.map(packageJson)).toEqual(json.packages);
        else {
          // CycloneDX: every field but licences exactly; licences as the same SPDX terms and names.
          expect(
            back.result.packages.map((p) => ({ ...packageJson(p), licenses: licenseAtoms(p.licenses) })),
          ).toEqual(json.packages.map((p) => ({ ...p, licenses: licenseAtoms(p.licenses) })));
        }
        expect(back.result.os?.id).toBe(json.os?.id);
        expect(back.result.os?.versionId).toBe(json.os?.versionId);
        expect(back.source.manifestDigest).toBe(expectedManifestDigest(name));
      }
    },
  );

  it("reads a full catalog result of debian12-app the same way (owners kept)", async () => {
    const { source, result } = await catalogImageResult(fixtureReference("debian12-app"), {
      cache: null,
      includeOsOwned: true,
    });
    const back = await readSbomFile(await write(sbomSubject(source, result)), { includeOsOwned: true });
    expect(back.result.packages.map((p) => `${key(p)} ${p.ownedBy?.name ?? ""}`).sort()).toEqual(
      result.packages.map((p) => `${key(p)} ${p.ownedBy?.name ?? ""}`).sort(),
    );
  });
});

describe("sbomInputPath: which references name an SBOM", () => {
  it("takes sbom:PATH always, and a .json path only when the file exists", async () => {
    const path = save("{}", "json");
    expect(await sbomInputPath(`sbom:${path}`)).toBe(path);
    expect(await sbomInputPath("sbom:/no/such/file.json")).toBe("/no/such/file.json");
    expect(await sbomInputPath(path)).toBe(path);
    expect(await sbomInputPath(join(dir, "absent.json"))).toBeNull();
    expect(await sbomInputPath("registry.example.com/app.json:1.0")).toBeNull();
    expect(await sbomInputPath("foo.json")).toBeNull();
    expect(await sbomInputPath(dir)).toBeNull();
    expect(await sbomInputPath(`oci-archive:${path}`)).toBeNull();
    await expect(sbomInputPath("sbom:")).rejects.toThrow(/names no file/);
  });
});

describe("readSbomReference: the branch catalogImageResult takes", () => {
  it("reads sbom:PATH and an existing .json path, keeping the reference as given; null for images", async () => {
    const path = save(
      renderSpdxJson({ source: SAMPLE_SOURCE, os: SAMPLE_OS, packages: samplePackages() }),
      "json",
    );
    const viaPrefix = await readSbomReference(`sbom:${path}`);
    expect(viaPrefix?.source.reference).toBe(`sbom:${path}`);
    expect(viaPrefix?.result.packages).toHaveLength(samplePackages().length - 1);
    const viaPath = await readSbomReference(path, { includeOsOwned: true });
    expect(viaPath?.result.packages).toHaveLength(samplePackages().length);
    expect(await readSbomReference(fixtureReference("alpine-apk"))).toBeNull();
    await expect(readSbomReference(`sbom:${join(dir, "absent.json")}`)).rejects.toThrow(/cannot read SBOM/);
  });
});

describe("the API", () => {
  it("renders both formats of catalogImage's result and reads them back", async () => {
    const sbom = await api.catalogImage(fixtureReference("alpine316-apk"), { cache: null });
    for (const text of [await api.renderCycloneDx(sbom), await api.renderSpdx(sbom)]) {
      const back = await api.readSbomFile(save(text, "json"));
      expect(
        back.result.packages.map((p) => ({ ...packageJson(p), licenses: licenseAtoms(p.licenses) })),
      ).toEqual(sbom.packages.map((p) => ({ ...p, licenses: licenseAtoms(p.licenses) })));
      expect(back.result.os?.id).toBe(sbom.os?.id);
      expect(back.source.manifestDigest).toBe(sbom.source.manifestDigest);
    }
  });
});
