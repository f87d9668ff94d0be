/**
 * Every real archive in fixtures/real-images (other tools' own test images: docker save in all its
 * ages, skopeo, kaniko, jib, containerd and Docker 25+ exports, buildx OCI archives, OCI layout
 * directories) opens with the platform, layer count and names its README states; where the README
 * says the digests are consistent, every layer streamed (gunzipped when gzip) hashes to its diffID.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isShipshapeError, type ShipshapeError } from "../../../src/errors.js";
import { formatPlatform, parsePlatform } from "../../../src/image/platform.js";
import type { OpenedImage, OpenOptions } from "../../../src/image/source.js";
import { openDockerArchive } from "../../../src/image/sources/docker-archive.js";
import { openOciArchive } from "../../../src/image/sources/oci-archive.js";
import { openOciLayout } from "../../../src/image/sources/oci-layout.js";
import { fixturePath } from "../../helpers/shared.js";
import { blobLayers, listDir, sha256OfStream, uncompressedDigest } from "./source-test-kit.js";

const run = promisify(execFile);
const real = (...parts: string[]) => fixturePath("real-images", ...parts);

interface Case {
  path: string;
  transport: "docker-archive" | "oci-archive" | "oci";
  names: string[];
  platform: string;
  layers: number;
  /** "diffids": README says every layer matches its diffID; "blob": only the stored digest is checkable. */
  check: "diffids" | "blob";
}

