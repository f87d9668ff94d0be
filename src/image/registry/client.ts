/**
 * A client of the OCI distribution API for one registry: ping `/v2/` (which decides HTTPS, or plain
 * HTTP for an explicitly insecure host, and learns the auth challenge), manifests by tag or digest
 * with digest verification, small blobs (configs) verified in memory, and layer blobs as streams.
 */
import { PassThrough, type Readable } from "node:stream";
import { ShipshapeError } from "../../errors.js";
import { digestOf, isDigest, parseDigest } from "../digest.js";
import { MAX_MANIFEST_BYTES } from "../manifest.js";
import { MediaType } from "../media-types.js";
import type { Descriptor } from "../oci.js";
import { readErrorCode, statusText } from "./api-errors.js";
import { RegistryAuthenticator } from "./auth.js";
import { parseChallenges } from "./challenge.js";
import type { RegistryLogin } from "./credentials.js";
import { SecretRedactor } from "./redact.js";
import {
  describeNetworkError,
  discardBody,
  HttpTransport,
  NetworkFailure,
  readBody,
  type TransportOptions,
  type TransportResponse,
} from "./transport.js";

/**
 * What we can read, best first. Schema 1 is deliberately absent: a registry that only has schema 1
 * answers with it anyway, and parseManifestDocument turns that into a clear error.
 */
export const MANIFEST_ACCEPT = [
  MediaType.ociIndex,
  MediaType.ociManifest,
  MediaType.dockerManifestList,
  MediaType.dockerManifest,
].join(", ");

export interface RegistryClientOptions extends TransportOptions {
  /** The registry as the reference names it (`docker.io`, `127.0.0.1:5000`): messages, credentials. */
  domain: string;
  /** The host to connect to (`registry-1.docker.io` for docker.io). */
  host: string;
  login?: RegistryLogin;
}

export interface FetchedManifest {
  bytes: Buffer;
  /** Content-Type without parameters; undefined when the registry sent none. */
  mediaType: string | undefined;
  /** Verified: the requested digest, else Docker-Content-Digest checked against the bytes, else sha256. */
  digest: string;
}

export class RegistryClient {
  readonly domain: string;
  readonly host: string;
  readonly redactor = new SecretRedactor();
  private readonly transport: HttpTransport;
  private readonly auth: RegistryAuthenticator;
  private base: URL | undefined;
  private pinged: Promise<void> | undefined;

  private constructor(options: RegistryClientOptions, transport: HttpTransport) {
    this.domain = options.domain;
    this.host = options.host;
    this.transport = transport;
    this.auth = new RegistryAuthenticator(
      transport,
      options.domain,
      options.login,
      this.redactor,
      () => this.base?.protocol === "http:",
    );
  }

  static async create(options: RegistryClientOptions): Promise<RegistryClient> {
    return new RegistryClient(options, await HttpTransport.create(options));
  }

  /** `GET /v2/`: once per client; later calls share the first answer. */
  ping(signal?: AbortSignal): Promise<void> {
    if (!this.pinged) {
      this.pinged = this.doPing(signal);
      this.pinged.catch(() => {
        this.pinged = undefined; // a failed ping (e.g. aborted) may be tried again
      });
    }
    return this.pinged;
  }

