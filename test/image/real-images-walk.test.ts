/**
 * inspect reads every real archive whose digests are consistent, and its file counts match a
 * reference walk made without shipshape: skopeo converts the image to an OCI layout, umoci unpacks it
 * onto disk (whiteouts applied by umoci) and `find` counts regular files, symlinks and directories
 * (see test/helpers/reference-walk.ts). Cases come from fixtures/real-images/README.md; every entry
 * there is compared, or (plain layer tars) asserted to be refused as an image — nothing is skipped.
 *
 * Where umoci cannot read the image as it is, the test says which other independent reader stands in:
 * - zstd layers (umoci 0.4.7 refuses `tar+zstd`): skopeo (containers/image's zstd decoder)
 *   recompresses the layers to gzip on the way to the layout; umoci unpacks that.
 * - whole-file-gzipped `docker save` archives (skopeo's docker-archive: cannot read them): gunzipped
 *   here with zlib first.
 * - the distroless root filesystem tarball (not an image): extracted with GNU tar and read as `dir:`;
 *   the reference is GNU tar's own member listing (`tar -tvzf`), cross-checked with `find`.
 *
 * Directories: shipshape counts the root directory only when a layer lists it as a member ("./");
 * `find` never counts it (we subtract it), so the reference adds 1 when GNU tar lists such a member.
 * When counts differ, the failure lists the paths only one side has.
 */
import { execFile } from "node:child_process";
import { createReadStream, createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import { createGunzip } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inspectImage, type OpenOptions, openImage, readFilesystem } from "../../src/api.js";
import { isShipshapeError } from "../../src/errors.js";
import { formatPlatform, parsePlatform } from "../../src/image/platform.js";
import { countTree, type ReferenceWalk, umociReferenceWalk } from "../helpers/reference-walk.js";
import { fixturePath } from "../helpers/shared.js";

const run = promisify(execFile);
const REAL = fixturePath("real-images");
const real = (file: string) => join(REAL, file);

interface WalkCase {
  /** Unique name (the README path, plus a tag/platform when one file holds several images). */
  id: string;
  /** The README entry this case belongs to. */
  file: string;
  /** The references shipshape reads; each must agree with the reference walk. */
  inspect: string[];
  /** The reference skopeo reads (after `gunzip` when set). */
  skopeo: string;
  platform: string;
  /** Ask inspect for `platform` (multi-platform layouts); else inspect must find the one image itself. */
  pickPlatform?: boolean;
  gunzipFirst?: boolean;
  recompressGzip?: boolean;
  /** Warnings inspect must give (all others must be absent). */
  warnings?: RegExp[];
}

function archiveCase(
  file: string,
  transport: "docker-archive" | "oci-archive" | "oci",
  platform: string,
  extra: Partial<WalkCase> & { selector?: string; alsoOciArchive?: boolean } = {},
): WalkCase {
  const { selector = "", alsoOciArchive = false, ...rest } = extra;
  const ref = `${transport}:${real(file)}${selector}`;
  return {
    id: `${file}${selector}`,
    file,
    // Docker 25+ saves and containerd exports are both a docker-archive and an OCI layout tarball.
    inspect: alsoOciArchive ? [ref, `oci-archive:${real(file)}`] : [ref],
    skopeo: ref,
    platform,
    ...rest,
  };
}

const trivy = "aquasecurity+trivy";
const snyk = "snyk+snyk-docker-plugin/test/fixtures";
const CONFIG_NOT_NAMED_BY_DIGEST = /config file config\.json is not named by its digest/;

