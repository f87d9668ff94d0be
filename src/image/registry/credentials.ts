/**
 * Stored registry credentials, found the way podman (containers/image) and docker find them:
 * Podman `auth.json` and Docker `config.json` files in their usual places, `auths` entries with
 * `auth` (base64 `user:password`), `username`/`password` or `identitytoken`, repository-scoped keys
 * (`registry.example.com/team/app`), legacy URL keys (`https://index.docker.io/v1/`), and
 * `credHelpers`/`credsStore` through `docker-credential-<name> get`.
 * Nothing here ever puts a secret into a message.
 */
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { ShipshapeError } from "../../errors.js";

export type RegistryLogin =
  | { kind: "basic"; username: string; password: string }
  /** An OAuth2 refresh token (`docker login` to some registries, helpers answering `<token>`). */
  | { kind: "identity-token"; username?: string; token: string };

export interface CredentialLookup {
  login?: RegistryLogin;
  /** Where the login came from (`/home/u/.docker/config.json`, `docker-credential-pass`). */
  source?: string;
  /** Non-fatal problems worth telling the user, e.g. a configured helper that is not installed. */
  warnings: string[];
}

export interface CredentialLookupOptions {
  /** Files to read, in order; defaultAuthFiles(env) when unset. */
  authFiles?: string[];
  env?: NodeJS.ProcessEnv;
  /** Time limit for one credential helper run. */
  helperTimeoutMs?: number;
}

const MAX_AUTH_FILE_BYTES = 4 * 1024 * 1024;
const MAX_HELPER_OUTPUT = 64 * 1024;
const DOCKER_HUB = "docker.io";
const DOCKER_HUB_ALIASES = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);
/** The server URL `docker login` stores Docker Hub credentials under. */
export const DOCKER_HUB_AUTH_KEY = "https://index.docker.io/v1/";

const authEntrySchema = v.looseObject({
  auth: v.optional(v.string()),
  username: v.optional(v.string()),
  password: v.optional(v.string()),
  identitytoken: v.optional(v.string()),
});

const authFileSchema = v.looseObject({
  auths: v.nullish(v.record(v.string(), v.nullable(authEntrySchema))),
  credHelpers: v.nullish(v.record(v.string(), v.string())),
  credsStore: v.nullish(v.string()),
});

export type AuthFile = v.InferOutput<typeof authFileSchema>;

/**
 * The files podman reads, in its order: `$REGISTRY_AUTH_FILE` (else `$XDG_RUNTIME_DIR/containers/auth.json`),
 * `$XDG_CONFIG_HOME/containers/auth.json` (`~/.config/…`), then Docker's `$DOCKER_CONFIG/config.json`
 * (else `~/.docker/config.json`).
 */
export function defaultAuthFiles(env: NodeJS.ProcessEnv = process.env): string[] {
  const home = env.HOME || homedir();
  const files: string[] = [];
  if (env.REGISTRY_AUTH_FILE) files.push(env.REGISTRY_AUTH_FILE);
  else if (env.XDG_RUNTIME_DIR) files.push(join(env.XDG_RUNTIME_DIR, "containers", "auth.json"));
  files.push(join(env.XDG_CONFIG_HOME || join(home, ".config"), "containers", "auth.json"));
  files.push(
    env.DOCKER_CONFIG ? join(env.DOCKER_CONFIG, "config.json") : join(home, ".docker", "config.json"),
  );
  return [...new Set(files)];
}

/** Parse one auth file. Messages name the file and the JSON path, never values. */
export function parseAuthFile(bytes: Uint8Array, path: string): AuthFile {
  if (bytes.length > MAX_AUTH_FILE_BYTES) {
    throw new ShipshapeError("limit", `auth file ${path} is over ${MAX_AUTH_FILE_BYTES} bytes`);
  }
  const text = Buffer.from(bytes)
    .toString("utf8")
    .replace(/^\uFEFF/, "");
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // JSON.parse's message can quote the text around the error, i.e. a secret: leave it out.
    throw new ShipshapeError("input", `auth file ${path} is not valid JSON`);
  }
  // Not validate(): valibot's messages may quote the received value, i.e. a secret.
  const result = v.safeParse(authFileSchema, value);
  if (!result.success) {
    const issue = result.issues[0];
    const where = (issue ? v.getDotPath(issue) : null) || "(top level)";
    throw new ShipshapeError("input", `auth file ${path} is malformed at ${where}`);
  }
  return result.output;
}