  private async doPing(signal?: AbortSignal): Promise<void> {
    const what = `the API root of registry ${this.domain}`;
    let res: TransportResponse;
    let base = new URL(`https://${this.host}/`);
    try {
      res = await this.transport.send({
        method: "GET",
        url: new URL("/v2/", base),
        what,
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      // An explicitly insecure registry may speak plain HTTP: try that, as docker and podman do.
      if (!(err instanceof NetworkFailure) || !this.transport.isInsecure(this.host)) throw err;
      base = new URL(`http://${this.host}/`);
      res = await this.transport.send({
        method: "GET",
        url: new URL("/v2/", base),
        what,
        ...(signal ? { signal } : {}),
      });
    }
    this.base = base;
    if (res.status === 401) {
      this.auth.learn(parseChallenges(res.headers["www-authenticate"]));
      discardBody(res.body);
      return;
    }
    if (res.status >= 200 && res.status <= 299) {
      discardBody(res.body);
      return;
    }
    const code = await readErrorCode(res.body);
    if (res.status === 404) {
      throw new ShipshapeError(
        "not-found",
        `${this.domain} is not an OCI distribution registry (GET /v2/ answered ${statusText(404, code)})`,
      );
    }
    throw this.statusError(res, code, what);
  }

  /** A manifest or index by tag or digest, size-capped and digest-verified. */
  async fetchManifest(
    repository: string,
    reference: string,
    options: { what: string; signal?: AbortSignal; maxBytes?: number; expectedSize?: number },
  ): Promise<FetchedManifest> {
    const maxBytes = options.maxBytes ?? MAX_MANIFEST_BYTES;
    if (options.expectedSize !== undefined && options.expectedSize > maxBytes) {
      throw new ShipshapeError(
        "limit",
        `${options.what} is declared as ${options.expectedSize} bytes, over the ${maxBytes}-byte limit`,
      );
    }
    const path = `/v2/${repository}/manifests/${reference}`;
    const res = await this.get(repository, path, MANIFEST_ACCEPT, options.what, options.signal);
    if (res.status !== 200) {
      const code = await readErrorCode(res.body);
      if (res.status === 404) throw this.notFound(repository, reference, code, options.what);
      throw this.statusError(res, code, options.what);
    }
    const bytes = await readBody(
      res.body,
      maxBytes,
      (n) =>
        new ShipshapeError("limit", `${options.what} is ${n} bytes or more, over the ${maxBytes}-byte limit`),
      res.url.host,
    );
    if (options.expectedSize !== undefined && bytes.length !== options.expectedSize) {
      throw new ShipshapeError(
        "integrity",
        `${options.what} is ${bytes.length} bytes where its descriptor says ${options.expectedSize}`,
      );
    }
    const contentType = res.headers["content-type"]?.split(";")[0]?.trim() || undefined;
    let digest: string;
    if (isDigest(reference)) {
      verifyDigest(bytes, reference, options.what);
      digest = reference;
    } else {
      const header = headerValue(res.headers["docker-content-digest"]);
      if (header !== undefined && isDigest(header)) {
        verifyDigest(bytes, header, options.what, "the registry's Docker-Content-Digest");
        digest = header;
      } else {
        digest = digestOf("sha256", bytes);
      }
    }
    return { bytes, mediaType: contentType, digest };
  }

  /** A small blob (a config) read into memory, checked against its descriptor's size and digest. */
  async fetchBlob(
    repository: string,
    descriptor: Descriptor,
    maxBytes: number,
    what: string,
    signal?: AbortSignal,
  ): Promise<Buffer> {
    if (descriptor.size > maxBytes) {
      throw new ShipshapeError(
        "limit",
        `${what} is declared as ${descriptor.size} bytes, over the ${maxBytes}-byte limit`,
      );
    }
    const res = await this.blobResponse(repository, descriptor.digest, what, signal);
    const bytes = await readBody(
      res.body,
      descriptor.size,
      (n) =>
        new ShipshapeError(
          "integrity",
          `${what} is ${n} bytes or more where its descriptor says ${descriptor.size}`,
        ),
      res.url.host,
    );
    if (bytes.length !== descriptor.size) {
      throw new ShipshapeError(
        "integrity",
        `${what} is ${bytes.length} bytes where its descriptor says ${descriptor.size}`,
      );
    }
    verifyDigest(bytes, descriptor.digest, what);
    return bytes;
  }

  /**
   * A blob's stored bytes as a stream (following redirects to blob storage). The caller verifies the
   * digest; transport failures while reading surface as one-line ShipshapeErrors on the stream.
   */
  async openBlob(repository: string, digest: string, what: string, signal?: AbortSignal): Promise<Readable> {
    const res = await this.blobResponse(repository, digest, what, signal);
    const source = res.body;
    const out = new PassThrough({ highWaterMark: 256 * 1024 });
    source.on("error", (err) => {
      const named =
        err instanceof ShipshapeError || err.name === "AbortError"
          ? err
          : describeNetworkError(err, res.url.host);
      out.destroy(named);
    });
    out.on("close", () => {
      if (!source.complete) source.destroy();
    });
    source.pipe(out);
    return out;
  }

  private async blobResponse(
    repository: string,
    digest: string,
    what: string,
    signal?: AbortSignal,
  ): Promise<TransportResponse> {
    const res = await this.get(repository, `/v2/${repository}/blobs/${digest}`, "*/*", what, signal);
    if (res.status === 200) return res;
    const code = await readErrorCode(res.body);
    if (res.status === 404) throw this.notFound(repository, digest, code, what);
    throw this.statusError(res, code, what);
  }

  /**
   * GET in the repository's pull scope. A 401 from the registry teaches us its challenge (or tells
   * us a cached token expired) and is retried once; a second 401 is a refusal.
   */
  private async get(
    repository: string,
    path: string,
    accept: string,
    what: string,
    signal?: AbortSignal,
  ): Promise<TransportResponse> {
    await this.ping(signal);
    const base = this.base!;
    const scope = `repository:${repository}:pull`;
    for (let round = 0; ; round++) {
      const authorization = await this.auth.authorization(scope, signal);
      const headers: Record<string, string> = { accept };
      if (authorization) headers.authorization = authorization.value;
      const res = await this.transport.send({
        method: "GET",
        url: new URL(path, base),
        headers,
        what,
        ...(signal ? { signal } : {}),
      });
      const fromRegistry = res.url.origin === base.origin;
      if (fromRegistry && (res.status === 401 || res.status === 403)) {
        const challenges = parseChallenges(res.headers["www-authenticate"]);
        const code = await readErrorCode(res.body);
        if (res.status === 401 && round === 0) {
          const learned = this.auth.learn(challenges);
          if (authorization && !authorization.fresh) {
            this.auth.invalidate(scope); // an expired cached token: fetch a new one once
            continue;
          }
          if (!authorization && learned && (await this.auth.authorization(scope, signal))) continue;
        }
        throw this.auth.refusal(repository, res.status, code, challenges);
      }
      return res;
    }
  }

  private notFound(
    repository: string,
    reference: string,
    code: string | undefined,
    what: string,
  ): ShipshapeError {
    const name = `${this.domain}/${repository}`;
    const ref = isDigest(reference) ? `${name}@${reference}` : `${name}:${reference}`;
    if (code === "NAME_UNKNOWN")
      return new ShipshapeError("not-found", `repository unknown: ${name} not found`);
    if (code === "MANIFEST_UNKNOWN")
      return new ShipshapeError("not-found", `manifest unknown: ${ref} not found`);
    if (code === "BLOB_UNKNOWN")
      return new ShipshapeError("not-found", `blob unknown: ${what} not found in ${name}`);
    return new ShipshapeError("not-found", `${what} not found (${statusText(404, code)})`);
  }

  private statusError(res: TransportResponse, code: string | undefined, what: string): ShipshapeError {
    const where =
      res.url.origin === this.base?.origin
        ? `registry ${this.domain}`
        : `${res.url.host} (redirected from ${this.domain})`;
    const retried = res.attempts > 1 ? ` after ${res.attempts} attempts` : "";
    if (res.status === 429) {
      return new ShipshapeError(
        "network",
        `${where} is rate-limiting requests (${statusText(429, code)}) for ${what}${retried}; try again later`,
      );
    }
    return new ShipshapeError(
      "network",
      `${where} answered ${statusText(res.status, code)} for ${what}${retried}`,
    );
  }

  /** Release connections. Idempotent; open blob streams are cut. */
  close(): void {
    this.transport.close();
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function verifyDigest(bytes: Uint8Array, digest: string, what: string, claimedBy = "its digest"): void {
  const { algorithm } = parseDigest(digest);
  const actual = digestOf(algorithm, bytes);
  if (actual !== digest) {
    throw new ShipshapeError(
      "integrity",
      `${what} does not match ${claimedBy} ${digest} (content is ${actual})`,
    );
  }
}
