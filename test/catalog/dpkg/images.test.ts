/**
 * The dpkg cataloger on the fixture images: exactly the deb packages of expected/NAME.packages.json
 * (debian12-minbase 88, debian12-app 165, distroless-like 7 from status.d, multiarch amd64 = minbase and
 * arm64 = none), the files each package installed checked against Debian's own `dpkg-query -L` on the
 * image's database, OS-owned folding of a Python package, the layer that installed each package (from
 * the fixture README's layer list), purls, and licences against the copyright files themselves.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PackageURL } from "packageurl-js";
import { afterAll, describe, expect, it } from "vitest";
import {
  type CatalogResult,
  catalogFilesystem,
  catalogRequests,
  foldOsOwned,
} from "../../../src/catalog/catalog.js";
import { dpkgCataloger } from "../../../src/catalog/dpkg/cataloger.js";
import { osReleaseDetector } from "../../../src/catalog/os-release.js";
import type { Package } from "../../../src/catalog/package.js";
import type { FileRequest } from "../../../src/image/file-request.js";
import { type ImageFilesystem, readFilesystem } from "../../../src/image/filesystem.js";
import { openImage } from "../../../src/image/open.js";
import { parsePlatform } from "../../../src/image/platform.js";
import { fixturePath } from "../../helpers/shared.js";

interface Expected {
  type: string;
  name: string;
  version: string;
  arch?: string;
  sourceName?: string;
  sourceVersion?: string;
  statusFile?: string;
  md5sums?: boolean;
  path?: string;
}

function expectedOf(name: string): Expected[] {
  return JSON.parse(readFileSync(fixturePath("expected", `${name}.packages.json`), "utf8")) as Expected[];
}

/**
 * The dpkg database and copyright files as bytes too, for dpkg-query and the licence check (a request
 * that keeps them, so no second pass is needed after the image is closed). info/format tells dpkg the
 * database uses multi-arch names (libc6:amd64.list).
 */
const KEEP_DB: FileRequest = {
  id: "test-keep-dpkg-db",
  version: "1",
  paths: ["/var/lib/dpkg/status", "/var/lib/dpkg/info/format"],
  globs: ["/var/lib/dpkg/info/*.list", "/usr/share/doc/*/copyright"],
};

const options = { catalogers: [dpkgCataloger], osDetector: osReleaseDetector };
const cache = new Map<string, Promise<{ fs: ImageFilesystem; result: CatalogResult }>>();

function catalog(name: string, platform?: string): Promise<{ fs: ImageFilesystem; result: CatalogResult }> {
  const key = `${name} ${platform ?? ""}`;
  let hit = cache.get(key);
  if (!hit) {
    hit = (async () => {
      const image = await openImage(
        `oci-archive:${fixturePath("images", `${name}.oci.tar`)}`,
        platform ? { platform: parsePlatform(platform) } : {},
      );
      try {
        const fs = await readFilesystem(image, {
          cache: null,
          requests: [...catalogRequests(options), KEEP_DB],
        });
        return { fs, result: await catalogFilesystem(fs, { ...options, includeOsOwned: true }) };
      } finally {
        await image.close();
      }
    })();
    cache.set(key, hit);
  }
  return hit;
}

const row = (p: {
  name: string;
  version: string;
  arch?: string;
  sourceName?: string;
  sourceVersion?: string;
}) => [p.name, p.version, p.arch, p.sourceName, p.sourceVersion].join(" ");

const work = mkdtempSync(join(tmpdir(), "shipshape-dpkg-images-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.each([
  ["debian12-minbase", 88],
  ["debian12-app", 165],
  ["distroless-like", 7],
  ["multiarch", 88],
])("%s", (name, count) => {
  it(`finds exactly the ${count} deb packages of the expected list, completely`, async () => {
    const { result } = await catalog(name);
    const expected = expectedOf(name).filter((p) => p.type === "deb");
    expect(expected).toHaveLength(count);
    expect(result.packages.map(row).sort()).toEqual(expected.map(row).sort());
    expect(result.incomplete).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.packages.every((p) => p.foundBy === "dpkg" && p.type === "deb")).toBe(true);
  });

  it("purls follow the spec: deb/<os id>/<name>@<full version>?arch&distro, upstream exactly when the source differs", async () => {
    const { result } = await catalog(name);
    for (const p of result.packages) {
      const purl = PackageURL.fromString(p.purl);
      expect([purl.type, purl.namespace, purl.name, purl.version]).toEqual([
        "deb",
        "debian",
        p.name,
        p.version,
      ]);
      expect(purl.qualifiers?.arch).toBe(p.arch);
      expect(purl.qualifiers?.distro).toBe("debian-12");
      const differs = p.sourceName !== p.name || p.sourceVersion !== p.version;
      expect(purl.qualifiers?.upstream !== undefined).toBe(differs);
      if (differs) expect(purl.qualifiers?.upstream?.split("@")[0]).toBe(p.sourceName);
    }
  });
});

describe("multiarch linux/arm64/v8", () => {
  it("is Debian 12 with no package database: no packages, nothing incomplete", async () => {
    const { result } = await catalog("multiarch", "linux/arm64/v8");
    expect(result.os?.id).toBe("debian");
    expect(result.os?.versionId).toBe("12");
    expect(result.packages).toEqual([]);
    expect(result.incomplete).toEqual([]);
    expect(expectedOf("multiarch").filter((p) => p.type === "deb")).toHaveLength(88); // the amd64 list
  });
});

