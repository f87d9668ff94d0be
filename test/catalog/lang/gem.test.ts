/**
 * Ruby gems: 94 real installed specifications (Debian 12's Ruby 3.1 default and bundled gems,
 * gem2deb's rubygems-integration specs, and two gems installed by `gem install`, one of them a
 * platform gem) against what RubyGems itself loads from them (fixtures/README.md says how both were
 * made). snyk's gemfile.tar has only a Gemfile and Gemfile.lock: a lockfile, no installed gem, so
 * no package. The scanner never evaluates Ruby; it is fuzzed.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gemCataloger } from "../../../src/catalog/gem.js";
import { parseGemspec } from "../../../src/catalog/gemspec.js";
import { isShipshapeError } from "../../../src/errors.js";
import { readFilesystem } from "../../../src/image/filesystem.js";
import { openImage } from "../../../src/image/open.js";
import { fixturePath, repoPath } from "../../helpers/shared.js";
import { catalogWith, imageOf, imageOfLayerFile } from "./run.js";

const FIXTURES = repoPath("test", "catalog", "lang", "fixtures");

interface RubyGemsSays {
  path: string;
  name: string;
  version: string;
  licenses: string[];
  platform: string;
}

describe("gems: real installed specifications against RubyGems", () => {
  it("finds every gem RubyGems loads, with its version, licences and platform", async () => {
    const expected = JSON.parse(
      readFileSync(join(FIXTURES, "ruby-gems.expected.json"), "utf8"),
    ) as RubyGemsSays[];
    const result = await catalogWith(await imageOfLayerFile(join(FIXTURES, "ruby-gems-layer.tar.gz")), [
      gemCataloger,
    ]);
    const line = (p: {
      path?: string;
      name: string;
      version: string;
      licenses?: string[];
      platform?: unknown;
    }) => `${p.path} ${p.name} ${p.version} [${(p.licenses ?? []).join(",")}] ${p.platform}`;
    expect(expected).toHaveLength(94);
    expect(
      result.packages
        .map((p) => line({ ...p, path: p.locations[0]?.path, platform: p.metadata?.platform }))
        .sort(),
    ).toEqual(expected.map(line).sort());
    expect(result.warnings).toEqual([]);
    const native = result.packages.find((p) => p.name === "shipshape-native");
    expect(native?.purl).toBe("pkg:gem/shipshape-native@2.1.0?platform=x86_64-linux");
    const rack = result.packages.find((p) => p.name === "rack");
    expect(rack?.purl).toBe(`pkg:gem/rack@${rack?.version}`);
    expect(result.packages.filter((p) => p.metadata?.defaultGem === true).length).toBe(
      expected.filter((e) => e.path.includes("/specifications/default/")).length,
    );
  });

  it("snyk's gemfile.tar (Gemfile + Gemfile.lock, nothing installed) has no installed gem", async () => {
    const ref = `docker-archive:${fixturePath("real-images", "snyk+snyk-docker-plugin", "test", "fixtures", "docker-archives", "docker-save", "gemfile.tar")}`;
    const image = await openImage(ref);
    const fs = await readFilesystem(image, { cache: null });
    // The lockfile is there and readable: zero gems is the catalog's rule, not a read failure.
    expect(fs.exists("/Gemfile.lock")).toBe(true);
    await image.close();
    const result = await catalogWith(ref, [gemCataloger]);
    expect(result.packages).toEqual([]);
    expect(result.warnings).toEqual([]);
  });
});

describe("gems: the scanner", () => {
  const spec = (body: string, header = "") =>
    Buffer.from(`${header}Gem::Specification.new do |spec|\n${body}\nend\n`);

  it("reads the literal forms RubyGems and hand-written specs use", () => {
    expect(
      parseGemspec(
        spec(`  spec.name = %q{foo}\n  spec.version = Gem::Version.new("1.0.0.pre")\n  spec.license = 'MIT'`),
      ),
    ).toEqual({
      name: "foo",
      version: "1.0.0.pre",
      licenses: ["MIT"],
      platform: "ruby",
    });
    expect(
      parseGemspec(
        spec(
          `  spec.name = "bar".freeze\n  spec.version = "2"\n  spec.licenses = [\n    "MIT".freeze,\n    'Ruby'\n  ]`,
        ),
      ),
    ).toMatchObject({ name: "bar", version: "2", licenses: ["MIT", "Ruby"] });
  });

  it("an expression is not evaluated: the `# stub:` line stands in, else the file is refused", () => {
    const computed = `  spec.name = "baz"\n  spec.version = Baz::VERSION\n  spec.platform = Gem::Platform::RUBY`;
    expect(parseGemspec(spec(computed, "# stub: baz 3.1.4 java lib\n\n"))).toMatchObject({
      name: "baz",
      version: "3.1.4",
      platform: "java",
    });
    expect(() => parseGemspec(spec(computed))).toThrow(/no literal version/);
    expect(() => parseGemspec(spec(`  spec.name = "x#{1}"\n  spec.version = "1"`))).toThrow(
      /no literal name/,
    );
    expect(() => parseGemspec(Buffer.from("puts 1\n"))).toThrow(/not a gemspec/);
  });

  it("bad files are warnings naming the file; the others are found", async () => {
    const dir = "var/lib/gems/3.1.0/specifications";
    const result = await catalogWith(
      await imageOf([
        { name: `${dir}/good-1.0.gemspec`, content: spec(`  spec.name = "good"\n  spec.version = "1.0"`) },
        { name: `${dir}/bad-1.0.gemspec`, content: Buffer.from([0xff, 0, 1, 2]) },
        { name: `${dir}/big-1.0.gemspec`, content: Buffer.alloc(2 * 1024 * 1024, 0x20) },
        // Not an installed gem's specification: a gem's source tree.
        { name: "src/mygem/mygem.gemspec", content: spec(`  spec.name = "mygem"\n  spec.version = "0.1"`) },
      ]),
      [gemCataloger],
    );
    expect(result.packages.map((p) => `${p.name} ${p.version}`)).toEqual(["good 1.0"]);
    expect(result.warnings.filter((w) => w.includes("bad-1.0.gemspec"))[0]).toMatch(/not a gemspec/);
    expect(result.warnings.filter((w) => w.includes("big-1.0.gemspec"))[0]).toMatch(/larger than the 1 MiB/);
    expect(result.warnings).toHaveLength(2);
    expect(result.incomplete).toEqual([]);
  });

  it("fuzz: a gemspec or a ShipshapeError, in bounded time", () => {
    const piece = fc.oneof(
      fc.constantFrom(
        "Gem::Specification.new do |s|\n",
        "  s.name = ",
        "  s.version = ",
        "  s.licenses = [",
        '"x".freeze',
        "%q{",
        "%Q<",
        "'",
        '"',
        "#{",
        "\\",
        "]",
        ", ",
        "\n",
        "# stub: a 1 ruby lib\n",
        "Gem::Version.new(",
      ),
      fc.string({ maxLength: 20 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (pieces) => {
        try {
          const g = parseGemspec(Buffer.from(pieces.join("")));
          expect(g.name).not.toMatch(/\s/);
          expect(g.version).not.toMatch(/\s/);
        } catch (err) {
          if (!isShipshapeError(err)) throw err;
        }
      }),
      { numRuns: 500 },
    );
    // Many unterminated literals: the work stays linear.
    const hostile = Buffer.from(`Gem::Specification.new do |s|\n${'  s.name = "\n'.repeat(200_000)}`);
    const start = Date.now();
    expect(() => parseGemspec(hostile)).toThrow(/^gemspec has/);
    expect(Date.now() - start).toBeLessThan(2000);
  });
});
