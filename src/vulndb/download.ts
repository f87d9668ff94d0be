/**
 * One feed file over HTTP into a local file: a conditional GET (If-None-Match / If-Modified-Since
 * from the last update), streamed to disk with a byte budget, the body checked against its
 * Content-Length, and the whole download retried with backoff when the connection breaks mid-body
 * (the transport already retries connects and 429/5xx answers before the body).
 */
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import type http from "node:http";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { setTimeout as delay } from "node:timers/promises";
import { describeError, ShipshapeError } from "../errors.js";
import {
  backoffDelay,
  describeNetworkError,
  discardBody,
  type HttpTransport,
  NetworkFailure,
} from "../image/registry/transport.js";

/** What the server said about a version of a file, to ask "changed since?" next time. */
export interface Validators {
  etag: string | null;
  lastModified: string | null;
}

export interface DownloadRequest {
  url: URL;
  /** Where the body goes (created or replaced). */
  dest: string;
  /** Send a conditional request with these; a 304 then means "unchanged". */
  validators?: Validators | null;
  /** Refuse a body larger than this. */
  maxBytes: number;
  /** Called with each chunk's size, and once with the declared total when the response starts. */
  onStart?(total: number | null): void;
  onBytes?(bytes: number): void;
  signal?: AbortSignal;
}

export type DownloadResult =
  | { status: "downloaded"; bytes: number; validators: Validators; attempts: number }
  | { status: "not-modified"; attempts: number };

const header = (res: http.IncomingMessage, name: string): string | null => {
  const value = res.headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text === "" ? null : text;
};

/** A retryable failure while reading a body (reset, timeout, short body). */
class BodyFailure extends NetworkFailure {}

function statusProblem(status: number, res: http.IncomingMessage): string {
  const reason = res.statusMessage ? ` ${res.statusMessage}` : "";
  if (status === 404) return `HTTP 404${reason} (not on this server: check the URL or the mirror)`;
  if (status === 401 || status === 403) return `HTTP ${status}${reason} (the server refused access)`;
  return `HTTP ${status}${reason}`;
}

/**
 * Fetch `req.url` into `req.dest`. Throws a ShipshapeError naming the URL on any failure; the
 * partial file is removed.
 */
export async function downloadFile(transport: HttpTransport, req: DownloadRequest): Promise<DownloadResult> {
  const what = req.url.href;
  const headers: Record<string, string> = { accept: "*/*" };
  if (req.validators?.etag) headers["if-none-match"] = req.validators.etag;
  if (req.validators?.lastModified) headers["if-modified-since"] = req.validators.lastModified;
  let attempts = 0;
  for (let round = 0; ; round++) {
    const res = await transport.send({
      method: "GET",
      url: req.url,
      headers,
      what,
      ...(req.signal ? { signal: req.signal } : {}),
    });
    attempts += res.attempts;
    const after = attempts > 1 ? ` after ${attempts} attempts` : "";
    if (res.status === 304) {
      discardBody(res.body);
      if (!req.validators) {
        throw new ShipshapeError("network", `${what}: HTTP 304 to a request that was not conditional`);
      }
      return { status: "not-modified", attempts };
    }
    if (res.status !== 200) {
      discardBody(res.body);
      throw new ShipshapeError("network", `${what}: ${statusProblem(res.status, res.body)}${after}`);
    }
    try {
      const bytes = await receiveBody(res.body, req, what);
      return {
        status: "downloaded",
        bytes,
        attempts,
        validators: { etag: header(res.body, "etag"), lastModified: header(res.body, "last-modified") },
      };
    } catch (err) {
      await rm(req.dest, { force: true });
      if (req.signal?.aborted) throw err;
      if (!(err instanceof BodyFailure) || round >= transport.retries) {
        if (err instanceof ShipshapeError) {
          throw err instanceof BodyFailure && attempts > 1
            ? new ShipshapeError(err.kind, `${err.message} (after ${attempts} attempts)`, { cause: err })
            : err;
        }
        throw new ShipshapeError("network", `${what}: ${describeError(err)}`, { cause: err });
      }
      await delay(
        backoffDelay(round, transport.retryBaseDelayMs),
        undefined,
        req.signal ? { signal: req.signal } : undefined,
      );
    }
  }
}

async function receiveBody(res: http.IncomingMessage, req: DownloadRequest, what: string): Promise<number> {
  const declaredText = header(res, "content-length");
  const declared = declaredText !== null && /^\d+$/.test(declaredText) ? Number(declaredText) : null;
  if (declared !== null && declared > req.maxBytes) {
    res.destroy();
    throw new ShipshapeError(
      "limit",
      `${what}: the server announces ${declared} bytes, more than the ${req.maxBytes}-byte limit for one feed file`,
    );
  }
  req.onStart?.(declared);
  let received = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      received += chunk.length;
      if (received > req.maxBytes) {
        done(
          new ShipshapeError("limit", `${what}: more than the ${req.maxBytes}-byte limit for one feed file`),
        );
        return;
      }
      req.onBytes?.(chunk.length);
      done(null, chunk);
    },
  });
  try {
    await pipeline(res, counter, createWriteStream(req.dest));
  } catch (err) {
    if (err instanceof ShipshapeError && !(err instanceof NetworkFailure)) throw err;
    if (req.signal?.aborted) throw err;
    const failure = err instanceof NetworkFailure ? err : describeNetworkError(err, req.url.host);
    if (failure.retryable || (err as Error | undefined)?.message === "aborted") {
      throw new BodyFailure(
        `${what}: the connection broke after ${received}${declared !== null ? ` of ${declared}` : ""} bytes (${describeError(err)})`,
        true,
        err,
      );
    }
    // A local write failure (disk full, permissions) is not the server's fault: say so.
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    if (code && /^E(NOSPC|ACCES|PERM|ROFS|DQUOT|IO)$/.test(code)) {
      throw new ShipshapeError(
        "input",
        `cannot write ${req.dest} while downloading ${what}: ${describeError(err)}`,
      );
    }
    throw new BodyFailure(
      `${what}: reading the body failed after ${received} bytes (${describeError(err)})`,
      true,
      err,
    );
  }
  if (declared !== null && received !== declared) {
    throw new BodyFailure(`${what}: the body ended after ${received} of ${declared} bytes`, true);
  }
  return received;
}