// Formats and platforms as fixtures/real-images/README.md states them.
const ARCHIVE_CASES: WalkCase[] = [
  archiveCase(
    `${trivy}/_history/6013ed9fd7f0/integration/testdata/fixtures/alpine-310.tar.gz`,
    "docker-archive",
    "linux/amd64",
    { gunzipFirst: true },
  ),
  archiveCase(
    `${trivy}/_history/6013ed9fd7f0/integration/testdata/fixtures/alpine-39.tar.gz`,
    "docker-archive",
    "linux/amd64",
    { gunzipFirst: true },
  ),
  archiveCase(
    `${trivy}/_history/8b3289c88020/extractor/docker/testdata/image3_gz_layers.tar`,
    "docker-archive",
    "linux/amd64",
  ),
  archiveCase(`${trivy}/pkg/fanal/test/testdata/test.oci`, "oci", "linux/amd64"),
  archiveCase(`${trivy}/pkg/fanal/test/testdata/test_image_tag.oci`, "oci", "linux/amd64", {
    selector: ":0.0.1",
  }),
  archiveCase(`${snyk}/containerd-archives/busybox.amd64.tar`, "docker-archive", "linux/amd64", {
    alsoOciArchive: true,
  }),
  archiveCase(`${snyk}/containerd-archives/busybox.arm64.tar`, "docker-archive", "linux/arm64", {
    alsoOciArchive: true,
  }),
  archiveCase(`${snyk}/docker-archives/docker-save/gemfile.tar`, "docker-archive", "linux/amd64"),
  archiveCase(
    `${snyk}/docker-archives/docker-save/war-with-3-level-jar.tar`,
    "docker-archive",
    "linux/amd64",
  ),
  archiveCase(`${snyk}/docker-archives/skopeo-copy/busybox.tar`, "docker-archive", "linux/amd64"),
  archiveCase(`${snyk}/docker-oci-archives/busybox.armv7.tar`, "docker-archive", "linux/arm/v7", {
    alsoOciArchive: true,
  }),
  archiveCase(`${snyk}/kaniko-archives/kaniko-busybox.tar`, "docker-archive", "linux/amd64"),
  archiveCase(`${snyk}/oci-archives/busybox-1.31.1.tar`, "oci-archive", "linux/amd64"),
  archiveCase(
    "goodwithtech+dockle/pkg/deckoder/extractor/docker/testdata/symbolic.tar",
    "docker-archive",
    "linux/amd64",
  ),
  archiveCase("wagoodman+dive/.data/test-docker-image.tar", "docker-archive", "linux/amd64"),
  archiveCase("wagoodman+dive/.data/test-kaniko-image.tar", "docker-archive", "linux/amd64"),
  // The eStargz layer (buildkit, lossless) ends its tar with the end-of-archive marker and appends the
  // TOC member stargz.index.json after it. Go's archive/tar, GNU tar and Python's tarfile stop at the
  // marker, so no runtime extracts the TOC, and neither does shipshape (src/image/tar-end-gate.ts).
  archiveCase("wagoodman+dive/.data/test-oci-estargz-image.tar", "oci-archive", "linux/arm64", {
    warnings: [/data after the tar end-of-archive marker was ignored/],
  }),
  archiveCase("wagoodman+dive/.data/test-oci-gzip-image.tar", "oci-archive", "linux/arm64"),
  archiveCase("wagoodman+dive/.data/test-oci-uncompressed-image.tar", "oci-archive", "linux/arm64"),
  archiveCase("wagoodman+dive/.data/test-oci-zstd-image.tar", "oci-archive", "linux/arm64", {
    recompressGzip: true,
  }),
  archiveCase(
    "GoogleContainerTools+jib/jib-core/src/integration-test/resources/core/busybox-docker.tar",
    "docker-archive",
    "linux/amd64",
  ),
  // The README's one "config-digest-ok=False": jib names the config config.json, not by a digest.
  // The layers match their diffIDs, so inspect reads it, and says so in a warning.
  archiveCase(
    "GoogleContainerTools+jib/jib-core/src/integration-test/resources/core/busybox-jib.tar",
    "docker-archive",
    "linux/amd64",
    { warnings: [CONFIG_NOT_NAMED_BY_DIGEST] },
  ),
  archiveCase(
    "oras-project+oras-go/content/oci/testdata/hello-world-prefixed-path.tar",
    "docker-archive",
    "linux/amd64",
    { alsoOciArchive: true },
  ),
  archiveCase("oras-project+oras-go/content/oci/testdata/hello-world.tar", "docker-archive", "linux/amd64", {
    alsoOciArchive: true,
  }),
  archiveCase(
    "google+go-containerregistry/pkg/v1/tarball/testdata/hello-world-v25.tar",
    "docker-archive",
    "linux/arm64",
    { alsoOciArchive: true },
  ),
  archiveCase(
    "google+go-containerregistry/pkg/v1/tarball/testdata/test_link.tar",
    "docker-archive",
    "linux/amd64",
    { selector: ":@0" },
  ),
  archiveCase(
    "google+go-containerregistry/pkg/v1/tarball/testdata/test_link.tar",
    "docker-archive",
    "linux/amd64",
    { selector: ":bazel/v1/tarball:test_image_3" },
  ),
];

