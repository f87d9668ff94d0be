/**
 * OS detection: every fixture image (facts from fixtures/README.md), the real Alpine 3.9/3.10 images,
 * the real distroless static-debian11 root filesystem (with and without its os-release), and each
 * release-file fallback with the real strings those distributions ship. End of life is judged on an
 * injected day (the fixtures' build day), so these results do not change with the calendar.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { catalogFilesystem, catalogRequests } from "../../../src/catalog/catalog.js";
import { dpkgCataloger } from "../../../src/catalog/dpkg/cataloger.js";
import type { OsDetector, OsInfo } from "../../../src/catalog/os.js";
import {
  createOsReleaseDetector,
  osReleaseDetector,
  parseAmazonRelease,
  parseDebianVersion,
  parseMarinerRelease,
  parseOsRelease,
  parseRedhatRelease,
  parseSuseRelease,
  releaseFromBaseFiles,
} from "../../../src/catalog/os-release.js";
import { readFilesystem } from "../../../src/image/filesystem.js";
import { openImage } from "../../../src/image/open.js";
import { parsePlatform } from "../../../src/image/platform.js";
import { bufferLayer, makeTar, syntheticImage } from "../../helpers/layers.js";
import { fixturePath } from "../../helpers/shared.js";

const FIXTURE_DAY = new Date("2026-11-29T00:00:00Z");
const detector = createOsReleaseDetector({ now: () => FIXTURE_DAY });

async function detectImage(
  reference: string,
  platform?: string,
  d: OsDetector = detector,
): Promise<OsInfo | null> {
  const image = await openImage(reference, platform ? { platform: parsePlatform(platform) } : {});
  try {
    const fs = await readFilesystem(image, {
      cache: null,
      requests: catalogRequests({ catalogers: [], osDetector: d }),
    });
    const result = await catalogFilesystem(fs, { catalogers: [], osDetector: d });
    expect(result.warnings).toEqual([]);
    expect(fs.secondPasses).toBe(0);
    return result.os;
  } finally {
    await image.close();
  }
}

/** A detector context over an in-memory file map (paths ending in "/" are directories). */
function fakeContext(files: Record<string, string>, warnings: string[] = []) {
  return {
    exists: (p: string) => p in files || Object.keys(files).some((f) => f.startsWith(`${p}/`)),
    read: async (p: string) => {
      if (!(p in files)) throw new Error(`${p}: no such file`);
      return Buffer.from(files[p]!);
    },
    files: Object.keys(files),
    warn: (m: string) => warnings.push(m),
  };
}

describe("parseOsRelease", () => {
  it("reads quoted, single-quoted and bare values, shell escapes, and skips comments and junk", () => {
    expect(
      parseOsRelease(
        '# comment\nNAME="Debian GNU/Linux"\nID=debian\nVERSION_ID=\'12\'\nPRETTY_NAME="say \\"hi\\" \\$HOME"\n\ngarbage line\n  ID_LIKE = "rhel fedora"  \n',
      ),
    ).toEqual({
      NAME: "Debian GNU/Linux",
      ID: "debian",
      VERSION_ID: "12",
      PRETTY_NAME: 'say "hi" $HOME',
      ID_LIKE: "rhel fedora",
    });
  });
});

const images = (name: string) => `oci-archive:${fixturePath("images", `${name}.oci.tar`)}`;
const debian12 = {
  id: "debian",
  versionId: "12",
  codename: "bookworm",
  prettyName: "Debian GNU/Linux 12 (bookworm)",
  eol: false,
  eolDate: "2028-06-30",
  evidence: ["/etc/os-release"],
};

