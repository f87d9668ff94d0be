/**
 * HTTP for one registry session, on node:http/node:https with keep-alive agents: custom CAs,
 * explicit insecure hosts, redirects that never carry the Authorization header to another origin,
 * bounded retries with exponential backoff and jitter (honouring Retry-After), per-request idle
 * timeouts and AbortSignal. It knows nothing about registries' APIs; client.ts does.
 */
import { readFile } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import { setTimeout as delay } from "node:timers/promises";
import { rootCertificates } from "node:tls";
import { describeError, type ErrorKind, ShipshapeError } from "../../errors.js";

export interface TransportOptions {
  /** Plain HTTP (and unverified TLS) for these hosts (`host[:port]`), or for all when true. */
  insecure?: boolean | string[];
  caFiles?: string[];
  retries?: number;
  retryBaseDelayMs?: number;
  timeoutMs?: number;
  userAgent?: string;
}

export interface TransportRequest {
  method: "GET" | "HEAD" | "POST";
  url: URL;
  /** Lower-case header names. `authorization` is only ever sent to `url`'s own origin. */
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /** What is being fetched, for messages (`manifest of 127.0.0.1:5000/foo:bar`). */
  what: string;
}

export interface TransportResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The URL that answered, after redirects. */
  url: URL;
  body: http.IncomingMessage;
  /** How many attempts were made (1 = no retry). */
  attempts: number;
}

export const DEFAULT_RETRIES = 4;
export const DEFAULT_RETRY_BASE_DELAY_MS = 500;
export const DEFAULT_TIMEOUT_MS = 60_000;
const MAX_REDIRECTS = 10;
/** The longest Retry-After we sit out; a server asking for more gets its error reported instead. */
const MAX_RETRY_AFTER_MS = 60_000;
const MAX_BACKOFF_MS = 30_000;
const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const REDIRECT_STATUS = new Set([301, 302, 303, 307, 308]);

/** A failure below HTTP (connect, TLS, reset, timeout) with a user-facing message. */
export class NetworkFailure extends ShipshapeError {
  readonly retryable: boolean;
  constructor(message: string, retryable: boolean, cause?: unknown, kind: ErrorKind = "network") {
    super(kind, message, { cause });
    this.retryable = retryable;
  }
}

const UNTRUSTED_CERT = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_UNTRUSTED",
  "CERT_SIGNATURE_FAILURE",
  "CERT_CHAIN_TOO_LONG",
]);
const RETRYABLE_CODES = new Set([
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "ECONNABORTED",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
]);
const CONNECT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL"]);

const TLS_HINT = "pass the registry's CA certificate with --ca-file, or use --insecure to skip verification";

