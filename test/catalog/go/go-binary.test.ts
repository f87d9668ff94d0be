/**
 * The Go cataloger: debian12-app's three Go binaries give exactly the fixture's nine golang
 * packages; the host's Debian-built Go programs (installed by .ci/run) give the toolchain that
 * dpkg's Built-Using field names; synthetic ELF files (elf-builder.ts: why synthetic is explained
 * there) cover the pre-1.18 pointer format, 32-bit big-endian, replacements, quoted build settings;
 * hostile headers and random bytes give null or an error record, never a crash, in bounded time.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readRawGoBuildInfo } from "../../../src/catalog/go/buildinfo.js";
import {
  analyzeGoBinary,
  GO_CATALOGER_ID,
  goBinaryCataloger,
  stdlibVersion,
} from "../../../src/catalog/go/cataloger.js";
import { parseElf, parseElfOnce } from "../../../src/catalog/go/elf.js";
import { MAX_DEPS, parseModInfo } from "../../../src/catalog/go/modinfo.js";
import { ShipshapeError } from "../../../src/errors.js";
import { bufferLayer, makeTar, syntheticImage } from "../../helpers/layers.js";
import { fixturePath } from "../../helpers/shared.js";
import { catalogWith } from "./catalog-with.js";
import { buildElf, framedModInfo, inlineBuildInfo, pointerBuildInfo, uvarint } from "./elf-builder.js";

interface ExpectedGo {
  type: string;
  kind: string;
  name: string;
  version: string | null;
  path: string;
}

describe("debian12-app: the fixture's golang packages, exactly", () => {
  it("stdlib, main and deps of fzf, gosu (GOPATH builds) and gohello (module build)", async () => {
    const expected = (
      JSON.parse(readFileSync(fixturePath("expected", "debian12-app.packages.json"), "utf8")) as ExpectedGo[]
    ).filter((p) => p.type === "golang");
    expect(expected).toHaveLength(9);
    const result = await catalogWith(`oci-archive:${fixturePath("images", "debian12-app.oci.tar")}`, [
      goBinaryCataloger,
    ]);
    const key = (kind: string, name: string, version: string, path: string) =>
      `${kind} ${name} ${version} ${path}`;
    expect(
      result.packages
        .map((p) => key(p.metadata!.kind as string, p.name, p.version, p.locations[0]!.path))
        .sort(),
    ).toEqual(expected.map((e) => key(e.kind, e.name, e.version ?? "", e.path)).sort());
    expect(result.incomplete).toEqual([]);

    const byPurl = new Map(result.packages.map((p) => [`${p.locations[0]!.path} ${p.purl}`, p]));
    expect([...byPurl.keys()].filter((k) => k.startsWith("/usr/local/bin/gohello")).sort()).toEqual([
      "/usr/local/bin/gohello pkg:golang/example.com/shipshape/gohello",
      "/usr/local/bin/gohello pkg:golang/github.com/google/uuid@v1.3.0",
      "/usr/local/bin/gohello pkg:golang/github.com/pkg/errors@v0.9.1",
      "/usr/local/bin/gohello pkg:golang/gopkg.in/yaml.v3@v3.0.1",
      "/usr/local/bin/gohello pkg:golang/stdlib@v1.19.8",
    ]);
    // Layer 5 installed gosu and fzf, layer 6 copied gohello.
    const layers = new Map(result.packages.map((p) => [p.locations[0]!.path, p.locations[0]!.layer]));
    expect(Object.fromEntries(layers)).toEqual({
      "/usr/bin/fzf": 5,
      "/usr/sbin/gosu": 5,
      "/usr/local/bin/gohello": 6,
    });
    const main = result.packages.find((p) => p.name === "example.com/shipshape/gohello")!;
    expect(main.metadata).toMatchObject({
      kind: "main",
      goVersion: "go1.19.8",
      "build.CGO_ENABLED": "0",
      "build.GOOS": "linux",
    });
  });
});

describe("the host's Debian-built Go programs (skopeo, umoci, docker-registry: installed by .ci/run)", () => {
  for (const [pkg, file] of [
    ["skopeo", "/usr/bin/skopeo"],
    ["umoci", "/usr/bin/umoci"],
    ["docker-registry", "/usr/bin/docker-registry"],
  ] as const) {
    it(`${file}: the toolchain dpkg's Built-Using names, and the main package path`, () => {
      // dpkg-query's format field (the escaped brace keeps it a literal "${…}", not a placeholder).
      const builtUsing = execFileSync("dpkg-query", ["-W", `-f=$\{Built-Using}`, pkg], { encoding: "utf8" });
      const toolchain = /golang-1\.\d+ \(= ([\d.]+)-[^)]*\)/.exec(builtUsing);
      expect(toolchain, builtUsing).not.toBeNull();
      const analysis = analyzeGoBinary(readFileSync(file)) as {
        goVersion: string;
        path: string;
        deps: unknown[];
      };
      expect(stdlibVersion(analysis.goVersion)).toBe(`v${toolchain![1]}`);
      // Debian builds in GOPATH mode: a main package path under the project's import path, no deps.
      expect(analysis.path).toMatch(/^github\.com\/[\w.-]+\/[\w.-]+(\/|$)/);
      expect(analysis.deps).toEqual([]);
    });
  }
});

const MOD = [
  "path\texample.com/app/cmd/app",
  "mod\texample.com/app\tv1.2.3\th1:main=",
  "dep\tgithub.com/a/b\tv0.1.0\th1:ab=",
  "dep\tgithub.com/old/c\tv1.0.0",
  "=>\tgithub.com/new/c\tv1.1.0\th1:newc=",
  "dep\tgithub.com/local/d\tv0.0.0",
  "=>\t../d\t(devel)\t",
  'build\t-ldflags="-X main.version=1.2.3 -s"',
  'build\t"odd key"=x',
  "build\tCGO_ENABLED=0",
  "",
].join("\n");

function goElf(
  blob: Buffer,
  options: { is64?: boolean; littleEndian?: boolean; addr?: number } = {},
): Buffer {
  return buildElf({
    is64: options.is64 ?? true,
    littleEndian: options.littleEndian ?? true,
    sections: [
      { name: ".text", data: Buffer.alloc(64, 0x90), addr: 0x401000, flags: 5 },
      { name: ".go.buildinfo", data: blob, addr: options.addr ?? 0x500000 },
    ],
  });
}

describe("build info formats (synthetic ELF files)", () => {
  const expectedModules = {
    goVersion: "go1.21.5",
    path: "example.com/app/cmd/app",
    main: { path: "example.com/app", version: "v1.2.3", sum: "h1:main=", replace: null },
    deps: [
      { path: "github.com/a/b", version: "v0.1.0", sum: "h1:ab=", replace: null },
      {
        path: "github.com/old/c",
        version: "v1.0.0",
        sum: "",
        replace: { path: "github.com/new/c", version: "v1.1.0", sum: "h1:newc=" },
      },
      {
        path: "github.com/local/d",
        version: "v0.0.0",
        sum: "",
        replace: { path: "../d", version: "(devel)", sum: "" },
      },
    ],
    settings: [
      ["-ldflags", "-X main.version=1.2.3 -s"],
      ["odd key", "x"],
      ["CGO_ENABLED", "0"],
    ],
  };

  it("Go ≥ 1.18 inline strings", () => {
    expect(analyzeGoBinary(goElf(inlineBuildInfo("go1.21.5", framedModInfo(MOD))))).toEqual(expectedModules);
  });

  it("Go < 1.18 pointers, 64-bit little-endian and 32-bit big-endian", () => {
    const le = goElf(pointerBuildInfo("go1.21.5", framedModInfo(MOD), { base: 0x500000 }));
    expect(analyzeGoBinary(le)).toEqual(expectedModules);
    const be = goElf(
      pointerBuildInfo("go1.21.5", framedModInfo(MOD), { base: 0x8000, ptrSize: 4, littleEndian: false }),
      {
        is64: false,
        littleEndian: false,
        addr: 0x8000,
      },
    );
    expect(parseElf(be).is64).toBe(false);
    expect(analyzeGoBinary(be)).toEqual(expectedModules);
  });

  it("without .go.buildinfo: the first writable segment is searched (as Go does)", () => {
    const blob = Buffer.concat([
      Buffer.alloc(48),
      inlineBuildInfo("go1.20", framedModInfo("path\tx.io/y\n")),
    ]);
    const elf = buildElf({ sections: [{ name: ".data", data: blob, addr: 0x600000, flags: 6 }] });
    expect(analyzeGoBinary(elf)).toMatchObject({ goVersion: "go1.20", path: "x.io/y" });
  });

  it("a magic string in read-only data is not build info (scanner binaries embed it)", () => {
    const text = Buffer.concat([Buffer.alloc(16), inlineBuildInfo("go1.20", framedModInfo("path\tx\n"))]);
    const elf = buildElf({ sections: [{ name: ".rodata", data: text, addr: 0x400000, flags: 4 }] });
    expect(analyzeGoBinary(elf)).toBeNull();
  });

  it("PE and Mach-O files are searched for an aligned inline header", () => {
    const info = inlineBuildInfo("go1.22.0", framedModInfo("path\tx.io/win\n"));
    const pe = Buffer.concat([Buffer.from("MZ"), Buffer.alloc(1022), info]);
    expect(analyzeGoBinary(pe)).toMatchObject({ goVersion: "go1.22.0", path: "x.io/win" });
    const macho = Buffer.concat([Buffer.from("cffaedfe", "hex"), Buffer.alloc(1020), info]);
    expect(analyzeGoBinary(macho)).toMatchObject({ goVersion: "go1.22.0", path: "x.io/win" });
  });

  it("packages from a binary in an image: replacement with a version stands for the module, a local one keeps the path", async () => {
    const layer = await makeTar([
      {
        name: "usr/local/bin/app",
        content: goElf(inlineBuildInfo("go1.21.5", framedModInfo(MOD))),
        mode: 0o755,
      },
      {
        name: "usr/local/bin/not-executable",
        content: goElf(inlineBuildInfo("go1.21.5", framedModInfo(MOD))),
        mode: 0o644,
      },
      {
        name: "usr/local/share/data.bin",
        content: goElf(inlineBuildInfo("go1.21.5", framedModInfo(MOD))),
        mode: 0o644,
      },
    ]);
    const result = await catalogWith(syntheticImage([bufferLayer(layer, 0)]), [goBinaryCataloger]);
    const rows = result.packages
      .map((p) => [p.locations[0]!.path, p.metadata!.kind, p.name, p.version, p.purl])
      .sort((a, b) => a.join(" ").localeCompare(b.join(" ")));
    expect(rows).toEqual([
      ["/usr/local/bin/app", "dep", "github.com/a/b", "v0.1.0", "pkg:golang/github.com/a/b@v0.1.0"],
      ["/usr/local/bin/app", "dep", "github.com/local/d", "", "pkg:golang/github.com/local/d"],
      ["/usr/local/bin/app", "dep", "github.com/new/c", "v1.1.0", "pkg:golang/github.com/new/c@v1.1.0"],
      ["/usr/local/bin/app", "main", "example.com/app", "v1.2.3", "pkg:golang/example.com/app@v1.2.3"],
      ["/usr/local/bin/app", "stdlib", "stdlib", "v1.21.5", "pkg:golang/stdlib@v1.21.5"],
      // Not executable, but in a bin directory: still a program.
      [
        "/usr/local/bin/not-executable",
        "dep",
        "github.com/a/b",
        "v0.1.0",
        "pkg:golang/github.com/a/b@v0.1.0",
      ],
      ["/usr/local/bin/not-executable", "dep", "github.com/local/d", "", "pkg:golang/github.com/local/d"],
      [
        "/usr/local/bin/not-executable",
        "dep",
        "github.com/new/c",
        "v1.1.0",
        "pkg:golang/github.com/new/c@v1.1.0",
      ],
      [
        "/usr/local/bin/not-executable",
        "main",
        "example.com/app",
        "v1.2.3",
        "pkg:golang/example.com/app@v1.2.3",
      ],
      ["/usr/local/bin/not-executable", "stdlib", "stdlib", "v1.21.5", "pkg:golang/stdlib@v1.21.5"],
    ]);
    expect(result.packages.find((p) => p.name === "github.com/new/c")!.metadata!.replaces).toBe(
      "github.com/old/c@v1.0.0",
    );
    expect(result.packages.find((p) => p.name === "github.com/local/d")!.metadata!.replacedBy).toBe("../d");
  });

  it("stdlib versions: toolchain names as Go prints them", () => {
    expect(stdlibVersion("go1.19.8")).toBe("v1.19.8");
    expect(stdlibVersion("go1.22.1 X:boringcrypto")).toBe("v1.22.1");
    expect(stdlibVersion("go1.21rc2")).toBe("v1.21rc2");
    expect(stdlibVersion("devel go1.23-abcdef")).toBe("devel");
  });
});

describe("hostile binaries", () => {
  const good = goElf(inlineBuildInfo("go1.21.5", framedModInfo(MOD)));

  it("a version string claiming 2^40 bytes, and pointers to a 1 GiB string: errors, no allocation", () => {
    const header = inlineBuildInfo("go1.21.5", Buffer.alloc(0)).subarray(0, 32);
    const huge = goElf(Buffer.concat([header, uvarint(2 ** 40), Buffer.alloc(64)]));
    expect(analyzeGoBinary(huge)).toEqual({ error: expect.stringMatching(/runs past the end of the file/) });
    const ptr = pointerBuildInfo("go1.16", framedModInfo("path\tx\n"), { base: 0x500000 });
    ptr.writeBigUInt64LE(BigInt(2 ** 30), 32 + 8); // the version string header's length
    expect(analyzeGoBinary(goElf(ptr))).toEqual({ error: expect.stringMatching(/over the \d+-byte cap/) });
  });

  it("bogus section headers: out-of-range table, count and name index fall back to a whole-file search", () => {
    for (const [offset, value] of [
      [0x28, 0xffffffff], // e_shoff past the end
      [0x3c, 0xfff0], // e_shnum huge
      [0x3e, 0x7777], // e_shstrndx out of range
    ] as const) {
      const b = Buffer.from(good);
      if (offset === 0x28) b.writeUInt32LE(value, offset);
      else b.writeUInt16LE(value, offset);
      const elf = parseElf(b);
      expect(elf.problems.length + (elf.sections.length === 0 ? 1 : 0)).toBeGreaterThan(0);
      expect(analyzeGoBinary(b)).toMatchObject({ goVersion: "go1.21.5", path: "example.com/app/cmd/app" });
    }
  });

  it("64-bit fields are read exactly up to 2^53 and a larger value makes the table unusable, not a wrong offset", () => {
    // e_shoff (0x28) is a 64-bit little-endian field: set only its upper half.
    const huge = Buffer.from(good);
    huge.writeUInt32LE(0x00200000, 0x2c); // 2^53: past the safe integers
    expect(parseElf(huge).sections).toEqual([]);
    const exact = Buffer.from(good);
    exact.writeUInt32LE(0x1, 0x2c); // 2^32 + the low half: a real number, and past this file's end
    expect(parseElf(exact).problems).toContain("section header table is out of bounds");
    expect(parseElf(good).sections.map((s) => s.name)).toContain(".go.buildinfo");
  });

  it("parseElfOnce parses a buffer once and answers the same for it as parseElf, errors included", () => {
    const copy = Buffer.from(good);
    expect(parseElfOnce(copy)).toBe(parseElfOnce(copy));
    expect(parseElfOnce(copy)).toEqual(parseElf(copy));
    const truncated = Buffer.from(good.subarray(0, 40));
    expect(() => parseElfOnce(truncated)).toThrow(ShipshapeError);
    expect(() => parseElfOnce(truncated)).toThrow(ShipshapeError);
  });

  it("a truncated ELF header is refused; any truncation of a Go binary gives a record, null or an error", () => {
    expect(() => parseElf(good.subarray(0, 40))).toThrow(ShipshapeError);
    for (let n = 0; n <= good.length; n += 7) {
      const a = analyzeGoBinary(good.subarray(0, n));
      expect(a === null || typeof a === "object").toBe(true);
    }
  });

  it("a million dependency lines are cut at the cap in linear time", () => {
    const many = `${"dep\tgithub.com/x/y\tv1.0.0\th1:x=\n".repeat(1_000_000)}`;
    const started = Date.now();
    const info = parseModInfo(many);
    expect(info.deps).toHaveLength(MAX_DEPS);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("fuzz: random bytes, mutated Go ELF files and random module info never throw", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc
            .uint8Array({ maxLength: 512 })
            .map((a) => Buffer.concat([Buffer.from("\x7fELF\x02\x01\x01", "latin1"), Buffer.from(a)])),
          fc
            .tuple(
              fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), {
                maxLength: 16,
              }),
              fc.nat(good.length),
            )
            .map(([flips, cut]) => {
              const b = Buffer.from(good);
              for (const [at, value] of flips) b[at] = value;
              return b.subarray(0, cut);
            }),
        ),
        (bytes) => {
          const a = analyzeGoBinary(bytes);
          expect(a === null || typeof a === "object").toBe(true);
          for (const parse of [readRawGoBuildInfo, parseElf]) {
            try {
              parse(bytes);
            } catch (err) {
              expect(err).toBeInstanceOf(ShipshapeError);
            }
          }
        },
      ),
      { numRuns: 400 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        const info = parseModInfo(text.replaceAll("|", "\t").replaceAll("~", "\n"));
        expect(info.deps.length).toBeLessThanOrEqual(MAX_DEPS);
      }),
      { numRuns: 300 },
    );
  });

  it("the cataloger reports unreadable build info as incomplete, by path", async () => {
    const header = inlineBuildInfo("go1.21.5", Buffer.alloc(0)).subarray(0, 32);
    const broken = goElf(Buffer.concat([header, uvarint(2 ** 40), Buffer.alloc(64)]));
    const layer = await makeTar([{ name: "bin/broken", content: broken, mode: 0o755 }]);
    const result = await catalogWith(syntheticImage([bufferLayer(layer, 0)]), [goBinaryCataloger]);
    expect(result.packages).toEqual([]);
    expect(result.incomplete).toEqual([
      { path: "/bin/broken", reason: expect.stringMatching(/Go build info could not be read/) },
    ]);
    expect(GO_CATALOGER_ID).toBe("go-binary");
  });
});
