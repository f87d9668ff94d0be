/**
 * How the rpm cataloger finds and reads databases in an image: parsed while the layer streams (no
 * second pass over the layer), a database reached through a symlinked directory read once, a database
 * behind a symlink outside the requested paths still found, duplicates across databases merged, later
 * layers replacing earlier databases, and the layer cache giving the same answer warm as cold.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { OS_DETECTOR } from "../../../src/catalog/all.js";
import { catalogFilesystem, catalogRequests } from "../../../src/catalog/catalog.js";
import { rpmCataloger } from "../../../src/catalog/rpm/cataloger.js";
import { readFilesystem } from "../../../src/image/filesystem.js";
import { LayerCache } from "../../../src/image/layer-cache.js";
import { openImage } from "../../../src/image/open.js";
import type { OpenedImage } from "../../../src/image/source.js";
import { bufferLayer, makeTar, syntheticImage } from "../../helpers/layers.js";
import { fixturePath } from "../../helpers/shared.js";
import { PKGDB } from "./helpers.js";

const options = { catalogers: [rpmCataloger], osDetector: OS_DETECTOR };
const ndb = readFileSync(fixturePath(PKGDB, "sle15-bci/Packages.db"));
const bdb = readFileSync(fixturePath(PKGDB, "libuuid/Packages"));
const sqlite = readFileSync(fixturePath(PKGDB, "cbl-mariner-2.0/rpmdb.sqlite"));

async function run(image: OpenedImage, cache: LayerCache | null = null, maxAnalyzedFileBytes?: number) {
  try {
    const limits = maxAnalyzedFileBytes === undefined ? {} : { maxAnalyzedFileBytes };
    const fs = await readFilesystem(image, { cache, limits, requests: catalogRequests(options) });
    const result = await catalogFilesystem(fs, options);
    return { fs, result };
  } finally {
    await image.close();
  }
}

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

describe("the rpm cataloger in an image", () => {
  it("parses databases as the layer streams: no second pass, symlinked /var/lib/rpm read once", async () => {
    const { fs, result } = await run(
      await openImage(`oci-archive:${fixturePath("images", "sle15-ndb.oci.tar")}`),
    );
    expect(fs.secondPasses).toBe(0);
    expect(fs.analysis("rpm", "/var/lib/rpm/Packages.db")).toEqual(
      fs.analysis("rpm", "/usr/lib/sysimage/rpm/Packages.db"),
    );
    expect(result.packages).toHaveLength(35);
    expect(new Set(result.packages.map((p) => p.locations[0]!.path))).toEqual(
      new Set(["/usr/lib/sysimage/rpm/Packages.db"]),
    );
  });

  it("finds a database behind a symlink that leaves the requested paths", async () => {
    const layer = await makeTar([
      { name: "opt/rpmdb/Packages", content: bdb },
      { name: "var/lib", type: "directory" },
      { name: "var/lib/rpm", type: "symlink", linkname: "../../opt/rpmdb" },
    ]);
    const { result } = await run(syntheticImage([bufferLayer(layer, 0)]));
    expect(result.incomplete).toEqual([]);
    expect(result.packages.map((p) => [p.name, p.locations])).toEqual([
      ["libuuid", [{ path: "/opt/rpmdb/Packages", layer: 0 }]],
    ]);
  });

  it("a package in two databases is one package with two locations; the newest layer's database wins", async () => {
    // Layer 0: the SQLite database and an NDB copy of SLE; layer 1 replaces the SQLite database by BDB.
    const first = await makeTar([
      { name: "var/lib/rpm/rpmdb.sqlite", content: sqlite },
      { name: "usr/lib/sysimage/rpm/Packages.db", content: ndb },
      { name: "usr/share/rpm/Packages.db", content: ndb },
    ]);
    const second = await makeTar([
      { name: "var/lib/rpm/.wh.rpmdb.sqlite", content: "" },
      { name: "var/lib/rpm/Packages", content: bdb },
    ]);
    const { result } = await run(syntheticImage([bufferLayer(first, 0), bufferLayer(second, 1)]));
    expect(result.incomplete).toEqual([]);
    expect(result.packages).toHaveLength(35 + 1);
    const glibc = result.packages.find((p) => p.name === "glibc")!;
    expect(glibc.locations).toEqual([
      { path: "/usr/lib/sysimage/rpm/Packages.db", layer: 0 },
      { path: "/usr/share/rpm/Packages.db", layer: 0 },
    ]);
    expect(result.packages.find((p) => p.name === "libuuid")!.locations).toEqual([
      { path: "/var/lib/rpm/Packages", layer: 1 },
    ]);
    expect(result.packages.some((p) => p.name === "curl")).toBe(false);
  });

  it("gpg-pubkey pseudo-packages are dropped, as rpm -qa users expect of an inventory", async () => {
    const manifest = [
      "gpg-pubkey\tfd431d51-4ae0493b\t1\t1\t(none)\t(none)\t0\t(none)\t0\t(none)",
      "bash\t5.1.8-1.cm2\t1\t1\tMicrosoft Corporation\t(none)\t1\tx86_64\t0\tbash-5.1.8-1.cm2.src.rpm",
    ].join("\n");
    const layer = await makeTar([{ name: "var/lib/rpmmanifest/container-manifest-2", content: manifest }]);
    const { result } = await run(syntheticImage([bufferLayer(layer, 0)]));
    expect(result.packages.map((p) => p.name)).toEqual(["bash"]);
    expect(result.packages[0]!.files).toBeUndefined();
    expect(result.packages[0]!.purl).toBe(
      "pkg:rpm/bash@5.1.8-1.cm2?arch=x86_64&upstream=bash-5.1.8-1.cm2.src.rpm",
    );
  });

  it("an empty Packages file is a warning, not an incomplete database", async () => {
    const layer = await makeTar([
      { name: "var/lib/rpm/Packages", content: Buffer.alloc(0) },
      { name: "var/lib/rpm/rpmdb.sqlite", content: sqlite },
    ]);
    const { result } = await run(syntheticImage([bufferLayer(layer, 0)]));
    expect(result.incomplete).toEqual([]);
    expect(result.warnings).toEqual(["rpm: /var/lib/rpm/Packages is empty: no packages"]);
    expect(result.packages).toHaveLength(129);
  });

  it("a database larger than the read limits is reported incomplete, not skipped silently", async () => {
    const archive = `oci-archive:${fixturePath("images", "rpm-mixed.oci.tar")}`;
    const { result } = await run(await openImage(archive), null, 1024 * 1024);
    expect(result.packages).toEqual([]);
    expect(result.incomplete).toEqual([
      {
        path: "/var/lib/rpm/rpmdb.sqlite",
        reason: expect.stringMatching(/larger than analyzers read into memory/),
      },
    ]);
  });

  it("the layer cache gives the same packages warm as cold", async () => {
    const dir = mkdtempSync(join(tmpdir(), "shipshape-rpm-cache-"));
    temps.push(dir);
    const cache = new LayerCache(dir);
    const archive = `oci-archive:${fixturePath("images", "rpm-mixed.oci.tar")}`;
    const cold = await run(await openImage(archive), cache);
    const warm = await run(await openImage(archive), cache);
    expect(warm.fs.layerFacts().every((l) => l.fromCache)).toBe(true);
    expect(warm.result).toEqual(cold.result);
    expect(cold.result.packages).toHaveLength(129);
  });
});
