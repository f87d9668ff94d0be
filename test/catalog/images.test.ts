/**
 * The whole catalog against the fixtures' expected package lists: every image in
 * ../shared/fixtures/images yields exactly the packages of expected/NAME.packages.json (with
 * --include-os-owned, since those lists include OS-owned language packages), and, without the flag,
 * the language packages an OS package owns are folded away.
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type CatalogImageOptions, catalogImageResult } from "../../src/api.js";
import type { Package } from "../../src/catalog/package.js";
import { fixturePath } from "../helpers/shared.js";

interface ExpectedPackage {
  type: string;
  name: string;
  version: string | null;
  arch?: string;
  epoch?: number | null;
  release?: string;
  sourceName?: string;
  sourceVersion?: string;
  path?: string;
  kind?: string;
}

const images = readdirSync(fixturePath("images"))
  .filter((f) => f.endsWith(".oci.tar"))
  .map((f) => f.replace(/\.oci\.tar$/, ""));

function expectedFor(name: string): ExpectedPackage[] {
  return JSON.parse(
    readFileSync(fixturePath("expected", `${name}.packages.json`), "utf8"),
  ) as ExpectedPackage[];
}

/** One comparable line per package; the fields the expected files fix for that type. */
function keyOfExpected(p: ExpectedPackage): string {
  if (p.type === "deb" || p.type === "apk") {
    return [p.type, p.name, p.version, p.arch, p.sourceName, p.sourceVersion].join(" ");
  }
  if (p.type === "rpm") {
    return [p.type, p.name, p.version, p.epoch ?? "-", p.release, p.arch, p.sourceName, p.sourceVersion].join(
      " ",
    );
  }
  return [p.type, p.name, p.version ?? "", p.path].join(" ");
}

function keyOfActual(p: Package): string {
  if (p.type === "deb" || p.type === "apk") {
    return [p.type, p.name, p.version, p.arch, p.sourceName, p.sourceVersion].join(" ");
  }
  if (p.type === "rpm") {
    return [p.type, p.name, p.version, p.epoch ?? "-", p.release, p.arch, p.sourceName, p.sourceVersion].join(
      " ",
    );
  }
  return [p.type, p.name, p.version, p.locations[0]?.path].join(" ");
}

async function catalog(name: string, options: CatalogImageOptions = {}) {
  return catalogImageResult(`oci-archive:${fixturePath("images", `${name}.oci.tar`)}`, {
    cache: null,
    ...options,
  });
}

describe.each(images)("catalog of %s", (name) => {
  it("finds exactly the expected packages (with OS-owned language packages)", async () => {
    const { result } = await catalog(name, { includeOsOwned: true });
    const expected = expectedFor(name).map(keyOfExpected).sort();
    const actual = result.packages.map(keyOfActual).sort();
    const missing = expected.filter((k) => !actual.includes(k));
    const extra = actual.filter((k) => !expected.includes(k));
    expect({ missing, extra }).toEqual({ missing: [], extra: [] });
    expect(result.incomplete).toEqual([]);
  });
});

describe("OS-owned language packages", () => {
  it("debian12-app: Debian's Python, Node and Java libraries and its Go programs fold into their deb", async () => {
    const { result } = await catalog("debian12-app");
    const types = new Set(result.packages.map((p) => p.type));
    expect(types.has("deb")).toBe(true);
    // Every pypi/npm/maven package and the Debian-built Go programs are owned by a deb; gohello is ours.
    const language = result.packages.filter((p) => p.type !== "deb");
    expect(language.every((p) => p.locations[0]?.path === "/usr/local/bin/gohello")).toBe(true);
    expect(result.folded).toBeGreaterThan(40);
  });
});

describe("an SBOM as the input", () => {
  it("sbom:PATH and FILE.json read our CycloneDX and SPDX back into the same package list", async () => {
    const { mkdtempSync, rmSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { renderCycloneDx, renderSpdx, catalogImage } = await import("../../src/api.js");
    const dir = mkdtempSync(join(tmpdir(), "shipshape-sbom-input-"));
    try {
      const ref = `oci-archive:${fixturePath("images", "alpine316-apk.oci.tar")}`;
      const { source, result } = await catalogImageResult(ref, { cache: null });
      const doc = await catalogImage(ref, { cache: null });
      const cdx = join(dir, "image.cdx.json");
      const spdx = join(dir, "image.spdx.json");
      writeFileSync(cdx, await renderCycloneDx({ ...doc, packages: result.packages }));
      writeFileSync(spdx, await renderSpdx({ ...doc, packages: result.packages }));
      const key = (ps: { name: string; version: string; purl: string }[]) =>
        ps.map((p) => `${p.name} ${p.version} ${p.purl}`).sort();
      for (const input of [`sbom:${cdx}`, spdx]) {
        const back = await catalogImage(input);
        expect(back.source.transport).toBe("sbom");
        expect(back.source.configDigest).toBe(source.configDigest);
        expect(back.os?.id).toBe("alpine");
        expect(key(back.packages)).toEqual(key(doc.packages));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("Red Hat content manifests", () => {
  it("are collected from /root/buildinfo/content_manifests for scoping Red Hat advisories", async () => {
    const { mkdtempSync, mkdirSync, copyFileSync, rmSync, readdirSync: ls } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { sharedDir } = await import("../helpers/shared.js");
    const { execFileSync } = await import("node:child_process");
    const manifestDir = execFileSync(
      "find",
      [
        join(sharedDir(), "data", "vuln", "fixtures", "trivy-fixtures"),
        "-type",
        "d",
        "-name",
        "content_manifests",
      ],
      { encoding: "utf8" },
    )
      .trim()
      .split("\n")[0]!;
    const root = mkdtempSync(join(tmpdir(), "shipshape-rhel-root-"));
    try {
      mkdirSync(join(root, "root", "buildinfo", "content_manifests"), { recursive: true });
      for (const f of ls(manifestDir))
        copyFileSync(join(manifestDir, f), join(root, "root", "buildinfo", "content_manifests", f));
      const { result } = await catalogImageResult(`dir:${root}`, { cache: null });
      expect(result.contentManifests?.length).toBeGreaterThan(0);
      const { parseContentManifest } = await import("../../src/match/rhel-scope.js");
      const parsed = result.contentManifests!.map((m) => parseContentManifest(m.text, m.path));
      expect(parsed.flatMap((m) => m.contentSets).some((s) => s.startsWith("rhel-8-for-"))).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("catalog cache", () => {
  it("an unchanged image is cataloged once: the rescan comes from the cache, identical", async () => {
    const { mkdtempSync, rmSync, readdirSync: ls } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { LayerCache } = await import("../../src/image/layer-cache.js");
    const dir = mkdtempSync(join(tmpdir(), "shipshape-catalog-cache-"));
    try {
      const cache = new LayerCache(dir);
      const cold = await catalog("debian12-app", { cache });
      const warm = await catalog("debian12-app", { cache });
      expect(cold.cached).toBeUndefined();
      expect(warm.cached).toBe(true);
      expect(warm.result).toEqual(cold.result);
      expect(ls(dir).filter((f) => f.endsWith(".json"))).toHaveLength(1);
      // Another option is another key.
      const owned = await catalog("debian12-app", { cache, includeOsOwned: true });
      expect(owned.cached).toBeUndefined();
      expect(owned.result.packages.length).toBeGreaterThan(cold.result.packages.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