describe("distroless-like (status.d)", () => {
  it("each package's location is its status.d file, and md5sums give its files, all present in the image", async () => {
    const { result, fs } = await catalog("distroless-like");
    const expected = new Map(expectedOf("distroless-like").map((e) => [e.name, e]));
    for (const p of result.packages) {
      const e = expected.get(p.name)!;
      expect(p.locations[0]?.path).toBe(e.statusFile);
      expect((p.files?.length ?? 0) > 0).toBe(e.md5sums);
      for (const f of p.files ?? []) expect(fs.exists(f), `${p.name}: ${f}`).toBe(true);
    }
    // One layer per package (README): each package's layer is the one that wrote its status.d file.
    expect(new Set(result.packages.map((p) => p.locations[0]?.layer)).size).toBe(7);
  });
});

describe("debian12-app: files, folding, layers, licences", () => {
  /** dpkg -L from Debian's dpkg-query over the image's own database. */
  async function dpkgL(fs: ImageFilesystem, pkg: string): Promise<string[]> {
    const admin = join(work, "admin");
    rmSync(admin, { recursive: true, force: true });
    mkdirSync(join(admin, "info"), { recursive: true });
    writeFileSync(join(admin, "status"), await fs.readFile("/var/lib/dpkg/status"));
    for (const file of fs.filesFor(KEEP_DB.id)) {
      if (file.startsWith("/var/lib/dpkg/info/")) {
        writeFileSync(join(admin, "info", file.split("/").pop()!), await fs.readFile(file));
      }
    }
    const out = execFileSync("dpkg-query", [`--admindir=${admin}`, "-L", pkg], { encoding: "utf8" });
    return out.split("\n").filter((l) => l !== "" && l !== "/.");
  }

  it("files equal dpkg-query -L (multi-arch libc6:amd64.list included, wget's list although its binary is deleted)", async () => {
    const { result, fs } = await catalog("debian12-app");
    for (const name of ["curl", "wget", "libc6", "python3-urllib3", "bash", "libjackson2-databind-java"]) {
      const p = result.packages.find((x) => x.name === name)!;
      const oracle = await dpkgL(fs, name);
      expect([...(p.files ?? [])].sort(), name).toEqual(oracle.sort());
    }
    expect(fs.exists("/usr/bin/wget")).toBe(false);
  });

  it("/usr/bin/curl belongs to curl, and python3-urllib3 owns the urllib3 PKG-INFO so the pypi package folds into it", async () => {
    const { result, fs } = await catalog("debian12-app");
    const owners = (path: string) =>
      result.packages.filter((p) => p.files?.includes(path)).map((p) => p.name);
    expect(owners("/usr/bin/curl")).toEqual(["curl"]);
    const urllib3 = expectedOf("debian12-app").find((p) => p.type === "pypi" && p.name === "urllib3")!;
    expect(owners(urllib3.path!)).toEqual(["python3-urllib3"]);
    const pypi: Package = {
      type: "pypi",
      name: urllib3.name,
      version: urllib3.version,
      purl: `pkg:pypi/urllib3@${urllib3.version}`,
      locations: [{ path: urllib3.path! }],
      foundBy: "test",
    };
    const packages = [...result.packages.map((p) => ({ ...p })), pypi];
    expect(foldOsOwned(fs, packages)).toBe(1);
    expect(pypi.ownedBy).toEqual({ type: "deb", name: "python3-urllib3" });
  });

  it("each package's layer is the RUN step that installed it (README: layers 0–5)", async () => {
    const { result } = await catalog("debian12-app");
    const layerOf = new Map(result.packages.map((p) => [p.name, p.locations[0]?.layer]));
    // The base image's packages, unchanged in version, stay in layer 0.
    const app = new Map(expectedOf("debian12-app").map((p) => [p.name, p.version]));
    const base = expectedOf("debian12-minbase").filter((p) => app.get(p.name) === p.version);
    expect(base).toHaveLength(88);
    for (const p of base) expect(layerOf.get(p.name), p.name).toBe(0);
    const steps: [number, string[]][] = [
      [1, ["curl", "wget", "netcat-openbsd", "strace"]],
      [2, ["python3-urllib3", "python3-requests", "python3-yaml", "python3-jinja2"]],
      [3, result.packages.filter((p) => p.name.startsWith("node-")).map((p) => p.name)],
      [4, ["libjackson2-databind-java", "libcommons-lang3-java", "liblog4j1.2-java", "libyaml-snake-java"]],
      [5, ["gosu", "fzf"]],
    ];
    for (const [layer, names] of steps) {
      expect(names.length).toBeGreaterThan(1);
      for (const n of names) expect(layerOf.get(n), n).toBe(layer);
    }
    expect(new Set(layerOf.values())).toEqual(new Set([0, 1, 2, 3, 4, 5]));
  });

  it("licences come from the copyright files: every name is in the file, every DEP-5 License: short name is found", async () => {
    const { result, fs } = await catalog("debian12-app");
    let dep5 = 0;
    for (const p of result.packages) {
      const path = `/usr/share/doc/${p.name}/copyright`;
      if (!fs.exists(path)) {
        expect(p.licenses).toBeUndefined();
        continue;
      }
      const text = (await fs.readFile(path)).toString("utf8");
      for (const l of p.licenses ?? []) expect(text.includes(l), `${p.name}: ${l}`).toBe(true);
      if (/^Format:/m.test(text)) {
        dep5++;
        // Single-word License: values (the DEP-5 short-name syntax) must all be reported.
        const names = [...text.matchAll(/^License:[ \t]*(\S+)[ \t]*$/gm)].map((m) => m[1]!);
        for (const n of names) expect(p.licenses, `${p.name}: ${n}`).toContain(n);
      }
    }
    expect(dep5).toBeGreaterThan(100);
    const byName = new Map(result.packages.map((p) => [p.name, p.licenses]));
    expect(byName.get("zlib1g")).toEqual(["Zlib"]);
    expect(byName.get("tzdata")).toEqual(["public-domain"]);
  });
});