// Facts from fixtures/real-images/README.md (format, platform, layer count, names, digest check).
const CASES: Case[] = [
  {
    path: "aquasecurity+trivy/_history/6013ed9fd7f0/integration/testdata/fixtures/alpine-310.tar.gz",
    transport: "docker-archive",
    names: ["alpine:3.10"],
    platform: "linux/amd64",
    layers: 1,
    check: "diffids",
  },
  {
    path: "aquasecurity+trivy/_history/6013ed9fd7f0/integration/testdata/fixtures/alpine-39.tar.gz",
    transport: "docker-archive",
    names: ["alpine:3.9"],
    platform: "linux/amd64",
    layers: 1,
    check: "diffids",
  },
  {
    path: "aquasecurity+trivy/pkg/fanal/test/testdata/test.oci",
    transport: "oci",
    names: [],
    platform: "linux/amd64",
    layers: 1,
    check: "diffids",
  },
  {
    path: "aquasecurity+trivy/pkg/fanal/test/testdata/test_image_tag.oci:0.0.1",
    transport: "oci",
    names: ["0.0.1"],
    platform: "linux/amd64",
    layers: 1,
    check: "diffids",
  },
  {
    path: "aquasecurity+trivy/pkg/fanal/test/testdata/test_image_tag.oci",
    transport: "oci",
    names: ["0.0.1"],
    platform: "linux/amd64",
    layers: 1,
    check: "diffids",
  },
  {
    path: "snyk+snyk-docker-plugin/test/fixtures/containerd-archives/busybox.amd64.tar",
    transport: "docker-archive",
    names: ["busybox:latest"],
    platform: "linux/amd64",
    layers: 1,
    check: "diffids",
  },
  {
    path: "snyk+snyk-docker-plugin/test/fixtures/containerd-archives/busybox.arm64.tar",
    transport: "docker-archive",
    names: ["busybox:latest"],
    platform: "linux/arm64",
    layers: 1,
    check: "diffids",
  },
  {
    path: "snyk+snyk-docker-plugin/test/fixtures/docker-archives/docker-save/gemfile.tar",
    transport: "docker-archive",
    names: [],
    platform: "linux/amd64",
    layers: 1,
    check: "diffids",
  },
  {
    path: "snyk+snyk-docker-plugin/test/fixtures/docker-archives/docker-save/war-with-3-level-jar.tar",
    transport: "docker-archive",
    names: ["war-with-3-level-jar:latest"],
    platform: "linux/amd64",
    layers: 2,
    check: "diffids",
  },
  {
    path: "snyk+snyk-docker-plugin/test/fixtures/docker-archives/skopeo-copy/busybox.tar",
    transport: "docker-archive",
    names: [],
    platform: "linux/amd64",
    layers: 1,
    check: "diffids",
  },
  {
    path: "snyk+snyk-docker-plugin/test/fixtures/docker-oci-archives/busybox.armv7.tar",
    transport: "docker-archive",
    names: ["busybox:latest"],
    platform: "linux/arm/v7",
    layers: 1,
    check: "diffids",
  },
  {
    path: "snyk+snyk-docker-plugin/test/fixtures/kaniko-archives/kaniko-busybox.tar",
    transport: "docker-archive",
    names: ["kaniko-busybox:latest"],
    platform: "linux/amd64",
    layers: 1,
    check: "diffids",
  },
  {
    path: "snyk+snyk-docker-plugin/test/fixtures/oci-archives/busybox-1.31.1.tar",
    transport: "oci-archive",
    names: [],
    platform: "linux/amd64",
    layers: 1,
    check: "diffids",
  },
  {
    path: "goodwithtech+dockle/pkg/deckoder/extractor/docker/testdata/symbolic.tar",
    transport: "docker-archive",
    names: ["goodwithtech/dockle-test:v3"],
    platform: "linux/amd64",
    layers: 9,
    check: "diffids",
  },
  {
    path: "wagoodman+dive/.data/test-docker-image.tar",
    transport: "docker-archive",
    names: ["dive-test:latest"],
    platform: "linux/amd64",
    layers: 14,
    check: "diffids",
  },
  {
    path: "wagoodman+dive/.data/test-kaniko-image.tar",
    transport: "docker-archive",
    names: ["dive-test:kaniko-latest"],
    platform: "linux/amd64",
    layers: 14,
    check: "diffids",
  },
  {
    path: "wagoodman+dive/.data/test-oci-estargz-image.tar",
    transport: "oci-archive",
    names: [],
    platform: "linux/arm64",
    layers: 1,
    check: "diffids",
  },
  {
    path: "wagoodman+dive/.data/test-oci-gzip-image.tar",
    transport: "oci-archive",
    names: [],
    platform: "linux/arm64",
    layers: 1,
    check: "diffids",
  },
  {
    path: "wagoodman+dive/.data/test-oci-uncompressed-image.tar",
    transport: "oci-archive",
    names: [],
    platform: "linux/arm64",
    layers: 1,
    check: "diffids",
  },
  {
    path: "wagoodman+dive/.data/test-oci-zstd-image.tar",
    transport: "oci-archive",
    names: [],
    platform: "linux/arm64",
    layers: 1,
    check: "blob",
  },
  {
    path: "GoogleContainerTools+jib/jib-core/src/integration-test/resources/core/busybox-docker.tar",
    transport: "docker-archive",
    names: ["busybox:latest"],
    platform: "linux/amd64",
    layers: 1,
    check: "diffids",
  },
  {
    path: "GoogleContainerTools+jib/jib-core/src/integration-test/resources/core/busybox-jib.tar",
    transport: "docker-archive",
    names: ["localhost:5000/jib-core:jib-base-image"],
    platform: "linux/amd64",
    layers: 2,
    check: "diffids",
  },
  {
    path: "oras-project+oras-go/content/oci/testdata/hello-world-prefixed-path.tar",
    transport: "docker-archive",
    names: ["hello-world:latest"],
    platform: "linux/amd64",
    layers: 1,
    check: "diffids",
  },
  {
    path: "oras-project+oras-go/content/oci/testdata/hello-world.tar",
    transport: "docker-archive",
    names: ["hello-world:latest"],
    platform: "linux/amd64",
    layers: 1,
    check: "diffids",
  },
  {
    path: "google+go-containerregistry/pkg/v1/tarball/testdata/hello-world-v25.tar",
    transport: "docker-archive",
    names: [],
    platform: "linux/arm64",
    layers: 1,
    check: "diffids",
  },
  {
    path: "google+go-containerregistry/pkg/v1/tarball/testdata/test_link.tar:bazel/v1/tarball:test_image_3",
    transport: "docker-archive",
    names: ["bazel/v1/tarball:test_image_3"],
    platform: "linux/amd64",
    layers: 2,
    check: "diffids",
  },
  {
    path: "google+go-containerregistry/pkg/v1/tarball/testdata/test_link.tar:@0",
    transport: "docker-archive",
    names: ["bazel/v1/tarball:test_image_1"],
    platform: "linux/amd64",
    layers: 1,
    check: "diffids",
  },
];

// kaniko's image3_gz_layers.tar: its config has `"Shell": null`, which src/image/manifest.ts's config
// schema rejects today (Shell is `.optional()`, not `.nullish()`; see the report). The test accepts
// exactly that refusal until the schema is fixed, and checks the image fully from then on.
const KANIKO_SHELL_NULL: Case = {
  path: "aquasecurity+trivy/_history/8b3289c88020/extractor/docker/testdata/image3_gz_layers.tar",
  transport: "docker-archive",
  names: ["index.docker.io/library/test:latest"],
  platform: "linux/amd64",
  layers: 4,
  check: "diffids",
};

