/**
 * Python: Trivy's real METADATA files give the name, version and licences its own tests expect
 * (fixtures/pkgdb, *.expected.json), read as the parser sees them and as installed in an image in
 * every layout we read (dist-info, egg-info directory and file, egg directory, zipped egg written by
 * Python's own zipfile module, deflated and stored). The Debian image's 10 distributions are checked
 * in debian12-app.test.ts. Bad files are warnings; the parsers are fuzzed.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pythonCataloger } from "../../../src/catalog/python/cataloger.js";
import { parseCoreMetadata } from "../../../src/catalog/python/core-metadata.js";
import { readEggPkgInfo } from "../../../src/catalog/python/egg-zip.js";
import { normalizePythonName } from "../../../src/catalog/python/names.js";
import { isShipshapeError } from "../../../src/errors.js";
import type { TarMember } from "../../helpers/layers.js";
import { fixturePath } from "../../helpers/shared.js";
import { catalogWith, imageOf } from "./run.js";

const TESTDATA = fixturePath(
  "pkgdb",
  "aquasecurity",
  "trivy",
  "pkg",
  "dependency",
  "parser",
  "python",
  "packaging",
  "testdata",
);

interface Expected {
  file: string;
  bytes: Buffer;
  name: string;
  version: string;
  licenses: string[];
}

const fixtures: Expected[] = readdirSync(TESTDATA)
  .filter((f) => f.endsWith(".METADATA"))
  .map((file) => {
    const expected = JSON.parse(readFileSync(join(TESTDATA, `${file}.expected.json`), "utf8")) as {
      packages: { name: string; version: string; licenses?: string[] }[];
    };
    const p = expected.packages[0]!;
    return {
      file,
      bytes: readFileSync(join(TESTDATA, file)),
      name: p.name,
      version: p.version,
      licenses: p.licenses ?? [],
    };
  });

type ZipSpec = { members: Record<string, Buffer>; compression: "ZIP_DEFLATED" | "ZIP_STORED" };

/** Zipped eggs written by Python's zipfile (an independent zip writer), in one python3 run. */
function pythonZips(specs: ZipSpec[]): Buffer[] {
  const script = `
import base64, io, json, sys, zipfile
out = []
for spec in json.load(sys.stdin):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", getattr(zipfile, spec["compression"])) as z:
        for name, data in spec["members"].items():
            z.writestr(name, base64.b64decode(data))
    out.append(base64.b64encode(buf.getvalue()).decode())
json.dump(out, sys.stdout)
`;
  const input = JSON.stringify(
    specs.map((s) => ({
      compression: s.compression,
      members: Object.fromEntries(Object.entries(s.members).map(([n, b]) => [n, b.toString("base64")])),
    })),
  );
  const out = JSON.parse(
    execFileSync("python3", ["-c", script], { input, encoding: "utf8", maxBuffer: 64 << 20 }),
  ) as string[];
  return out.map((b) => Buffer.from(b, "base64"));
}

describe("Python core metadata: Trivy's fixtures", () => {
  it.each(fixtures.map((f) => [f.file, f] as const))("%s gives what Trivy's test expects", (_file, f) => {
    const m = parseCoreMetadata(f.bytes);
    expect({ name: m.name, version: m.version, licenses: m.licenses }).toEqual({
      name: f.name,
      version: f.version,
      licenses: f.licenses,
    });
  });

  it("every installed layout yields the same distributions, located at their metadata file", async () => {
    const site = "usr/local/lib/python3.11/site-packages";
    const members: TarMember[] = [];
    const expected: string[] = [];
    const eggs = pythonZips(
      fixtures.map((f, i) => ({
        members: { [`${f.name}/__init__.py`]: Buffer.from("x = 1\n"), "EGG-INFO/PKG-INFO": f.bytes },
        compression: i % 2 === 0 ? "ZIP_DEFLATED" : "ZIP_STORED",
      })),
    );
    fixtures.forEach((f, i) => {
      const base = `${f.name}-${f.version}`;
      const layouts: [string, Buffer][] = [
        [`${site}/${base}.dist-info/METADATA`, f.bytes],
        [`${site}/${base}.egg-info/PKG-INFO`, f.bytes],
        [`usr/lib/python3/dist-packages/${base}.egg-info`, f.bytes],
        [`${site}/${base}-py3.11.egg/EGG-INFO/PKG-INFO`, f.bytes],
        [`opt/eggs/${base}-py3.11.egg`, eggs[i]!],
      ];
      for (const [path, content] of layouts) {
        members.push({ name: path, content });
        expected.push(`${f.name} ${f.version} /${path} ${f.licenses.join("|")}`);
      }
    });
    const result = await catalogWith(await imageOf(members), [pythonCataloger]);
    const actual = result.packages.map(
      (p) => `${p.name} ${p.version} ${p.locations[0]?.path} ${(p.licenses ?? []).join("|")}`,
    );
    expect(actual.sort()).toEqual(expected.sort());
    expect(result.warnings).toEqual([]);
    expect(result.packages.every((p) => p.locations[0]?.layer === 0 && p.foundBy === "python")).toBe(true);
  }, 60_000);
});

