/**
 * The outer-tar indexer against an independent reader (tar-stream) on real archives, including odd
 * tars (GNU long names, pax sizes, broken headers, `./` prefixes, a tar without end blocks), and
 * fuzzed with random and mutated bytes: it only ever returns an index or throws ShipshapeError.
 */
import { createHash } from "node:crypto";
import { createReadStream, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import * as tarStream from "tar-stream";
import { describe, expect, it } from "vitest";
import { isShipshapeError, ShipshapeError } from "../../../src/errors.js";
import { bufferSource, openFileSource } from "../../../src/image/archive/random-access.js";
import { parsePaxRecords, parseTarHeader, parseTarNumber } from "../../../src/image/archive/tar-header.js";
import {
  findMember,
  indexTar,
  normalizeMemberName,
  type TarIndex,
  type TarMember,
} from "../../../src/image/archive/tar-index.js";
import { fixturePath } from "../../helpers/shared.js";

interface Oracle {
  name: string;
  type: string;
  size: number;
  linkname: string | null;
  sha256: string;
}

/** What tar-stream (a separate implementation) sees in a tar file, last entry of a name winning. */
async function readWithTarStream(path: string): Promise<Map<string, Oracle>> {
  const extract = tarStream.extract();
  createReadStream(path).pipe(extract);
  const out = new Map<string, Oracle>();
  for await (const entry of extract) {
    const hash = createHash("sha256");
    for await (const chunk of entry) hash.update(chunk as Buffer);
    const name = normalizeMemberName(entry.header.name);
    if (name === null) continue;
    out.set(name, {
      name,
      type: entry.header.type ?? "file",
      size:
        entry.header.type === "file" || entry.header.type === "contiguous-file"
          ? (entry.header.size ?? 0)
          : 0,
      linkname: entry.header.linkname ?? null,
      sha256: hash.digest("hex"),
    });
  }
  return out;
}

async function memberSha256(path: string, member: TarMember): Promise<string> {
  const source = await openFileSource(path);
  try {
    return createHash("sha256")
      .update(await source.read(member.offset, member.size))
      .digest("hex");
  } finally {
    await source.close();
  }
}

async function indexFile(path: string): Promise<TarIndex> {
  const source = await openFileSource(path);
  try {
    return await indexTar(source);
  } finally {
    await source.close();
  }
}

const ARCHIVES = [
  ...readdirSync(fixturePath("images")).map((f) => fixturePath("images", f)),
  fixturePath("real-images", "goodwithtech+dockle/pkg/deckoder/extractor/docker/testdata/symbolic.tar"),
  fixturePath("real-images", "snyk+snyk-docker-plugin/test/fixtures/docker-archives/skopeo-copy/busybox.tar"),
  fixturePath("real-images", "snyk+snyk-docker-plugin/test/fixtures/kaniko-archives/kaniko-busybox.tar"),
  fixturePath("real-images", "oras-project+oras-go/content/oci/testdata/hello-world-prefixed-path.tar"),
  fixturePath("real-images", "google+go-containerregistry/pkg/v1/tarball/testdata/test_link.tar"),
  fixturePath("real-images", "wagoodman+dive/.data/test-docker-image.tar"),
  fixturePath(
    "real-images",
    "GoogleContainerTools+jib/jib-core/src/integration-test/resources/core/busybox-jib.tar",
  ),
  ...[
    "paxsize-layer.tar",
    "bad-name-layer.tar",
    "broken-headers-layer.tar",
    "oddlayer-truncated-layer.tar",
    "overwrite-file.tar",
    "permissions-layer.tar",
    "abs-paths-bad-elf-layer.tar",
  ].map((f) => fixturePath("hostile-real", "edge", f)),
];

describe("indexTar agrees with tar-stream on real archives", () => {
  it.each(ARCHIVES.map((p) => [p.slice(p.indexOf("fixtures/") + 9), p]))("%s", async (_label, path) => {
    const index = await indexFile(path);
    const oracle = await readWithTarStream(path);
    expect([...index.members.keys()].sort()).toEqual([...oracle.keys()].sort());
    for (const [name, o] of oracle) {
      const m = index.members.get(name)!;
      const type =
        {
          file: "file",
          "contiguous-file": "file",
          directory: "directory",
          symlink: "symlink",
          link: "hardlink",
        }[o.type] ?? "other";
      expect(m.type, name).toBe(type);
      if (m.type === "file") {
        expect(m.size, name).toBe(o.size);
        expect(await memberSha256(path, m), name).toBe(o.sha256);
      }
      if (m.type === "symlink" || m.type === "hardlink") expect(m.linkname).toBe(o.linkname);
    }
  });
});

describe("member names and links", () => {
  it("normalises ./ prefixes, leading / and // and refuses ..", () => {
    expect(normalizeMemberName("./blobs//sha256/ab/")).toBe("blobs/sha256/ab");
    expect(normalizeMemberName("/manifest.json")).toBe("manifest.json");
    expect(normalizeMemberName("./")).toBeNull();
    expect(normalizeMemberName("")).toBeNull();
    expect(() => normalizeMemberName("a/../../etc/passwd")).toThrow(ShipshapeError);
    expect(() => normalizeMemberName("../x")).toThrow(/climbs out/);
  });

  it("the ./-prefixed OCI archive is found by plain names", async () => {
    const index = await indexFile(
      fixturePath("real-images", "oras-project+oras-go/content/oci/testdata/hello-world-prefixed-path.tar"),
    );
    expect(findMember(index, "index.json")?.size).toBe(329);
    expect(findMember(index, "./manifest.json")?.size).toBe(217);
  });

  it("skopeo's <id>/layer.tar -> ../<diffid>.tar symlink resolves to the layer file", async () => {
    const index = await indexFile(
      fixturePath(
        "real-images",
        "snyk+snyk-docker-plugin/test/fixtures/docker-archives/skopeo-copy/busybox.tar",
      ),
    );
    const id = "195be5f8be1df6709dafbba7ce48f2eee785ab7775b88e0c115d8205407265c5";
    expect(index.members.get(`${id}/layer.tar`)?.type).toBe("symlink");
    expect(findMember(index, `${id}/layer.tar`)).toBe(index.members.get(`${id}.tar`));
  });

  it("docker's deduplicated layer.tar symlink (dockle symbolic.tar) resolves to the other layer dir", async () => {
    const index = await indexFile(
      fixturePath("real-images", "goodwithtech+dockle/pkg/deckoder/extractor/docker/testdata/symbolic.tar"),
    );
    const link = "5e095c7592216925d14979c92b3672abbb9b39c0d8675571a8e0990a19e749d8/layer.tar";
    const target = "c1bb1b726a42cb777ddcaa1af168ea87a3f898f05af933b873b40556fe861d83/layer.tar";
    expect(findMember(index, link)).toBe(index.members.get(target));
  });

  function indexOf(members: Partial<TarMember>[]): TarIndex {
    const map = new Map<string, TarMember>();
    for (const m of members) {
      map.set(m.name!, { type: "file", offset: 0, size: 0, linkname: "", sparse: false, ...m } as TarMember);
    }
    return { members: map, entryCount: map.size };
  }

  it("links that leave the archive, loop or dangle are errors; absent names are undefined", () => {
    const index = indexOf([
      { name: "a/layer.tar", type: "symlink", linkname: "../../outside.tar" },
      { name: "b/layer.tar", type: "symlink", linkname: "../b/layer.tar" },
      { name: "c/layer.tar", type: "symlink", linkname: "../nothing.tar" },
      { name: "d", type: "hardlink", linkname: "../etc/shadow" },
      { name: "e/layer.tar", type: "symlink", linkname: "/x.tar" },
      { name: "x.tar", type: "file", size: 3 },
      { name: "dir", type: "directory" },
    ]);
    expect(() => findMember(index, "a/layer.tar")).toThrow(/outside the archive/);
    expect(() => findMember(index, "b/layer.tar")).toThrow(/chain of more than/);
    expect(() => findMember(index, "c/layer.tar")).toThrow(/not in the archive/);
    expect(() => findMember(index, "d")).toThrow(/outside the archive/);
    expect(findMember(index, "e/layer.tar")?.size).toBe(3); // absolute targets are archive-rooted
    expect(() => findMember(index, "dir")).toThrow(/is a directory, not a file/);
    expect(findMember(index, "missing")).toBeUndefined();
  });

  it("link resolution terminates on random link graphs with a member or a ShipshapeError", () => {
    const name = fc.constantFrom("a", "b", "a/b", "c/d", "x", "../a", "/a", "a/./b");
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            name: fc.constantFrom("a", "b", "a/b", "c/d", "x"),
            type: fc.constantFrom("file", "symlink", "hardlink", "directory"),
            linkname: name,
          }),
          {
            maxLength: 8,
          },
        ),
        name,
        (members, query) => {
          const index = indexOf(members as Partial<TarMember>[]);
          try {
            const found = findMember(index, query);
            if (found) expect(found.type).toBe("file");
          } catch (err) {
            if (!isShipshapeError(err)) throw err;
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("corrupt tars", () => {
  it("a huge declared size is refused as truncated without reading it", async () => {
    const bytes = new Uint8Array(
      readFileSync(
        fixturePath(
          "real-images",
          "snyk+snyk-docker-plugin/test/fixtures/kaniko-archives/kaniko-busybox.tar",
        ),
      ),
    );
    // GNU base-256 size of 10^11 in the first header, checksum fixed up.
    const size = bytes.subarray(124, 136);
    size.fill(0);
    size[0] = 0x80;
    let v = 100_000_000_000;
    for (let i = 11; i > 0; i--) {
      size[i] = v % 256;
      v = Math.floor(v / 256);
    }
    fixChecksum(bytes.subarray(0, 512));
    await expect(indexTar(bufferSource(bytes))).rejects.toThrow(
      /truncated tar archive: member at byte 0 declares 100000000000 bytes/,
    );
  });

  it("a cut archive and a flipped header byte are refused", async () => {
    const bytes = new Uint8Array(
      readFileSync(
        fixturePath(
          "real-images",
          "snyk+snyk-docker-plugin/test/fixtures/kaniko-archives/kaniko-busybox.tar",
        ),
      ),
    );
    await expect(indexTar(bufferSource(bytes.subarray(0, 700)))).rejects.toThrow(ShipshapeError);
    const flipped = Uint8Array.from(bytes);
    flipped[10] = flipped[10]! ^ 0x40;
    await expect(indexTar(bufferSource(flipped))).rejects.toThrow(/not a tar archive/);
  });

  it("a member name with .. makes the whole archive refused", async () => {
    const bytes = new Uint8Array(
      readFileSync(
        fixturePath(
          "real-images",
          "snyk+snyk-docker-plugin/test/fixtures/kaniko-archives/kaniko-busybox.tar",
        ),
      ),
    );
    bytes.set(new TextEncoder().encode("../evil\0"), 0);
    fixChecksum(bytes.subarray(0, 512));
    await expect(indexTar(bufferSource(bytes))).rejects.toThrow(/climbs out/);
  });

  it("numbers: octal with padding, base-256, garbage", () => {
    expect(parseTarNumber(new TextEncoder().encode("0000644 \0"), "mode")).toBe(0o644);
    expect(parseTarNumber(new Uint8Array([0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]), "size")).toBe(256);
    expect(() => parseTarNumber(new TextEncoder().encode("12x"), "size")).toThrow(ShipshapeError);
    expect(() => parseTarNumber(new Uint8Array([0xff, 1]), "size")).toThrow(/negative/);
  });

  it("pax records", () => {
    expect(parsePaxRecords(new TextEncoder().encode("13 size=1000\n20 path=a/b/c/d.txt\n")).get("path")).toBe(
      "a/b/c/d.txt",
    );
    expect(() => parsePaxRecords(new TextEncoder().encode("99 size=1\n"))).toThrow(ShipshapeError);
  });
});

function fixChecksum(block: Uint8Array): void {
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of block) sum += b;
  block.set(new TextEncoder().encode(`${sum.toString(8).padStart(6, "0")}\0 `), 148);
}

async function onlyShipshapeErrors(bytes: Uint8Array): Promise<void> {
  try {
    const index = await indexTar(bufferSource(bytes));
    for (const m of index.members.values()) {
      expect(m.offset + m.size).toBeLessThanOrEqual(bytes.length);
      try {
        findMember(index, m.name);
      } catch (err) {
        if (!isShipshapeError(err)) throw err;
      }
    }
  } catch (err) {
    if (!isShipshapeError(err)) throw err;
  }
}

describe("fuzz", () => {
  const seed = new Uint8Array(
    readFileSync(
      fixturePath("real-images", "snyk+snyk-docker-plugin/test/fixtures/kaniko-archives/kaniko-busybox.tar"),
    ),
  );
  const legacy = new Uint8Array(
    readFileSync(join(fixturePath("hostile-real", "edge"), "legacy-no-manifest.tar")),
  );

  it("random bytes", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 3000 }), (bytes) => onlyShipshapeErrors(bytes)),
      { numRuns: 300 },
    );
  });

  it("random header blocks with valid checksums reach every field parser", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 512, maxLength: 512 }),
        fc.uint8Array({ maxLength: 1600 }),
        async (header, rest) => {
          const block = Uint8Array.from(header);
          fixChecksum(block);
          const bytes = new Uint8Array(512 + rest.length);
          bytes.set(block);
          bytes.set(rest, 512);
          try {
            parseTarHeader(block, 0);
          } catch (err) {
            if (!isShipshapeError(err)) throw err;
          }
          await onlyShipshapeErrors(bytes);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("mutated real archives (byte flips, header fix-ups, truncation)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(seed, legacy),
        fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), {
          minLength: 1,
          maxLength: 12,
        }),
        fc.boolean(),
        fc.nat(),
        async (base, flips, fixHeaders, cut) => {
          const bytes = Uint8Array.from(base);
          for (const { at, value } of flips) bytes[at % bytes.length] = value;
          if (fixHeaders)
            for (let o = 0; o + 512 <= bytes.length; o += 512)
              if (bytes[o + 257] === 0x75) fixChecksum(bytes.subarray(o, o + 512));
          await onlyShipshapeErrors(cut % 3 === 0 ? bytes.subarray(0, cut % bytes.length) : bytes);
        },
      ),
      { numRuns: 400 },
    );
  });

  it("pax records from random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          parsePaxRecords(bytes);
        } catch (err) {
          if (!isShipshapeError(err)) throw err;
        }
      }),
      { numRuns: 300 },
    );
  });
});