function open(c: Case, options: OpenOptions): Promise<OpenedImage> {
  // The path may carry ":TAG" / ":NAME" / ":@N"; the fixture path itself has no colon.
  const colon = c.path.indexOf(":");
  const file = colon >= 0 ? c.path.slice(0, colon) : c.path;
  const text = `${c.transport}:${real(file)}${colon >= 0 ? c.path.slice(colon) : ""}`;
  if (c.transport === "oci") return openOciLayout(text, options);
  if (c.transport === "oci-archive") return openOciArchive(text, options);
  return openDockerArchive(text, options);
}

let tempBase: string;
beforeAll(() => {
  tempBase = mkdtempSync(join(tmpdir(), "shipshape-real-images-test-"));
});
afterAll(() => rmSync(tempBase, { recursive: true, force: true }));

async function checkCase(c: Case): Promise<void> {
  const image = await open(c, { tempDir: tempBase });
  try {
    expect(image.names).toEqual(c.names);
    expect(formatPlatform(image.platform)).toBe(c.platform);
    expect(image.layers).toHaveLength(c.layers);
    expect(image.config.rootfs.diff_ids).toHaveLength(c.layers);
    for (const layer of blobLayers(image)) {
      const stored = await sha256OfStream(await layer.open());
      if (layer.digest !== null) expect(stored).toBe(layer.digest);
      if (c.check === "diffids") expect(await uncompressedDigest(layer)).toBe(layer.diffID);
    }
  } finally {
    await image.close();
  }
  expect(listDir(tempBase)).toEqual([]);
}