describe("Python names", () => {
  it("PEP 503's own examples normalise to one name; the purl carries it, `name` keeps the spelling", async () => {
    for (const n of [
      "friendly-bard",
      "Friendly-Bard",
      "FRIENDLY-BARD",
      "friendly.bard",
      "friendly_bard",
      "friendly--bard",
      "FrIeNdLy-._.-bArD",
    ]) {
      expect(normalizePythonName(n)).toBe("friendly-bard");
    }
    const meta = Buffer.from("Metadata-Version: 2.1\nName: Zope.Interface_Extra\nVersion: 5.0\n");
    const result = await catalogWith(
      await imageOf([
        { name: "usr/lib/python3/dist-packages/Zope.Interface_Extra-5.0.dist-info/METADATA", content: meta },
      ]),
      [pythonCataloger],
    );
    expect(result.packages.map((p) => [p.name, p.purl])).toEqual([
      ["Zope.Interface_Extra", "pkg:pypi/zope-interface-extra@5.0"],
    ]);
  });
});

describe("Python: bad files are warnings, never crashes", () => {
  it("no Name, binary garbage, an unreadable egg (reported from its file name), an egg without PKG-INFO", async () => {
    const site = "usr/lib/python3/dist-packages";
    const image = await imageOf([
      { name: `${site}/noname-1.0.dist-info/METADATA`, content: "Metadata-Version: 2.1\nVersion: 1.0\n" },
      {
        name: `${site}/garbage-1.0.dist-info/METADATA`,
        content: Buffer.from([0, 1, 2, 0xff, 0xfe, 10, 10, 3]),
      },
      { name: `${site}/Broken_Egg-2.5-py3.11.egg`, content: Buffer.from("PK\u0003\u0004 not really a zip") },
      {
        name: `${site}/empty-1.0-py3.11.egg`,
        content: pythonZips([
          { members: { "empty/__init__.py": Buffer.from("") }, compression: "ZIP_DEFLATED" },
        ])[0]!,
      },
      {
        name: `${site}/ok-1.0.dist-info/METADATA`,
        content: "Name: ok\nVersion: 1.0\nLicense: UNKNOWN\n\nbody",
      },
    ]);
    const result = await catalogWith(image, [pythonCataloger]);
    expect(result.packages.map((p) => `${p.name} ${p.version} ${(p.licenses ?? []).join()}`).sort()).toEqual([
      "Broken_Egg 2.5 ",
      "empty 1.0 ",
      "ok 1.0 ",
    ]);
    const warning = (s: string) => result.warnings.filter((w) => w.includes(s));
    expect(warning("noname-1.0.dist-info")[0]).toMatch(/no Name field/);
    expect(warning("garbage-1.0.dist-info")).toHaveLength(1);
    expect(warning("Broken_Egg-2.5")[0]).toMatch(/not a readable zip.*reported from its file name/);
    expect(warning("empty-1.0-py3.11.egg")[0]).toMatch(/no EGG-INFO\/PKG-INFO.*reported from its file name/);
    expect(warning("ok-1.0")).toEqual([]);
    expect(result.incomplete).toEqual([]);
  });

  it("a licence field that holds a whole licence text is not a licence name", () => {
    const text =
      "Name: x\nVersion: 1\nLicense: Copyright (c) 2020 Someone\n        Permission is hereby granted, free of charge\nLicense-File: LICENSE\n";
    expect(parseCoreMetadata(Buffer.from(text)).licenses).toEqual(["file://LICENSE"]);
  });

  it("fuzz: core metadata returns a distribution or throws a ShipshapeError", () => {
    const line = fc.oneof(
      fc.constantFrom(
        "Name: a",
        "Version: 1",
        "Name:",
        "License: MIT",
        "Classifier: License :: OSI Approved",
        "",
        " cont",
        "\tx",
      ),
      fc.string(),
      fc
        .tuple(
          fc.constantFrom("Name", "Version", "License", "Classifier", "License-Expression", "License-File"),
          fc.string(),
        )
        .map(([k, v]) => `${k}: ${v}`),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), fc.constantFrom("\n", "\r\n"), (lines, eol) => {
        try {
          const m = parseCoreMetadata(Buffer.from(lines.join(eol)));
          expect(m.name).not.toMatch(/\s/);
          expect(m.version).not.toMatch(/\s/);
        } catch (err) {
          if (!isShipshapeError(err)) throw err;
        }
      }),
      { numRuns: 400 },
    );
  });

  it("fuzz: the egg zip reader survives random and mutated zips", () => {
    const valid = pythonZips([
      { members: { "EGG-INFO/PKG-INFO": fixtures[0]!.bytes }, compression: "ZIP_DEFLATED" },
    ])[0]!;
    const mutated = fc
      .array(fc.tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 0, max: 255 })), { maxLength: 8 })
      .map((edits) => {
        const b = Buffer.from(valid);
        for (const [i, v] of edits) b[i] = v;
        return b;
      });
    const arbitrary = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));
    const truncated = fc.nat({ max: valid.length }).map((n) => valid.subarray(0, n));
    fc.assert(
      fc.property(fc.oneof(mutated, arbitrary, truncated), (zip) => {
        try {
          const out = readEggPkgInfo(zip);
          if (out) expect(out.length).toBeLessThanOrEqual(4 * 1024 * 1024);
        } catch (err) {
          if (!isShipshapeError(err)) throw err;
        }
      }),
      { numRuns: 400 },
    );
    expect(readEggPkgInfo(valid)?.equals(fixtures[0]!.bytes)).toBe(true);
  });
});