/**
 * The canonical form of an auth-file key: scheme and trailing slash dropped, a URL key cut to its
 * host (as docker's ConvertToHostname does), host lower-cased, Docker Hub's names folded to docker.io.
 * Keys without a scheme keep their path: podman's repository-scoped entries.
 */
export function normalizeAuthKey(key: string): string {
  let text = key.trim();
  const hadScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
  text = text.replace(/^[a-z][a-z0-9+.-]*:\/\//i, "").replace(/\/+$/, "");
  const slash = text.indexOf("/");
  let host = (slash < 0 ? text : text.slice(0, slash)).toLowerCase();
  let path = slash < 0 || hadScheme ? "" : text.slice(slash + 1);
  if (/^v[12]$/.test(path)) path = ""; // `index.docker.io/v1` written without its scheme
  if (DOCKER_HUB_ALIASES.has(host)) host = DOCKER_HUB;
  return path ? `${host}/${path}` : host;
}

/** Keys to try for an image, most specific first: `reg/ns/repo`, `reg/ns`, `reg`. */
export function authKeyCandidates(domain: string, repository: string): string[] {
  const host = normalizeAuthKey(domain);
  const keys: string[] = [];
  const parts = repository.split("/").filter((p) => p !== "");
  for (let n = parts.length; n > 0; n--) keys.push(`${host}/${parts.slice(0, n).join("/")}`);
  keys.push(host);
  return keys;
}

/** The login an `auths` entry holds, if any. */
export function decodeAuthEntry(
  entry: v.InferOutput<typeof authEntrySchema>,
  key: string,
  path: string,
): RegistryLogin | undefined {
  let username = entry.username ?? "";
  let password = entry.password ?? "";
  if (entry.auth) {
    const compact = entry.auth.replace(/\s+/g, "");
    const decoded = /^[A-Za-z0-9+/]*={0,2}$/.test(compact)
      ? Buffer.from(compact, "base64").toString("utf8")
      : "";
    const colon = decoded.indexOf(":");
    if (colon < 0) {
      throw new ShipshapeError(
        "input",
        `auth file ${path}: the entry for ${key} has an "auth" value that is not base64 of user:password`,
      );
    }
    username = decoded.slice(0, colon);
    password = decoded.slice(colon + 1);
  }
  if (entry.identitytoken) {
    return username
      ? { kind: "identity-token", username, token: entry.identitytoken }
      : { kind: "identity-token", token: entry.identitytoken };
  }
  if (username === "" && password === "") return undefined;
  return { kind: "basic", username, password };
}

/** The `auths` entry of a file that applies to the image, most specific key first. */
export function findAuthEntry(
  file: AuthFile,
  domain: string,
  repository: string,
): { key: string; entry: v.InferOutput<typeof authEntrySchema> } | undefined {
  const entries = Object.entries(file.auths ?? {});
  for (const wanted of authKeyCandidates(domain, repository)) {
    // Exact keys first (what podman writes), then keys that only normalise to it (docker's URLs).
    const exact = entries.find(([key, entry]) => key === wanted && entry);
    if (exact) return { key: exact[0], entry: exact[1]! };
    const loose = entries.find(([key, entry]) => entry && normalizeAuthKey(key) === wanted);
    if (loose) return { key: loose[0], entry: loose[1]! };
  }
  return undefined;
}

/** The credential helper a file names for a registry: `credHelpers[host]`, else `credsStore`. */
export function helperFor(file: AuthFile, domain: string): string | undefined {
  const host = normalizeAuthKey(domain);
  for (const [key, helper] of Object.entries(file.credHelpers ?? {})) {
    if (normalizeAuthKey(key) === host && helper) return helper;
  }
  return file.credsStore || undefined;
}

/** The server URL a helper is asked about: Docker Hub's legacy URL, else the host. */
export function helperServerUrl(domain: string): string {
  const host = normalizeAuthKey(domain);
  return host === DOCKER_HUB ? DOCKER_HUB_AUTH_KEY : host;
}

/** Look up the login for `domain/repository` in the auth files and the helpers they name. */
export async function lookupCredentials(
  domain: string,
  repository: string,
  options: CredentialLookupOptions = {},
): Promise<CredentialLookup> {
  const env = options.env ?? process.env;
  const files = options.authFiles ?? defaultAuthFiles(env);
  const warnings: string[] = [];
  for (const path of files) {
    const bytes = await readAuthFile(path, warnings);
    if (!bytes) continue;
    const file = parseAuthFile(bytes, path);
    const helper = helperFor(file, domain);
    if (helper) {
      const login = await runCredentialHelper(helper, helperServerUrl(domain), {
        env,
        timeoutMs: options.helperTimeoutMs ?? 15_000,
        warnings,
        configuredIn: path,
      });
      if (login) return { login, source: `docker-credential-${helper}`, warnings };
    }
    const found = findAuthEntry(file, domain, repository);
    if (found) {
      const login = decodeAuthEntry(found.entry, found.key, path);
      if (login) return { login, source: path, warnings };
    }
  }
  return { warnings };
}

async function readAuthFile(path: string, warnings: string[]): Promise<Uint8Array | undefined> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    warnings.push(`cannot read auth file ${path} (${code ?? "error"}); skipping it`);
    return undefined;
  }
}

