/**
 * Authentication against real Debian docker-registry instances: htpasswd (Basic) and token auth
 * (Bearer, with the JWT-issuing token server of test/helpers), credentials given explicitly or
 * found in temp docker config.json / podman auth.json files, and no secret in any error message.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ShipshapeError } from "../../../src/errors.js";
import type { OpenOptions, RegistryOptions } from "../../../src/image/source.js";
import { openRegistryImage } from "../../../src/image/sources/registry.js";
import { freePort, startRegistry, type TestRegistry } from "../../helpers/registry.js";
import { assertLayerBlobs, assertMatchesExpected, expectedImage } from "./expected-image.js";

const USER = "shipper";
const PASSWORD = "S3cret-Passw0rd-for-tests";
const WRONG = "Wr0ng-Passw0rd-for-tests";
const REFRESH = "refresh-token-f00dcafe-for-tests";
const b64 = (text: string) => Buffer.from(text).toString("base64");

let basic: TestRegistry;
let token: TestRegistry;
let dir: string;
const savedEnv = { ...process.env };
/** Every message produced by a failing call, checked for secrets at the end. */
const messages: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "shipshape-registry-auth-"));
  [basic, token] = await Promise.all([
    startRegistry({ htpasswd: { username: USER, password: PASSWORD } }),
    startRegistry({ token: { users: { [USER]: PASSWORD }, refreshTokens: { [REFRESH]: USER } } }),
  ]);
  await Promise.all([
    basic.push("alpine-apk", "private/alpine:3.4"),
    token.push("alpine-apk", "private/alpine:3.4"),
    token.push("alpine316-apk", "public/alpine:3.16"),
  ]);
});

afterEach(() => {
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
});

afterAll(async () => {
  await Promise.all([basic?.stop(), token?.stop()]);
  await rm(dir, { recursive: true, force: true });
});

function options(registry: TestRegistry, extra: RegistryOptions = {}): OpenOptions {
  return {
    registry: {
      insecure: [registry.host, registry.tokenServer ? new URL(registry.tokenServer.realm).host : ""],
      authFiles: [],
      retryBaseDelayMs: 5,
      ...extra,
    },
  };
}

async function failure(promise: Promise<unknown>): Promise<ShipshapeError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ShipshapeError);
  const e = err as ShipshapeError;
  expect(e.message).not.toContain("\n");
  messages.push(e.message, String(e.stack), String(e.cause ?? ""));
  return e;
}

/** Point HOME and the auth-file variables at a temp dir, so only the files a test writes count. */
function isolateEnv(name: string): string {
  const home = join(dir, name);
  for (const key of ["REGISTRY_AUTH_FILE", "XDG_RUNTIME_DIR", "DOCKER_CONFIG"]) delete process.env[key];
  process.env.HOME = home;
  process.env.XDG_CONFIG_HOME = join(home, ".config");
  return home;
}

async function writeJson(path: string, value: unknown): Promise<void> {
  await mkdir(join(path, ".."), { recursive: true });
  await writeFile(path, JSON.stringify(value));
}

