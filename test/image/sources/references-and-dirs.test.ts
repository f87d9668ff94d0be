/**
 * `PATH[:REF]` splitting (paths may contain colons), `dir:` root filesystems, and archive detection.
 */
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ShipshapeError } from "../../../src/errors.js";
import { detectArchive } from "../../../src/image/archive/detect.js";
import {
  isRefName,
  isSourceIndex,
  splitPathAndReference,
} from "../../../src/image/archive/reference-split.js";
import { qualifyImageName, sameImageName } from "../../../src/image/archive/repo-tag.js";
import { hostPlatform } from "../../../src/image/platform.js";
import { openDirectory } from "../../../src/image/sources/dir.js";
import { openDockerArchive } from "../../../src/image/sources/docker-archive.js";
import { openOciLayout } from "../../../src/image/sources/oci-layout.js";
import { fixturePath } from "../../helpers/shared.js";
import { listDir } from "./source-test-kit.js";

const run = promisify(execFile);

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "shipshape-refs-test-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("splitPathAndReference", () => {
  const exists = (paths: string[]) => (p: string) => paths.includes(p);

  it("keeps an existing path whole, even with colons", () => {
    expect(splitPathAndReference("/d/a:b", exists(["/d/a:b"]), isRefName)).toEqual({ path: "/d/a:b" });
  });

  it("splits at the rightmost colon whose left side exists", () => {
    expect(splitPathAndReference("/d/a:b:latest", exists(["/d/a:b"]), isRefName)).toEqual({
      path: "/d/a:b",
      ref: "latest",
    });
    expect(
      splitPathAndReference("/x.tar:docker.io/library/busybox:latest", exists(["/x.tar"]), isRefName),
    ).toEqual({
      path: "/x.tar",
      ref: "docker.io/library/busybox:latest",
    });
    expect(
      splitPathAndReference("/x.tar:@1", exists(["/x.tar"]), (r) => isSourceIndex(r) || isRefName(r)),
    ).toEqual({
      path: "/x.tar",
      ref: "@1",
    });
  });

  it("falls back to the last colon only when what follows is a valid reference", () => {
    expect(splitPathAndReference("/missing:v1", exists([]), isRefName)).toEqual({
      path: "/missing",
      ref: "v1",
    });
    expect(splitPathAndReference("/missing:", exists([]), isRefName)).toEqual({ path: "/missing:" });
    expect(splitPathAndReference("/missing:a b", exists([]), isRefName)).toEqual({ path: "/missing:a b" });
  });

  it("reference names follow the OCI ref.name grammar (plus _ for Docker tags)", () => {
    for (const ok of [
      "latest",
      "1.0",
      "v1_2",
      "a--b",
      "docker.io/library/busybox:latest",
      "sha256-abc.def.meta",
    ])
      expect(isRefName(ok), ok).toBe(true);
    for (const bad of ["", "-x", "x/", "/x", "a b", "a//b", "x".repeat(600)])
      expect(isRefName(bad), bad).toBe(false);
  });

  it("Docker name matching applies docker.io/library/ and :latest defaults", () => {
    expect(qualifyImageName("busybox")).toBe("docker.io/library/busybox:latest");
    expect(qualifyImageName("localhost:5000/jib-core:jib-base-image")).toBe(
      "localhost:5000/jib-core:jib-base-image",
    );
    expect(sameImageName("index.docker.io/library/test:latest", "test")).toBe(true);
    expect(sameImageName("busybox:1", "busybox:2")).toBe(false);
  });

  it("an OCI layout in a directory whose name has a colon opens with and without a tag", async () => {
    const dir = join(work, "lay:out");
    cpSync(fixturePath("real-images", "aquasecurity+trivy/pkg/fanal/test/testdata/test_image_tag.oci"), dir, {
      recursive: true,
    });
    for (const text of [`oci:${dir}`, `oci:${dir}:0.0.1`]) {
      const image = await openOciLayout(text);
      expect(image.names).toEqual(["0.0.1"]);
      expect(image.reference).toBe(text);
      await image.close();
    }
    const err = (await openOciLayout(`oci:${dir}:0.0.2`).catch((e: unknown) => e)) as ShipshapeError;
    expect(err.kind).toBe("not-found");
    expect(err.message).toContain("tags: 0.0.1");
  });
});