describe("fixture images (fixtures/README.md)", () => {
  it.each([
    ["debian12-minbase", undefined, debian12],
    ["debian12-app", undefined, debian12],
    ["distroless-like", undefined, debian12],
    ["multiarch", "linux/amd64", debian12],
    ["multiarch", "linux/arm64/v8", debian12],
    [
      "alpine-apk",
      undefined,
      {
        id: "alpine",
        versionId: "3.4.6",
        prettyName: "Alpine Linux v3.4",
        eol: true,
        eolDate: "2018-05-01",
        evidence: ["/etc/os-release", "/etc/alpine-release"],
      },
    ],
    [
      "alpine316-apk",
      undefined,
      {
        id: "alpine",
        versionId: "3.16.2",
        prettyName: "Alpine Linux v3.16",
        eol: true,
        eolDate: "2024-05-23",
        evidence: ["/etc/os-release", "/etc/alpine-release"],
      },
    ],
    [
      "rpm-mixed",
      undefined,
      {
        id: "mariner",
        versionId: "2.0",
        prettyName: "CBL-Mariner/Linux",
        eol: true,
        eolDate: "2025-07-31",
        evidence: ["/etc/os-release"],
      },
    ],
    [
      "sle15-ndb",
      undefined,
      {
        id: "sles",
        versionId: "15.3",
        prettyName: "SUSE Linux Enterprise Server 15 SP3",
        idLike: ["suse"],
        eol: true,
        eolDate: "2022-12-31",
        evidence: ["/etc/os-release"],
      },
    ],
    [
      "centos-bdb",
      undefined,
      {
        id: "centos",
        versionId: "8",
        prettyName: "CentOS Linux 8",
        idLike: ["rhel", "fedora"],
        eol: true,
        eolDate: "2021-12-31",
        evidence: ["/etc/os-release"],
      },
    ],
    [
      "ubi8-bdb",
      undefined,
      {
        id: "rhel",
        versionId: "8.8",
        prettyName: "Red Hat Enterprise Linux 8.8 (Ootpa)",
        idLike: ["fedora"],
        eol: false,
        eolDate: "2029-05-31",
        evidence: ["/etc/os-release"],
      },
    ],
  ])("%s %s", async (name, platform, want) => {
    expect(await detectImage(images(name), platform)).toEqual(want);
  });

  it("the default detector judges end of life against the current day", async () => {
    const os = await detectImage(images("alpine-apk"), undefined, osReleaseDetector);
    expect(os?.eol).toBe(true);
  });
});

describe("os-release symlinks resolve inside the image", () => {
  const osRelease = 'ID=ubuntu\nVERSION_ID="24.04"\nVERSION_CODENAME=noble\nPRETTY_NAME="Ubuntu 24.04 LTS"\n';
  it.each([
    ["relative", "../usr/lib/os-release"],
    ["absolute", "/usr/lib/os-release"],
    ["climbing above the root", "../../../../../../usr/lib/os-release"],
  ])("%s: /etc/os-release -> %s", async (_kind, target) => {
    const layer = await makeTar([
      { name: "usr/lib/os-release", content: osRelease },
      { name: "etc/os-release", type: "symlink", linkname: target },
    ]);
    const fs = await readFilesystem(syntheticImage([bufferLayer(layer, 0)]), {
      cache: null,
      requests: catalogRequests({ catalogers: [], osDetector: detector }),
    });
    const result = await catalogFilesystem(fs, { catalogers: [], osDetector: detector });
    expect(result.os).toMatchObject({
      id: "ubuntu",
      versionId: "24.04",
      codename: "noble",
      evidence: ["/etc/os-release"],
    });
  });

  it("a dangling /etc/os-release falls back to /usr/lib/os-release", async () => {
    const layer = await makeTar([
      { name: "usr/lib/os-release", content: osRelease },
      { name: "etc/os-release", type: "symlink", linkname: "/nowhere/os-release" },
    ]);
    const fs = await readFilesystem(syntheticImage([bufferLayer(layer, 0)]), {
      cache: null,
      requests: catalogRequests({ catalogers: [], osDetector: detector }),
    });
    const result = await catalogFilesystem(fs, { catalogers: [], osDetector: detector });
    expect(result.os).toMatchObject({ id: "ubuntu", evidence: ["/usr/lib/os-release"] });
  });
});

