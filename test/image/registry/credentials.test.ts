import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ShipshapeError } from "../../../src/errors.js";
import {
  authKeyCandidates,
  defaultAuthFiles,
  lookupCredentials,
  normalizeAuthKey,
  parseAuthFile,
} from "../../../src/image/registry/credentials.js";

const b64 = (text: string) => Buffer.from(text).toString("base64");

let dir: string;
let binDir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "shipshape-creds-"));
  binDir = join(dir, "bin");
  await mkdir(binDir);
  // A credential helper speaking the docker-credential-helpers protocol: server URL on stdin,
  // JSON on stdout, "credentials not found" + exit 1 for unknown servers.
  const helper = join(binDir, "docker-credential-shiptest");
  await writeFile(
    helper,
    `#!/bin/sh
[ "$1" = get ] || exit 2
read -r server
case "$server" in
  helper.example.com) printf '{"ServerURL":"%s","Username":"helper-user","Secret":"helper-s3cret"}' "$server" ;;
  https://index.docker.io/v1/) printf '{"ServerURL":"%s","Username":"<token>","Secret":"hub-identity-token"}' "$server" ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
`,
  );
  await chmod(helper, 0o755);
  const broken = join(binDir, "docker-credential-broken");
  await writeFile(broken, "#!/bin/sh\necho 'internal failure' >&2\nexit 3\n");
  await chmod(broken, 0o755);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, content: unknown): Promise<string> {
  const path = join(dir, name);
  await mkdir(join(path, ".."), { recursive: true });
  await writeFile(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

describe("auth file locations", () => {
  it("follows podman's order: REGISTRY_AUTH_FILE, XDG config, then docker's config", () => {
    expect(
      defaultAuthFiles({
        HOME: "/h",
        REGISTRY_AUTH_FILE: "/a/auth.json",
        XDG_RUNTIME_DIR: "/run/user/1",
        DOCKER_CONFIG: "/d",
      }),
    ).toEqual(["/a/auth.json", "/h/.config/containers/auth.json", "/d/config.json"]);
    expect(defaultAuthFiles({ HOME: "/h", XDG_RUNTIME_DIR: "/run/user/1" })).toEqual([
      "/run/user/1/containers/auth.json",
      "/h/.config/containers/auth.json",
      "/h/.docker/config.json",
    ]);
    expect(defaultAuthFiles({ HOME: "/h", XDG_CONFIG_HOME: "/x" })).toEqual([
      "/x/containers/auth.json",
      "/h/.docker/config.json",
    ]);
  });
});

describe("auth file keys", () => {
  it("normalises docker's URL keys and Docker Hub's names", () => {
    expect(normalizeAuthKey("https://index.docker.io/v1/")).toBe("docker.io");
    expect(normalizeAuthKey("index.docker.io")).toBe("docker.io");
    expect(normalizeAuthKey("registry-1.docker.io")).toBe("docker.io");
    expect(normalizeAuthKey("http://Registry.Example.com:5000/v2/")).toBe("registry.example.com:5000");
    expect(normalizeAuthKey("quay.io/team/app")).toBe("quay.io/team/app");
    expect(normalizeAuthKey("127.0.0.1:5000")).toBe("127.0.0.1:5000");
  });

  it("tries repository-scoped keys most specific first", () => {
    expect(authKeyCandidates("quay.io", "team/sub/app")).toEqual([
      "quay.io/team/sub/app",
      "quay.io/team/sub",
      "quay.io/team",
      "quay.io",
    ]);
    expect(authKeyCandidates("docker.io", "library/debian")).toEqual([
      "docker.io/library/debian",
      "docker.io/library",
      "docker.io",
    ]);
  });
});

describe("lookupCredentials", () => {
  const env = () => ({ PATH: `${binDir}:${process.env.PATH ?? "/usr/bin:/bin"}`, HOME: dir });

  it("reads `auth` (base64) for Docker Hub from docker's legacy URL key", async () => {
    const path = await file("hub/config.json", {
      auths: { "https://index.docker.io/v1/": { auth: b64("hubuser:hub:pass") } },
    });
    const found = await lookupCredentials("docker.io", "library/debian", { authFiles: [path], env: env() });
    expect(found.login).toEqual({ kind: "basic", username: "hubuser", password: "hub:pass" });
    expect(found.source).toBe(path);
  });

  it("reads username/password and identitytoken entries by host[:port]", async () => {
    const path = await file("plain/config.json", {
      auths: {
        "127.0.0.1:5000": { username: "u", password: "p4ss" },
        "https://token.example.com": { auth: b64("tok-user:"), identitytoken: "refresh-xyz" },
      },
    });
    const a = await lookupCredentials("127.0.0.1:5000", "foo", { authFiles: [path], env: env() });
    expect(a.login).toEqual({ kind: "basic", username: "u", password: "p4ss" });
    const b = await lookupCredentials("token.example.com", "x/y", { authFiles: [path], env: env() });
    expect(b.login).toEqual({ kind: "identity-token", username: "tok-user", token: "refresh-xyz" });
    const none = await lookupCredentials("127.0.0.1:5001", "foo", { authFiles: [path], env: env() });
    expect(none.login).toBeUndefined();
  });

  it("prefers podman's repository-scoped keys and the earlier file", async () => {
    const podman = await file("podman/auth.json", {
      auths: {
        "reg.example.com/team/app": { auth: b64("app-user:app-pass") },
        "reg.example.com/team": { auth: b64("team-user:team-pass") },
      },
    });
    const docker = await file("docker2/config.json", {
      auths: { "reg.example.com": { auth: b64("host-user:host-pass") } },
    });
    const files = [podman, docker];
    const app = await lookupCredentials("reg.example.com", "team/app", { authFiles: files, env: env() });
    expect(app.login).toMatchObject({ username: "app-user" });
    const other = await lookupCredentials("reg.example.com", "team/other", { authFiles: files, env: env() });
    expect(other.login).toMatchObject({ username: "team-user" });
    const elsewhere = await lookupCredentials("reg.example.com", "solo", { authFiles: files, env: env() });
    expect(elsewhere.login).toMatchObject({ username: "host-user" });
    expect(elsewhere.source).toBe(docker);
  });

  it("finds the default files through REGISTRY_AUTH_FILE and DOCKER_CONFIG", async () => {
    const authFile = await file("env/auth.json", { auths: { "a.example.com": { auth: b64("a:1111") } } });
    const dockerDir = join(dir, "env-docker");
    await file("env-docker/config.json", { auths: { "b.example.com": { auth: b64("b:2222") } } });
    const e = { ...env(), REGISTRY_AUTH_FILE: authFile, DOCKER_CONFIG: dockerDir };
    expect((await lookupCredentials("a.example.com", "r", { env: e })).login).toMatchObject({
      username: "a",
    });
    expect((await lookupCredentials("b.example.com", "r", { env: e })).login).toMatchObject({
      username: "b",
    });
  });

  it("asks credHelpers and credsStore helpers, and turns <token> into an identity token", async () => {
    const path = await file("helpers/config.json", {
      credHelpers: { "helper.example.com": "shiptest" },
      credsStore: "shiptest",
      auths: { "other.example.com": { auth: b64("file-user:file-pass") } },
    });
    const viaHelper = await lookupCredentials("helper.example.com", "x", { authFiles: [path], env: env() });
    expect(viaHelper.login).toEqual({ kind: "basic", username: "helper-user", password: "helper-s3cret" });
    expect(viaHelper.source).toBe("docker-credential-shiptest");
    const hub = await lookupCredentials("docker.io", "library/alpine", { authFiles: [path], env: env() });
    expect(hub.login).toEqual({ kind: "identity-token", token: "hub-identity-token" });
    // The store knows nothing about this host ("credentials not found"): the auths entry applies, silently.
    const fallback = await lookupCredentials("other.example.com", "x", { authFiles: [path], env: env() });
    expect(fallback.login).toMatchObject({ username: "file-user" });
    expect(fallback.warnings).toEqual([]);
  });

  it("continues with a warning when a helper is missing or fails", async () => {
    const path = await file("missing/config.json", {
      credHelpers: { "gone.example.com": "does-not-exist", "broken.example.com": "broken" },
      auths: { "gone.example.com": { auth: b64("fallback:pw12") } },
    });
    const gone = await lookupCredentials("gone.example.com", "x", { authFiles: [path], env: env() });
    expect(gone.login).toMatchObject({ username: "fallback" });
    expect(gone.warnings).toEqual([expect.stringContaining("docker-credential-does-not-exist")]);
    expect(gone.warnings[0]).toContain("not installed");
    const broken = await lookupCredentials("broken.example.com", "x", { authFiles: [path], env: env() });
    expect(broken.login).toBeUndefined();
    expect(broken.warnings).toEqual([expect.stringMatching(/docker-credential-broken .*failed \(exit 3\)/)]);
  });

  it("skips absent files and reads empty ones as empty", async () => {
    const empty = await file("empty/auth.json", "");
    const found = await lookupCredentials("x.example.com", "r", {
      authFiles: [join(dir, "nope.json"), empty],
      env: env(),
    });
    expect(found).toEqual({ warnings: [] });
  });

  it("refuses broken files without quoting their contents", async () => {
    const secret = "Sup3rS3cretValue";
    const broken = await file(
      "bad/config.json",
      `{"auths": {"r.example.com": {"password": "${secret}" oops}}}`,
    );
    const badAuth = await file("bad/auth.json", { auths: { "r.example.com": { auth: `${b64(secret)}!!` } } });
    const wrongType = await file("bad/type.json", { auths: { "r.example.com": { password: 12345678 } } });
    for (const path of [broken, badAuth, wrongType]) {
      const err = await lookupCredentials("r.example.com", "x", { authFiles: [path], env: env() }).catch(
        (e) => e,
      );
      expect(err).toBeInstanceOf(ShipshapeError);
      expect(err.message).toContain(path);
      expect(err.message).not.toContain(secret);
      expect(err.message).not.toContain(b64(secret));
      expect(err.message).not.toContain("12345678");
      expect(err.message).not.toContain("\n");
    }
  });

  it("parses a real `docker login` file shape with extra fields", () => {
    const parsed = parseAuthFile(
      Buffer.from(
        JSON.stringify({
          auths: { "https://index.docker.io/v1/": {} },
          credsStore: "desktop",
          currentContext: "x",
          HttpHeaders: {},
        }),
      ),
      "config.json",
    );
    expect(parsed.credsStore).toBe("desktop");
  });
});
