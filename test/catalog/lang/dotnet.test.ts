/**
 * .NET: Trivy's real happy.deps.json gives what Trivy's test expects (fixtures/pkgdb); a
 * self-contained app's runtime pack and compile-time-only packages are handled as Trivy does. A
 * broken deps.json is an incomplete source; the parser is fuzzed.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dotnetCataloger } from "../../../src/catalog/dotnet.js";
import { parseDotnetDeps } from "../../../src/catalog/dotnet-deps.js";
import { isShipshapeError } from "../../../src/errors.js";
import { fixturePath } from "../../helpers/shared.js";
import { catalogWith, imageOf } from "./run.js";

const HAPPY = fixturePath(
  "pkgdb",
  "aquasecurity",
  "trivy",
  "pkg",
  "dependency",
  "parser",
  "dotnet",
  "core_deps",
  "testdata",
  "happy.deps.json",
);

describe(".NET deps.json", () => {
  it("Trivy's happy.deps.json: the packages Trivy's test expects, with nuget purls", async () => {
    const expected = JSON.parse(readFileSync(`${HAPPY}.expected.json`, "utf8")) as {
      packages: { name: string; version: string; relationship: string }[];
    };
    const path = "/app/ExampleApp1.deps.json";
    const result = await catalogWith(await imageOf([{ name: path.slice(1), content: readFileSync(HAPPY) }]), [
      dotnetCataloger,
    ]);
    expect(result.packages.map((p) => `${p.name} ${p.version}`).sort()).toEqual(
      expected.packages.map((p) => `${p.name} ${p.version}`).sort(),
    );
    for (const e of expected.packages) {
      const p = result.packages.find((x) => x.name === e.name)!;
      expect(p.purl).toBe(`pkg:nuget/${e.name}@${e.version}`);
      expect(p.locations).toEqual([{ path, layer: 0 }]);
      // Trivy's root is the application's own project.
      expect(p.metadata?.kind === "project").toBe(e.relationship === "root");
    }
    expect(result.warnings).toEqual([]);
  });

  it("a runtime pack is reported without its prefix; compile-time-only packages and reference assemblies are not", () => {
    const deps = {
      runtimeTarget: { name: ".NETCoreApp,Version=v8.0/linux-x64" },
      targets: {
        ".NETCoreApp,Version=v8.0/linux-x64": {
          "App/1.0.0": { dependencies: { Serilog: "3.1.1" }, runtime: { "App.dll": {} } },
          "runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/8.0.1": {
            runtime: { "System.Private.CoreLib.dll": {} },
          },
          "Serilog/3.1.1": { runtime: { "lib/net7.0/Serilog.dll": {} } },
          "Microsoft.SourceLink.GitHub/8.0.0": {},
          "SQLitePCLRaw.lib.e_sqlite3/2.1.6": {
            runtimeTargets: { "runtimes/linux-x64/native/libe_sqlite3.so": {} },
          },
        },
      },
      libraries: {
        "App/1.0.0": { type: "project" },
        "runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/8.0.1": { type: "runtimepack" },
        "Serilog/3.1.1": { type: "package" },
        "Microsoft.SourceLink.GitHub/8.0.0": { type: "package" },
        "SQLitePCLRaw.lib.e_sqlite3/2.1.6": { type: "Package" },
        "NotInTargets/1.0.0": { type: "package" },
        "System.Runtime/4.3.0.0": { type: "referenceassembly" },
        NoVersion: { type: "package" },
      },
    };
    const r = parseDotnetDeps(Buffer.from(JSON.stringify(deps)));
    expect(r.libraries.map((l) => `${l.name} ${l.version} ${l.kind}`).sort()).toEqual([
      "App 1.0.0 project",
      "Microsoft.NETCore.App.Runtime.linux-x64 8.0.1 runtimepack",
      "NotInTargets 1.0.0 package",
      "SQLitePCLRaw.lib.e_sqlite3 2.1.6 package",
      "Serilog 3.1.1 package",
    ]);
    expect(r.compileOnly).toBe(1);
    expect(r.skipped).toBe(1);
  });

  it("a broken deps.json is incomplete and named; the others are read", async () => {
    const result = await catalogWith(
      await imageOf([
        { name: "app/Broken.deps.json", content: '{"libraries": {"A/1.0": {"type": "package"' },
        { name: "app/Weird.deps.json", content: '{"libraries": []}' },
        { name: "app/Good.deps.json", content: '{"libraries": {"A/1.0": {"type": "package"}}}' },
      ]),
      [dotnetCataloger],
    );
    expect(result.packages.map((p) => `${p.name} ${p.version} ${p.locations[0]?.path}`)).toEqual([
      "A 1.0 /app/Good.deps.json",
    ]);
    expect(result.incomplete.map((i) => i.path).sort()).toEqual([
      "/app/Broken.deps.json",
      "/app/Weird.deps.json",
    ]);
    expect(result.warnings).toHaveLength(2);
  });

  it("fuzz: libraries or a ShipshapeError", () => {
    const lib = fc.record({
      type: fc.oneof(fc.constantFrom("package", "project", "runtimepack", "x"), fc.anything()),
    });
    const doc = fc.oneof(
      fc.anything(),
      fc.record({
        runtimeTarget: fc.record({ name: fc.constantFrom("t", "u") }),
        targets: fc.dictionary(fc.constantFrom("t", "u"), fc.dictionary(fc.string(), fc.anything())),
        libraries: fc.oneof(
          fc.dictionary(fc.oneof(fc.string(), fc.constantFrom("A/1.0", "B/2", "/x", "C/")), lib),
          fc.anything(),
        ),
      }),
    );
    fc.assert(
      fc.property(doc, fc.boolean(), (d, truncate) => {
        let text = JSON.stringify(d) ?? "";
        if (truncate) text = text.slice(0, Math.floor(text.length / 2));
        try {
          const r = parseDotnetDeps(Buffer.from(text));
          for (const l of r.libraries) {
            expect(l.name.length).toBeGreaterThan(0);
            expect(l.version).not.toMatch(/[\s/]/);
          }
        } catch (err) {
          if (!isShipshapeError(err)) throw err;
        }
      }),
      { numRuns: 400 },
    );
  });
});