describe("real-images", () => {
  it.each(CASES.map((c) => [c.path, c] as const))("%s", async (_path, c) => {
    await checkCase(c);
  });

  it("image3_gz_layers.tar (kaniko: config named sha256:<hex>, gzip layers, Shell: null)", async () => {
    const outcome = await checkCase(KANIKO_SHELL_NULL).then(
      () => "opened",
      (e: unknown) => e,
    );
    if (outcome !== "opened") {
      expect(isShipshapeError(outcome)).toBe(true);
      expect((outcome as Error).message).toMatch(
        /config sha256:237b4e87\w+ is malformed at config\.Shell: Invalid input: expected array, received null$/,
      );
    }
  });

  it("a whole-file gzipped docker save is spooled into tempDir while open and removed by close()", async () => {
    const image = await openDockerArchive(
      real("aquasecurity+trivy/_history/6013ed9fd7f0/integration/testdata/fixtures/alpine-310.tar.gz"),
      {
        tempDir: tempBase,
      },
    );
    const during = listDir(tempBase);
    expect(during).toHaveLength(1);
    expect(during[0]).toMatch(/^shipshape-/);
    expect(readdirSync(join(tempBase, during[0]!))).toEqual(["archive.tar"]);
    await image.close();
    await image.close(); // idempotent
    expect(listDir(tempBase)).toEqual([]);
    const err = await blobLayers(image)[0]!
      .open()
      .catch((e: unknown) => e);
    expect(isShipshapeError(err)).toBe(true);
  });

  it("the trivy alpine-310 image is the one trivy's golden file names (ImageID 96176967…, DiffID 03901b4a…)", async () => {
    const image = await openDockerArchive(
      real("aquasecurity+trivy/_history/6013ed9fd7f0/integration/testdata/fixtures/alpine-310.tar.gz"),
      {
        tempDir: tempBase,
      },
    );
    try {
      expect(image.configDigest).toMatch(/^sha256:96176967/);
      expect(image.layers[0]!.diffID).toMatch(/^sha256:03901b4a/);
    } finally {
      await image.close();
    }
  });

  it("jib's config.json is not named by a digest: its digest is computed and a warning says so", async () => {
    const image = await openDockerArchive(
      real("GoogleContainerTools+jib/jib-core/src/integration-test/resources/core/busybox-jib.tar"),
    );
    try {
      const { stdout } = await run("sh", [
        "-c",
        `tar -xOf "$1" config.json | sha256sum`,
        "sh",
        image.reference.slice("docker-archive:".length),
      ]);
      expect(image.configDigest).toBe(`sha256:${stdout.slice(0, 64)}`);
      expect(image.warnings).toHaveLength(1);
      expect(image.warnings[0]).toContain("config.json is not named by its digest");
      expect(blobLayers(image).map((l) => l.mediaType)).toEqual([
        "application/vnd.docker.image.rootfs.diff.tar.gzip",
        "application/vnd.docker.image.rootfs.diff.tar.gzip",
      ]);
    } finally {
      await image.close();
    }
  });

  it("test_link.tar holds two images: without a name the error lists both", async () => {
    const path = real("google+go-containerregistry/pkg/v1/tarball/testdata/test_link.tar");
    const err = (await openDockerArchive(`docker-archive:${path}`).catch(
      (e: unknown) => e,
    )) as ShipshapeError;
    expect(isShipshapeError(err)).toBe(true);
    expect(err.message).toContain(`docker-archive:${path}: manifest.json holds 2 images`);
    expect(err.message).toContain("bazel/v1/tarball:test_image_1");
    expect(err.message).toContain("bazel/v1/tarball:test_image_3");
    expect(err.message).not.toContain("\n");
    const missing = (await openDockerArchive(`docker-archive:${path}:@2`).catch(
      (e: unknown) => e,
    )) as ShipshapeError;
    expect(missing.kind).toBe("not-found");
    const other = (await openDockerArchive(`docker-archive:${path}:nope:1`).catch(
      (e: unknown) => e,
    )) as ShipshapeError;
    expect(other.kind).toBe("not-found");
    expect(other.message).toContain('"nope:1"');
  });

  it("a Docker 25+ archive reads the same through docker-archive: and oci-archive:, with its OCI manifest digest", async () => {
    const path = real("snyk+snyk-docker-plugin/test/fixtures/docker-oci-archives/busybox.armv7.tar");
    const docker = await openDockerArchive(path);
    const oci = await openOciArchive(path);
    try {
      expect(docker.configDigest).toBe(oci.configDigest);
      expect(docker.manifestDigest).toBe(
        "sha256:7aabb59a4cd2e069234070f763403f230d03117b93d55ba531952f9f697b19c3",
      );
      expect(oci.manifestDigest).toBe(docker.manifestDigest);
      expect(blobLayers(docker).map((l) => [l.digest, l.mediaType, l.size])).toEqual(
        blobLayers(oci).map((l) => [l.digest, l.mediaType, l.size]),
      );
      expect(oci.names).toEqual(["latest", "docker.io/library/busybox:latest"]);
      expect(docker.names).toEqual(["busybox:latest"]);
    } finally {
      await docker.close();
      await oci.close();
    }
  });

  it("an untagged Docker 25 save (index.json manifests: null) still finds its manifest blob", async () => {
    const path = real("google+go-containerregistry/pkg/v1/tarball/testdata/hello-world-v25.tar");
    for (const image of [await openDockerArchive(path), await openOciArchive(path)]) {
      try {
        expect(image.manifestDigest).toBe(
          "sha256:411caf340c828657e915a83ed561a79d2b8150dabad4dc079d881cbfe6f86afe",
        );
        expect(image.layers[0]!.digest).toBe(
          "sha256:12660636fe55438cc3ae7424da7ac56e845cdb52493ff9cf949c47a7f57f8b43",
        );
      } finally {
        await image.close();
      }
    }
  });

  it("a containerd export with the full multi-arch index but one platform's blobs opens as oci-archive", async () => {
    const path = real("snyk+snyk-docker-plugin/test/fixtures/containerd-archives/busybox.arm64.tar");
    const image = await openOciArchive(path);
    try {
      expect(formatPlatform(image.platform)).toBe("linux/arm64");
      expect(image.warnings.join(" ")).toMatch(/whose blobs are not in the archive .*linux\/amd64/);
    } finally {
      await image.close();
    }
    const err = (await openOciArchive(path, { platform: parsePlatform("linux/amd64") }).catch(
      (e: unknown) => e,
    )) as ShipshapeError;
    expect(err.kind).toBe("not-found");
    expect(err.message).toContain("available: linux/arm64");
  });

  it.each([
    "aquasecurity+trivy/_history/8b3289c88020/extractor/docker/testdata/normal.tar",
    "aquasecurity+trivy/_history/8b3289c88020/extractor/docker/testdata/opq.tar",
    "aquasecurity+trivy/_history/8b3289c88020/extractor/docker/testdata/opq2.tar",
    "josephlewis42+honeyssh/core/config/default/root_fs.tar.gz",
  ])("plain layer tar %s is refused as an image, in one line, with no temp files left", async (file) => {
    for (const opener of [openDockerArchive, openOciArchive]) {
      const err = (await opener(real(file), { tempDir: tempBase }).catch(
        (e: unknown) => e,
      )) as ShipshapeError;
      expect(isShipshapeError(err)).toBe(true);
      expect(err.kind).toBe("input");
      expect(err.message).toContain(real(file));
      expect(err.message).toContain("neither manifest.json nor index.json");
      expect(err.message).not.toContain("\n");
      expect(listDir(tempBase)).toEqual([]);
    }
  });
});