// regclient's testrepo: every tagged entry of index.json. Image indexes give one case per linux
// platform (the "unknown/unknown" entries are attestations); everything else is an artifact or an
// artifact index, which inspect must refuse.
const TESTREPO = "regclient+regclient/testdata/testrepo";
const testrepoImages: WalkCase[] = [];
const testrepoNonImages: string[] = [];
{
  type Desc = {
    mediaType: string;
    digest: string;
    platform?: { os: string; architecture: string; variant?: string };
    annotations?: Record<string, string>;
  };
  const read = (path: string) => JSON.parse(readFileSync(join(real(TESTREPO), path), "utf8"));
  const top = read("index.json") as { manifests: Desc[] };
  for (const d of top.manifests) {
    const tag = d.annotations?.["org.opencontainers.image.ref.name"];
    if (tag === undefined) continue; // untagged referrers: reachable only by digest
    const children =
      d.mediaType === "application/vnd.oci.image.index.v1+json"
        ? (read(`blobs/${d.digest.replace(":", "/")}`) as { manifests: Desc[] }).manifests
        : [];
    const platforms = children
      .filter((c) => c.platform?.os === "linux")
      .map((c) => formatPlatform(c.platform!));
    if (platforms.length === 0) testrepoNonImages.push(tag);
    for (const platform of platforms) {
      const ref = `oci:${real(TESTREPO)}:${tag}`;
      testrepoImages.push({
        id: `${TESTREPO}:${tag} ${platform}`,
        file: TESTREPO,
        inspect: [ref],
        skopeo: ref,
        platform,
        pickPlatform: true,
      });
    }
  }
}

const CASES = [...ARCHIVE_CASES, ...testrepoImages];
const ROOTFS_TARBALL = "josephlewis42+honeyssh/core/config/default/root_fs.tar.gz";
const PLAIN_LAYER_TARS = [
  `${trivy}/_history/8b3289c88020/extractor/docker/testdata/normal.tar`,
  `${trivy}/_history/8b3289c88020/extractor/docker/testdata/opq.tar`,
  `${trivy}/_history/8b3289c88020/extractor/docker/testdata/opq2.tar`,
];

let work: string;
const walks = new Map<string, ReferenceWalk | Error>();

async function walkCase(c: WalkCase, dir: string): Promise<ReferenceWalk> {
  let source = c.skopeo;
  if (c.gunzipFirst) {
    await mkdir(dir, { recursive: true });
    const plain = join(dir, "archive.tar"); // removed with dir by the walk
    await pipeline(createReadStream(real(c.file)), createGunzip(), createWriteStream(plain));
    source = `docker-archive:${plain}`;
  }
  return umociReferenceWalk(source, dir, {
    platform: parsePlatform(c.platform),
    ...(c.recompressGzip ? { recompressGzip: true } : {}),
  });
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "shipshape-real-walk-"));
  // skopeo and umoci are separate processes: a few at a time keeps both cores busy.
  const queue = CASES.map((c, i) => [c, join(work, `walk-${i}`)] as const);
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const [c, dir] = next;
        walks.set(
          c.id,
          await walkCase(c, dir).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e)))),
        );
      }
    }),
  );
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

function referenceFor(c: WalkCase): ReferenceWalk {
  const walk = walks.get(c.id);
  if (walk === undefined) throw new Error(`no reference walk for ${c.id}`);
  if (walk instanceof Error) throw walk; // the independent tools failed: a failing test, not a skip
  return walk;
}

/** shipshape's squashed paths by find's type letters, for naming the paths behind a count that differs. */
async function shipshapePaths(reference: string, options: OpenOptions): Promise<Record<string, string[]>> {
  const letter: Record<string, string> = {
    file: "f",
    symlink: "l",
    dir: "d",
    char: "c",
    block: "b",
    fifo: "p",
  };
  const image = await openImage(reference, options);
  try {
    const fs = await readFilesystem(image, { cache: null });
    const out: Record<string, string[]> = {};
    for (const [path, node] of fs.walk()) {
      const type = letter[node.kind] ?? node.kind;
      out[type] = [...(out[type] ?? []), path];
    }
    for (const list of Object.values(out)) list.sort();
    return out;
  } finally {
    await image.close();
  }
}

