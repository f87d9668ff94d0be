/**
 * The language catalogers over the fixture images: debian12-app's 10 Python distributions and 23
 * Node libraries are exactly expected/debian12-app.packages.json's (name, version, proving file),
 * in the layer whose history entry installed them; no other image in fixtures/images, and no real
 * archive in fixtures/real-images (none has installed npm/Python/gem/Composer/.NET packages, see
 * its README: snyk's gemfile.tar holds only a Gemfile.lock, trivy's image3 a Pipfile and a
 * whited-out Gemfile), yields any.
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { composerCataloger } from "../../../src/catalog/composer.js";
import { dotnetCataloger } from "../../../src/catalog/dotnet.js";
import { gemCataloger } from "../../../src/catalog/gem.js";
import { npmCataloger } from "../../../src/catalog/npm.js";
import { pythonCataloger } from "../../../src/catalog/python/cataloger.js";
import { fixturePath } from "../../helpers/shared.js";
import { catalogWith, imageOfLayerFile } from "./run.js";

const LANGUAGE = [npmCataloger, pythonCataloger, gemCataloger, composerCataloger, dotnetCataloger];
const MINE = new Set(["npm", "pypi", "gem", "composer", "nuget"]);

interface ExpectedPackage {
  type: string;
  name: string;
  version: string;
  path?: string;
}

describe("debian12-app", () => {
  it("yields exactly the expected pypi and npm packages, each in the layer that installed it", async () => {
    const expected = (
      JSON.parse(
        readFileSync(fixturePath("expected", "debian12-app.packages.json"), "utf8"),
      ) as ExpectedPackage[]
    ).filter((p) => MINE.has(p.type));
    const image = JSON.parse(readFileSync(fixturePath("expected", "debian12-app.image.json"), "utf8")) as {
      layers: { createdBy?: string }[];
    };
    const layerInstalling = (what: string) => image.layers.findIndex((l) => l.createdBy?.includes(what));

    const result = await catalogWith(
      `oci-archive:${fixturePath("images", "debian12-app.oci.tar")}`,
      LANGUAGE,
    );
    expect(expected.filter((p) => p.type === "pypi")).toHaveLength(10);
    expect(expected.filter((p) => p.type === "npm")).toHaveLength(23);
    expect(
      result.packages.map((p) => `${p.type} ${p.name} ${p.version} ${p.locations[0]?.path}`).sort(),
    ).toEqual(expected.map((p) => `${p.type} ${p.name} ${p.version} ${p.path}`).sort());
    const pythonLayer = layerInstalling("python3-requests");
    const nodeLayer = layerInstalling("node-minimist");
    expect(pythonLayer).toBeGreaterThan(0);
    for (const p of result.packages) {
      expect(p.locations).toEqual([
        { path: p.locations[0]!.path, layer: p.type === "pypi" ? pythonLayer : nodeLayer },
      ]);
    }
    const purl = (name: string) => result.packages.find((p) => p.name === name)?.purl;
    expect(purl("Jinja2")).toBe("pkg:pypi/jinja2@3.1.2");
    expect(purl("charset-normalizer")).toBe("pkg:pypi/charset-normalizer@3.0.1");
    expect(purl("@types/uuid")).toBe("pkg:npm/%40types/uuid@8.3.3");
    expect(result.warnings).toEqual([]);
    expect(result.incomplete).toEqual([]);
  }, 60_000);

  const others = readdirSync(fixturePath("images")).filter(
    (f) => f.endsWith(".oci.tar") && f !== "debian12-app.oci.tar",
  );
  it.each(others)(
    "%s has no language packages",
    async (file) => {
      const result = await catalogWith(`oci-archive:${fixturePath("images", file)}`, LANGUAGE);
      expect(result.packages).toEqual([]);
      expect(result.warnings).toEqual([]);
    },
    60_000,
  );
});

describe("real archives", () => {
  const real = (...parts: string[]) => fixturePath("real-images", ...parts);
  it.each([
    ["docker-archive", "snyk+snyk-docker-plugin/test/fixtures/docker-archives/docker-save/gemfile.tar"],
    [
      "docker-archive",
      "snyk+snyk-docker-plugin/test/fixtures/docker-archives/docker-save/war-with-3-level-jar.tar",
    ],
    [
      "docker-archive",
      "aquasecurity+trivy/_history/8b3289c88020/extractor/docker/testdata/image3_gz_layers.tar",
    ],
    [
      "docker-archive",
      "aquasecurity+trivy/_history/6013ed9fd7f0/integration/testdata/fixtures/alpine-310.tar.gz",
    ],
    ["rootfs", "josephlewis42+honeyssh/core/config/default/root_fs.tar.gz"],
  ])(
    "%s %s: no installed npm/Python/gem/Composer/.NET package",
    async (kind, file) => {
      const image = kind === "rootfs" ? await imageOfLayerFile(real(file)) : `${kind}:${real(file)}`;
      const result = await catalogWith(image, LANGUAGE);
      expect(result.packages).toEqual([]);
      expect(result.warnings).toEqual([]);
      expect(result.incomplete).toEqual([]);
    },
    60_000,
  );
});
