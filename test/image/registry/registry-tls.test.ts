/**
 * HTTPS registries with a private CA (a throwaway CA made by openssl in the helper): trusted only
 * through --ca-file (caFiles) or skipped verification with an explicit --insecure.
 */
import { rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ShipshapeError } from "../../../src/errors.js";
import { openRegistryImage } from "../../../src/image/sources/registry.js";
import { startRegistry, type TestRegistry } from "../../helpers/registry.js";
import { assertLayerBlobs, assertMatchesExpected, expectedImage } from "./expected-image.js";

const USER = "tls-user";
const PASSWORD = "tls-Passw0rd-for-tests";
let plain: TestRegistry;
let withToken: TestRegistry;

beforeAll(async () => {
  [plain, withToken] = await Promise.all([
    startRegistry({ tls: true, htpasswd: { username: USER, password: PASSWORD } }),
    startRegistry({ tls: true, token: { users: { [USER]: PASSWORD } } }),
  ]);
  await Promise.all([
    plain.push("distroless-like", "distroless:nonroot"),
    withToken.push("alpine-apk", "private/alpine:3.4"),
  ]);
});

afterAll(async () => {
  await Promise.all([plain?.stop(), withToken?.stop()]);
});

const credentials = { username: USER, password: PASSWORD };

async function failure(promise: Promise<unknown>): Promise<ShipshapeError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ShipshapeError);
  const e = err as ShipshapeError;
  expect(e.message).not.toContain("\n");
  expect(e.message).not.toContain(PASSWORD);
  return e;
}

describe("TLS", () => {
  it("trusts the registry through its CA file", async () => {
    const image = await openRegistryImage(`${plain.host}/distroless:nonroot`, {
      registry: { caFiles: [plain.caFile!], credentials, authFiles: [] },
    });
    assertMatchesExpected(image, expectedImage("distroless-like"));
    await assertLayerBlobs(image);
    await image.close();
  });

  it("without the CA: a clear error that names --ca-file and --insecure", async () => {
    const err = await failure(
      openRegistryImage(`${plain.host}/distroless:nonroot`, { registry: { credentials, authFiles: [] } }),
    );
    expect(err.kind).toBe("network");
    expect(err.message).toMatch(new RegExp(`^TLS certificate of ${plain.host} is not trusted \\([A-Z_]+\\)`));
    expect(err.message).toContain("--ca-file");
    expect(err.message).toContain("--insecure");
    // Another registry's CA is no help either.
    const wrongCa = await failure(
      openRegistryImage(`${plain.host}/distroless:nonroot`, {
        registry: { credentials, authFiles: [], caFiles: [withToken.caFile!] },
      }),
    );
    expect(wrongCa.message).toContain("is not trusted");
  });

  it("an explicit --insecure skips verification (HTTPS still, no CA)", async () => {
    const image = await openRegistryImage(`${plain.host}/distroless:nonroot`, {
      registry: { insecure: [plain.host], credentials, authFiles: [] },
    });
    expect(image.manifestDigest).toBe(expectedImage("distroless-like").manifest.digest);
    await image.close();
  });

  it("unreadable or non-PEM CA files are usage errors", async () => {
    const missing = await failure(
      openRegistryImage(`${plain.host}/distroless:nonroot`, {
        registry: { caFiles: ["/nonexistent/ca.pem"], authFiles: [] },
      }),
    );
    expect(missing.kind).toBe("usage");
    expect(missing.message).toBe("cannot read CA file /nonexistent/ca.pem: ENOENT");
    const junk = join(tmpdir(), `shipshape-not-a-ca-${process.pid}.pem`);
    await writeFile(junk, "hello");
    const notPem = await failure(
      openRegistryImage(`${plain.host}/distroless:nonroot`, { registry: { caFiles: [junk], authFiles: [] } }),
    ).finally(() => rm(junk, { force: true }));
    expect(notPem.kind).toBe("usage");
    expect(notPem.message).toContain("holds no PEM certificate");
  });

  it("an HTTPS registry's plain-HTTP token server gets no credentials unless it is insecure-listed", async () => {
    const tokenHost = new URL(withToken.tokenServer!.realm).host;
    const before = withToken.tokenServer!.requests.length;
    const err = await failure(
      openRegistryImage(`${withToken.host}/private/alpine:3.4`, {
        registry: { caFiles: [withToken.caFile!], credentials, authFiles: [] },
      }),
    );
    expect(err.kind).toBe("auth");
    expect(err.message).toContain(`plain-HTTP token server ${tokenHost}`);
    expect(withToken.tokenServer!.requests.length).toBe(before);
    const image = await openRegistryImage(`${withToken.host}/private/alpine:3.4`, {
      registry: { caFiles: [withToken.caFile!], credentials, authFiles: [], insecure: [tokenHost] },
    });
    assertMatchesExpected(image, expectedImage("alpine-apk"));
    await image.close();
  });
});
