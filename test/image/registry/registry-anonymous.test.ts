/**
 * openRegistryImage against a real Debian docker-registry (no auth, plain HTTP), filled by skopeo
 * from the shared fixtures; answers compared with fixtures/expected/NAME.image.json.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ShipshapeError } from "../../../src/errors.js";
import { formatPlatform, hostPlatform } from "../../../src/image/platform.js";
import { openRegistryImage } from "../../../src/image/sources/registry.js";
import { freePort, startRegistry, type TestRegistry } from "../../helpers/registry.js";
import { assertLayerBlobs, assertMatchesExpected, expectedImage } from "./expected-image.js";

let registry: TestRegistry;
const opened: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  registry = await startRegistry();
  await Promise.all([
    registry.push("debian12-minbase", "debian12-minbase:12-minbase"),
    registry.push("debian12-app", "team/debian12-app:latest"),
    registry.push("distroless-like", "distroless-like:nonroot"),
    registry.push("multiarch", "multiarch:12-multiarch", { all: true }),
  ]);
});

afterAll(async () => {
  for (const image of opened) await image.close();
  await registry?.stop();
});

// No auth files of the machine: every test names what it uses.
const options = () => ({ registry: { insecure: [registry.host], authFiles: [] as string[] } });

async function open(reference: string, extra: Parameters<typeof openRegistryImage>[1] = {}) {
  const image = await openRegistryImage(reference, {
    ...options(),
    ...extra,
    registry: { ...options().registry, ...extra.registry },
  });
  opened.push(image);
  return image;
}

async function failure(promise: Promise<unknown>): Promise<ShipshapeError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ShipshapeError);
  const e = err as ShipshapeError;
  expect(e.message).not.toContain("\n");
  return e;
}

describe("openRegistryImage: images pushed by skopeo", () => {
  it.each([
    ["debian12-minbase", "debian12-minbase:12-minbase"],
    ["debian12-app", "team/debian12-app:latest"],
    ["distroless-like", "distroless-like:nonroot"],
  ])(
    "%s: manifest, config and layers as expected, layer blobs hash to their digests",
    async (name, repoTag) => {
      const image = await open(`${registry.host}/${repoTag}`);
      const expected = expectedImage(name);
      assertMatchesExpected(image, expected);
      expect(image.transport).toBe("registry");
      expect(image.indexDigests).toEqual([]);
      expect(image.names).toEqual([`${registry.host}/${repoTag}`]);
      expect(image.warnings).toEqual([]);
      await assertLayerBlobs(image);
    },
  );

  it("multiarch: picks the host platform by default and walks the index", async () => {
    const image = await open(`${registry.host}/multiarch:12-multiarch`);
    const expected = expectedImage("multiarch", formatPlatform(hostPlatform()));
    assertMatchesExpected(image, expected);
    expect(image.indexDigests).toEqual(expected.nestedIndexDigests);
    await assertLayerBlobs(image);
  });

  it("multiarch: linux/arm64/v8 on request", async () => {
    const image = await open(`${registry.host}/multiarch:12-multiarch`, {
      platform: { os: "linux", architecture: "arm64", variant: "v8" },
    });
    const expected = expectedImage("multiarch", "linux/arm64/v8");
    assertMatchesExpected(image, expected);
    expect(image.indexDigests).toEqual(expected.nestedIndexDigests);
    await assertLayerBlobs(image);
  });

  it("multiarch: a platform the index lacks is a not-found error naming what exists", async () => {
    const err = await failure(
      open(`${registry.host}/multiarch:12-multiarch`, { platform: { os: "linux", architecture: "s390x" } }),
    );
    expect(err.kind).toBe("not-found");
    expect(err.message).toContain("linux/s390x");
    expect(err.message).toContain("linux/amd64");
    expect(err.message).toContain("linux/arm64/v8");
  });

  it("a single-platform image asked for another platform is not-found", async () => {
    const err = await failure(
      open(`${registry.host}/distroless-like:nonroot`, { platform: { os: "linux", architecture: "arm64" } }),
    );
    expect(err.kind).toBe("not-found");
    expect(err.message).toMatch(/linux\/amd64, not linux\/arm64/);
  });

  it("fetches by digest (and ignores a tag beside the digest)", async () => {
    const expected = expectedImage("debian12-minbase");
    const byDigest = await open(`${registry.host}/debian12-minbase@${expected.manifest.digest}`);
    assertMatchesExpected(byDigest, expected);
    const both = await open(`${registry.host}/debian12-minbase:no-such-tag@${expected.manifest.digest}`);
    expect(both.manifestDigest).toBe(expected.manifest.digest);
    const index = expectedImage("multiarch");
    const nested = (index as unknown as { nestedIndex: { digest: string } }).nestedIndex.digest;
    const arm = await open(`${registry.host}/multiarch@${nested}`, {
      platform: { os: "linux", architecture: "arm64" },
    });
    expect(arm.manifestDigest).toBe(expectedImage("multiarch", "linux/arm64/v8").manifest.digest);
  });

  it("a tagless reference means :latest", async () => {
    const image = await open(`${registry.host}/team/debian12-app`);
    expect(image.manifestDigest).toBe(expectedImage("debian12-app").manifest.digest);
  });

  it("unknown tags and repositories are one-line not-found errors", async () => {
    const tag = await failure(open(`${registry.host}/debian12-minbase:nope`));
    expect(tag.kind).toBe("not-found");
    expect(tag.message).toBe(`manifest unknown: ${registry.host}/debian12-minbase:nope not found`);
    const repo = await failure(open(`${registry.host}/no/such/repo:1`));
    expect(repo.kind).toBe("not-found");
    expect(repo.message).toContain(`${registry.host}/no/such/repo`);
    const digest = `sha256:${"0".repeat(64)}`;
    const missing = await failure(open(`${registry.host}/debian12-minbase@${digest}`));
    expect(missing.kind).toBe("not-found");
    expect(missing.message).toContain(digest);
  });

  it("plain HTTP only when asked: no implicit trust of 127.0.0.1", async () => {
    const err = await failure(
      openRegistryImage(`${registry.host}/distroless-like:nonroot`, { registry: { authFiles: [] } }),
    );
    expect(err.kind).toBe("network");
    expect(err.message).toContain(registry.host);
    expect(err.message).toContain("--insecure");
    const otherHost = await failure(
      openRegistryImage(`${registry.host}/distroless-like:nonroot`, {
        registry: { authFiles: [], insecure: ["127.0.0.1:1"] },
      }),
    );
    expect(otherHost.message).toContain("--insecure");
    const all = await open(`${registry.host}/distroless-like:nonroot`, { registry: { insecure: true } });
    expect(all.manifestDigest).toBe(expectedImage("distroless-like").manifest.digest);
  });

  it("a closed port is `cannot connect`", async () => {
    const port = await freePort();
    const err = await failure(
      openRegistryImage(`127.0.0.1:${port}/x:1`, {
        registry: { authFiles: [], insecure: true, retries: 1, retryBaseDelayMs: 1 },
      }),
    );
    expect(err.kind).toBe("network");
    expect(err.message).toBe(`cannot connect to 127.0.0.1:${port}: ECONNREFUSED`);
  });

  it("layers cannot be opened after close()", async () => {
    const image = await openRegistryImage(`${registry.host}/distroless-like:nonroot`, options());
    await image.close();
    await image.close(); // idempotent
    const layer = image.layers[0];
    if (layer?.kind !== "blob") throw new Error("expected a blob layer");
    await expect(layer.open()).rejects.toThrow(/closed/);
  });
});
