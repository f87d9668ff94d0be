/**
 * Inputs that are not readable images (fixtures/hostile-real/corrupt, the JSON / missing-layer /
 * digest cases of fixtures/hostile/corrupt, and the pre-2016 docker save): each is refused with a
 * ShipshapeError whose one-line message names the input and the problem, and leaves no temporary
 * files behind.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isShipshapeError, type ShipshapeError } from "../../../src/errors.js";
import type { OpenedImage, OpenOptions } from "../../../src/image/source.js";
import { openDockerArchive } from "../../../src/image/sources/docker-archive.js";
import { openOciArchive } from "../../../src/image/sources/oci-archive.js";
import { openOciLayout } from "../../../src/image/sources/oci-layout.js";
import { fixturePath } from "../../helpers/shared.js";
import { blobLayers, listDir } from "./source-test-kit.js";

let tempBase: string;
beforeAll(() => {
  tempBase = mkdtempSync(join(tmpdir(), "shipshape-corrupt-test-"));
});
afterAll(() => rmSync(tempBase, { recursive: true, force: true }));

type Opener = (text: string, options?: OpenOptions) => Promise<OpenedImage>;

async function refusal(open: Opener, text: string): Promise<ShipshapeError> {
  const before = listDir(tempBase);
  const result = await open(text, { tempDir: tempBase }).then(
    async (image) => {
      await image.close();
      return new Error(`${text} opened`);
    },
    (e: unknown) => e,
  );
  expect(listDir(tempBase)).toEqual(before);
  if (!isShipshapeError(result)) throw result;
  expect(result.message).not.toMatch(/\n/);
  expect(result.message).toContain(text);
  expect(result.exitCode).toBe(2);
  return result;
}

// Every entry of hostile-real/corrupt, with the problem its README states.
const HOSTILE_REAL: [string, RegExp][] = [
  ["invalidgzvalidtar.tar.gz", /not a tar archive/],
  ["null_manifest.tar", /manifest\.json is null, expected a list of images/],
  ["unsupported-image.tar", /neither manifest\.json nor index\.json/],
  ["empty.tar", /empty tar archive/],
  ["test_bad_index_json.oci", /index\.json is not valid JSON/],
  ["test_index_json_dir.oci", /index\.json is a directory/],
  [
    "test_invalid_oci_image.oci",
    /blob blobs\/sha256\/bad744871f99e0ff8e6f253244836ed34c5d805fdb096d3a205ffaf5e9073cab is not in the layout directory/,
  ],
  ["test_no_valid_manifests.oci", /index\.json is malformed at schemaVersion/],
];

describe("hostile-real/corrupt", () => {
  it("covers every entry of the folder", () => {
    expect(HOSTILE_REAL.map(([f]) => f).sort()).toEqual(
      readdirSync(fixturePath("hostile-real", "corrupt")).sort(),
    );
  });

  it.each(HOSTILE_REAL)("%s is refused", async (file, problem) => {
    const path = fixturePath("hostile-real", "corrupt", file);
    if (file.endsWith(".oci")) {
      const err = await refusal(openOciLayout, `oci:${path}`);
      expect(err.message).toMatch(problem);
      expect(err.kind).toBe("input");
    } else {
      for (const [open, transport] of [
        [openDockerArchive, "docker-archive"],
        [openOciArchive, "oci-archive"],
      ] as const) {
        const err = await refusal(open, `${transport}:${path}`);
        expect(err.message).toMatch(problem);
        expect(err.kind).toBe("input");
      }
    }
  });

  it("the pre-2016 docker save (repositories only) is refused clearly", async () => {
    const path = fixturePath("hostile-real", "edge", "legacy-no-manifest.tar");
    const err = await refusal(openDockerArchive, `docker-archive:${path}`);
    expect(err.message).toMatch(/pre-2016 `docker save` archive .* not supported; re-save/);
  });
});

describe("hostile/corrupt", () => {
  const hostile = (file: string) => fixturePath("hostile", "corrupt", file);

  it("invalid-index-json.oci.tar: index.json is not valid JSON", async () => {
    const err = await refusal(openOciArchive, `oci-archive:${hostile("invalid-index-json.oci.tar")}`);
    expect(err.message).toMatch(/: index\.json is not valid JSON: /);
  });

  it("invalid-manifest-json.oci.tar: the manifest is not valid JSON (its digest checks out)", async () => {
    const err = await refusal(openOciArchive, `oci-archive:${hostile("invalid-manifest-json.oci.tar")}`);
    expect(err.message).toMatch(
      /^manifest sha256:b4c004cab12355c1a451812bd0f3cc2ed338b6c2f209e457c510a38c247b0957 of oci-archive:.* is not valid JSON/,
    );
  });

  it("invalid-manifest-json.docker.tar: manifest.json is not valid JSON", async () => {
    const err = await refusal(
      openDockerArchive,
      `docker-archive:${hostile("invalid-manifest-json.docker.tar")}`,
    );
    expect(err.message).toMatch(/: manifest\.json is not valid JSON/);
  });

  it("missing-layer.docker.tar: names the layer file that is not in the archive", async () => {
    const text = `docker-archive:${hostile("missing-layer.docker.tar")}`;
    const err = await refusal(openDockerArchive, text);
    expect(err.message).toBe(
      `${text}: layer 0ccc494e864a502338494ee18f96d98d59a7737a7d4a53a567110bf2871f2346.tar listed in manifest.json is not in the archive`,
    );
  });

  it("digest-mismatch.oci.tar opens (the layer check is layers.ts's) and the layer states the manifest's digest", async () => {
    const notes = JSON.parse(readFileSync(fixturePath("hostile", "index.json"), "utf8")) as {
      file: string;
      expect: string;
    }[];
    const claimed = /expected (sha256:[a-f0-9]{64})/.exec(
      notes.find((n) => n.file === "digest-mismatch.oci.tar")!.expect,
    )![1];
    const image = await openOciArchive(hostile("digest-mismatch.oci.tar"), { tempDir: tempBase });
    try {
      const layer = blobLayers(image)[1]!;
      expect(layer.digest).toBe(claimed);
      expect(layer.location).toBe(`blobs/sha256/${claimed!.slice("sha256:".length)}`);
    } finally {
      await image.close();
    }
    expect(listDir(tempBase)).toEqual([]);
  });
});