/** One line for a socket/TLS error, naming the host and the flag that fixes it. */
export function describeNetworkError(err: unknown, host: string): NetworkFailure {
  if (err instanceof NetworkFailure) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? "";
  const message = err instanceof Error ? err.message : String(err);
  if (UNTRUSTED_CERT.has(code)) {
    return new NetworkFailure(`TLS certificate of ${host} is not trusted (${code}): ${TLS_HINT}`, false, err);
  }
  if (code === "CERT_HAS_EXPIRED" || code === "CERT_NOT_YET_VALID") {
    return new NetworkFailure(`TLS certificate of ${host} is not valid at this time (${code})`, false, err);
  }
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") {
    return new NetworkFailure(
      `TLS certificate of ${host} does not name that host (${code}): ${TLS_HINT}`,
      false,
      err,
    );
  }
  if (
    code === "EPROTO" ||
    code.startsWith("ERR_SSL_") ||
    /wrong version number|ssl3_get_record/i.test(message)
  ) {
    return new NetworkFailure(
      `TLS handshake with ${host} failed (${code || "EPROTO"}): if the registry serves plain HTTP, use --insecure; if it uses a private CA, pass it with --ca-file`,
      false,
      err,
    );
  }
  if (CONNECT_CODES.has(code)) return new NetworkFailure(`cannot connect to ${host}: ${code}`, false, err);
  if (RETRYABLE_CODES.has(code) || message === "socket hang up") {
    return new NetworkFailure(`connection to ${host} failed: ${code || message}`, true, err);
  }
  return new NetworkFailure(`request to ${host} failed: ${describeError(err)}`, false, err);
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date; undefined when absent or garbled. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (/^\d{1,9}$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP date names its day or month; Date.parse alone would also take "-1" as a year.
  if (!/[A-Za-z]{3}/.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Exponential backoff with "equal jitter": half fixed, half random, so retries spread out. */
export function backoffDelay(attempt: number, baseMs: number, random = Math.random): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** attempt);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Let go of a body we will not read: drain a small one (keeps the connection), drop a big one. */
export function discardBody(res: http.IncomingMessage): void {
  const length = Number(res.headers["content-length"] ?? Number.NaN);
  if (Number.isFinite(length) && length <= 64 * 1024) res.resume();
  else res.destroy();
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("This operation was aborted", "AbortError");
}

export class HttpTransport {
  readonly retries: number;
  readonly retryBaseDelayMs: number;
  readonly timeoutMs: number;
  private readonly userAgent: string;
  private readonly insecure: boolean | Set<string>;
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private closed = false;

  private constructor(options: TransportOptions, ca: string[] | undefined) {
    this.retries = Math.max(0, Math.floor(options.retries ?? DEFAULT_RETRIES));
    this.retryBaseDelayMs = Math.max(0, options.retryBaseDelayMs ?? DEFAULT_RETRY_BASE_DELAY_MS);
    this.timeoutMs = Math.max(1, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    this.userAgent = options.userAgent ?? "shipshape";
    const insecure = options.insecure ?? false;
    // Entries are hosts (`name[:port]`); a pasted URL (`http://host:5000/`) means its host.
    this.insecure =
      typeof insecure === "boolean"
        ? insecure
        : new Set(
            insecure.map((h) =>
              h
                .trim()
                .toLowerCase()
                .replace(/^[a-z]+:\/\//, "")
                .replace(/\/.*$/, ""),
            ),
          );
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    // Extra CAs are added to Node's roots (and NODE_EXTRA_CA_CERTS), not substituted for them.
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 8, ...(ca ? { ca } : {}) });
  }

  static async create(options: TransportOptions = {}): Promise<HttpTransport> {
    let ca: string[] | undefined;
    if (options.caFiles && options.caFiles.length > 0) {
      ca = [...rootCertificates];
      for (const file of options.caFiles) ca.push(await readCaFile(file));
    }
    return new HttpTransport(options, ca);
  }

  /** Is `host` (`name[:port]`) allowed plain HTTP and unverified TLS? */
  isInsecure(host: string): boolean {
    if (typeof this.insecure === "boolean") return this.insecure;
    const h = host.toLowerCase();
    if (this.insecure.has(h)) return true;
    const name = h.startsWith("[") ? h.slice(0, h.indexOf("]") + 1) : h.replace(/:\d+$/, "");
    return this.insecure.has(name);
  }

  /**
   * Send with redirects and retries. Retryable statuses that persist past the retry budget are
   * returned (the caller words the error); network failures become ShipshapeErrors.
   */
  async send(req: TransportRequest): Promise<TransportResponse> {
    for (let attempt = 0; ; attempt++) {
      if (req.signal?.aborted) throw abortReason(req.signal);
      let wait: number;
      try {
        const res = await this.followRedirects(req);
        if (!RETRYABLE_STATUS.has(res.status) || attempt >= this.retries)
          return { ...res, attempts: attempt + 1 };
        const retryAfter = parseRetryAfter(res.headers["retry-after"]);
        if (retryAfter !== undefined && retryAfter > MAX_RETRY_AFTER_MS)
          return { ...res, attempts: attempt + 1 };
        discardBody(res.body);
        wait = Math.max(retryAfter ?? 0, backoffDelay(attempt, this.retryBaseDelayMs));
      } catch (err) {
        if (req.signal?.aborted) throw abortReason(req.signal);
        if (!(err instanceof NetworkFailure) || !err.retryable || attempt >= this.retries) {
          if (err instanceof NetworkFailure && err.retryable && attempt > 0) {
            throw new ShipshapeError(err.kind, `${err.message} (after ${attempt + 1} attempts)`, {
              cause: err,
            });
          }
          throw err;
        }
        wait = backoffDelay(attempt, this.retryBaseDelayMs);
      }
      try {
        await delay(wait, undefined, req.signal ? { signal: req.signal } : undefined);
      } catch (err) {
        if (req.signal?.aborted) throw abortReason(req.signal);
        throw err;
      }
    }
  }

  private async followRedirects(req: TransportRequest): Promise<Omit<TransportResponse, "attempts">> {
    const origin = req.url.origin;
    let url = req.url;
    let method = req.method;
    let body = req.body;
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = { "user-agent": this.userAgent, ...req.headers };
      // Credentials belong to the registry: a redirect to blob storage elsewhere must not see them.
      if (url.origin !== origin) delete headers.authorization;
      const res = await this.sendOnce(method, url, headers, body, req.signal, req.what);
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (!REDIRECT_STATUS.has(status) || !location) return { status, headers: res.headers, url, body: res };
      discardBody(res);
      if (hop >= MAX_REDIRECTS) {
        throw new NetworkFailure(
          `${req.what}: more than ${MAX_REDIRECTS} redirects starting at ${req.url.host}`,
          false,
        );
      }
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new NetworkFailure(`${req.what}: ${url.host} redirected to an invalid location`, false);
      }
      if (next.protocol !== "https:" && next.protocol !== "http:") {
        throw new NetworkFailure(
          `${req.what}: ${url.host} redirected to an unsupported ${next.protocol} URL`,
          false,
        );
      }
      if (url.protocol === "https:" && next.protocol === "http:" && !this.isInsecure(next.host)) {
        throw new NetworkFailure(
          `${req.what}: ${url.host} redirected to plain HTTP at ${next.host}; refusing (add that host to --insecure to allow it)`,
          false,
        );
      }
      if (status === 303 || ((status === 301 || status === 302) && method === "POST")) {
        method = "GET";
        body = undefined;
        delete headers["content-type"];
      }
      url = next;
    }
  }

  private sendOnce(
    method: string,
    url: URL,
    headers: Record<string, string>,
    body: string | undefined,
    signal: AbortSignal | undefined,
    what: string,
  ): Promise<http.IncomingMessage> {
    if (this.closed)
      return Promise.reject(new ShipshapeError("network", `${what}: the registry session is closed`));
    const secure = url.protocol === "https:";
    const options: https.RequestOptions = {
      method,
      headers:
        body === undefined ? headers : { ...headers, "content-length": String(Buffer.byteLength(body)) },
      agent: secure ? this.httpsAgent : this.httpAgent,
      // An idle timeout: it fires when neither headers nor body bytes arrive for this long.
      timeout: this.timeoutMs,
      ...(signal ? { signal } : {}),
      ...(secure && this.isInsecure(url.host) ? { rejectUnauthorized: false } : {}),
    };
    return new Promise((resolve, reject) => {
      let response: http.IncomingMessage | undefined;
      const req = (secure ? https : http).request(url, options, (res) => {
        response = res;
        resolve(res);
      });
      req.on("timeout", () => {
        const phase = response ? "reading" : "waiting for";
        const err = new NetworkFailure(
          `${phase} ${what} from ${url.host} timed out after ${this.timeoutMs} ms without data`,
          true,
        );
        if (response) response.destroy(err);
        else req.destroy(err);
      });
      req.on("error", (err) => {
        if (!response) reject(signal?.aborted ? abortReason(signal) : describeNetworkError(err, url.host));
      });
      req.end(body);
    });
  }

  /** Close idle and active connections. Idempotent. */
  close(): void {
    this.closed = true;
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

async function readCaFile(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new ShipshapeError(
      "usage",
      `cannot read CA file ${path}: ${(err as NodeJS.ErrnoException).code ?? describeError(err)}`,
    );
  }
  if (!text.includes("-----BEGIN CERTIFICATE-----")) {
    throw new ShipshapeError(
      "usage",
      `CA file ${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
    );
  }
  return text;
}

/**
 * Read a whole (small) body, refusing more than `maxBytes` before buffering it: the Content-Length
 * is checked first, then the running total.
 */
export async function readBody(
  res: http.IncomingMessage,
  maxBytes: number,
  tooLarge: (bytes: number) => ShipshapeError,
  host: string,
): Promise<Buffer> {
  const declared = Number(res.headers["content-length"] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    res.destroy();
    throw tooLarge(declared);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > maxBytes) {
        res.destroy();
        throw tooLarge(total);
      }
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof ShipshapeError || (err as Error | undefined)?.name === "AbortError") throw err;
    throw describeNetworkError(err, host);
  }
  return Buffer.concat(chunks, total);
}