describe("regclient testrepo (OCI layout with multi-platform indexes, artifacts, referrers and a loop)", () => {
  const repo = () => real("regclient+regclient/testdata/testrepo");

  /** skopeo, an independent reader, says which layers each tag/platform has. */
  async function skopeoLayers(tag: string, platform: string): Promise<string[]> {
    const p = parsePlatform(platform);
    const args = ["inspect", "--override-os", p.os, "--override-arch", p.architecture];
    if (p.variant) args.push("--override-variant", p.variant);
    const { stdout } = await run("skopeo", [...args, `oci:${repo()}:${tag}`]);
    return (JSON.parse(stdout) as { Layers: string[] }).Layers;
  }

  it.each([
    ["b1", "linux/amd64"],
    ["b1", "linux/arm/v6"],
    ["b2", "linux/arm64"],
    ["b3", "linux/arm/v7"],
    ["v1", "linux/arm64"],
    ["v2", "linux/arm/v7"],
    ["v3", "linux/amd64"],
    ["v3", "linux/arm/v6"],
  ])("%s for %s: the layers skopeo reports, diffIDs verified", async (tag, platform) => {
    const image = await openOciLayout(`oci:${repo()}:${tag}`, { platform: parsePlatform(platform) });
    try {
      expect(image.names).toEqual([tag]);
      expect(image.indexDigests).toHaveLength(2);
      expect(formatPlatform(image.platform)).toBe(platform);
      expect(blobLayers(image).map((l) => l.digest)).toEqual(await skopeoLayers(tag, platform));
      for (const layer of blobLayers(image)) expect(await uncompressedDigest(layer)).toBe(layer.diffID);
    } finally {
      await image.close();
    }
  });

  it("v1 has no arm/v7 image, and says which platforms it has", async () => {
    const err = (await openOciLayout(`oci:${repo()}:v1`, { platform: parsePlatform("linux/arm/v7") }).catch(
      (e: unknown) => e,
    )) as ShipshapeError;
    expect(err.kind).toBe("not-found");
    expect(err.message).toContain("linux/amd64, linux/arm64");
    expect(err.message).not.toContain("unknown"); // the attestation entries are not platforms
  });

  it("the loop index terminates with a clear error (its child is an artifact, not an image)", async () => {
    for (const tag of ["loop", "sha256-8e54c6754f08d22f85c7552bb1951b228b8194d29b14a1639dbe50868da0273e"]) {
      const err = (await openOciLayout(`oci:${repo()}:${tag}`).catch((e: unknown) => e)) as ShipshapeError;
      expect(isShipshapeError(err)).toBe(true);
      expect(err.message).toContain(`oci:${repo()}:${tag}`);
      expect(err.message).toMatch(/artifact|no image manifest/);
    }
  });

  it("artifacts are refused as not being container images", async () => {
    const err = (await openOciLayout(`oci:${repo()}:a3`).catch((e: unknown) => e)) as ShipshapeError;
    expect(err.message).toMatch(/artifact of type application\/example\.layers .* not a container image/);
  });

  it("without a tag, the error lists the tags", async () => {
    const err = (await openOciLayout(`oci:${repo()}`).catch((e: unknown) => e)) as ShipshapeError;
    expect(err.kind).toBe("usage");
    expect(err.message).toMatch(/index\.json holds \d+ tagged images \(b1, b2, b3, v1, v2, v3/);
    const unknown = (await openOciLayout(`oci:${repo()}:nope`).catch((e: unknown) => e)) as ShipshapeError;
    expect(unknown.kind).toBe("not-found");
    expect(unknown.message).toContain('no image tagged "nope"');
  });
});

describe("OCI layout directory given where an archive is expected, and the reverse", () => {
  it("oci: on a file and docker-archive: on a directory say which transport to use", async () => {
    const dir = real("aquasecurity+trivy/pkg/fanal/test/testdata/test.oci");
    const file = real("wagoodman+dive/.data/test-oci-gzip-image.tar");
    const a = (await openDockerArchive(dir).catch((e: unknown) => e)) as ShipshapeError;
    expect(a.message).toContain(`use oci:${dir}`);
    const b = (await openOciLayout(file).catch((e: unknown) => e)) as ShipshapeError;
    expect(b.message).toContain(`use oci-archive:${file}`);
    // and the prefix is only a hint between the two archive kinds
    const c = await openDockerArchive(file);
    expect(formatPlatform(c.platform)).toBe("linux/arm64");
    await c.close();
  });
});
