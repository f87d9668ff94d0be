/**
 * Real images from osv-scalibr's and claircore's suites whose symlinks attack, loop, chain or dangle:
 * every link resolves inside the image root, a loop is an error for its own paths only, and the rest
 * of the image reads normally. Also overwritten files and a file with mode 0000.
 */
import { describe, expect, it } from "vitest";
import { type ImageFilesystem, readFilesystem } from "../../src/image/filesystem.js";
import { openImage } from "../../src/image/open.js";
import { fixturePath } from "../helpers/shared.js";

async function readAll(relative: string): Promise<{ fs: ImageFilesystem; contents: Map<string, string> }> {
  const image = await openImage(`docker-archive:${fixturePath("hostile-real", relative)}`);
  try {
    const fs = await readFilesystem(image, {
      cache: null,
      requests: [{ id: "all", version: "1", globs: ["/**"] }],
    });
    const contents = new Map<string, string>();
    for (const [path, node] of fs.walk()) {
      if (node.kind === "dir") continue;
      try {
        contents.set(path, (await fs.readFile(path)).toString());
      } catch (err) {
        contents.set(path, `${(err as { code?: string }).code ?? "ERR"}`);
      }
    }
    return { fs, contents };
  } finally {
    await image.close();
  }
}

const SAMPLE = "sample text\n";

describe("symlinks in real images", () => {
  it("symlink-attack.tar: ../../secret.txt and /../secret.txt stay in the root (the image has no /secret.txt)", async () => {
    const { contents } = await readAll("escape/symlink-attack.tar");
    expect(Object.fromEntries(contents)).toEqual({
      "/dir1/attack-symlink-absolute.txt": "ENOENT",
      "/dir1/attack-symlink.txt": "ENOENT",
    });
  });

  it("symlink-cycle.tar: every path on the cycle is ELOOP, and only those", async () => {
    const { contents } = await readAll("escape/symlink-cycle.tar");
    expect([...contents.values()]).toEqual(["ELOOP", "ELOOP", "ELOOP"]);
  });

  it("symlink-depth-exceeded.tar: a chain of 7 absolute links is fine under Linux's limit of 40", async () => {
    const { contents } = await readAll("escape/symlink-depth-exceeded.tar");
    expect(contents.size).toBe(8);
    for (const value of contents.values()) expect(value).toBe(SAMPLE);
  });

  it("symlinks-layer.tar: attack links dangle inside the root; chains, ./ and /dir2/../ resolve", async () => {
    const { fs, contents } = await readAll("escape/symlinks-layer.tar");
    expect(contents.get("/dir1/attack-symlink.txt")).toBe("ENOENT");
    expect(contents.get("/dir1/attack-symlink-absolute.txt")).toBe("ENOENT");
    for (const p of [
      "/dir1/chain-symlink.txt",
      "/dir1/relative-dot-symlink.txt",
      "/dir2/dir3/absolute-chain-symlink.txt",
      "/dir2/dir3/absolute-symlink-inside-root.txt",
      "/dir2/dir3/relative-subfolder-symlink.txt",
    ]) {
      expect({ p, v: contents.get(p) }).toEqual({ p, v: SAMPLE });
    }
    expect(fs.realpath("/dir2/dir3/absolute-symlink-inside-root.txt")).toBe("/dir1/sample.txt");
  });

  it("symlink-basic.tar: relative, absolute, ./ and chained links across layers", async () => {
    const { contents } = await readAll("edge/symlink-basic.tar");
    expect(new Set(contents.values())).toEqual(new Set([SAMPLE]));
    expect(contents.size).toBe(5);
  });

  it("symlink-dangling.tar: links to a file the image never had are ENOENT, the image still reads", async () => {
    const { fs, contents } = await readAll("edge/symlink-dangling.tar");
    expect(contents.size).toBe(7);
    expect(new Set(contents.values())).toEqual(new Set(["ENOENT"]));
    expect(fs.summary().symlinks).toBe(7);
  });
});

describe("plain files in real images", () => {
  it("overwrite-file.tar: the later layer's file wins", async () => {
    const { contents } = await readAll("edge/overwrite-file.tar");
    expect(Object.fromEntries(contents)).toEqual({ "/sample.txt": "overwritten sample text file\n" });
  });

  it("permissions-layer.tar: a file with mode 0000 is still read", async () => {
    const { fs, contents } = await readAll("edge/permissions-layer.tar");
    expect(fs.stat("/sample.txt").mode).toBe(0);
    expect(contents.get("/sample.txt")).toBe("sample text file\n");
  });
});
