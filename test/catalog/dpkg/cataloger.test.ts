/**
 * The dpkg cataloger on small images written by tar-stream (an independent writer): damaged
 * databases are reported as incomplete with the file named and never crash the catalog; layer
 * attribution follows removals, reinstalls and upgrades; multi-arch `.list` names; status + status.d
 * together; and a warm rescan from the layer cache (parsed results read back from disk) is identical.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type CatalogResult, catalogFilesystem, catalogRequests } from "../../../src/catalog/catalog.js";
import { dpkgCataloger } from "../../../src/catalog/dpkg/cataloger.js";
import { osReleaseDetector } from "../../../src/catalog/os-release.js";
import { sha256Digest } from "../../../src/image/digest.js";
import { readFilesystem } from "../../../src/image/filesystem.js";
import { LayerCache } from "../../../src/image/layer-cache.js";
import type { ReadLimits } from "../../../src/image/limits.js";
import { bufferLayer, makeTar, syntheticImage, type TarMember } from "../../helpers/layers.js";

const options = { catalogers: [dpkgCataloger], osDetector: osReleaseDetector };

function stanza(name: string, version: string, extra = ""): string {
  return `Package: ${name}\nStatus: install ok installed\nArchitecture: amd64\n${extra}Version: ${version}\nDescription: ${name}\n`;
}

function status(...stanzas: string[]): string {
  return `${stanzas.join("\n")}\n`;
}

async function catalogLayers(
  layers: TarMember[][],
  extra: { limits?: Partial<ReadLimits>; cache?: LayerCache } = {},
): Promise<CatalogResult & { fromCache: boolean[] }> {
  const blobs = await Promise.all(layers.map((members) => makeTar(members)));
  const image = syntheticImage(
    blobs.map((b, i) => bufferLayer(b, i, extra.cache ? { diffID: sha256Digest(b) } : {})),
  );
  const fs = await readFilesystem(image, {
    cache: extra.cache ?? null,
    requests: catalogRequests(options),
    ...(extra.limits ? { limits: extra.limits } : {}),
  });
  const result = await catalogFilesystem(fs, options);
  return { ...result, fromCache: fs.layerFacts().map((l) => l.fromCache) };
}

const STATUS = "var/lib/dpkg/status";

describe("damaged databases", () => {
  it("an empty status while info/ has file lists: warned and incomplete, no crash", async () => {
    const r = await catalogLayers([
      [
        { name: STATUS, content: "" },
        { name: "var/lib/dpkg/info/bash.list", content: "/.\n/usr/bin/bash\n" },
      ],
    ]);
    expect(r.packages).toEqual([]);
    expect(r.warnings).toContain("dpkg: /var/lib/dpkg/status lists no packages");
    expect(r.incomplete).toEqual([
      {
        path: "/var/lib/dpkg/status",
        reason:
          "lists no packages, but /var/lib/dpkg/info/ has file lists of 1: the database looks emptied or damaged",
      },
    ]);
  });

  it("file lists without any status file (a removed database): said so", async () => {
    const r = await catalogLayers([
      [{ name: "var/lib/dpkg/info/bash.list", content: "/.\n/usr/bin/bash\n" }],
    ]);
    expect(r.packages).toEqual([]);
    expect(r.warnings).toEqual([
      "dpkg: /var/lib/dpkg/info/ has file lists of 1 package(s) but there is no /var/lib/dpkg/status: the package database was removed, its packages cannot be listed",
    ]);
  });

  it("an empty status and nothing else (a fresh dpkg database): a warning only", async () => {
    const r = await catalogLayers([[{ name: STATUS, content: "" }]]);
    expect(r.packages).toEqual([]);
    expect(r.incomplete).toEqual([]);
    expect(r.warnings).toEqual(["dpkg: /var/lib/dpkg/status lists no packages"]);
  });

  it("a status cut inside its last stanza: the packages before it, and the file reported incomplete", async () => {
    const full = status(stanza("a", "1.0-1"), stanza("b", "2.0-1"));
    const cut = full.slice(0, full.indexOf("Version: 2.0-1") + 5);
    const r = await catalogLayers([[{ name: STATUS, content: cut }]]);
    expect(r.packages.map((p) => `${p.name} ${p.version}`)).toEqual(["a 1.0-1"]);
    expect(r.incomplete).toEqual([
      {
        path: "/var/lib/dpkg/status",
        reason:
          "looks truncated (the file ends in the middle of its last stanza (b)): packages after that point are missing",
      },
    ]);
  });

  it("a NUL-filled tail: incomplete, with what came before", async () => {
    const text = status(stanza("a", "1"));
    const content = Buffer.concat([Buffer.from(text), Buffer.alloc(512)]);
    const r = await catalogLayers([[{ name: STATUS, content }]]);
    expect(r.packages.map((p) => p.name)).toEqual(["a"]);
    expect(r.incomplete.map((i) => i.reason)).toEqual([
      `looks truncated (NUL byte at offset ${text.length}): packages after that point are missing`,
    ]);
  });

  it("a status over the read limit: incomplete, not silently empty", async () => {
    const big = status(...Array.from({ length: 200 }, (_, i) => stanza(`p${i}`, "1")));
    const r = await catalogLayers([[{ name: STATUS, content: big }]], {
      limits: { maxCapturedFileBytes: 1024 },
    });
    expect(r.packages).toEqual([]);
    expect(r.incomplete).toEqual([
      {
        path: "/var/lib/dpkg/status",
        reason: "could not be read (larger than the read limit or unreadable): its packages are missing",
      },
    ]);
  });

  it("stanzas without Package or Version are skipped with a warning naming the file", async () => {
    const r = await catalogLayers([
      [{ name: STATUS, content: status("Package: x\nStatus: install ok installed\n", stanza("a", "1")) }],
    ]);
    expect(r.packages.map((p) => p.name)).toEqual(["a"]);
    expect(r.warnings).toContain("dpkg: /var/lib/dpkg/status: stanza at line 1 (x) has no Version: skipped");
    expect(r.incomplete).toEqual([]);
  });
});

describe("which layer installed a package", () => {
  it("follows removal, reinstallation and upgrade across layers", async () => {
    const r = await catalogLayers([
      [{ name: STATUS, content: status(stanza("a", "1"), stanza("b", "1"), stanza("c", "1")) }],
      [{ name: STATUS, content: status(stanza("b", "1"), stanza("c", "1")) }], // a removed
      [{ name: "etc/unrelated", content: "x" }],
      [{ name: STATUS, content: status(stanza("a", "1"), stanza("b", "1"), stanza("c", "1")) }], // a back
      [{ name: STATUS, content: status(stanza("a", "1"), stanza("b", "2"), stanza("c", "1")) }], // b upgraded
    ]);
    expect(r.packages.map((p) => [p.name, p.version, p.locations[0]?.layer])).toEqual([
      ["a", "1", 3],
      ["b", "2", 4],
      ["c", "1", 0],
    ]);
  });
});

describe("file lists", () => {
  it("multi-arch `<pkg>:<arch>.list` first, plain `<pkg>.list` otherwise; none: a warning", async () => {
    const r = await catalogLayers([
      [
        {
          name: STATUS,
          content: status(
            stanza("libfoo", "1", "Multi-Arch: same\n"),
            stanza("tool", "1"),
            stanza("nolist", "1"),
          ),
        },
        { name: "var/lib/dpkg/info/libfoo:amd64.list", content: "/.\n/usr/lib\n/usr/lib/libfoo.so.1\n" },
        { name: "var/lib/dpkg/info/libfoo.list", content: "/wrong\n" },
        { name: "var/lib/dpkg/info/tool.list", content: "/.\n/usr/bin/tool\n" },
      ],
    ]);
    const files = new Map(r.packages.map((p) => [p.name, p.files]));
    expect(files.get("libfoo")).toEqual(["/usr/lib", "/usr/lib/libfoo.so.1"]);
    expect(files.get("tool")).toEqual(["/usr/bin/tool"]);
    expect(files.get("nolist")).toEqual([]);
    expect(r.warnings).toEqual([
      "dpkg: 1 installed package(s) have no file list in /var/lib/dpkg/info/: files they own cannot be attributed to them",
    ]);
  });

  it("status and status.d together: each package once, status.d md5sums as its files", async () => {
    const r = await catalogLayers([
      [
        { name: STATUS, content: status(stanza("a", "1")) },
        { name: "var/lib/dpkg/status.d/a", content: stanza("a", "1") },
        {
          name: "var/lib/dpkg/status.d/b",
          content: stanza("b", "2").replace("Status: install ok installed\n", ""),
        },
        { name: "var/lib/dpkg/status.d/b.md5sums", content: `${"0".repeat(32)}  usr/bin/b\n` },
      ],
    ]);
    expect(r.packages.map((p) => [p.name, p.locations[0]?.path, p.files])).toEqual([
      ["a", "/var/lib/dpkg/status", []],
      ["b", "/var/lib/dpkg/status.d/b", ["/usr/bin/b"]],
    ]);
  });
});

describe("layer cache", () => {
  const dir = mkdtempSync(join(tmpdir(), "shipshape-dpkg-cache-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("a warm rescan reads the parsed results back from the cache and gives the same packages", async () => {
    const layers: TarMember[][] = [
      [
        { name: STATUS, content: status(stanza("a", "1:2.0-1", "Source: asrc (2.0-1)\n"), stanza("b", "1")) },
        { name: "var/lib/dpkg/info/a.list", content: "/.\n/usr/bin/a\n" },
        { name: "usr/share/doc/a/copyright", content: "Format: x\n\nLicense: GPL-2+\n" },
      ],
      [{ name: STATUS, content: status(stanza("a", "1:2.0-1", "Source: asrc (2.0-1)\n"), stanza("b", "2")) }],
    ];
    const cache = new LayerCache(dir);
    const cold = await catalogLayers(layers, { cache });
    const warm = await catalogLayers(layers, { cache });
    expect(cold.packages).toHaveLength(2);
    expect(cold.packages[0]).toMatchObject({
      name: "a",
      version: "1:2.0-1",
      sourceName: "asrc",
      sourceVersion: "2.0-1",
      files: ["/usr/bin/a"],
      licenses: ["GPL-2+"],
      locations: [{ path: "/var/lib/dpkg/status", layer: 0 }],
    });
    expect(cold.fromCache).toEqual([false, false]);
    expect(warm.fromCache).toEqual([true, true]);
    expect({ ...warm, fromCache: [] }).toEqual({ ...cold, fromCache: [] });
  });
});