describe("htpasswd (Basic) registry", () => {
  it("pulls with the right credentials", async () => {
    const image = await openRegistryImage(
      `${basic.host}/private/alpine:3.4`,
      options(basic, { credentials: { username: USER, password: PASSWORD } }),
    );
    assertMatchesExpected(image, expectedImage("alpine-apk"));
    await assertLayerBlobs(image);
    await image.close();
  });

  it("wrong credentials are refused, naming registry and repository", async () => {
    const err = await failure(
      openRegistryImage(
        `${basic.host}/private/alpine:3.4`,
        options(basic, { credentials: { username: USER, password: WRONG } }),
      ),
    );
    expect(err.kind).toBe("auth");
    expect(err.message).toBe(
      `registry ${basic.host} refused credentials for repository private/alpine (401 UNAUTHORIZED)`,
    );
  });

  it("missing credentials say how to provide them", async () => {
    const err = await failure(openRegistryImage(`${basic.host}/private/alpine:3.4`, options(basic)));
    expect(err.kind).toBe("auth");
    expect(err.message).toMatch(
      new RegExp(
        `^registry ${basic.host} requires credentials for repository private/alpine \\(401 UNAUTHORIZED\\)`,
      ),
    );
    expect(err.message).toContain("--username");
  });

  it("finds credentials in a docker config.json through $DOCKER_CONFIG", async () => {
    const home = isolateEnv("docker-home");
    process.env.DOCKER_CONFIG = join(home, "docker-cfg");
    await writeJson(join(home, "docker-cfg", "config.json"), {
      auths: { [`http://${basic.host}`]: { auth: b64(`${USER}:${PASSWORD}`) } },
    });
    const image = await openRegistryImage(`${basic.host}/private/alpine:3.4`, {
      registry: { insecure: [basic.host] },
    });
    expect(image.manifestDigest).toBe(expectedImage("alpine-apk").manifest.digest);
    await image.close();
  });

  it("finds credentials in ~/.docker/config.json when nothing else is set", async () => {
    const home = isolateEnv("plain-home");
    await writeJson(join(home, ".docker", "config.json"), {
      auths: { [basic.host]: { username: USER, password: PASSWORD } },
    });
    const image = await openRegistryImage(`${basic.host}/private/alpine:3.4`, {
      registry: { insecure: [basic.host] },
    });
    expect(image.configDigest).toBe(expectedImage("alpine-apk").config.digest);
    await image.close();
  });

  it("prefers a podman auth.json ($REGISTRY_AUTH_FILE, repository-scoped key) over docker's file", async () => {
    const home = isolateEnv("podman-home");
    process.env.REGISTRY_AUTH_FILE = join(home, "auth.json");
    await writeJson(process.env.REGISTRY_AUTH_FILE, {
      auths: {
        [`${basic.host}/private/alpine`]: { auth: b64(`${USER}:${PASSWORD}`) },
        [basic.host]: { auth: b64(`${USER}:${WRONG}`) },
      },
    });
    await writeJson(join(home, ".docker", "config.json"), {
      auths: { [basic.host]: { auth: b64(`${USER}:${WRONG}`) } },
    });
    const image = await openRegistryImage(`${basic.host}/private/alpine:3.4`, {
      registry: { insecure: [basic.host] },
    });
    expect(image.manifestDigest).toBe(expectedImage("alpine-apk").manifest.digest);
    await image.close();
    // The host-wide entry (wrong password) applies to another repository: proof the scoped key won.
    const other = await failure(
      openRegistryImage(`${basic.host}/private/other:1`, { registry: { insecure: [basic.host] } }),
    );
    expect(other.message).toContain("refused credentials");
  });

  it("finds credentials in $XDG_RUNTIME_DIR/containers/auth.json", async () => {
    const home = isolateEnv("xdg-home");
    process.env.XDG_RUNTIME_DIR = join(home, "run");
    await writeJson(join(home, "run", "containers", "auth.json"), {
      auths: { [basic.host]: { auth: b64(`${USER}:${PASSWORD}`) } },
    });
    const image = await openRegistryImage(`${basic.host}/private/alpine:3.4`, {
      registry: { insecure: [basic.host] },
    });
    expect(image.manifestDigest).toBe(expectedImage("alpine-apk").manifest.digest);
    await image.close();
  });
});

