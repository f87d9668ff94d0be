/**
 * manifest.json of docker archives: Docker's keys, jib's lower-case keys, Docker 25's LayerSources,
 * and fuzzing with random / mutated bytes (only ShipshapeError may come out).
 */
import { execFileSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isShipshapeError, ShipshapeError } from "../../../src/errors.js";
import { parseDockerArchiveManifest } from "../../../src/image/archive/docker-manifest.js";
import { fixturePath } from "../../helpers/shared.js";

/** manifest.json straight out of a real archive, read by tar(1). */
function manifestOf(...parts: string[]): Uint8Array {
  return new Uint8Array(execFileSync("tar", ["-xOf", fixturePath("real-images", ...parts), "manifest.json"]));
}

const REAL = [
  manifestOf("GoogleContainerTools+jib/jib-core/src/integration-test/resources/core/busybox-jib.tar"),
  manifestOf("google+go-containerregistry/pkg/v1/tarball/testdata/test_link.tar"),
  manifestOf("snyk+snyk-docker-plugin/test/fixtures/docker-oci-archives/busybox.armv7.tar"),
  manifestOf("snyk+snyk-docker-plugin/test/fixtures/kaniko-archives/kaniko-busybox.tar"),
];

describe("parseDockerArchiveManifest", () => {
  it("reads jib's lower-case keys", () => {
    const [image] = parseDockerArchiveManifest(REAL[0]!, "manifest.json");
    expect(image!.config).toBe("config.json");
    expect(image!.repoTags).toEqual(["localhost:5000/jib-core:jib-base-image"]);
    expect(image!.layers).toHaveLength(2);
  });

  it("reads several images and Docker 25's LayerSources", () => {
    expect(parseDockerArchiveManifest(REAL[1]!, "manifest.json").map((i) => i.repoTags)).toEqual([
      ["bazel/v1/tarball:test_image_1"],
      ["bazel/v1/tarball:test_image_3"],
    ]);
    const [armv7] = parseDockerArchiveManifest(REAL[2]!, "manifest.json");
    const digest = "sha256:3768f45bed9bfab0a4e7483a31c780847a6d025fea3da5f3a95d9e10a50e6cb4";
    expect(armv7!.layerSources[digest]).toEqual({
      mediaType: "application/vnd.oci.image.layer.v1.tar",
      size: 2656256,
      digest,
    });
  });

  it("RepoTags null (untagged docker save) is an empty list", () => {
    const bytes = new Uint8Array(
      execFileSync("tar", [
        "-xOf",
        fixturePath("real-images", "google+go-containerregistry/pkg/v1/tarball/testdata/hello-world-v25.tar"),
        "manifest.json",
      ]),
    );
    expect(parseDockerArchiveManifest(bytes, "manifest.json")[0]!.repoTags).toEqual([]);
  });

  it.each([
    ["null", /is null, expected a list of images/],
    ["{}", /is a JSON object, expected a list of images/],
    ["[]", /lists no images/],
    ['[{"RepoTags":[],"Layers":[]}]', /names no Config file/],
    ['[{"Config":"x.json"}]', /has no Layers list/],
    ['[{"Config":"x.json","Layers":[1]}]', /malformed at \[0\]\.Layers\.0/],
    [
      '[{"Config":"x.json","Layers":[],"LayerSources":{"a":{"mediaType":"m","size":1,"digest":"nope"}}}]',
      /not a sha256\/sha512 digest/,
    ],
    ['[{"Config":"x.json","Layers":["a"', /is not valid JSON/],
  ])("%s is refused", (text, message) => {
    expect(() => parseDockerArchiveManifest(new TextEncoder().encode(text), "manifest.json")).toThrow(
      message,
    );
  });

  it("fuzz: random bytes and JSON values only ever give ShipshapeError", () => {
    const check = (bytes: Uint8Array) => {
      try {
        const images = parseDockerArchiveManifest(bytes, "manifest.json");
        for (const i of images) {
          expect(typeof i.config).toBe("string");
          expect(Array.isArray(i.layers)).toBe(true);
        }
      } catch (err) {
        if (!isShipshapeError(err)) throw err;
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), check), { numRuns: 300 });
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) =>
        check(new TextEncoder().encode(JSON.stringify(value) ?? "null")),
      ),
      { numRuns: 300 },
    );
  });

  it("fuzz: real manifest.json files with bytes flipped, cut or spliced", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...REAL),
        fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { maxLength: 6 }),
        fc.nat(),
        (base, flips, cut) => {
          const bytes = Uint8Array.from(base);
          for (const { at, value } of flips) bytes[at % bytes.length] = value;
          try {
            parseDockerArchiveManifest(
              cut % 2 === 0 ? bytes : bytes.subarray(0, cut % bytes.length),
              "manifest.json",
            );
          } catch (err) {
            expect(err).toBeInstanceOf(ShipshapeError);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
