/**
 * A real OCI registry for tests: Debian's `docker-registry serve CONFIG` on 127.0.0.1 with a free
 * port and a temp storage dir, optionally with htpasswd (bcrypt) Basic auth, TLS (a throwaway CA and
 * a server certificate for IP:127.0.0.1, made with openssl) or token auth (registry-token-server.ts).
 * Images are pushed from the shared fixtures with skopeo. stop() kills the process and removes
 * every temp file.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { startTokenServer, type TestTokenServer } from "./registry-token-server.js";
import { fixturePath } from "./shared.js";

const run = promisify(execFile);

export interface RegistryFlavour {
  /** Basic auth with one user (bcrypt htpasswd entry). */
  htpasswd?: { username: string; password: string };
  /** Serve HTTPS with a certificate from a throwaway CA (`caFile`). */
  tls?: boolean;
  /** Bearer token auth against a token server with these users. */
  token?: { users: Record<string, string>; refreshTokens?: Record<string, string> };
}

export interface TestRegistry {
  /** `127.0.0.1:PORT`, as an image reference names it. */
  host: string;
  port: number;
  /** `http://…` or `https://…`. */
  origin: string;
  /** The CA that signed the server certificate (TLS flavour only). */
  caFile?: string;
  tokenServer?: TestTokenServer;
  /** Push `fixtures/images/NAME.oci.tar` as `repoTag` (`name:tag`); `all` copies every platform. */
  push(
    fixture: string,
    repoTag: string,
    options?: { all?: boolean; creds?: { username: string; password: string } },
  ): Promise<void>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startRegistry(flavour: RegistryFlavour = {}): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), "shipshape-registry-"));
  let child: ChildProcess | undefined;
  let tokenServer: TestTokenServer | undefined;
  try {
    const port = await freePort();
    const host = `127.0.0.1:${port}`;
    const config: Record<string, unknown> = {
      version: 0.1,
      log: { level: "error", accesslog: { disabled: true } },
      storage: { filesystem: { rootdirectory: join(dir, "storage") }, delete: { enabled: true } },
      http: { addr: host, secret: randomBytes(16).toString("hex") },
    };
    let caFile: string | undefined;
    if (flavour.tls) {
      const tls = await makeServerCertificate(dir);
      caFile = tls.caFile;
      (config.http as Record<string, unknown>).tls = { certificate: tls.certFile, key: tls.keyFile };
    }
    if (flavour.htpasswd) {
      const { stdout } = await run("htpasswd", [
        "-Bbn",
        flavour.htpasswd.username,
        flavour.htpasswd.password,
      ]);
      const file = join(dir, "htpasswd");
      await writeFile(file, stdout);
      config.auth = { htpasswd: { realm: "shipshape-test", path: file } };
    }
    if (flavour.token) {
      tokenServer = await startTokenServer({ dir, ...flavour.token });
      config.auth = {
        token: {
          realm: tokenServer.realm,
          service: tokenServer.service,
          issuer: tokenServer.issuer,
          rootcertbundle: tokenServer.certFile,
        },
      };
    }
    // JSON is YAML: no YAML writer needed.
    const configFile = join(dir, "config.yml");
    await writeFile(configFile, JSON.stringify(config, null, 2));
    const logFile = join(dir, "registry.log");
    const log: Buffer[] = [];
    child = spawn("docker-registry", ["serve", configFile], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout?.on("data", (c: Buffer) => log.push(c));
    child.stderr?.on("data", (c: Buffer) => log.push(c));
    const origin = `${flavour.tls ? "https" : "http"}://${host}`;
    await waitForRegistry(origin, child, () => Buffer.concat(log).toString("utf8"));
    const started = child;
    const startedToken = tokenServer;
    const creds = flavour.htpasswd ?? firstUser(flavour.token?.users);

    return {
      host,
      port,
      origin,
      ...(caFile ? { caFile } : {}),
      ...(tokenServer ? { tokenServer } : {}),
      async push(fixture, repoTag, options = {}) {
        const args = ["--insecure-policy", "copy", "--quiet", "--dest-tls-verify=false"];
        if (options.all) args.push("--all");
        const pushCreds = options.creds ?? creds;
        if (pushCreds) args.push("--dest-creds", `${pushCreds.username}:${pushCreds.password}`);
        args.push(
          `oci-archive:${fixturePath("images", `${fixture}.oci.tar`)}`,
          `docker://${host}/${repoTag}`,
        );
        try {
          // A private HOME/TMPDIR: skopeo reads no auth files of the machine and leaves no temp files.
          await run("skopeo", args, {
            env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, TMPDIR: dir },
          });
        } catch (err) {
          const stderr = (err as { stderr?: string }).stderr ?? String(err);
          throw new Error(`skopeo push of ${fixture} to ${host}/${repoTag} failed: ${stderr.trim()}`);
        }
      },
      async stop() {
        await stopProcess(started);
        await startedToken?.stop();
        await writeFile(logFile, Buffer.concat(log)).catch(() => {});
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    if (child) await stopProcess(child);
    await tokenServer?.stop();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

function firstUser(
  users: Record<string, string> | undefined,
): { username: string; password: string } | undefined {
  const entry = users ? Object.entries(users)[0] : undefined;
  return entry ? { username: entry[0], password: entry[1] } : undefined;
}

/** Any HTTP answer at /v2/ (200 or 401) means the registry is up. */
async function waitForRegistry(origin: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  while (Date.now() < deadline) {
    if (exited) throw new Error(`docker-registry exited during startup: ${log().trim()}`);
    const up = await new Promise<boolean>((resolve) => {
      const mod = origin.startsWith("https") ? https : http;
      const req = mod.get(`${origin}/v2/`, { rejectUnauthorized: false, timeout: 1000 }, (res) => {
        res.resume();
        resolve(true);
      });
      req.on("error", () => resolve(false));
      req.on("timeout", () => req.destroy());
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`docker-registry did not answer at ${origin}/v2/ within 15 s: ${log().trim()}`);
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

/** A throwaway CA and a server certificate for IP:127.0.0.1 signed by it (EC keys: fast). */
export async function makeServerCertificate(
  dir: string,
): Promise<{ caFile: string; certFile: string; keyFile: string }> {
  const caKey = join(dir, "ca.key");
  const caFile = join(dir, "ca.crt");
  const keyFile = join(dir, "server.key");
  const csr = join(dir, "server.csr");
  const certFile = join(dir, "server.crt");
  const ext = join(dir, "server.ext");
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await run("openssl", [
    "req",
    "-x509",
    ...ec,
    "-keyout",
    caKey,
    "-out",
    caFile,
    "-days",
    "2",
    "-subj",
    "/CN=shipshape test CA",
  ]);
  await run("openssl", ["req", "-new", ...ec, "-keyout", keyFile, "-out", csr, "-subj", "/CN=127.0.0.1"]);
  await writeFile(
    ext,
    "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
  );
  await run("openssl", [
    "x509",
    "-req",
    "-in",
    csr,
    "-CA",
    caFile,
    "-CAkey",
    caKey,
    "-CAcreateserial",
    "-out",
    certFile,
    "-days",
    "2",
    "-extfile",
    ext,
  ]);
  await readFile(certFile); // fail here, not in the registry, if openssl wrote nothing
  return { caFile, certFile, keyFile };
}