describe("dir:", () => {
  it("a real root filesystem is one directory layer with a synthetic config", async () => {
    const root = join(work, "rootfs");
    mkdirSync(root);
    await run("tar", [
      "-xzf",
      fixturePath("real-images", "josephlewis42+honeyssh/core/config/default/root_fs.tar.gz"),
      "-C",
      root,
    ]);
    const image = await openDirectory(`dir:${root}`);
    expect(image.transport).toBe("dir");
    expect(image.layers).toEqual([
      {
        kind: "directory",
        index: 0,
        root,
        location: root,
        diffID: null,
        digest: null,
        size: null,
        mediaType: "directory",
      },
    ]);
    expect(image.manifestDigest).toBeNull();
    expect(image.configDigest).toBeNull();
    expect(image.config.os).toBe("linux");
    expect(image.config.architecture).toBe(hostPlatform().architecture);
    expect(image.config.history).toEqual([]);
    expect(image.config.rootfs.diff_ids).toEqual([]);
    await image.close();
  });

  it("refuses a file, a missing path and a skopeo dir: image copy", async () => {
    const file = fixturePath("real-images", "wagoodman+dive/.data/test-oci-gzip-image.tar");
    const a = (await openDirectory(`dir:${file}`).catch((e: unknown) => e)) as ShipshapeError;
    expect(a.message).toBe(
      `dir:${file}: ${file} is not a directory; use docker-archive:${file} or oci-archive:${file} for an image archive`,
    );
    const b = (await openDirectory(`dir:${join(work, "nope")}`).catch((e: unknown) => e)) as ShipshapeError;
    expect(b.kind).toBe("not-found");
    const copy = join(work, "skopeo-dir");
    await run("skopeo", [
      "copy",
      "-q",
      `oci:${fixturePath("real-images", "aquasecurity+trivy/pkg/fanal/test/testdata/test.oci")}`,
      `dir:${copy}`,
    ]);
    const c = (await openDirectory(`dir:${copy}`).catch((e: unknown) => e)) as ShipshapeError;
    expect(c.message).toContain("is a skopeo `dir:` image copy");
  });
});

describe("detectArchive", () => {
  it.each([
    ["images/debian12-minbase.oci.tar", "oci-archive", "none"],
    [
      "real-images/snyk+snyk-docker-plugin/test/fixtures/docker-archives/skopeo-copy/busybox.tar",
      "docker-archive",
      "none",
    ],
    [
      "real-images/snyk+snyk-docker-plugin/test/fixtures/docker-oci-archives/busybox.armv7.tar",
      "docker-and-oci",
      "none",
    ],
    [
      "real-images/aquasecurity+trivy/_history/6013ed9fd7f0/integration/testdata/fixtures/alpine-39.tar.gz",
      "docker-archive",
      "gzip",
    ],
    ["real-images/josephlewis42+honeyssh/core/config/default/root_fs.tar.gz", "layer-tar", "gzip"],
    ["hostile-real/corrupt/unsupported-image.tar", "layer-tar", "none"],
    ["hostile-real/corrupt/empty.tar", "empty", "none"],
    ["hostile-real/edge/legacy-no-manifest.tar", "legacy-docker", "none"],
  ])("%s is %s (%s)", async (file, format, compression) => {
    const temp = join(work, "detect-tmp");
    mkdirSync(temp, { recursive: true });
    expect(await detectArchive(fixturePath(...file.split("/")), { tempDir: temp })).toEqual({
      format,
      compression,
    });
    expect(listDir(temp)).toEqual([]);
  });

  it("a gzipped archive over the spool limit stops with a limit error and leaves nothing behind", async () => {
    const { gunzipToFile, createTempArea } = await import("../../../src/image/archive/spool.js");
    const area = await createTempArea(work);
    const err = (await gunzipToFile(
      fixturePath(
        "real-images",
        "aquasecurity+trivy/_history/6013ed9fd7f0/integration/testdata/fixtures/alpine-310.tar.gz",
      ),
      join(area.dir, "x.tar"),
      1024 * 1024,
      "alpine-310.tar.gz",
    ).catch((e: unknown) => e)) as ShipshapeError;
    expect(err.kind).toBe("limit");
    expect(err.message).toContain("expands to more than 1048576 bytes");
    await area.remove();
    expect(listDir(work).filter((n) => n.startsWith("shipshape-"))).toEqual([]);
  });

  it("docker-archive: on a directory says to use oci: or dir:", async () => {
    const dir = fixturePath("real-images", "aquasecurity+trivy/pkg/fanal/test/testdata/test.oci");
    const err = (await openDockerArchive(`docker-archive:${dir}`).catch((e: unknown) => e)) as ShipshapeError;
    expect(err.message).toBe(
      `docker-archive:${dir}: ${dir} is a directory, not an archive file; use oci:${dir} for an OCI layout directory or dir:${dir} for a root filesystem`,
    );
  });
});