/** Paths one side has and the other has not, per type letter (empty when both agree). */
function pathDifferences(ours: Record<string, string[]>, reference: Record<string, string[]>) {
  const out: Record<string, { onlyShipshape: string[]; onlyReference: string[] }> = {};
  for (const type of new Set([...Object.keys(ours), ...Object.keys(reference)])) {
    const a = new Set(ours[type] ?? []);
    const b = new Set(reference[type] ?? []);
    const onlyShipshape = [...a].filter((p) => !b.has(p));
    const onlyReference = [...b].filter((p) => !a.has(p));
    if (onlyShipshape.length + onlyReference.length > 0) out[type] = { onlyShipshape, onlyReference };
  }
  return out;
}

async function compareWithWalk(c: WalkCase, walk: ReferenceWalk): Promise<void> {
  for (const reference of c.inspect) {
    const tempDir = join(work, "inspect-tmp");
    await mkdir(tempDir, { recursive: true });
    const options: OpenOptions = {
      tempDir,
      ...(c.pickPlatform ? { platform: parsePlatform(c.platform) } : {}),
    };
    const report = await inspectImage(reference, { cache: null, ...options });
    expect(formatPlatform(report.platform)).toBe(c.platform);
    const fs = report.filesystem;
    const counts = {
      regularFiles: fs.regularFiles,
      symlinks: fs.symlinks,
      // find's directories without the root, plus the root when a layer lists "./"
      directories: fs.directories,
      hardlinks: fs.hardlinks,
      regularBytes: fs.regularBytes,
      devices: fs.devices,
      fifos: fs.fifos,
    };
    const expected = {
      regularFiles: walk.regularFiles,
      symlinks: walk.symlinks,
      directories: walk.directories + (walk.rootListed ? 1 : 0),
      hardlinks: walk.hardlinks,
      regularBytes: walk.regularBytes,
      devices: walk.devices,
      fifos: walk.fifos,
    };
    if (JSON.stringify(counts) !== JSON.stringify(expected)) {
      // Name the paths behind the difference, so a failure says what to look at.
      const diff = pathDifferences(await shipshapePaths(reference, options), walk.paths);
      expect({ reference, counts, diff }).toEqual({ reference, counts: expected, diff: {} });
    }
    // Layers: the config's diffIDs (as skopeo copied the config), which zlib recomputed from the blobs.
    expect(walk.computedDiffIDs).toEqual(walk.configDiffIDs);
    expect(report.layers.map((l) => l.diffID)).toEqual(walk.configDiffIDs);
    const expectedWarnings = c.warnings ?? [];
    expect(report.warnings).toHaveLength(
      expectedWarnings.length +
        // a containerd export names platforms whose blobs it does not hold; that warning is fine
        report.warnings.filter((w) => /whose blobs are not in the archive/.test(w)).length,
    );
    for (const w of expectedWarnings) expect(report.warnings.some((x) => w.test(x))).toBe(true);
    expect(readdirSync(tempDir)).toEqual([]); // spooled archives are gone
  }
}

