/**
 * Bad SBOM input: every malformed, unsupported, oversized or hostile document is refused with one
 * ShipshapeError whose one-line message names the file; fuzzing (random bytes, random JSON in the
 * documents' skeletons, random subtrees grafted into our own outputs) gives only a result or our error.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { isShipshapeError, ShipshapeError } from "../../src/errors.js";
import { renderCycloneDxJson } from "../../src/report/cyclonedx.js";
import { renderSpdxJson } from "../../src/report/spdx.js";
import { MAX_COMPONENT_DEPTH } from "../../src/sbom-input/cyclonedx.js";
import { parseSbom, readSbomFile } from "../../src/sbom-input/open.js";
import { SAMPLE_OS, SAMPLE_SOURCE, samplePackages } from "../report/sample-packages.js";

const dir = mkdtempSync(join(tmpdir(), "shipshape-sbom-bad-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function refusal(path: string, options = {}): Promise<ShipshapeError> {
  const err = await readSbomFile(path, options).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ShipshapeError);
  const e = err as ShipshapeError;
  expect(e.message).toContain(path);
  expect(e.message).not.toContain("\n");
  return e;
}

const cdx = (extra: object) => JSON.stringify({ bomFormat: "CycloneDX", specVersion: "1.6", ...extra });
const spdx = (extra: object) =>
  JSON.stringify({ spdxVersion: "SPDX-2.3", SPDXID: "SPDXRef-DOCUMENT", ...extra });

describe("malformed SBOM files", () => {
  it.each([
    ["not JSON", "{ bomFormat: CycloneDX", /is not valid JSON/],
    ["empty", "", /is not valid JSON/],
    ["a JSON array", "[]", /not a CycloneDX or SPDX JSON SBOM: the JSON is not an object/],
    ["JSON without a format", '{"name":"x"}', /neither "bomFormat": "CycloneDX" nor "spdxVersion"/],
    ["CycloneDX XML", '<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.6"/>', /is XML/],
    ["SPDX tag-value", "SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\n", /SPDX tag-value/],
    ["SPDX 3 JSON-LD", '{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld","@graph":[]}', /SPDX 3/],
    ["SPDX 1.2", '{"spdxVersion":"SPDX-1.2"}', /spdxVersion "SPDX-1.2" is not supported/],
    ["CycloneDX 2.0", cdx({ specVersion: "2.0" }), /CycloneDX specVersion "2.0" is not supported/],
    ["components not a list", cdx({ components: { a: 1 } }), /malformed at components/],
    [
      "a component name that is a number",
      cdx({ components: [{ type: "library", name: 5 }] }),
      /components\.0.*name/,
    ],
    [
      "a nested component without a type",
      cdx({ components: [{ type: "library", name: "a", components: [{ name: "b" }] }] }),
      /components\.0\.components\.0/,
    ],
    [
      "properties that are not name/value pairs",
      cdx({ components: [{ type: "library", name: "a", properties: [1] }] }),
      /malformed/,
    ],
    ["SPDX packages not a list", spdx({ packages: "x" }), /malformed at packages/],
    [
      "an SPDX package without SPDXID",
      spdx({ packages: [{ name: "a", downloadLocation: "NONE" }] }),
      /packages\.0.*SPDXID/,
    ],
    [
      "SPDX relationships without a type",
      spdx({ relationships: [{ spdxElementId: "a", relatedSpdxElement: "b" }] }),
      /relationships/,
    ],
    [
      "our facts annotation with a wrong shape",
      spdx({
        creationInfo: { creators: ["Tool: shipshape-0.1.0"], created: "2026-01-01T00:00:00Z" },
        packages: [
          {
            SPDXID: "SPDXRef-a",
            name: "a",
            downloadLocation: "NOASSERTION",
            externalRefs: [
              {
                referenceCategory: "PACKAGE-MANAGER",
                referenceType: "purl",
                referenceLocator: "pkg:npm/a@1",
              },
            ],
            annotations: [
              {
                annotator: "Tool: shipshape-0.1.0",
                annotationType: "OTHER",
                annotationDate: "2026-01-01T00:00:00Z",
                comment: 'shipshape-facts {"locations":5}',
              },
            ],
          },
        ],
      }),
      /packages\.0 annotation.*locations/,
    ],
  ])("%s", async (name, content, pattern) => {
    const e = await refusal(file(`${name.replace(/\W+/g, "-")}.json`, content));
    expect(e.kind).toBe("input");
    expect(e.message).toMatch(pattern);
  });

  it("refuses a file over the size cap before reading it", async () => {
    const path = file("big.cdx.json", cdx({ components: [] }).padEnd(4096, " "));
    const e = await refusal(path, { maxBytes: 1024 });
    expect(e.kind).toBe("limit");
    expect(e.message).toMatch(/is 4096 bytes, over the 1024-byte limit/);
  });

  it("refuses components nested deeper than the limit", async () => {
    let component: object = { type: "library", name: "leaf" };
    for (let i = 0; i < MAX_COMPONENT_DEPTH + 5; i++)
      component = { type: "library", name: `c${i}`, components: [component] };
    const e = await refusal(file("deep.cdx.json", cdx({ components: [component] })));
    expect(e.kind).toBe("limit");
    expect(e.message).toMatch(/nest deeper than 64 levels/);
  });

  it("refuses JSON nested deeper than the parser's stack as invalid JSON, not a crash", async () => {
    const e = await refusal(file("stack.json", `${"[".repeat(200_000)}${"]".repeat(200_000)}`));
    expect(e.message).toMatch(/not valid JSON|not an object/);
  });

  it("names a missing file, a directory, and tells them apart", async () => {
    const missing = await refusal(join(dir, "absent.cdx.json"));
    expect(missing.kind).toBe("not-found");
    const sub = join(dir, "a-dir.json");
    mkdirSync(sub);
    expect((await refusal(sub)).message).toMatch(/not a regular file/);
  });

  it("reads by content, not by name: CycloneDX in a .spdx.json file is CycloneDX", async () => {
    const got = await readSbomFile(file("misnamed.spdx.json", cdx({ components: [] })));
    expect(got.document.format).toBe("cyclonedx");
  });

  it("accepts a UTF-8 byte order mark", async () => {
    const got = await readSbomFile(file("bom.json", `\ufeff${cdx({})}`));
    expect(got.document.format).toBe("cyclonedx");
  });
});

/** Only our own error may escape; anything else is a bug. */
function tolerated(run: () => unknown): void {
  try {
    run();
  } catch (err) {
    if (!isShipshapeError(err)) throw err;
    expect(err.message).not.toContain("\n");
  }
}