describe("token (Bearer) registry", () => {
  const tokenRequests = (scope: string) =>
    token.tokenServer!.requests.filter((r) => r.scopes.includes(scope));

  it("gets an anonymous token for a public repository", async () => {
    const before = tokenRequests("repository:public/alpine:pull").length;
    const image = await openRegistryImage(`${token.host}/public/alpine:3.16`, options(token));
    assertMatchesExpected(image, expectedImage("alpine316-apk"));
    await assertLayerBlobs(image);
    await image.close();
    const requests = tokenRequests("repository:public/alpine:pull").slice(before);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ principal: "anonymous", hadAuthorization: false });
  });

  it("anonymous access to a private repository is refused clearly", async () => {
    const err = await failure(openRegistryImage(`${token.host}/private/alpine:3.4`, options(token)));
    expect(err.kind).toBe("auth");
    expect(err.message).toContain(
      `registry ${token.host} requires credentials for repository private/alpine, or the repository does not exist`,
    );
  });

  it("exchanges credentials for a token, once per scope while it is valid", async () => {
    const before = tokenRequests("repository:private/alpine:pull").length;
    const image = await openRegistryImage(
      `${token.host}/private/alpine:3.4`,
      options(token, { credentials: { username: USER, password: PASSWORD } }),
    );
    assertMatchesExpected(image, expectedImage("alpine-apk"));
    await assertLayerBlobs(image);
    await assertLayerBlobs(image);
    await image.close();
    // Manifest, config and two passes over the layer: all with the one token.
    const requests = tokenRequests("repository:private/alpine:pull").slice(before);
    expect(requests).toEqual([
      { method: "GET", scopes: ["repository:private/alpine:pull"], principal: USER, hadAuthorization: true },
    ]);
  });

  it("fetches a new token after the old one expires", async () => {
    const server = token.tokenServer!;
    server.expiresIn = 1;
    try {
      const before = tokenRequests("repository:private/alpine:pull").length;
      const image = await openRegistryImage(
        `${token.host}/private/alpine:3.4`,
        options(token, { credentials: { username: USER, password: PASSWORD } }),
      );
      expect(tokenRequests("repository:private/alpine:pull").length - before).toBe(1);
      await new Promise((r) => setTimeout(r, 1100));
      await assertLayerBlobs(image);
      await image.close();
      expect(tokenRequests("repository:private/alpine:pull").length - before).toBe(2);
    } finally {
      server.expiresIn = 300;
    }
  });

  it("accepts `access_token` instead of `token`", async () => {
    const server = token.tokenServer!;
    server.tokenField = "access_token";
    try {
      const image = await openRegistryImage(
        `${token.host}/private/alpine:3.4`,
        options(token, { credentials: { username: USER, password: PASSWORD } }),
      );
      await assertLayerBlobs(image);
      await image.close();
    } finally {
      server.tokenField = "token";
    }
  });

  it("wrong credentials are refused by the token server", async () => {
    const err = await failure(
      openRegistryImage(
        `${token.host}/private/alpine:3.4`,
        options(token, { credentials: { username: USER, password: WRONG } }),
      ),
    );
    expect(err.kind).toBe("auth");
    expect(err.message).toBe(
      `token server ${new URL(token.tokenServer!.realm).host} refused credentials for registry ${token.host} (401)`,
    );
  });

  it("uses an identity token from config.json with the OAuth2 refresh-token grant", async () => {
    const path = join(dir, "identity", "config.json");
    await writeJson(path, { auths: { [token.host]: { auth: b64("<token>:"), identitytoken: REFRESH } } });
    const before = token.tokenServer!.requests.length;
    const image = await openRegistryImage(
      `${token.host}/private/alpine:3.4`,
      options(token, { authFiles: [path] }),
    );
    expect(image.manifestDigest).toBe(expectedImage("alpine-apk").manifest.digest);
    await image.close();
    expect(token.tokenServer!.requests.slice(before)).toEqual([
      {
        method: "POST",
        scopes: ["repository:private/alpine:pull"],
        principal: USER,
        hadAuthorization: false,
      },
    ]);
  });

  it("retries a failing token server, and reports one that keeps failing", async () => {
    const server = token.tokenServer!;
    server.failNext = { status: 503, count: 2 };
    const image = await openRegistryImage(
      `${token.host}/private/alpine:3.4`,
      options(token, { credentials: { username: USER, password: PASSWORD } }),
    );
    await image.close();
    server.failNext = { status: 500, count: 100 };
    try {
      const err = await failure(
        openRegistryImage(
          `${token.host}/private/alpine:3.4`,
          options(token, { credentials: { username: USER, password: PASSWORD }, retries: 2 }),
        ),
      );
      expect(err.kind).toBe("network");
      expect(err.message).toBe(
        `token server ${new URL(server.realm).host} answered 500 for registry ${token.host} after 3 attempts`,
      );
    } finally {
      server.failNext = undefined;
    }
  });
});

describe("secrets never reach messages", () => {
  it("no password, Basic blob or token appears in any error of this file", async () => {
    // A few more failure modes, all with credentials in play.
    const creds = { credentials: { username: USER, password: PASSWORD } };
    await failure(openRegistryImage(`${basic.host}/private/alpine:missing`, options(basic, creds)));
    await failure(openRegistryImage(`${token.host}/private/alpine:missing`, options(token, creds)));
    await failure(
      openRegistryImage(`${basic.host}/private/alpine:3.4`, { registry: { ...creds, authFiles: [] } }),
    );
    const port = await freePort();
    await failure(
      openRegistryImage(`127.0.0.1:${port}/private/alpine:3.4`, {
        registry: { ...creds, authFiles: [], insecure: true, retries: 0 },
      }),
    );
    const identity = join(dir, "bad-identity.json");
    await writeJson(identity, { auths: { [token.host]: { identitytoken: `${REFRESH}-revoked` } } });
    await failure(
      openRegistryImage(`${token.host}/private/alpine:3.4`, options(token, { authFiles: [identity] })),
    );
    const forbidden = [
      PASSWORD,
      WRONG,
      REFRESH,
      b64(`${USER}:${PASSWORD}`),
      b64(`${USER}:${WRONG}`),
      ...token.tokenServer!.issued,
    ];
    expect(messages.length).toBeGreaterThan(20);
    expect(token.tokenServer!.issued.length).toBeGreaterThan(3);
    for (const message of messages) {
      for (const secret of forbidden) expect(message).not.toContain(secret);
    }
  });
});
