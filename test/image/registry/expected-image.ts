/**
 * Compare an OpenedImage with the fixtures' `expected/NAME.image.json` (see fixtures/README.md),
 * and stream its layer blobs to check their sha256 against the manifest digests.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import type { BlobLayer, OpenedImage } from "../../../src/image/source.js";
import { fixturePath } from "../../helpers/shared.js";

export interface ExpectedImage {
  manifest: { digest: string; size: number; mediaType: string };
  config: { digest: string; size: number; mediaType: string };
  platform: { os: string; architecture: string; variant?: string };
  nestedIndexDigests?: string[];
  layers: { index: number; mediaType: string; digest: string; size: number; diffID: string }[];
  configFields: {
    created: string;
    user: string;
    env: string[];
    cmd: string[] | null;
    entrypoint: string[] | null;
    workingDir: string;
    labels: Record<string, string> | null;
    exposedPorts: string[] | null;
  };
}

export function expectedImage(name: string, platform?: string): ExpectedImage {
  const doc = JSON.parse(readFileSync(fixturePath("expected", `${name}.image.json`), "utf8"));
  if (platform === undefined) return doc as ExpectedImage;
  const chosen = doc.platforms?.[platform];
  if (!chosen) throw new Error(`expected/${name}.image.json has no platform ${platform}`);
  return chosen as ExpectedImage;
}

export function assertMatchesExpected(image: OpenedImage, expected: ExpectedImage): void {
  expect(image.manifestDigest).toBe(expected.manifest.digest);
  expect(image.manifestMediaType).toBe(expected.manifest.mediaType);
  expect(image.manifestSize).toBe(expected.manifest.size);
  expect(image.configDigest).toBe(expected.config.digest);
  expect(image.manifest?.config.size).toBe(expected.config.size);
  expect(image.platform).toEqual(expected.platform);
  expect(
    image.layers.map((l) => {
      const b = l as BlobLayer;
      return { index: b.index, mediaType: b.mediaType, digest: b.digest, size: b.size, diffID: b.diffID };
    }),
  ).toEqual(
    expected.layers.map((l) => ({
      index: l.index,
      mediaType: l.mediaType,
      digest: l.digest,
      size: l.size,
      diffID: l.diffID,
    })),
  );
  const c = image.config.config;
  expect({
    created: image.config.created,
    user: c?.User ?? "",
    env: c?.Env ?? [],
    cmd: c?.Cmd ?? null,
    entrypoint: c?.Entrypoint ?? null,
    workingDir: c?.WorkingDir ?? "",
    labels: c?.Labels ?? null,
    exposedPorts: c?.ExposedPorts ? Object.keys(c.ExposedPorts) : null,
  }).toEqual(expected.configFields);
}

/** Stream every layer blob and check its sha256 and length against the manifest. */
export async function assertLayerBlobs(image: OpenedImage): Promise<void> {
  for (const layer of image.layers) {
    if (layer.kind !== "blob") throw new Error("registry layers are blobs");
    const hash = createHash("sha256");
    let size = 0;
    for await (const chunk of await layer.open()) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
    expect(`sha256:${hash.digest("hex")}`).toBe(layer.digest);
    expect(size).toBe(layer.size);
  }
}
