/**
 * The Java cataloger against real archives (debian12-app's Debian jars with the fixture's expected
 * list, Trivy's jar-in-jar-in-jar with Trivy's expectation, snyk's war with three levels of nested
 * jars against Python's zipfile walking the same war) and against hostile ones (bombs, endless
 * nesting, truncation, random bytes): only bounded work and "incomplete" reports, never a crash.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  analyzeJavaArchive,
  DEFAULT_JAVA_LIMITS,
  type JavaArchiveLimits,
} from "../../../src/catalog/java/archive.js";
import { javaArchiveCataloger } from "../../../src/catalog/java/cataloger.js";
import { bundleLicenses, parseManifest } from "../../../src/catalog/java/manifest.js";
import { parseProperties } from "../../../src/catalog/java/properties.js";
import type { Package } from "../../../src/catalog/package.js";
import { bufferLayer, makeTar, syntheticImage } from "../../helpers/layers.js";
import { fixturePath } from "../../helpers/shared.js";
import { catalogWith } from "../go/catalog-with.js";
import { jarWithPom, writeZip } from "./zip-writer.js";

const here = dirname(fileURLToPath(import.meta.url));

interface ExpectedMaven {
  type: string;
  name: string;
  version: string;
  path: string;
  evidence: string;
  groupId?: string;
  artifactId?: string;
  manifestVersion?: string | null;
}

describe("debian12-app: the fixture's maven packages, exactly", () => {
  it("one package per pom.properties in a real jar, the MANIFEST when there is none; symlinks not counted", async () => {
    const expected = (
      JSON.parse(
        readFileSync(fixturePath("expected", "debian12-app.packages.json"), "utf8"),
      ) as ExpectedMaven[]
    ).filter((p) => p.type === "maven");
    expect(expected).toHaveLength(6);
    const result = await catalogWith(`oci-archive:${fixturePath("images", "debian12-app.oci.tar")}`, [
      javaArchiveCataloger,
    ]);
    const view = (p: ExpectedMaven) => ({
      name: p.name,
      version: p.version,
      path: p.path,
      evidence: p.evidence,
      groupId: p.groupId,
      artifactId: p.artifactId,
      manifestVersion: p.manifestVersion ?? null,
    });
    const actual = result.packages.map((p) => ({
      name: p.name,
      version: p.version,
      path: p.locations[0]!.path,
      evidence: p.metadata!.evidence as string,
      groupId: p.metadata!.groupId as string | undefined,
      artifactId: p.metadata!.artifactId as string | undefined,
      manifestVersion: (p.metadata!.manifestVersion as string | null) ?? null,
    }));
    // The expected file has no manifestVersion for MANIFEST-only entries: compare it where it is given.
    const key = (x: ReturnType<typeof view>) => `${x.path} ${x.evidence}`;
    const byKey = new Map(actual.map((a) => [key(a), a]));
    expect([...byKey.keys()].sort()).toEqual(expected.map((e) => key(view(e))).sort());
    for (const e of expected) {
      const a = byKey.get(key(view(e)))!;
      const want = view(e);
      if (e.manifestVersion === undefined) want.manifestVersion = a.manifestVersion;
      expect(a).toEqual(want);
    }
    expect(result.incomplete).toEqual([]);
    // Layer 4 installed the Java libraries; purls follow the Maven coordinates.
    const lang3 = result.packages.find((p) => p.name === "org.apache.commons:commons-lang3")!;
    expect(lang3.locations).toEqual([{ path: "/usr/share/java/commons-lang3.jar", layer: 4 }]);
    expect(lang3.purl).toBe("pkg:maven/org.apache.commons/commons-lang3@3.12.0");
    // log4j 1.2's MANIFEST carries a Bundle-License.
    const log4j = result.packages.find((p) => p.name === "org.apache.log4j")!;
    expect(log4j.licenses).toEqual(["http://www.apache.org/licenses/LICENSE-2.0.txt"]);
    expect(log4j.purl).toMatch(/^pkg:maven\/[^/]+\/[^/@]+@1\.2\.17$/);
  });
});

describe("nested archives", () => {
  it("Trivy's jar-in-jar-in-jar: Trivy's three packages, each at its nested path", () => {
    const base = "pkgdb/aquasecurity/trivy/pkg/dependency/parser/java/jar/testdata/nested.jar";
    const expected = JSON.parse(readFileSync(fixturePath(`${base}.expected.json`), "utf8")) as {
      packages: { name: string; version: string; filePath: string }[];
    };
    const result = analyzeJavaArchive(readFileSync(fixturePath(base)), "nested.jar");
    expect(result.problems).toEqual([]);
    expect(result.packages.map((p) => ({ name: p.name, version: p.version, nested: p.nestedPath }))).toEqual(
      expected.packages.map((p) => ({
        name: p.name,
        version: p.version,
        nested: p.filePath.replace(/^testdata\/nested\.jar\/?/, ""),
      })),
    );
  });

  it("snyk's war with three levels of jars: what Python's zipfile finds, and snyk's deepest jar", async () => {
    const archive = fixturePath(
      "real-images/snyk+snyk-docker-plugin/test/fixtures/docker-archives/docker-save/war-with-3-level-jar.tar",
    );
    const result = await catalogWith(`docker-archive:${archive}`, [javaArchiveCataloger]);
    expect(result.incomplete).toEqual([]);
    expect(new Set(result.packages.map((p) => p.locations[0]!.path))).toEqual(
      new Set(["/workspace/app/mywar.war"]),
    );

    // The oracle reads the war out of the same image, unpacked by tar, with Python's zipfile.
    const dir = mkdtempSync(join(tmpdir(), "shipshape-war-"));
    let oracle: {
      nestedPath: string;
      evidence: string | null;
      name: string | null;
      version: string | null;
    }[];
    try {
      execFileSync("tar", ["-xf", archive, "-C", dir]);
      mkdirSync(join(dir, "root"));
      const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as [{ Layers: string[] }];
      for (const layer of manifest[0].Layers)
        execFileSync("tar", ["-xf", join(dir, layer), "-C", join(dir, "root")]);
      oracle = JSON.parse(
        execFileSync("python3", [join(here, "zip_oracle.py"), join(dir, "root/workspace/app/mywar.war")], {
          encoding: "utf8",
        }),
      ) as typeof oracle;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const mine = result.packages.map((p) => ({
      nestedPath: (p.metadata!.nestedPath as string | undefined) ?? "",
      evidence: p.metadata!.evidence as string,
      name: p.metadata!.groupId ? p.name : null,
      version: p.metadata!.groupId || p.version ? p.version : null,
    }));
    const order = (a: { nestedPath: string }, b: { nestedPath: string }) =>
      a.nestedPath.localeCompare(b.nestedPath);
    expect(mine.sort(order)).toEqual(oracle.sort(order));
    expect(oracle).toHaveLength(7);

    // snyk's java.spec.ts: the deepest jar (level 3 inside the war) is guava's listenablefuture.
    const deepest = result.packages.find((p) => p.name === "com.google.guava:listenablefuture")!;
    expect(deepest.version).toBe("9999.0-empty-to-avoid-conflict-with-guava");
    expect(deepest.metadata!.nestedPath).toBe(
      "WEB-INF/lib/level-3-jar.jar/level-2-jar.jar/lib/listenablefuture-9999.0-empty-to-avoid-conflict-with-guava.jar",
    );
    expect(deepest.purl).toBe(
      "pkg:maven/com.google.guava/listenablefuture@9999.0-empty-to-avoid-conflict-with-guava",
    );
  });

  it("nesting deeper than the limit is cut off and reported, not followed", () => {
    let jar = jarWithPom("g", "level-20", "20");
    for (let i = 19; i >= 0; i--)
      jar = jarWithPom("g", `level-${i}`, String(i), [{ name: `lib/level-${i + 1}.jar`, data: jar }]);
    const result = analyzeJavaArchive(jar, "level-0.jar");
    expect(result.packages.map((p) => p.name)).toEqual(
      Array.from({ length: DEFAULT_JAVA_LIMITS.maxDepth + 1 }, (_, i) => `g:level-${i}`),
    );
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatch(/nested deeper than 6 archives/);
  });

  it("the inflate budget bounds a nested bomb, and the rest of the archive is still read", () => {
    const zeros = writeZip([{ name: "zeros.bin", data: Buffer.alloc(16 * 1024 * 1024) }]);
    const bomb = writeZip([{ name: "inner.jar", data: zeros, method: 0 }]);
    // A jar whose nested "jars" inflate to 4 MiB of zeros each, then a real one, then a jar holding a bomb.
    const outer = writeZip([
      { name: "META-INF/maven/g/outer/pom.properties", data: "groupId=g\nartifactId=outer\nversion=1\n" },
      ...Array.from({ length: 10 }, (_, i) => ({
        name: `lib/bomb-${i}.jar`,
        data: Buffer.alloc(4 * 1024 * 1024),
      })),
      { name: "lib/real.jar", data: jarWithPom("g", "real", "2"), method: 0 },
      { name: "lib/bomb-nested.jar", data: bomb, method: 0 },
    ]);
    const limits: JavaArchiveLimits = { ...DEFAULT_JAVA_LIMITS, maxInflatedBytes: 30 * 1024 * 1024 };
    const started = Date.now();
    const result = analyzeJavaArchive(outer, "outer.jar", limits);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result.packages.some((p) => p.name === "g:outer")).toBe(true);
    // The zeros are not zips (reported); the real jar is found; the nested bomb runs out of budget.
    expect(result.packages.some((p) => p.name === "g:real")).toBe(true);
    expect(result.problems.filter((p) => /lib\/bomb-\d\.jar: not a zip archive/.test(p))).toHaveLength(7);
    expect(result.problems.some((p) => /budget is spent|byte cap/.test(p))).toBe(true);
  });

  it("an archive listing the same entry a thousand times (overlapping entries) costs one budget", () => {
    const inner = jarWithPom("g", "inner", "1");
    const one = writeZip([{ name: "lib/x.jar", data: inner, method: 0 }]);
    // Copy the single central record 1000 times, all pointing at the same local header.
    const eocd = one.length - 22;
    const cdSize = one.readUInt32LE(eocd + 12);
    const cdOffset = one.readUInt32LE(eocd + 16);
    const record = one.subarray(cdOffset, cdOffset + cdSize);
    const copies = Buffer.concat(Array.from({ length: 1000 }, () => record));
    const end = Buffer.from(one.subarray(eocd));
    end.writeUInt16LE(1000, 8);
    end.writeUInt16LE(1000, 10);
    end.writeUInt32LE(copies.length, 12);
    const bytes = Buffer.concat([one.subarray(0, cdOffset), copies, end]);
    const limits: JavaArchiveLimits = { ...DEFAULT_JAVA_LIMITS, maxArchives: 100 };
    const result = analyzeJavaArchive(bytes, "many.jar", limits);
    expect(result.packages.filter((p) => p.name === "g:inner")).toHaveLength(99);
    expect(result.problems.some((p) => /more than 100 nested archives/.test(p))).toBe(true);
  });
});

describe("MANIFEST.MF and pom.properties", () => {
  it("MANIFEST: continuation lines, sections, case-insensitive names, Bundle-License lists", () => {
    const m = parseManifest(
      'Manifest-Version: 1.0\r\nbundle-symbolicname: org.example.long\r\n .name;singleton:=true\r\nBundle-License: "Apache-2.0";link="https://a,b", MIT\r\n\r\nName: x/\r\nImplementation-Title: x\r\n',
    );
    expect(m.main.get("bundle-symbolicname")).toBe("org.example.long.name;singleton:=true");
    expect(m.sections[0]!.get("implementation-title")).toBe("x");
    expect(bundleLicenses(m)).toEqual(["Apache-2.0", "MIT"]);
  });

  it("pom.properties: comments, separators, escapes and continuations as java.util.Properties reads them", () => {
    const p = parseProperties(
      "#Generated by Maven\n! also a comment\ngroupId = org.example\nartifactId:lib\\\n    rary\nversion 1.0\\u002d1\nkey\\=with\\:colon=v\n",
    );
    expect(Object.fromEntries(p)).toEqual({
      groupId: "org.example",
      artifactId: "library",
      version: "1.0-1",
      "key=with:colon": "v",
    });
  });

  it("an archive with neither pom.properties nor MANIFEST is named by its file name", () => {
    const result = analyzeJavaArchive(writeZip([{ name: "a.class", data: "x" }]), "commons-io-2.11.0.jar");
    expect(result.packages).toEqual([
      expect.objectContaining({
        name: "commons-io",
        version: "2.11.0",
        evidence: "file name",
        purlArtifact: "commons-io",
      }),
    ]);
  });
});

describe("bad archives in an image", () => {
  it("truncated and non-zip jars are reported incomplete by path; good jars beside them are still found", async () => {
    const good = jarWithPom("org.example", "good", "1.0");
    const layer = await makeTar([
      { name: "opt/app/good.jar", content: good },
      { name: "opt/app/truncated.jar", content: good.subarray(0, good.length - 30) },
      { name: "opt/app/not-a-zip.war", content: "<html>not a war</html>" },
      { name: "opt/app/empty.jar", content: "" },
      { name: "opt/app/.jar", content: writeZip([{ name: "x.class", data: "x" }]) },
    ]);
    const result = await catalogWith(syntheticImage([bufferLayer(layer, 0)]), [javaArchiveCataloger]);
    expect(result.packages.map((p: Package) => [p.name, p.version, p.purl, p.locations[0]!.path])).toEqual([
      [".jar", "", "pkg:maven/.jar/.jar", "/opt/app/.jar"],
      ["org.example:good", "1.0", "pkg:maven/org.example/good@1.0", "/opt/app/good.jar"],
    ]);
    expect(result.incomplete.map((i) => i.path).sort()).toEqual([
      "/opt/app/not-a-zip.war",
      "/opt/app/truncated.jar",
    ]);
    expect(result.incomplete.find((i) => i.path === "/opt/app/not-a-zip.war")!.reason).toMatch(
      /not a zip archive/,
    );
  });

  it("a jar over the per-file read limit is reported incomplete, not silently skipped", async () => {
    const layer = await makeTar([
      {
        name: "big.jar",
        content: jarWithPom("g", "big", "1", [{ name: "pad.bin", data: Buffer.alloc(4096) }]),
      },
    ]);
    const result = await catalogWith(syntheticImage([bufferLayer(layer, 0)]), [javaArchiveCataloger], {
      maxAnalyzedFileBytes: 1024,
    });
    expect(result.packages).toEqual([]);
    expect(result.incomplete).toEqual([
      { path: "/big.jar", reason: expect.stringMatching(/not analyzed: \d+ bytes is over/) },
    ]);
  });

  it("fuzz: random bytes and mutated real jars never throw, and stay within the record bounds", () => {
    const real = readFileSync(
      fixturePath("pkgdb/aquasecurity/trivy/pkg/dependency/parser/java/jar/testdata/nested.jar"),
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 800 }).map((a) => Buffer.from(a)),
          fc
            .tuple(
              fc.array(fc.tuple(fc.nat(real.length - 1), fc.integer({ min: 0, max: 255 })), {
                maxLength: 16,
              }),
              fc.nat(real.length),
            )
            .map(([flips, cut]) => {
              const b = Buffer.from(real);
              for (const [at, value] of flips) b[at] = value;
              return b.subarray(0, cut);
            }),
        ),
        (bytes) => {
          const result = analyzeJavaArchive(bytes, "fuzz.jar");
          expect(result.packages.length).toBeLessThanOrEqual(DEFAULT_JAVA_LIMITS.maxArchives * 2);
          for (const p of result.packages) expect(typeof p.version).toBe("string");
        },
      ),
      { numRuns: 300 },
    );
  });
});
