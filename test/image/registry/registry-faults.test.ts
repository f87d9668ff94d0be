/**
 * Transport behaviour against a real registry behind a misbehaving loopback proxy: 429 with
 * Retry-After, 503s and connection resets (retried, bounded), blob GETs redirected to a storage
 * origin that must never see the Authorization header, stalls (timeouts), aborts, and documents
 * that are too big, mislabelled or schema 1.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ShipshapeError } from "../../../src/errors.js";
import { MediaType } from "../../../src/image/media-types.js";
import type { OpenOptions, RegistryOptions } from "../../../src/image/source.js";
import { openRegistryImage } from "../../../src/image/sources/registry.js";
import { startRegistry, type TestRegistry } from "../../helpers/registry.js";
import { type FaultProxy, startFaultProxy } from "../../helpers/registry-fault-proxy.js";
import { assertLayerBlobs, assertMatchesExpected, expectedImage } from "./expected-image.js";

const USER = "faulty";
const PASSWORD = "F4ults-Passw0rd-for-tests";
const BASIC = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}`;
let registry: TestRegistry;
let proxy: FaultProxy;
const expected = expectedImage("distroless-like");
const manifestPath = "/v2/app/manifests/nonroot";
const configPath = `/v2/app/blobs/${expected.config.digest}`;

beforeAll(async () => {
  registry = await startRegistry({ htpasswd: { username: USER, password: PASSWORD } });
  await registry.push("distroless-like", "app:nonroot");
  proxy = await startFaultProxy(registry, BASIC);
});

afterAll(async () => {
  await proxy?.stop();
  await registry?.stop();
});

beforeEach(() => {
  proxy.rules = [];
  proxy.redirectBlobs = false;
  proxy.seen = [];
  proxy.storageSeen = [];
});

function options(extra: RegistryOptions = {}, rest: Omit<OpenOptions, "registry"> = {}): OpenOptions {
  return {
    ...rest,
    registry: {
      insecure: [proxy.host, proxy.storageHost],
      credentials: { username: USER, password: PASSWORD },
      authFiles: [],
      retryBaseDelayMs: 10,
      ...extra,
    },
  };
}

const ref = () => `${proxy.host}/app:nonroot`;
const hits = (path: string) => proxy.seen.filter((r) => r.path === path);

async function failure(promise: Promise<unknown>): Promise<ShipshapeError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ShipshapeError);
  const e = err as ShipshapeError;
  expect(e.message).not.toContain("\n");
  expect(e.message).not.toContain(PASSWORD);
  expect(e.message).not.toContain(BASIC.slice(6));
  return e;
}

describe("retries", () => {
  it("waits out a 429's Retry-After, then succeeds", async () => {
    proxy.rules = [
      {
        match: (m, p) => m === "GET" && p === manifestPath,
        action: { kind: "status", status: 429, retryAfter: "1" },
        times: 1,
      },
    ];
    const image = await openRegistryImage(ref(), options());
    assertMatchesExpected(image, expected);
    await image.close();
    const [limited, served] = hits(manifestPath);
    expect(limited?.outcome).toBe("429");
    expect(served?.outcome).toBe("forwarded");
    expect(served!.at - limited!.at).toBeGreaterThanOrEqual(950);
  });

  it("retries 503s and connection resets with backoff", async () => {
    proxy.rules = [
      { match: (m, p) => m === "GET" && p === manifestPath, action: { kind: "reset" }, times: 1 },
      { match: (m, p) => m === "GET" && p === configPath, action: { kind: "status", status: 503 }, times: 2 },
    ];
    const image = await openRegistryImage(ref(), options());
    assertMatchesExpected(image, expected);
    await image.close();
    expect(hits(manifestPath).map((r) => r.outcome)).toEqual(["reset", "forwarded"]);
    expect(hits(configPath).map((r) => r.outcome)).toEqual(["503", "503", "forwarded"]);
  });

  it("gives up after the configured number of retries", async () => {
    proxy.rules = [
      { match: (_m, p) => p === manifestPath, action: { kind: "status", status: 503 }, times: 1000 },
    ];
    const err = await failure(openRegistryImage(ref(), options({ retries: 2 })));
    expect(err.kind).toBe("network");
    expect(err.message).toBe(
      `registry ${proxy.host} answered 503 UNAVAILABLE for manifest of ${proxy.host}/app:nonroot after 3 attempts`,
    );
    expect(hits(manifestPath)).toHaveLength(3);
  });

  it("does not sit out a Retry-After of an hour", async () => {
    proxy.rules = [
      {
        match: (_m, p) => p === manifestPath,
        action: { kind: "status", status: 429, retryAfter: "3600" },
        times: 1,
      },
    ];
    const started = Date.now();
    const err = await failure(openRegistryImage(ref(), options()));
    expect(Date.now() - started).toBeLessThan(3000);
    expect(err.message).toContain("is rate-limiting requests (429 TOOMANYREQUESTS)");
  });
});

describe("redirects to blob storage", () => {
  it("follows 307s to another origin without the Authorization header", async () => {
    proxy.redirectBlobs = true;
    const image = await openRegistryImage(ref(), options());
    assertMatchesExpected(image, expected);
    await assertLayerBlobs(image);
    await image.close();
    // The config and every layer came from storage; the registry saw credentials, storage none.
    expect(proxy.storageSeen.map((r) => r.path).sort()).toEqual(
      [expected.config.digest, ...expected.layers.map((l) => l.digest)].map((d) => `/blobs/${d}`).sort(),
    );
    for (const r of proxy.storageSeen) expect(r.headers.authorization).toBeUndefined();
    const redirected = proxy.seen.filter((r) => r.outcome === "redirected");
    expect(redirected).toHaveLength(expected.layers.length + 1);
    for (const r of redirected) expect(r.headers.authorization).toBe(BASIC);
  });
});

describe("timeouts and aborts", () => {
  it("a registry that stalls before answering times out", async () => {
    proxy.rules = [{ match: (_m, p) => p === manifestPath, action: { kind: "hang" }, times: 1 }];
    const started = Date.now();
    const err = await failure(openRegistryImage(ref(), options({ timeoutMs: 1000, retries: 0 })));
    expect(err.kind).toBe("network");
    expect(err.message).toBe(
      `waiting for manifest of ${proxy.host}/app:nonroot from ${proxy.host} timed out after 1000 ms without data`,
    );
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("a blob body that stops midway fails the stream with a timeout", async () => {
    const layer = expected.layers[3]!;
    proxy.rules = [
      {
        match: (m, p) => m === "GET" && p === `/v2/app/blobs/${layer.digest}`,
        action: {
          kind: "respond",
          status: 200,
          headers: { "content-length": String(layer.size) },
          body: "partial",
        },
        times: 1,
      },
    ];
    const image = await openRegistryImage(ref(), options({ timeoutMs: 1000, retries: 0 }));
    const blob = image.layers[3];
    if (blob?.kind !== "blob") throw new Error("expected a blob layer");
    const stream = await blob.open();
    const err = await failure(
      (async () => {
        for await (const _ of stream) {
          // drain
        }
      })(),
    );
    expect(err.message).toMatch(
      /^reading layer 3 \(sha256:[0-9a-f]+\) of .* timed out after 1000 ms without data$/,
    );
    await image.close();
  });

  it("an AbortSignal cancels a pending request at once", async () => {
    proxy.rules = [{ match: (_m, p) => p === manifestPath, action: { kind: "hang" }, times: 1 }];
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 100);
    const err = await openRegistryImage(ref(), options({}, { signal: controller.signal })).catch(
      (e: unknown) => e,
    );
    expect((err as Error).name).toBe("AbortError");
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe("documents the registry should not have sent", () => {
  it("asks for OCI and Docker v2 types only, and reports a schema 1 manifest clearly", async () => {
    const schema1 = JSON.stringify({
      schemaVersion: 1,
      name: "app",
      tag: "legacy",
      architecture: "amd64",
      fsLayers: [],
      history: [],
    });
    proxy.rules = [
      {
        match: (_m, p) => p === "/v2/app/manifests/legacy",
        action: {
          kind: "respond",
          status: 200,
          headers: { "content-type": MediaType.dockerManifestSchema1Signed },
          body: schema1,
        },
        times: 1,
      },
    ];
    const err = await failure(openRegistryImage(`${proxy.host}/app:legacy`, options()));
    expect(err.kind).toBe("input");
    expect(err.message).toContain("schema 1");
    const accept = String(hits("/v2/app/manifests/legacy")[0]?.headers.accept ?? "");
    expect(accept.split(/,\s*/).sort()).toEqual(
      [
        MediaType.ociIndex,
        MediaType.ociManifest,
        MediaType.dockerManifestList,
        MediaType.dockerManifest,
      ].sort(),
    );
  });

  it("refuses manifests over the size cap", async () => {
    proxy.rules = [
      {
        match: (_m, p) => p === "/v2/app/manifests/huge",
        action: {
          kind: "respond",
          status: 200,
          headers: { "content-type": MediaType.ociManifest },
          body: " ".repeat(5 * 1024 * 1024),
        },
        times: 1,
      },
    ];
    const err = await failure(openRegistryImage(`${proxy.host}/app:huge`, options()));
    expect(err.kind).toBe("limit");
    expect(err.message).toContain("over the 4194304-byte limit");
  });

  it("checks Docker-Content-Digest and by-digest manifests against the bytes", async () => {
    const body = JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: expected.config.digest, size: expected.config.size },
      layers: [],
    });
    const claimed = `sha256:${"ab".repeat(32)}`;
    proxy.rules = [
      {
        match: (_m, p) => p === "/v2/app/manifests/lying",
        action: {
          kind: "respond",
          status: 200,
          headers: { "content-type": MediaType.ociManifest, "docker-content-digest": claimed },
          body,
        },
        times: 1,
      },
      {
        match: (_m, p) => p === `/v2/app/manifests/${claimed}`,
        action: { kind: "respond", status: 200, headers: { "content-type": MediaType.ociManifest }, body },
        times: 1,
      },
    ];
    const actual = `sha256:${createHash("sha256").update(body).digest("hex")}`;
    const byTag = await failure(openRegistryImage(`${proxy.host}/app:lying`, options()));
    expect(byTag.kind).toBe("integrity");
    expect(byTag.message).toBe(
      `manifest of ${proxy.host}/app:lying does not match the registry's Docker-Content-Digest ${claimed} (content is ${actual})`,
    );
    const byDigest = await failure(openRegistryImage(`${proxy.host}/app@${claimed}`, options()));
    expect(byDigest.kind).toBe("integrity");
    expect(byDigest.message).toContain(`does not match its digest ${claimed}`);
  });

  it("never repeats what an error body says (it could echo credentials)", async () => {
    proxy.rules = [
      {
        match: (_m, p) => p === manifestPath,
        action: {
          kind: "respond",
          status: 400,
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            errors: [{ code: "BAD REQUEST", message: `you sent ${BASIC} with ${PASSWORD}` }],
          }),
        },
        times: 1,
      },
    ];
    const err = await failure(openRegistryImage(ref(), options()));
    expect(err.message).toBe(`registry ${proxy.host} answered 400 for manifest of ${proxy.host}/app:nonroot`);
  });
});
