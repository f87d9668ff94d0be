/**
 * The fixture images (fixtures/images/*.oci.tar) through all three on-disk forms: the OCI archive
 * as stored, the OCI layout directory (`tar -xf`), and the docker-archive skopeo writes from it,
 * checked against fixtures/expected/NAME.image.json.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isShipshapeError } from "../../../src/errors.js";
import { MediaType } from "../../../src/image/media-types.js";
import { hostPlatform } from "../../../src/image/platform.js";
import type { OpenedImage } from "../../../src/image/source.js";
import { openDockerArchive } from "../../../src/image/sources/docker-archive.js";
import { openOciArchive } from "../../../src/image/sources/oci-archive.js";
import { openOciLayout } from "../../../src/image/sources/oci-layout.js";
import { fixturePath } from "../../helpers/shared.js";
import {
  blobLayers,
  configFields,
  type ExpectedImage,
  expectedImage,
  listDir,
  sha256OfStream,
  uncompressedDigest,
} from "./source-test-kit.js";

const run = promisify(execFile);

const NAMES = readdirSync(fixturePath("images"))
  .filter((f) => f.endsWith(".oci.tar"))
  .map((f) => f.slice(0, -".oci.tar".length))
  .sort();

/** multiarch's expectations per platform live under `platforms`; the default is the host's. */
function expectedFor(name: string, platform?: string): ExpectedImage {
  const e = expectedImage(name);
  if (!e.platforms) return e;
  const key = platform ?? (hostPlatform().architecture === "arm64" ? "linux/arm64/v8" : "linux/amd64");
  const p = e.platforms[key];
  if (!p) throw new Error(`no expectation for ${name} ${key}`);
  return p;
}

function assertSameImage(image: OpenedImage, e: ExpectedImage): void {
  expect(image.configDigest).toBe(e.config.digest);
  expect(image.platform).toEqual(e.platform);
  expect(configFields(image.config)).toEqual(e.configFields);
  expect(image.config.history).toEqual(e.history);
  expect(image.config.rootfs.diff_ids).toEqual(e.layers.map((l) => l.diffID));
  expect(image.layers.map((l) => l.diffID)).toEqual(e.layers.map((l) => l.diffID));
}

function assertOciForm(image: OpenedImage, e: ExpectedImage): void {
  assertSameImage(image, e);
  expect(image.indexDigests).toEqual([e.indexDigest, ...e.nestedIndexDigests]);
  expect(image.manifestDigest).toBe(e.manifest.digest);
  expect(image.manifestSize).toBe(e.manifest.size);
  expect(image.manifestMediaType).toBe(e.manifest.mediaType);
  expect(image.names).toEqual([e.refName]);
  expect(
    blobLayers(image).map((l) => ({
      index: l.index,
      mediaType: l.mediaType,
      digest: l.digest,
      size: l.size,
      diffID: l.diffID,
    })),
  ).toEqual(
    e.layers.map((l) => ({
      index: l.index,
      mediaType: l.mediaType,
      digest: l.digest,
      size: l.size,
      diffID: l.diffID,
    })),
  );
  expect(image.warnings).toEqual([]);
}

let work: string;
let tempBase: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "shipshape-sources-test-"));
  tempBase = join(work, "tmp");
  mkdirSync(tempBase);
  // The derived forms, exactly as fixtures/README.md makes them.
  for (const name of NAMES) {
    const layout = join(work, `${name}.oci`);
    mkdirSync(layout);
    await run("tar", ["-xf", fixturePath("images", `${name}.oci.tar`), "-C", layout]);
    const tag = expectedImage(name).refName;
    // skopeo picks the host's platform from an index; pin amd64 so multiarch is deterministic.
    const pin = name === "multiarch" ? ["--override-os", "linux", "--override-arch", "amd64"] : [];
    await run("skopeo", [
      ...pin,
      "copy",
      "-q",
      `oci:${layout}:${tag}`,
      `docker-archive:${join(work, `${name}.docker.tar`)}:${name}:${tag}`,
    ]);
  }
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe.each(NAMES)("%s", (name) => {
  it("opens as oci-archive with exactly the expected index, manifest, config, layers and history", async () => {
    const image = await openOciArchive(`oci-archive:${fixturePath("images", `${name}.oci.tar`)}`, {
      tempDir: tempBase,
    });
    try {
      expect(image.transport).toBe("oci-archive");
      assertOciForm(image, expectedFor(name));
    } finally {
      await image.close();
    }
    expect(listDir(tempBase)).toEqual([]);
  });

  it("streams every layer blob with the digest the manifest states", async () => {
    const image = await openOciArchive(fixturePath("images", `${name}.oci.tar`), { tempDir: tempBase });
    try {
      for (const layer of blobLayers(image)) {
        expect(await sha256OfStream(await layer.open())).toBe(layer.digest);
        // open() gives a fresh stream every time
        expect(await sha256OfStream(await layer.open())).toBe(layer.digest);
      }
    } finally {
      await image.close();
    }
  });

  it("opens the OCI layout directory (tar -xf) by tag, as the same image", async () => {
    const e = expectedFor(name);
    const image = await openOciLayout(`oci:${join(work, `${name}.oci`)}:${expectedImage(name).refName}`);
    try {
      expect(image.transport).toBe("oci");
      assertOciForm(image, e);
      for (const layer of blobLayers(image))
        expect(await sha256OfStream(await layer.open())).toBe(layer.digest);
    } finally {
      await image.close();
    }
  });

  it("opens the docker-archive skopeo made from it: same config digest, diffIDs and config fields", async () => {
    const e = expectedFor(name, name === "multiarch" ? "linux/amd64" : undefined);
    const image = await openDockerArchive(`docker-archive:${join(work, `${name}.docker.tar`)}`, {
      tempDir: tempBase,
    });
    try {
      expect(image.transport).toBe("docker-archive");
      assertSameImage(image, e);
      expect(image.names).toEqual([`docker.io/library/${name}:${expectedImage(name).refName}`]);
      expect(image.manifestDigest).toBeNull();
      const layers = blobLayers(image);
      for (const layer of layers) {
        // skopeo stores uncompressed `<diffID>.tar`; the digest is not claimed, the media type says plain tar
        expect(layer.digest).toBeNull();
        expect(layer.mediaType).toBe(MediaType.dockerLayer);
        expect(layer.location).toBe(`${layer.diffID!.slice("sha256:".length)}.tar`);
        expect(await sha256OfStream(await layer.open())).toBe(layer.diffID);
      }
    } finally {
      await image.close();
    }
  });
});

