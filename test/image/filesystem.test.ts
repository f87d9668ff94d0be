/**
 * The squashed view over real layer tars from other tools' suites (Trivy's whiteout layers,
 * containerd/claircore/osv-scalibr edge and escape layers) and small tars written by tar-stream.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PathError, readFilesystem } from "../../src/image/filesystem.js";
import { LayerCache } from "../../src/image/layer-cache.js";
import { bufferLayer, fileLayer, makeTar, syntheticImage } from "../helpers/layers.js";
import { fixturePath } from "../helpers/shared.js";

const trivyTestdata = (name: string) =>
  fixturePath(
    "real-images",
    "aquasecurity+trivy",
    "_history",
    "8b3289c88020",
    "extractor",
    "docker",
    "testdata",
    name,
  );
const edge = (name: string) => fixturePath("hostile-real", "edge", name);
const escapeFixture = (name: string) => fixturePath("hostile-real", "escape", name);

function paths(fs: Awaited<ReturnType<typeof readFilesystem>>): string[] {
  return [...fs.walk()].map(([p, n]) => (n.kind === "dir" ? `${p}/` : p));
}

describe("whiteouts (Trivy's normal/opq/opq2 layers)", () => {
  it("an opaque directory hides lower contents but not what its own layer adds; .wh.x deletes x", async () => {
    const fs = await readFilesystem(
      syntheticImage([fileLayer(trivyTestdata("normal.tar"), 0), fileLayer(trivyTestdata("opq.tar"), 1)]),
      { cache: null },
    );
    expect(paths(fs)).toEqual(["/etc/", "/etc/test/", "/etc/test/test2", "/var/"]);
    expect(fs.opaqueDirs).toEqual([{ layer: 1, path: "/etc/test" }]);
    expect(fs.whiteouts).toEqual([{ layer: 1, path: "/var/foo", existedBelow: true, entriesRemoved: 1 }]);
  });

  it("applies three layers in order", async () => {
    const fs = await readFilesystem(
      syntheticImage([
        fileLayer(trivyTestdata("normal.tar"), 0),
        fileLayer(trivyTestdata("opq.tar"), 1),
        fileLayer(trivyTestdata("opq2.tar"), 2),
      ]),
      { cache: null, requests: [{ id: "t", version: "1", paths: ["/etc/test/bar"] }] },
    );
    expect(paths(fs)).toEqual(["/etc/", "/etc/test/", "/etc/test/bar", "/var/"]);
    expect((await fs.readFile("/etc/test/bar")).length).toBe(4);
    // The second whiteout of /var/foo finds nothing below: it was already gone.
    expect(fs.whiteouts.map((w) => [w.layer, w.existedBelow])).toEqual([
      [1, true],
      [2, false],
    ]);
  });

  it("a whiteout hides lower layers only, never a file of its own layer", async () => {
    const lower = await makeTar([{ name: "a/x", content: "old" }]);
    const upper = await makeTar([
      { name: "a/y", content: "new" },
      { name: "a/.wh.y", content: "" },
      { name: "a/.wh.x", content: "" },
    ]);
    const fs = await readFilesystem(syntheticImage([bufferLayer(lower, 0), bufferLayer(upper, 1)]), {
      cache: null,
    });
    expect(paths(fs)).toEqual(["/a/", "/a/y"]);
  });

  it("deleting a directory removes its subtree and counts the entries removed", async () => {
    const lower = await makeTar([
      { name: "d/", type: "directory" },
      { name: "d/one", content: "1" },
      { name: "d/sub/two", content: "2" },
    ]);
    const upper = await makeTar([{ name: ".wh.d", content: "" }]);
    const fs = await readFilesystem(syntheticImage([bufferLayer(lower, 0), bufferLayer(upper, 1)]), {
      cache: null,
    });
    expect(paths(fs)).toEqual([]);
    expect(fs.whiteouts).toEqual([{ layer: 1, path: "/d", existedBelow: true, entriesRemoved: 4 }]);
  });
});

describe("links stay inside the image root", () => {
  const canaryDir = mkdtempSync(join(tmpdir(), "shipshape-canary-"));
  const canary = join(canaryDir, "poc.txt");
  writeFileSync(canary, "HOST FILE - must never be read");
  afterAll(() => rmSync(canaryDir, { recursive: true, force: true }));

  it("escape-layer.tar: /escape resolves to the image's /tmp; the file written through it is not on the host", async () => {
    const fs = await readFilesystem(syntheticImage([fileLayer(escapeFixture("escape-layer.tar"), 0)]), {
      cache: null,
      requests: [{ id: "t", version: "1", globs: ["/**"] }],
    });
    // The image has no /tmp: resolving /escape names the image's own /tmp.
    expect(() => fs.stat("/escape")).toThrow("/tmp does not exist");
    // The member /escape/poc.txt came before the /escape symlink replaced that directory.
    expect(() => fs.stat("/usr/share/doc/c/copyright")).toThrow(PathError);
    expect(fs.realpath("/usr/share/doc/a/copyright")).toBe("/");
  });

  it("symlinks that climb with .. or absolute targets resolve inside the root", async () => {
    const layer = await makeTar([
      { name: "etc/secret.txt", content: "in-image" },
      { name: "dir1/up", type: "symlink", linkname: "../../../../etc/secret.txt" },
      { name: "dir1/abs", type: "symlink", linkname: "/../../etc/secret.txt" },
      { name: "dir1/host", type: "symlink", linkname: `../../../../../..${canary}` },
      { name: "escape", type: "symlink", linkname: "../../../../tmp" },
      { name: "escape/pwned", content: "written through a link" },
    ]);
    const fs = await readFilesystem(syntheticImage([bufferLayer(layer, 0)]), {
      cache: null,
      requests: [{ id: "t", version: "1", globs: ["/**"] }],
    });
    expect((await fs.readFile("/dir1/up")).toString()).toBe("in-image");
    expect((await fs.readFile("/dir1/abs")).toString()).toBe("in-image");
    await expect(fs.readFile("/dir1/host")).rejects.toMatchObject({ code: "ENOENT" });
    // containerd semantics: the file lands in the image's /tmp.
    expect((await fs.readFile("/tmp/pwned")).toString()).toBe("written through a link");
    expect(fs.lstat("/escape")?.kind).toBe("symlink");
  });

  it("hard links to paths that are not in the image are skipped with a warning", async () => {
    const layer = await makeTar([
      { name: "etc/passwd", content: "root:x:0:0::/root:/bin/sh\n" },
      { name: "etc/shadow-link", type: "link", linkname: "/etc/shadow" },
      { name: "etc/shadow-link2", type: "link", linkname: "../../../../../../etc/shadow" },
      { name: "etc/passwd-link", type: "link", linkname: "etc/passwd" },
    ]);
    const fs = await readFilesystem(syntheticImage([bufferLayer(layer, 0)]), {
      cache: null,
      requests: [{ id: "t", version: "1", paths: ["/etc/passwd-link"] }],
    });
    expect(fs.lstat("/etc/shadow-link")).toBeNull();
    expect(fs.lstat("/etc/shadow-link2")).toBeNull();
    expect(fs.warnings.filter((w) => w.includes("not in the image"))).toHaveLength(2);
    expect(fs.warnings.some((w) => w.includes("climbs above the root"))).toBe(true);
    // The hard link shares its target's bytes, fetched by a second pass (the target was not requested).
    expect((await fs.readFile("/etc/passwd-link")).toString()).toContain("root:x:0:0");
    expect(fs.summary()).toMatchObject({ regularFiles: 2, hardlinks: 1, regularFilesExcludingHardlinks: 1 });
  });

  it("a symlink cycle is an error for that path only", async () => {
    const layer = await makeTar([
      { name: "a", type: "symlink", linkname: "b" },
      { name: "b", type: "symlink", linkname: "a" },
      { name: "self", type: "symlink", linkname: "self/x" },
      { name: "ok.txt", content: "fine" },
    ]);
    const fs = await readFilesystem(syntheticImage([bufferLayer(layer, 0)]), {
      cache: null,
      requests: [{ id: "t", version: "1", paths: ["/ok.txt"] }],
    });
    await expect(fs.readFile("/a")).rejects.toMatchObject({ code: "ELOOP" });
    await expect(fs.readFile("/self")).rejects.toMatchObject({ code: "ELOOP" });
    expect((await fs.readFile("/ok.txt")).toString()).toBe("fine");
  });

  it("a file under a symlinked directory is found by its real path (second pass when needed)", async () => {
    const lower = await makeTar([
      { name: "usr/bin/", type: "directory" },
      { name: "bin", type: "symlink", linkname: "usr/bin" },
    ]);
    const upper = await makeTar([{ name: "bin/tool", content: "#!/bin/sh\n" }]);
    const fs = await readFilesystem(syntheticImage([bufferLayer(lower, 0), bufferLayer(upper, 1)]), {
      cache: null,
      requests: [{ id: "t", version: "1", paths: ["/usr/bin/tool"] }],
    });
    expect(fs.lstat("/usr/bin/tool")?.kind).toBe("file");
    expect(fs.secondPasses).toBe(1);
    expect((await fs.readFile("/usr/bin/tool")).toString()).toBe("#!/bin/sh\n");
    expect(fs.filesFor("t")).toEqual(["/usr/bin/tool"]);
  });
});

describe("odd but legitimate tars are read correctly", () => {
  it("paxsize-layer.tar: the size lives only in a PAX record", async () => {
    const fs = await readFilesystem(syntheticImage([fileLayer(edge("paxsize-layer.tar"), 0)]), {
      cache: null,
      requests: [{ id: "t", version: "1", paths: ["/normalfile"] }],
    });
    expect((await fs.readFile("/normalfile")).length).toBe(1024);
  });

  it("concat-layer.tar: two tar streams back to back; the var/run symlink is replaced by a directory", async () => {
    const fs = await readFilesystem(syntheticImage([fileLayer(edge("concat-layer.tar"), 0)]), {
      cache: null,
    });
    expect(fs.lstat("/var/run")?.kind).toBe("dir");
    expect(fs.lstat("/var/run/console/algo.txt")?.kind).toBe("file");
    expect(fs.lstat("/run/logs/log.txt")?.kind).toBe("file");
  });

  it("oddlayer-truncated-layer.tar: a 2013 layer with one header and no end blocks", async () => {
    const fs = await readFilesystem(syntheticImage([fileLayer(edge("oddlayer-truncated-layer.tar"), 0)]), {
      cache: null,
    });
    expect(fs.layers[0]!.entries.map((e) => [e.path, e.kind])).toEqual([["/", "dir"]]);
    expect(fs.layers[0]!.members).toBe(1);
    expect(fs.summary()).toMatchObject({ regularFiles: 0, directories: 1 });
  });

  it("bad-name-layer.tar: a long name with invalid UTF-8 is kept as a file", async () => {
    const fs = await readFilesystem(syntheticImage([fileLayer(edge("bad-name-layer.tar"), 0)]), {
      cache: null,
      requests: [{ id: "t", version: "1", globs: ["/*"] }],
    });
    const files = [...fs.walk()].filter(([, n]) => n.kind === "file");
    expect(files).toHaveLength(1);
    expect(files[0]![0].startsWith(`/${"_".repeat(100)}bad`)).toBe(true);
    expect((await fs.readFile(files[0]![0])).length).toBe(9);
  });

  it("broken-headers-layer.tar: ustar/GNU conflicts, huge uid/gid and long names", async () => {
    const fs = await readFilesystem(syntheticImage([fileLayer(edge("broken-headers-layer.tar"), 0)]), {
      cache: null,
    });
    const meta = fs.lstat("/root/.cpanm/work/1395823785.24209/File-Find-Rule-0.33/META.yml");
    expect(meta).toMatchObject({ kind: "file", size: 594, uid: 831580115, gid: 755412454 });
    expect(
      fs.lstat(
        "/root/.cpanm/work/1395823785.24209/Plack-1.0030/blib/man3/Plack::Middleware::LighttpdScriptNameFix.3pm",
      )?.size,
    ).toBe(6149);
  });

  it("abs-paths-bad-elf-layer.tar: absolute member names and an absolute symlink", async () => {
    const fs = await readFilesystem(syntheticImage([fileLayer(edge("abs-paths-bad-elf-layer.tar"), 0)]), {
      cache: null,
    });
    expect(
      fs.realpath("/layers/paketo-buildpacks_ca-certificates/helper/exec.d/ca-certificates-helper"),
    ).toBe("/layers/paketo-buildpacks_ca-certificates/helper/helper");
    expect(fs.stat("/layers/paketo-buildpacks_ca-certificates/helper/helper").size).toBe(1402300);
  });
});

describe("integrity and limits", () => {
  it("a wrong layer digest, diffID or size is an error, never a warning", async () => {
    const bytes = await makeTar([{ name: "f", content: "x" }], { gzip: true });
    const wrong = `sha256:${"0".repeat(64)}`;
    await expect(
      readFilesystem(syntheticImage([bufferLayer(bytes, 0, { digest: wrong })]), { cache: null }),
    ).rejects.toThrow(/layer 0 .*digest mismatch: expected sha256:0{64}, got sha256:[0-9a-f]{64}/);
    await expect(
      readFilesystem(syntheticImage([bufferLayer(bytes, 0, { diffID: wrong })]), { cache: null }),
    ).rejects.toThrow(/does not match the config's diff_id/);
    await expect(
      readFilesystem(syntheticImage([bufferLayer(bytes, 0, { size: bytes.length + 1 })]), { cache: null }),
    ).rejects.toThrow(/size mismatch/);
  });

  it("truncated gzip and truncated tar streams are errors, not partial results", async () => {
    const gz = await makeTar([{ name: "big", content: Buffer.alloc(200_000, 7) }], { gzip: true });
    await expect(
      readFilesystem(syntheticImage([bufferLayer(gz.subarray(0, Math.floor(gz.length / 2)), 0)]), {
        cache: null,
      }),
    ).rejects.toThrow(/unexpected end of gzip stream/);
    const plain = await makeTar([{ name: "big", content: Buffer.alloc(200_000, 7) }]);
    await expect(
      readFilesystem(syntheticImage([bufferLayer(plain.subarray(0, 100_000), 0)]), { cache: null }),
    ).rejects.toThrow(/unexpected end of tar stream/);
  });

  it("stops a decompression bomb by the ratio limit and the per-layer limit", async () => {
    const bomb = await makeTar([{ name: "zeros.bin", content: Buffer.alloc(8 * 1024 * 1024) }], {
      gzip: true,
    });
    await expect(
      readFilesystem(syntheticImage([bufferLayer(bomb, 0)]), {
        cache: null,
        limits: { ratioGraceBytes: 1024 * 1024, maxCompressionRatio: 100 },
      }),
    ).rejects.toThrow(/decompression bomb/);
    await expect(
      readFilesystem(syntheticImage([bufferLayer(bomb, 0)]), {
        cache: null,
        limits: { maxLayerBytes: 1024 * 1024 },
      }),
    ).rejects.toThrow(/per-layer limit/);
    await expect(
      readFilesystem(syntheticImage([bufferLayer(bomb, 0)]), {
        cache: null,
        limits: { maxFileBytes: 1024 * 1024 },
      }),
    ).rejects.toThrow(/member "zeros.bin" declares 8388608 bytes, over the per-file limit of 1 MiB/);
  });

  it("files over the capture cap are listed but not kept", async () => {
    const layer = await makeTar([{ name: "big.bin", content: Buffer.alloc(5000, 1) }]);
    const fs = await readFilesystem(syntheticImage([bufferLayer(layer, 0)]), {
      cache: null,
      requests: [{ id: "t", version: "1", paths: ["/big.bin"], maxFileBytes: 1000 }],
    });
    expect(fs.stat("/big.bin").size).toBe(5000);
    await expect(fs.readFile("/big.bin")).rejects.toThrow(/larger than analyzers read/);
  });
});

describe("layer cache", () => {
  const dir = mkdtempSync(join(tmpdir(), "shipshape-cache-test-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("a second read of a verified layer comes from the cache without opening the blob", async () => {
    const bytes = await makeTar([
      { name: "etc/os-release", content: "ID=test\n" },
      { name: "etc/other", content: "x" },
    ]);
    const { createHash } = await import("node:crypto");
    const diffID = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
    let opens = 0;
    const layer = () => {
      const l = bufferLayer(bytes, 0, { diffID });
      const open = l.open;
      l.open = async (signal) => {
        opens++;
        return open(signal);
      };
      return l;
    };
    const cache = new LayerCache(dir);
    const requests = [{ id: "os", version: "1", paths: ["/etc/os-release"] }];
    const first = await readFilesystem(syntheticImage([layer()]), { cache, requests });
    const second = await readFilesystem(syntheticImage([layer()]), { cache, requests });
    expect(opens).toBe(1);
    expect(second.layers[0]!.fromCache).toBe(true);
    expect(second.summary()).toEqual(first.summary());
    expect((await second.readFile("/etc/os-release")).toString()).toBe("ID=test\n");
    // Another analyzer set is another key: the layer is read again.
    await readFilesystem(syntheticImage([layer()]), {
      cache,
      requests: [{ id: "other", version: "1", paths: ["/etc/other"] }],
    });
    expect(opens).toBe(2);
  });
});

describe("end of archive", () => {
  it("members after the end-of-archive marker are not part of the layer (as in Go's archive/tar)", async () => {
    const first = await makeTar([{ name: "kept.txt", content: "in the archive" }]);
    const appended = await makeTar([{ name: "after-eof.txt", content: "after the marker" }]);
    const fs = await readFilesystem(syntheticImage([bufferLayer(Buffer.concat([first, appended]), 0)]), {
      cache: null,
    });
    expect(paths(fs)).toEqual(["/kept.txt"]);
    expect(fs.warnings.join("\n")).toMatch(/data after the tar end-of-archive marker was ignored/);
    // The diffID still covers every byte, including what came after the marker.
    expect(fs.layers[0]!.uncompressedBytes).toBe(first.length + appended.length);
  });

  it("pax size records and long names keep the header chain in step", async () => {
    const bytes = await makeTar([
      { name: `${"d".repeat(120)}/long-name.txt`, content: Buffer.alloc(3000, 65) },
      { name: "next.txt", content: "x" },
    ]);
    const fs = await readFilesystem(syntheticImage([bufferLayer(bytes, 0)]), { cache: null });
    expect(paths(fs).filter((p) => p.endsWith(".txt"))).toEqual([
      `/${"d".repeat(120)}/long-name.txt`,
      "/next.txt",
    ]);
    expect(fs.warnings).toEqual([]);
  });
});

describe("analyzers that keep a result, not the bytes", () => {
  const countLines = {
    id: "lines",
    version: "1",
    globs: ["/**/*.txt"],
    analyze: (bytes: Buffer) => bytes.toString().split("\n").length - 1,
  };

  it("each matching file is analyzed once while streaming and its bytes are not kept", async () => {
    const layer = await makeTar([
      { name: "a/one.txt", content: "1\n" },
      { name: "a/three.txt", content: "1\n2\n3\n" },
      { name: "a/skip.bin", content: "x" },
    ]);
    const fs = await readFilesystem(syntheticImage([bufferLayer(layer, 0)]), {
      cache: null,
      requests: [countLines],
    });
    expect(fs.analysis("lines", "/a/one.txt")).toBe(1);
    expect(fs.analysis("lines", "/a/three.txt")).toBe(3);
    expect(fs.analysis("lines", "/a/skip.bin")).toBeUndefined();
    expect(fs.layers[0]!.captured.size).toBe(0);
    expect(fs.secondPasses).toBe(0);
    // The bytes can still be read: that costs a second pass.
    expect((await fs.readFile("/a/three.txt")).toString()).toBe("1\n2\n3\n");
    expect(fs.secondPasses).toBe(1);
  });

  it("a file reached through a symlinked directory is analyzed by a second pass", async () => {
    const lower = await makeTar([
      { name: "real/", type: "directory" },
      { name: "link", type: "symlink", linkname: "real" },
    ]);
    const upper = await makeTar([{ name: "link/notes.txt", content: "a\nb\n" }]);
    const fs = await readFilesystem(syntheticImage([bufferLayer(lower, 0), bufferLayer(upper, 1)]), {
      cache: null,
      requests: [{ ...countLines, globs: ["/real/*.txt"] }],
    });
    expect(fs.analysis("lines", "/real/notes.txt")).toBe(2);
    expect(fs.secondPasses).toBe(1);
  });

  it("analyses are cached with the layer", async () => {
    const dir = mkdtempSync(join(tmpdir(), "shipshape-analysis-cache-"));
    try {
      const bytes = await makeTar([{ name: "x.txt", content: "1\n2\n" }]);
      const { createHash } = await import("node:crypto");
      const diffID = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
      let calls = 0;
      const request = {
        ...countLines,
        analyze: (b: Buffer) => {
          calls++;
          return countLines.analyze(b);
        },
      };
      const cache = new LayerCache(dir);
      await readFilesystem(syntheticImage([bufferLayer(bytes, 0, { diffID })]), {
        cache,
        requests: [request],
      });
      const again = await readFilesystem(syntheticImage([bufferLayer(bytes, 0, { diffID })]), {
        cache,
        requests: [request],
      });
      expect(again.layers[0]!.fromCache).toBe(true);
      expect(again.analysis("lines", "/x.txt")).toBe(2);
      expect(calls).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("an analyzer that throws records null and a warning, and the read goes on", async () => {
    const layer = await makeTar([
      { name: "bad.txt", content: "x" },
      { name: "ok", content: "y" },
    ]);
    const fs = await readFilesystem(syntheticImage([bufferLayer(layer, 0)]), {
      cache: null,
      requests: [
        {
          id: "boom",
          version: "1",
          paths: ["/bad.txt"],
          analyze: () => {
            throw new Error("cannot parse");
          },
        },
      ],
    });
    expect(fs.analysis("boom", "/bad.txt")).toBeNull();
    expect(fs.warnings.join("\n")).toMatch(/boom could not analyze \/bad.txt: cannot parse/);
  });
});

describe("file requests", () => {
  it('a glob "/**/name" also matches a file at the root (picomatch alone would not)', async () => {
    const { compileRequests } = await import("../../src/image/file-request.js");
    const r = compileRequests([{ id: "g", version: "1", globs: ["/**/package.json", "/usr/lib/**"] }], 1000);
    expect(r.plan("/package.json", 0o644, 1)).not.toBeNull();
    expect(r.plan("/app/node_modules/x/package.json", 0o644, 1)).not.toBeNull();
    expect(r.plan("/usr/lib/os-release", 0o644, 1)).not.toBeNull();
    expect(r.plan("/usr/libexec/x", 0o644, 1)).toBeNull();
  });
});
