/**
 * npm: which package.json files are installed packages, checked against npm's own record of an
 * installed tree (node_modules/.package-lock.json, which npm writes for exactly the packages it
 * placed, with their licences) on this repository's real node_modules; the Debian image's 23 Node
 * libraries are checked in debian12-app.test.ts. Bad files are warnings; the parser is fuzzed.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isInstalledPackageJson, npmCataloger } from "../../../src/catalog/npm.js";
import { parseNpmPackageJson } from "../../../src/catalog/npm-package-json.js";
import { isShipshapeError } from "../../../src/errors.js";
import type { TarMember } from "../../helpers/layers.js";
import { repoPath } from "../../helpers/shared.js";
import { catalogWith, imageOf } from "./run.js";

/** Every package.json under a directory (nested ones inside packages included). */
function packageJsonFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...packageJsonFiles(path));
    else if (entry.isFile() && entry.name === "package.json") out.push(path);
  }
  return out;
}

describe("npm: a real npm-installed tree against npm's hidden lockfile", () => {
  const root = repoPath("node_modules");
  const lock = JSON.parse(readFileSync(join(root, ".package-lock.json"), "utf8")) as {
    packages: Record<string, { version?: string; name?: string; license?: string; link?: boolean }>;
  };

  it("finds exactly the packages npm placed, with their versions and licences", async () => {
    const files = packageJsonFiles(root);
    const members: TarMember[] = files.map((f) => ({
      name: `srv/app/${relative(repoPath(), f)}`,
      content: readFileSync(f),
    }));
    // A test fixture inside a package, with a name and a version of its own: not an installed package.
    members.push({
      name: "srv/app/node_modules/fast-check/test/fixtures/pkg/package.json",
      content: '{"name":"fixture-pkg","version":"9.9.9"}',
    });
    const result = await catalogWith(await imageOf(members), [npmCataloger]);

    const expected = Object.entries(lock.packages)
      .filter(([key, p]) => key.startsWith("node_modules/") && !p.link && p.version)
      .filter(([key]) => existsSync(repoPath(key, "package.json")))
      .map(([key, p]) => {
        const name = p.name ?? key.slice(key.lastIndexOf("node_modules/") + "node_modules/".length);
        return `${name} ${p.version} /srv/app/${key}/package.json ${p.license ?? "-"}`;
      })
      .sort();
    const actual = result.packages
      .map((p) => `${p.name} ${p.version} ${p.locations[0]?.path} ${p.licenses?.join(" ") ?? "-"}`)
      .sort();
    expect(expected.length).toBeGreaterThan(50);
    expect(actual).toEqual(expected);
    expect(result.warnings).toEqual([]);
    for (const p of result.packages) {
      const scoped = p.name.startsWith("@");
      expect(p.purl).toBe(
        `pkg:npm/${scoped ? p.name.replace("@", "%40") : p.name.toLowerCase()}@${encodeURIComponent(p.version)}`,
      );
    }
  }, 60_000);
});

describe("npm: which package.json is a package directory", () => {
  it.each([
    ["/app/node_modules/lodash/package.json", true],
    ["/app/node_modules/@babel/core/package.json", true],
    ["/app/node_modules/a/node_modules/b/package.json", true],
    ["/usr/lib/node_modules/npm/node_modules/semver/package.json", true],
    ["/app/node_modules/.pnpm/lodash@4.17.21/node_modules/lodash/package.json", true],
    ["/usr/share/nodejs/yallist/package.json", true],
    ["/usr/share/nodejs/@types/uuid/package.json", true],
    ["/usr/lib/nodejs/bcrypt/package.json", true],
    ["/usr/lib/x86_64-linux-gnu/nodejs/bcrypt/package.json", true],
    // Not package directories:
    ["/app/package.json", false],
    ["/app/node_modules/resolve/test/resolver/foo/package.json", false],
    ["/app/node_modules/uuid/dist/esm-node/package.json", false],
    ["/app/node_modules/@scope/package.json", false],
    ["/app/node_modules/.cache/x/package.json", false],
    ["/app/node_modules/.package-lock.json", false],
    ["/usr/share/nodejs/package.json", false],
    ["/usr/share/nodejs/uuid/dist/package.json", false],
    ["/usr/share/doc/node-uuid/package.json", false],
  ])("%s → %s", (path, expected) => {
    expect(isInstalledPackageJson(path)).toBe(expected);
  });
});

describe("npm: bad files are warnings, never crashes", () => {
  const at = (dir: string) => `usr/lib/node_modules/${dir}/package.json`;

  it("malformed JSON, a non-object, an invalid name and an oversized file: warned; the rest found", async () => {
    const huge = `{"name":"huge","version":"1.0.0","readme":"${"x".repeat(3 * 1024 * 1024)}"}`;
    const deep = `{"name":"deep","version":"2.0.0","x":${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
    const image = await imageOf([
      { name: at("good"), content: '{"name":"good","version":"1.2.3","license":{"type":"BSD"}}' },
      { name: at("broken"), content: '{"name":"broken","version":' },
      { name: at("array"), content: "[1,2,3]" },
      { name: at("spaces"), content: '{"name":"has space","version":"1.0.0"}' },
      { name: at("marker"), content: '{"type":"module"}' },
      { name: at("huge"), content: huge },
      { name: at("deep"), content: deep },
      {
        name: at("legacy"),
        content: '{"name":"legacy","version":"0.1.0","licenses":[{"type":"MIT"},"GPL-2.0"]}',
      },
    ]);
    const result = await catalogWith(image, [npmCataloger]);
    expect(
      result.packages.map((p) => `${p.name} ${p.version} ${p.licenses?.join(",") ?? ""}`).sort(),
    ).toEqual(["deep 2.0.0 ", "good 1.2.3 BSD", "legacy 0.1.0 MIT,GPL-2.0"]);
    const warned = (dir: string) => result.warnings.filter((w) => w.includes(`/${dir}/package.json`));
    for (const dir of ["broken", "array", "spaces", "huge"]) expect(warned(dir)).toHaveLength(1);
    expect(warned("huge")[0]).toMatch(/larger than the 2 MiB/);
    expect(warned("broken")[0]).toMatch(/not valid JSON/);
    // A package.json without name and version is not a package, and not a problem either.
    expect(warned("marker")).toEqual([]);
    // Single-package files: a bad one is a warning, not an incomplete database.
    expect(result.incomplete).toEqual([]);
  });

  it("fuzz: the parser returns a package or null, or throws a ShipshapeError", () => {
    const jsonish = fc.oneof(
      fc.string(),
      fc.json(),
      fc
        .record({
          name: fc.oneof(fc.string(), fc.constant("@scope/x"), fc.integer()),
          version: fc.oneof(fc.string(), fc.constant("1.0.0"), fc.constant(null)),
          license: fc.oneof(fc.string(), fc.record({ type: fc.string() }), fc.array(fc.string())),
          licenses: fc.anything(),
        })
        .map((r) => JSON.stringify(r)),
    );
    fc.assert(
      fc.property(jsonish, (text) => {
        try {
          const p = parseNpmPackageJson(Buffer.from(text));
          if (p) {
            expect(p.name.length).toBeGreaterThan(0);
            expect(p.version.length).toBeGreaterThan(0);
            expect(p.licenses.every((l) => typeof l === "string")).toBe(true);
          }
        } catch (err) {
          if (!isShipshapeError(err)) throw err;
        }
      }),
      { numRuns: 400 },
    );
  });
});