const helperReplySchema = v.looseObject({ Username: v.optional(v.string()), Secret: v.optional(v.string()) });

/**
 * Run `docker-credential-<name> get` with the server URL on stdin, per the docker-credential-helpers
 * protocol. Not installed, "not found" or failing helpers give undefined (with a warning where useful).
 */
export async function runCredentialHelper(
  name: string,
  serverUrl: string,
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; warnings?: string[]; configuredIn?: string },
): Promise<RegistryLogin | undefined> {
  const warn = (text: string) => options.warnings?.push(text);
  const where = options.configuredIn ? ` (named in ${options.configuredIn})` : "";
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    warn(`credential helper name ${JSON.stringify(name.slice(0, 40))}${where} is not valid; skipping it`);
    return undefined;
  }
  const program = `docker-credential-${name}`;
  const result = await new Promise<{ code: number | null; stdout: string; error?: NodeJS.ErrnoException }>(
    (resolve) => {
      const child = spawn(program, ["get"], {
        env: options.env ?? process.env,
        stdio: ["pipe", "pipe", "ignore"],
        timeout: options.timeoutMs ?? 15_000,
      });
      const chunks: Buffer[] = [];
      let size = 0;
      child.stdout.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_HELPER_OUTPUT) chunks.push(chunk);
        else child.kill();
      });
      child.on("error", (error: NodeJS.ErrnoException) => resolve({ code: null, stdout: "", error }));
      child.on("close", (code) => resolve({ code, stdout: Buffer.concat(chunks).toString("utf8") }));
      child.stdin.on("error", () => {}); // a helper that exits without reading stdin
      child.stdin.end(serverUrl);
    },
  );
  if (result.error) {
    if (result.error.code === "ENOENT")
      warn(`credential helper ${program}${where} is not installed; continuing without it`);
    else warn(`credential helper ${program}${where} could not run (${result.error.code ?? "error"})`);
    return undefined;
  }
  if (result.code !== 0) {
    // The protocol's "no entry" answer is a non-zero exit saying "credentials not found".
    if (!/credentials not found/i.test(result.stdout)) {
      warn(
        `credential helper ${program}${where} failed (exit ${result.code ?? "killed"}); continuing without it`,
      );
    }
    return undefined;
  }
  let reply: v.InferOutput<typeof helperReplySchema>;
  try {
    const parsed = v.safeParse(helperReplySchema, JSON.parse(result.stdout));
    if (!parsed.success) throw new Error("shape");
    reply = parsed.output;
  } catch {
    warn(`credential helper ${program}${where} answered something other than its JSON reply; ignoring it`);
    return undefined;
  }
  if (!reply.Secret) return undefined;
  // `<token>` as the user name marks an identity (refresh) token, as docker's client treats it.
  if (reply.Username === "<token>") return { kind: "identity-token", token: reply.Secret };
  return { kind: "basic", username: reply.Username ?? "", password: reply.Secret };
}