describe("real Alpine images from Trivy's integration tests", () => {
  const trivy = "real-images/aquasecurity+trivy/_history/6013ed9fd7f0/integration/testdata/fixtures";
  it.each([
    ["alpine-39", "3.9.4", "Alpine Linux v3.9", "2020-11-01"],
    ["alpine-310", "3.10.2", "Alpine Linux v3.10", "2021-05-01"],
  ])("%s is Alpine %s, end of life", async (name, versionId, prettyName, eolDate) => {
    const os = await detectImage(`docker-archive:${fixturePath(...trivy.split("/"), `${name}.tar.gz`)}`);
    expect(os).toEqual({
      id: "alpine",
      versionId,
      prettyName,
      eol: true,
      eolDate,
      evidence: ["/etc/os-release", "/etc/alpine-release"],
    });
  });
});

describe("distroless static-debian11 root filesystem (honeyssh)", () => {
  const work = mkdtempSync(join(tmpdir(), "shipshape-distroless-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const archive = fixturePath(
    "real-images",
    "josephlewis42+honeyssh",
    "core",
    "config",
    "default",
    "root_fs.tar.gz",
  );
  const root = join(work, "root");
  const bare = join(work, "bare");
  execFileSync("mkdir", ["-p", root, bare]);
  execFileSync("tar", ["-xzf", archive, "-C", root, "--no-same-owner", "--warning=no-all"]);
  execFileSync("tar", ["-xzf", archive, "-C", bare, "--no-same-owner", "--warning=no-all"]);
  // The same root without any release file: only var/lib/dpkg/status.d is left to tell.
  rmSync(join(bare, "etc", "os-release"));
  rmSync(join(bare, "etc", "debian_version"));
  rmSync(join(bare, "usr", "lib", "os-release"));

  it("its os-release says Debian 11 under the PRETTY_NAME Distroless (LTS ended 2026-08-31)", async () => {
    expect(await detectImage(`dir:${root}`)).toEqual({
      id: "debian",
      versionId: "11",
      codename: "bullseye",
      prettyName: "Distroless",
      eol: true,
      eolDate: "2026-08-31",
      evidence: ["/etc/os-release"],
    });
  });

  it("without release files, status.d's base-files stanza (file `base`) makes it Debian 11", async () => {
    expect(await detectImage(`dir:${bare}`)).toEqual({
      id: "debian",
      versionId: "11",
      codename: "bullseye",
      prettyName: "Debian GNU/Linux 11 (bullseye)",
      eol: true,
      eolDate: "2026-08-31",
      evidence: ["/var/lib/dpkg/status.d", "/var/lib/dpkg/status.d/base"],
    });
  });

  it("its status.d stanzas are the packages (as a plain grep of the files finds them), each in its own file", async () => {
    const image = await openImage(`dir:${root}`, {});
    const opts = { catalogers: [dpkgCataloger], osDetector: detector };
    const fs = await readFilesystem(image, { cache: null, requests: catalogRequests(opts) });
    const result = await catalogFilesystem(fs, opts);
    await image.close();
    const grep = execFileSync(
      "sh",
      ["-c", 'cd "$1" && grep -h -E "^(Package|Version):" *', "sh", join(root, "var/lib/dpkg/status.d")],
      {
        encoding: "utf8",
      },
    )
      .trim()
      .split("\n");
    const pairs: string[] = [];
    for (let i = 0; i < grep.length; i += 2) pairs.push(`${grep[i]!.slice(9)} ${grep[i + 1]!.slice(9)}`);
    expect(result.packages.map((p) => `${p.name} ${p.version}`).sort()).toEqual(pairs.sort());
    expect(result.packages.map((p) => p.locations[0]?.path).sort()).toEqual([
      "/var/lib/dpkg/status.d/base",
      "/var/lib/dpkg/status.d/netbase",
      "/var/lib/dpkg/status.d/tzdata",
    ]);
    expect(result.packages.every((p) => p.purl.includes("distro=debian-11"))).toBe(true);
    expect(result.incomplete).toEqual([]);
  });
});

describe("release files without os-release (real strings those distributions ship)", () => {
  const detect = async (files: Record<string, string>, warnings: string[] = []) =>
    detector.detect(fakeContext(files, warnings));

  it.each<[string, Record<string, string>, Partial<OsInfo>]>([
    [
      "alpine-release",
      { "/etc/alpine-release": "3.18.4\n" },
      { id: "alpine", versionId: "3.18.4", prettyName: "Alpine Linux v3.18", eol: true },
    ],
    [
      "debian_version (stretch)",
      { "/etc/debian_version": "9.13\n" },
      { id: "debian", versionId: "9", codename: "stretch", eol: true, eolDate: "2022-06-30" },
    ],
    [
      "Oracle Linux (its redhat-release claims RHEL)",
      {
        "/etc/oracle-release": "Oracle Linux Server release 8.8\n",
        "/etc/redhat-release": "Red Hat Enterprise Linux release 8.8 (Ootpa)\n",
      },
      { id: "ol", versionId: "8.8", eol: null },
    ],
    [
      "CentOS Linux 7",
      { "/etc/centos-release": "CentOS Linux release 7.9.2009 (Core)\n" },
      { id: "centos", versionId: "7", codename: "core", eol: true, eolDate: "2024-06-30" },
    ],
    [
      "CentOS Stream 8",
      { "/etc/redhat-release": "CentOS Stream release 8\n" },
      { id: "centos", versionId: "8", eolDate: "2024-05-31" },
    ],
    [
      "Rocky Linux",
      { "/etc/rocky-release": "Rocky Linux release 9.3 (Blue Onyx)\n" },
      { id: "rocky", versionId: "9.3", eol: false, eolDate: "2032-05-31" },
    ],
    [
      "AlmaLinux",
      { "/etc/almalinux-release": "AlmaLinux release 8.9 (Midnight Oncilla)\n" },
      { id: "almalinux", versionId: "8.9", eolDate: "2029-03-01" },
    ],
    [
      "RHEL",
      { "/etc/redhat-release": "Red Hat Enterprise Linux release 8.8 (Ootpa)\n" },
      { id: "rhel", versionId: "8.8" },
    ],
    [
      "Fedora",
      { "/etc/fedora-release": "Fedora release 38 (Thirty Eight)\n" },
      { id: "fedora", versionId: "38", eol: null },
    ],
    [
      "CBL-Mariner",
      { "/etc/mariner-release": "CBL-Mariner 2.0.20230630\nDISTRIB_CODENAME=Mariner\n" },
      { id: "mariner", versionId: "2.0", eol: true },
    ],
    [
      "Azure Linux",
      { "/etc/azurelinux-release": "Azure Linux 3.0.20240727\n" },
      { id: "azurelinux", versionId: "3.0", eol: false },
    ],
    [
      "Amazon Linux 2",
      { "/etc/system-release": "Amazon Linux release 2 (Karoo)\n" },
      { id: "amzn", versionId: "2", eol: true },
    ],
    [
      "Amazon Linux AMI",
      { "/etc/system-release": "Amazon Linux AMI release 2018.03\n" },
      { id: "amzn", versionId: "2018.03", eolDate: "2023-12-31" },
    ],
    [
      "Amazon Linux 2023",
      { "/etc/system-release": "Amazon Linux release 2023.5.20240701 (Amazon Linux)\n" },
      { id: "amzn", versionId: "2023", eol: false },
    ],
    [
      "SLES 12 SP3",
      { "/etc/SuSE-release": "SUSE Linux Enterprise Server 12 (x86_64)\nVERSION = 12\nPATCHLEVEL = 3\n" },
      { id: "sles", versionId: "12.3", eol: true },
    ],
    [
      "distroless (status.d/base-files)",
      {
        "/var/lib/dpkg/status.d/base-files":
          "Package: base-files\nVersion: 12.4+deb12u15\nArchitecture: amd64\n",
      },
      {
        id: "debian",
        versionId: "12",
        codename: "bookworm",
        evidence: ["/var/lib/dpkg/status.d", "/var/lib/dpkg/status.d/base-files"],
      },
    ],
  ])("%s", async (_name, files, want) => {
    expect(await detect(files)).toMatchObject(want);
  });

  it("Debian testing: os-release without VERSION_ID takes the codename from debian_version", async () => {
    const os = await detect({
      "/etc/os-release": 'PRETTY_NAME="Debian GNU/Linux trixie/sid"\nNAME="Debian GNU/Linux"\nID=debian\n',
      "/etc/debian_version": "trixie/sid\n",
    });
    expect(os).toMatchObject({
      id: "debian",
      versionId: "",
      codename: "trixie",
      evidence: ["/etc/os-release", "/etc/debian_version"],
    });
  });

  it("Ubuntu, Wolfi and Amazon Linux os-release files", async () => {
    expect(
      await detect({
        "/etc/os-release":
          'NAME="Ubuntu"\nVERSION="22.04.3 LTS (Jammy Jellyfish)"\nID=ubuntu\nID_LIKE=debian\nVERSION_ID="22.04"\nVERSION_CODENAME=jammy\nUBUNTU_CODENAME=jammy\nPRETTY_NAME="Ubuntu 22.04.3 LTS"\n',
      }),
    ).toMatchObject({
      id: "ubuntu",
      versionId: "22.04",
      codename: "jammy",
      idLike: ["debian"],
      eol: false,
      eolDate: "2027-06-01",
    });
    expect(
      await detect({
        "/etc/os-release": 'ID=wolfi\nNAME="Wolfi"\nPRETTY_NAME="Wolfi"\nVERSION_ID="20230201"\n',
      }),
    ).toMatchObject({ id: "wolfi", versionId: "20230201", prettyName: "Wolfi", eol: false });
    expect(
      await detect({
        "/etc/os-release":
          'NAME="Amazon Linux"\nVERSION="2"\nID="amzn"\nID_LIKE="centos rhel fedora"\nVERSION_ID="2"\nPRETTY_NAME="Amazon Linux 2"\n',
      }),
    ).toMatchObject({ id: "amzn", versionId: "2", eol: true, eolDate: "2026-06-30" });
  });

  it("an os-release without ID is skipped with a warning; an unreadable file too; nothing known → null", async () => {
    const warnings: string[] = [];
    const os = await detect(
      { "/etc/os-release": 'NAME="Something"\n', "/etc/debian_version": "10.13\n" },
      warnings,
    );
    expect(os).toMatchObject({ id: "debian", versionId: "10", evidence: ["/etc/debian_version"] });
    expect(warnings).toEqual(["/etc/os-release has no ID: ignored"]);

    const failing = fakeContext({ "/etc/os-release": "ID=x\n" });
    const readWarnings: string[] = [];
    const os2 = await detector.detect({
      ...failing,
      read: async () => {
        throw new Error("disk on fire");
      },
      warn: (m) => readWarnings.push(m),
    });
    expect(os2).toBeNull();
    expect(readWarnings).toEqual(["/etc/os-release could not be read: disk on fire"]);
    expect(await detect({ "/etc/hostname": "x\n" })).toBeNull();
  });
});

describe("fuzz", () => {
  it("release-file parsers and the detector never throw on arbitrary text", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 400 }),
        fc.uint8Array({ maxLength: 400 }),
        async (text, bytes) => {
          parseOsRelease(text);
          parseRedhatRelease(text);
          parseMarinerRelease(text);
          parseAmazonRelease(text);
          parseSuseRelease(text);
          parseDebianVersion(text);
          releaseFromBaseFiles(bytes);
          const os = await detector.detect(
            fakeContext({
              "/etc/os-release": text,
              "/var/lib/dpkg/status.d/base": Buffer.from(bytes).toString("latin1"),
            }),
          );
          if (os) expect(typeof os.id).toBe("string");
        },
      ),
      { numRuns: 300 },
    );
  });
});