describe("debian12-app derived forms match the expected dockerArchive and ociLayoutDir sections", () => {
  it("docker-archive: manifest.json files, config digest, uncompressed layer files = diffIDs", async () => {
    const e = expectedImage("debian12-app");
    const da = e.dockerArchive!;
    const image = await openDockerArchive(join(work, "debian12-app.docker.tar"));
    try {
      expect(image.configDigest).toBe(da.configDigest);
      expect(image.names).toEqual(da.manifestJson[0]!.RepoTags);
      expect(image.layers.map((l) => l.location)).toEqual(da.manifestJson[0]!.Layers);
      expect(da.layerFileDigestsEqualDiffIDs).toBe(true);
      for (const layer of blobLayers(image)) expect(await uncompressedDigest(layer)).toBe(layer.diffID);
    } finally {
      await image.close();
    }
  });

  it("oci layout dir: the index entry tagged latest is the manifest opened", async () => {
    const e = expectedImage("debian12-app");
    const entry = e.ociLayoutDir!.index.manifests[0]!;
    const image = await openOciLayout(join(work, "debian12-app.oci"));
    try {
      expect(image.manifestDigest).toBe(entry.digest);
      expect(image.names).toEqual([entry.annotations!["org.opencontainers.image.ref.name"]]);
    } finally {
      await image.close();
    }
  });
});

describe("multiarch platform selection", () => {
  const archive = () => fixturePath("images", "multiarch.oci.tar");

  it("linux/amd64 is debian12-minbase's manifest", async () => {
    const image = await openOciArchive(archive(), { platform: { os: "linux", architecture: "amd64" } });
    try {
      assertOciForm(image, expectedFor("multiarch", "linux/amd64"));
      expect(image.manifestDigest).toBe(expectedImage("debian12-minbase").manifest.digest);
    } finally {
      await image.close();
    }
  });

  it.each([
    ["linux/arm64/v8", { os: "linux", architecture: "arm64", variant: "v8" }],
    ["linux/arm64/v8", { os: "linux", architecture: "arm64" }],
  ])("%s (requested as %j)", async (key, platform) => {
    const image = await openOciArchive(archive(), { platform });
    try {
      assertOciForm(image, expectedFor("multiarch", key));
    } finally {
      await image.close();
    }
  });

  it("linux/s390x is not found, with the platforms that exist", async () => {
    const err = await openOciArchive(archive(), { platform: { os: "linux", architecture: "s390x" } }).catch(
      (e: unknown) => e,
    );
    expect(isShipshapeError(err)).toBe(true);
    expect((err as Error & { kind: string }).kind).toBe("not-found");
    expect((err as Error).message).toContain(archive());
    expect((err as Error).message).toMatch(/linux\/s390x.*linux\/amd64.*linux\/arm64\/v8/);
  });

  it("the layout directory picks platforms the same way", async () => {
    const image = await openOciLayout(join(work, "multiarch.oci"), {
      platform: { os: "linux", architecture: "arm64" },
    });
    try {
      assertOciForm(image, expectedFor("multiarch", "linux/arm64/v8"));
    } finally {
      await image.close();
    }
  });
});
