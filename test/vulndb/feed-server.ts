/**
 * A loopback HTTP server for `db update` tests: serves real feed payloads at the URL paths of their
 * public URLs (so `--mirror http://127.0.0.1:PORT` works), with strong ETags and Last-Modified, 304s
 * for conditional requests, a log of every request, and faults to inject per path: HTTP 500, a
 * connection cut mid-body, a truncated or corrupted body (with a matching Content-Length, so only the
 * importer can notice), or a first attempt that fails (to exercise retries).
 */
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";

export type Fault =
  | { kind: "status"; status: number; times?: number }
  | { kind: "cut"; afterBytes?: number; times?: number }
  | { kind: "truncate"; keepBytes?: number }
  | { kind: "corrupt" }
  | { kind: "stall" };

export interface Payload {
  /** The body (a real file's bytes, or bytes built from real files such as a zip of a directory). */
  body(): Buffer;
  /** Last-Modified (default: the time the route was added). */
  lastModified?: Date;
}

export interface LoggedRequest {
  path: string;
  status: number;
  conditional: boolean;
}

export function filePayload(path: string): Payload {
  return { body: () => readFileSync(path), lastModified: statSync(path).mtime };
}

export class FeedServer {
  readonly requests: LoggedRequest[] = [];
  private readonly routes = new Map<string, { payload: Payload; body?: Buffer; etag?: string; date: Date }>();
  private readonly faults = new Map<string, Fault & { used: number }>();
  private server: http.Server | null = null;
  private port = 0;
  /** Send ETag / Last-Modified (turn off to test servers that do not). */
  validators = { etag: true, lastModified: true };

  /** `path` is the public URL's path (and query), e.g. "/v3.19/main.json". */
  route(path: string, payload: Payload): this {
    // HTTP dates have whole seconds.
    const date = payload.lastModified ?? new Date();
    this.routes.set(path, { payload, date: new Date(Math.floor(date.getTime() / 1000) * 1000) });
    return this;
  }

  /** Replace a route's content (a new version upstream): new ETag and a later Last-Modified. */
  change(path: string, body: Buffer): void {
    const old = this.routes.get(path);
    if (!old) throw new Error(`no route ${path}`);
    this.routes.set(path, { payload: { body: () => body }, date: new Date(old.date.getTime() + 60_000) });
  }

  fault(path: string, fault: Fault): void {
    if (!this.routes.has(path)) throw new Error(`no route ${path} to inject a fault into`);
    this.faults.set(path, { ...fault, used: 0 });
  }

  clearFaults(): void {
    this.faults.clear();
  }

  get paths(): string[] {
    return [...this.routes.keys()];
  }

  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  count(path?: string, status?: number): number {
    return this.requests.filter(
      (r) => (path === undefined || r.path === path) && (status === undefined || r.status === status),
    ).length;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private entry(path: string) {
    const route = this.routes.get(path);
    if (!route) return null;
    if (!route.body) {
      route.body = route.payload.body();
      route.etag = `"${createHash("sha256").update(route.body).digest("hex").slice(0, 32)}"`;
    }
    return route as { body: Buffer; etag: string; date: Date };
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = req.url ?? "/";
    const conditional =
      req.headers["if-none-match"] !== undefined || req.headers["if-modified-since"] !== undefined;
    const log = (status: number) => this.requests.push({ path, status, conditional });
    const route = req.method === "GET" || req.method === "HEAD" ? this.entry(path) : null;
    if (!route) {
      log(404);
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    const fault = this.faults.get(path);
    const active = fault && (!("times" in fault) || fault.times === undefined || fault.used < fault.times);
    if (fault && active) fault.used++;
    if (fault && active && fault.kind === "status") {
      log(fault.status);
      res.writeHead(fault.status, { "content-type": "text/plain" }).end("injected failure\n");
      return;
    }
    const headers: http.OutgoingHttpHeaders = { "content-type": "application/octet-stream" };
    if (this.validators.etag) headers.etag = route.etag;
    if (this.validators.lastModified) headers["last-modified"] = route.date.toUTCString();
    const inm = req.headers["if-none-match"];
    const ims = req.headers["if-modified-since"];
    const notModified =
      inm !== undefined
        ? this.validators.etag && inm.split(",").some((t) => t.trim() === route.etag)
        : ims !== undefined && this.validators.lastModified && Date.parse(ims) >= route.date.getTime();
    if (notModified) {
      log(304);
      res.writeHead(304, headers).end();
      return;
    }
    log(200);
    let body = route.body;
    if (fault && active && fault.kind === "truncate")
      body = body.subarray(0, fault.keepBytes ?? Math.floor(body.length / 2));
    if (fault && active && fault.kind === "corrupt") {
      body = Buffer.from(body);
      for (let i = 0; i < body.length; i += 7) body[i] = body[i]! ^ 0x5a;
    }
    headers["content-length"] = body.length;
    res.writeHead(200, headers);
    if (req.method === "HEAD") {
      res.end();
      return;
    }
    if (fault && active && fault.kind === "cut") {
      const keep = Math.min(fault.afterBytes ?? Math.floor(body.length / 2), body.length - 1);
      res.write(body.subarray(0, keep), () => {
        // Let the bytes leave, then drop the connection: the client sees a short body.
        setTimeout(() => res.socket?.destroy(), 20);
      });
      return;
    }
    if (fault && active && fault.kind === "stall") {
      res.write(body.subarray(0, Math.min(100, body.length)));
      return; // never finishes: the client's idle timeout must fire
    }
    res.end(body);
  }
}