describe("every README entry of fixtures/real-images is covered", () => {
  const readme = readFileSync(join(REAL, "README.md"), "utf8");
  const entries = [...readme.matchAll(/^#### `([^`]+)`$/gm)].map((m) => m[1]!);

  it("each entry is compared with a reference walk, read as dir:, or refused as a plain layer tar", () => {
    expect(entries.length).toBeGreaterThan(25);
    const covered = new Set([...CASES.map((c) => c.file), ROOTFS_TARBALL, ...PLAIN_LAYER_TARS]);
    expect(entries.filter((e) => !covered.has(e))).toEqual([]);
    expect([...covered].filter((f) => !entries.includes(f))).toEqual([]);
    expect(testrepoImages.length).toBeGreaterThanOrEqual(21);
  });

  it("no entry has layers inconsistent with its config (else inspect would have to refuse it)", () => {
    // "diffid-match=K/N" (docker archives) and "<arch>: layers=N diffid-match=K" (OCI) with K ≠ N,
    // or "blobs K/N digest-ok" with K ≠ N. zstd layers are "unchecked" by the README's tool: inspect
    // verifies them itself (a mismatch would fail the case below). Artifacts ("None:") have no tars.
    const inconsistent: string[] = [];
    for (const [i, file] of entries.entries()) {
      const start = readme.indexOf(`#### \`${file}\``);
      const end = i + 1 < entries.length ? readme.indexOf(`#### \``, start + 1) : readme.length;
      const line = /digest check: (.*)/.exec(readme.slice(start, end))?.[1] ?? "";
      const bad =
        [...line.matchAll(/diffid-match=(\d+)\/(\d+)/g)].some((m) => m[1] !== m[2]) ||
        [...line.matchAll(/blobs (\d+)\/(\d+) digest-ok/g)].some((m) => m[1] !== m[2]) ||
        (!line.includes("unchecked") &&
          [...line.matchAll(/(\w+): layers=(\d+) diffid-match=(\d+)/g)].some(
            (m) => m[1] !== "None" && m[2] !== m[3],
          ));
      if (bad) inconsistent.push(file);
    }
    expect(inconsistent).toEqual([]);
  });
});

describe("inspect agrees with skopeo + umoci unpack + find", () => {
  it.each(CASES.map((c) => [c.id, c] as const))("%s", async (_id, c) => {
    await compareWithWalk(c, referenceFor(c));
  });

  it.each(testrepoNonImages)(
    "testrepo tag %s (an artifact, not an image) is refused in one line",
    async (tag) => {
      const reference = `oci:${real(TESTREPO)}:${tag}`;
      const err = await inspectImage(reference, { cache: null }).then(
        () => new Error(`${reference} was read as an image`),
        (e: unknown) => e,
      );
      expect(isShipshapeError(err)).toBe(true);
      expect((err as Error).message).toContain(reference);
      expect((err as Error).message).not.toContain("\n");
    },
  );

  it.each(PLAIN_LAYER_TARS)("plain layer tar %s is refused as an image, in one line", async (file) => {
    for (const transport of ["docker-archive", "oci-archive"]) {
      const err = await inspectImage(`${transport}:${real(file)}`, { cache: null }).then(
        () => new Error(`${file} was read as an image`),
        (e: unknown) => e,
      );
      expect(isShipshapeError(err)).toBe(true);
      expect((err as Error).message).toContain("neither manifest.json nor index.json");
      expect((err as Error).message).not.toContain("\n");
    }
  });

  it("root_fs.tar.gz (a rootfs, not an image), extracted by GNU tar, reads as dir: with tar's own counts", async () => {
    const tarball = real(ROOTFS_TARBALL);
    const root = join(work, "rootfs");
    await mkdir(root);
    await run("tar", ["-xzf", tarball, "-C", root, "--no-same-owner"]);
    // GNU tar's verbose listing: the first character is the member type.
    const { stdout } = await run("tar", ["-tvzf", tarball], { maxBuffer: 64 * 1024 * 1024 });
    const types = stdout
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => l[0]);
    const listed = (t: string) => types.filter((x) => x === t).length;
    const onDisk = await countTree(root);
    // The listing has the root itself as a member with an empty name; find does not count the root.
    expect(onDisk).toMatchObject({
      regularFiles: listed("-") + listed("h"),
      symlinks: listed("l"),
      directories: listed("d") - 1,
    });
    const report = await inspectImage(`dir:${root}`, { cache: null });
    // dir: has no layer member for the root, so the root is not counted.
    expect({
      regularFiles: report.filesystem.regularFiles,
      hardlinks: report.filesystem.hardlinks,
      symlinks: report.filesystem.symlinks,
      directories: report.filesystem.directories,
      regularBytes: report.filesystem.regularBytes,
    }).toEqual({
      regularFiles: onDisk.regularFiles,
      hardlinks: onDisk.hardlinks,
      symlinks: onDisk.symlinks,
      directories: onDisk.directories,
      regularBytes: onDisk.regularBytes,
    });
    expect(report.filesystem.regularFiles).toBeGreaterThan(1000);
  });
});
