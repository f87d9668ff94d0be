/**
 * Composer: a Composer 1 installed.json from Syft's test data against what Syft's test expects,
 * and a Composer 2 installed.json written by Composer 2.5.5 against what Composer itself prints
 * (`composer licenses`, `composer show --no-dev`); fixtures/README.md says how. A broken file is
 * an incomplete source (its packages are missing); the parser is fuzzed.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { composerCataloger } from "../../../src/catalog/composer.js";
import { parseComposerInstalled } from "../../../src/catalog/composer-installed.js";
import { isShipshapeError } from "../../../src/errors.js";
import { repoPath } from "../../helpers/shared.js";
import { catalogWith, imageOf } from "./run.js";

const FIXTURES = repoPath("test", "catalog", "lang", "fixtures");

interface ExpectedComposer {
  packages: { name: string; version: string; licenses: string[]; purl?: string; dev?: boolean }[];
}

const fixture = (dir: string) => ({
  installed: readFileSync(join(FIXTURES, dir, "installed.json")),
  expected: JSON.parse(readFileSync(join(FIXTURES, dir, "expected.json"), "utf8")) as ExpectedComposer,
});

describe("composer: real installed.json files", () => {
  it.each(["composer-v1", "composer-v2"])(
    "%s: the packages, versions as Composer prints them, licences",
    async (dir) => {
      const { installed, expected } = fixture(dir);
      const path = "/var/www/html/vendor/composer/installed.json";
      const result = await catalogWith(await imageOf([{ name: path.slice(1), content: installed }]), [
        composerCataloger,
      ]);
      const line = (p: { name: string; version: string; licenses?: string[] | undefined; dev: boolean }) =>
        `${p.name} ${p.version} [${(p.licenses ?? []).join(",")}] dev=${p.dev}`;
      expect(result.packages.map((p) => line({ ...p, dev: p.metadata?.dev === true })).sort()).toEqual(
        expected.packages.map((p) => line({ ...p, dev: p.dev ?? false })).sort(),
      );
      for (const e of expected.packages) {
        const p = result.packages.find((x) => x.name === e.name)!;
        expect(p.purl).toBe(e.purl ?? `pkg:composer/${e.name}@${e.version}`);
        expect(p.locations).toEqual([{ path, layer: 0 }]);
      }
      expect(result.warnings).toEqual([]);
      expect(result.incomplete).toEqual([]);
    },
  );
});

describe("composer: bad files", () => {
  it("a broken installed.json is incomplete and named; entries without name or version are skipped with a warning", async () => {
    const result = await catalogWith(
      await imageOf([
        {
          name: "app/vendor/composer/installed.json",
          content: '{"packages": [{"name": "a/b", "version": "1.0"',
        },
        {
          name: "srv/vendor/composer/installed.json",
          content: JSON.stringify({
            packages: [
              { name: "a/b", version: "1.0" },
              { name: "no-vendor", version: "1" },
              { name: "c/d" },
              "x",
            ],
          }),
        },
        { name: "big/vendor/composer/installed.json", content: Buffer.alloc(9 * 1024 * 1024, 0x20) },
      ]),
      [composerCataloger],
    );
    expect(result.packages.map((p) => `${p.name} ${p.version} ${p.locations[0]?.path}`)).toEqual([
      "a/b 1.0 /srv/vendor/composer/installed.json",
    ]);
    expect(result.incomplete.map((i) => i.path).sort()).toEqual([
      "/app/vendor/composer/installed.json",
      "/big/vendor/composer/installed.json",
    ]);
    expect(result.incomplete.find((i) => i.path.startsWith("/app"))?.reason).toMatch(/not valid JSON/);
    expect(result.warnings.filter((w) => w.includes("/srv/"))).toEqual([
      "composer: /srv/vendor/composer/installed.json: 3 entries without a vendor/name and version skipped",
    ]);
  });

  it("fuzz: packages or a ShipshapeError", () => {
    const entry = fc.oneof(
      fc.anything(),
      fc.record({
        name: fc.oneof(fc.string(), fc.constant("vendor/pkg"), fc.constant("a/b/c")),
        version: fc.oneof(fc.string(), fc.constant("v1.0.0"), fc.integer()),
        license: fc.oneof(fc.string(), fc.array(fc.anything()), fc.constant(null)),
      }),
    );
    const doc = fc.oneof(
      fc.array(entry),
      fc.record({ packages: fc.array(entry), "dev-package-names": fc.anything() }),
      fc.anything(),
    );
    fc.assert(
      fc.property(doc, fc.boolean(), (d, truncate) => {
        let text = JSON.stringify(d) ?? "";
        if (truncate) text = text.slice(0, Math.floor(text.length / 2));
        try {
          const r = parseComposerInstalled(Buffer.from(text));
          for (const p of r.packages) expect(p.name).toMatch(/^[^/\s]+\/[^/\s]+$/);
        } catch (err) {
          if (!isShipshapeError(err)) throw err;
        }
      }),
      { numRuns: 400 },
    );
  });
});
