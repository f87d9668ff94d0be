/**
 * The apk cataloger on images: the alpine-apk and alpine316-apk fixtures give exactly their expected
 * lists, and the real alpine:3.9 / alpine:3.10 `docker save` archives from Trivy's integration tests
 * give the 14 packages that GNU tar + a line scan of their database find, with the versions Trivy's
 * golden files match advisories against (README). purls, files and the OS in the purl are checked too.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { PackageURL } from "packageurl-js";
import { describe, expect, it } from "vitest";
import { apkCataloger } from "../../../src/catalog/apk/cataloger.js";
import { type CatalogResult, catalogFilesystem, catalogRequests } from "../../../src/catalog/catalog.js";
import { osReleaseDetector } from "../../../src/catalog/os-release.js";
import { readFilesystem } from "../../../src/image/filesystem.js";
import { openImage } from "../../../src/image/open.js";
import { fixturePath } from "../../helpers/shared.js";

const options = { catalogers: [apkCataloger], osDetector: osReleaseDetector };

async function catalog(reference: string): Promise<CatalogResult> {
  const image = await openImage(reference, {});
  try {
    const fs = await readFilesystem(image, { cache: null, requests: catalogRequests(options) });
    return await catalogFilesystem(fs, { ...options, includeOsOwned: true });
  } finally {
    await image.close();
  }
}

interface Expected {
  type: string;
  name: string;
  version: string;
  arch: string;
  sourceName: string;
  sourceVersion: string;
}

const row = (p: {
  name: string;
  version: string;
  arch?: string;
  sourceName?: string;
  sourceVersion?: string;
}) => [p.name, p.version, p.arch, p.sourceName, p.sourceVersion].join(" ");

describe.each([
  ["alpine-apk", 15, "alpine-3.4.6"],
  ["alpine316-apk", 14, "alpine-3.16.2"],
])("%s", (name, count, distro) => {
  it(`finds exactly the ${count} apk packages of the expected list, completely`, async () => {
    const r = await catalog(`oci-archive:${fixturePath("images", `${name}.oci.tar`)}`);
    const expected = (
      JSON.parse(readFileSync(fixturePath("expected", `${name}.packages.json`), "utf8")) as Expected[]
    ).filter((p) => p.type === "apk");
    expect(expected).toHaveLength(count);
    expect(r.packages.map(row).sort()).toEqual(expected.map(row).sort());
    expect(r.incomplete).toEqual([]);
    for (const p of r.packages) {
      const purl = PackageURL.fromString(p.purl);
      expect([purl.type, purl.namespace, purl.name, purl.version]).toEqual([
        "apk",
        "alpine",
        p.name,
        p.version,
      ]);
      expect(purl.qualifiers?.arch).toBe(p.arch);
      expect(purl.qualifiers?.distro).toBe(distro);
      expect(purl.qualifiers?.upstream).toBe(p.sourceName === p.name ? undefined : p.sourceName);
      expect(p.locations).toEqual([{ path: "/lib/apk/db/installed", layer: 0 }]);
    }
    // busybox's files include the binary the image's /bin/sh links to.
    expect(r.packages.find((p) => p.name === "busybox")?.files).toContain("/bin/busybox");
  });
});

it("alpine-apk: the stanza without V: is reported, the file's unterminated end too, nothing else", async () => {
  const r = await catalog(`oci-archive:${fixturePath("images", "alpine-apk.oci.tar")}`);
  expect(r.warnings).toEqual([
    "apk: /lib/apk/db/installed: stanza at line 23 (invalidPackageWithoutAVersion) has no V: (version): skipped",
    "apk: /lib/apk/db/installed: the file does not end with apk's blank line (its last line, which may be cut short, was ignored): the last package's file list may be incomplete",
  ]);
});

const TRIVY = "real-images/aquasecurity+trivy/_history/6013ed9fd7f0/integration/testdata/fixtures";

/** The database read by GNU tar, and its P:/V: pairs by a plain line scan (apk writes V: right after P:). */
function independentPairs(archive: string): string[] {
  const layer = execFileSync("tar", ["-tzf", archive], { encoding: "utf8" })
    .split("\n")
    .find((n) => n.endsWith("/layer.tar"))!;
  const db = execFileSync(
    "sh",
    ["-c", 'tar -xzOf "$1" "$2" | tar -xO lib/apk/db/installed', "sh", archive, layer],
    {
      encoding: "utf8",
    },
  );
  return [...db.matchAll(/^P:(.+)\nV:(.+)$/gm)].map((m) => `${m[1]} ${m[2]}`).sort();
}

describe.each([
  [
    "alpine-39",
    "3.9.4",
    ["libcrypto1.1 1.1.1b-r1", "libssl1.1 1.1.1b-r1", "musl 1.1.20-r4", "musl-utils 1.1.20-r4"],
  ],
  ["alpine-310", "3.10.2", ["libcrypto1.1 1.1.1c-r0", "libssl1.1 1.1.1c-r0"]],
])("real %s docker archive", (name, release, vulnerable) => {
  it(`14 packages as tar + a line scan find them, on Alpine ${release}`, async () => {
    const archive = fixturePath(...TRIVY.split("/"), `${name}.tar.gz`);
    const r = await catalog(`docker-archive:${archive}`);
    const pairs = r.packages.map((p) => `${p.name} ${p.version}`).sort();
    expect(pairs).toHaveLength(14);
    expect(pairs).toEqual(independentPairs(archive));
    for (const v of vulnerable) expect(pairs).toContain(v);
    // libcrypto1.1 comes from the openssl aport: the name advisories are filed under.
    expect(r.packages.find((p) => p.name === "libcrypto1.1")?.sourceName).toBe("openssl");
    expect(r.os).toMatchObject({ id: "alpine", versionId: release, eol: true });
    expect(r.incomplete).toEqual([]);
    expect(r.warnings).toEqual([]);
  });
});