const parse = (bytes: Uint8Array) => parseSbom(bytes, "SBOM fuzz.json", "fuzz.json");
const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe("fuzzing the SBOM readers", () => {
  it("random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => tolerated(() => parse(bytes))),
      { numRuns: 300 },
    );
  });

  it("random JSON in CycloneDX and SPDX skeletons", () => {
    const value = fc.jsonValue({ maxDepth: 4 });
    const component = fc.record(
      {
        type: fc.oneof(fc.constantFrom("library", "operating-system", "container"), value),
        name: fc.oneof(fc.string(), value),
        version: fc.oneof(fc.string(), value),
        purl: fc.oneof(
          fc.constantFrom("pkg:deb/debian/a@1:2-3?epoch=x&distro=debian-", "pkg:rpm/a@1", "pkg:npm/%40x/y@1"),
          fc.string(),
          value,
        ),
        properties: fc.oneof(fc.array(fc.record({ name: fc.string(), value: fc.string() })), value),
        licenses: fc.oneof(fc.array(fc.record({ expression: fc.string() })), value),
        components: value,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.array(component, { maxLength: 5 }), value, (components, metadata) => {
        tolerated(() => parse(encode({ bomFormat: "CycloneDX", specVersion: "1.6", metadata, components })));
      }),
      { numRuns: 300 },
    );
    const pkg = fc.record(
      {
        SPDXID: fc.oneof(fc.string(), value),
        name: fc.oneof(fc.string(), value),
        versionInfo: fc.oneof(fc.string(), value),
        licenseDeclared: fc.oneof(fc.constantFrom("MIT AND LicenseRef-x", "(", "NOASSERTION"), fc.string()),
        primaryPackagePurpose: fc.constantFrom("OPERATING_SYSTEM", "CONTAINER", "LIBRARY"),
        externalRefs: fc.oneof(
          fc.array(
            fc.record({
              referenceCategory: fc.constant("PACKAGE-MANAGER"),
              referenceType: fc.constant("purl"),
              referenceLocator: fc.oneof(
                fc.string(),
                fc.constantFrom("pkg:apk/alpine/a@1?distro=3.1", "pkg:rpm/x/y@9:1-2"),
              ),
            }),
          ),
          value,
        ),
        annotations: fc.oneof(
          fc.array(
            fc.record({
              annotator: fc.constant("Tool: shipshape-0.1.0"),
              comment: fc.oneof(
                fc.string(),
                value.map((v) => `shipshape-facts ${JSON.stringify(v)}`),
              ),
            }),
          ),
          value,
        ),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.array(pkg, { maxLength: 5 }), value, (packages, relationships) => {
        tolerated(() =>
          parse(
            encode({
              spdxVersion: "SPDX-2.3",
              creationInfo: { creators: ["Tool: shipshape-0.1.0"] },
              packages,
              relationships,
            }),
          ),
        );
      }),
      { numRuns: 300 },
    );
  });

  it("random subtrees grafted into our own CycloneDX and SPDX outputs", async () => {
    const subject = { source: SAMPLE_SOURCE, os: SAMPLE_OS, packages: samplePackages() };
    const documents = [
      JSON.parse(await renderCycloneDxJson(subject)),
      JSON.parse(renderSpdxJson(subject)),
    ] as unknown[];
    /** Every path to a value inside `doc`. */
    const paths: (string | number)[][][] = documents.map((doc) => {
      const out: (string | number)[][] = [];
      const walk = (v: unknown, path: (string | number)[]) => {
        out.push(path);
        if (Array.isArray(v)) for (const [i, x] of v.entries()) walk(x, [...path, i]);
        else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
      };
      walk(doc, []);
      return out;
    });
    fc.assert(
      fc.property(fc.nat(1), fc.nat(), fc.jsonValue({ maxDepth: 3 }), (which, pick, graft) => {
        const doc = structuredClone(documents[which]) as Record<string | number, unknown>;
        const list = paths[which]!;
        const path = list[pick % list.length]!;
        if (path.length === 0) return tolerated(() => parse(encode(graft)));
        let node = doc as Record<string | number, unknown>;
        for (const step of path.slice(0, -1)) node = node[step] as Record<string | number, unknown>;
        node[path[path.length - 1]!] = graft;
        tolerated(() => parse(encode(doc)));
      }),
      { numRuns: 400 },
    );
  });
});
