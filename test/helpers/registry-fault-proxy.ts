/**
 * A loopback HTTP proxy in front of a real test registry that misbehaves on purpose: it answers
 * chosen requests with 429 (+ Retry-After) or 503, resets or stalls connections, serves canned
 * documents, and (like registries backed by S3) answers blob GETs with a 307 to a second loopback
 * "storage" server, which records the headers it receives and streams the blob from the registry.
 */
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { TestRegistry } from "./registry.js";

export type FaultAction =
  | { kind: "status"; status: number; retryAfter?: string }
  | { kind: "reset" }
  | { kind: "hang" }
  | { kind: "respond"; status: number; headers: Record<string, string>; body: string };

export interface FaultRule {
  /** Which requests: a predicate on method and path (query stripped). */
  match: (method: string, path: string) => boolean;
  action: FaultAction;
  /** How many matching requests to hit; the rule is spent afterwards. */
  times: number;
}

export interface SeenRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** What the proxy did: "forwarded", "redirected", or the fault kind/status. */
  outcome: string;
  at: number;
}

export interface FaultProxy {
  host: string;
  /** Host of the storage server blob GETs are redirected to. */
  storageHost: string;
  rules: FaultRule[];
  /** Redirect successful blob GETs to the storage server. */
  redirectBlobs: boolean;
  seen: SeenRequest[];
  storageSeen: SeenRequest[];
  stop(): Promise<void>;
}

const BLOB_PATH = /^\/v2\/(.+)\/blobs\/(sha256:[a-f0-9]{64})$/;

export async function startFaultProxy(
  registry: TestRegistry,
  upstreamAuthorization?: string,
): Promise<FaultProxy> {
  const upstream = new URL(registry.origin);
  const sockets = new Set<Socket>();
  const state = {
    rules: [] as FaultRule[],
    redirectBlobs: false,
    seen: [] as SeenRequest[],
    storageSeen: [] as SeenRequest[],
  };

  const forward = (
    method: string,
    path: string,
    headers: http.IncomingHttpHeaders,
    onResponse: (res: http.IncomingMessage) => void,
    onError: (err: Error) => void,
  ) => {
    const req = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method,
        path,
        headers: { ...headers, host: upstream.host },
      },
      onResponse,
    );
    req.on("error", onError);
    req.end();
  };

  const storage = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://storage");
    state.storageSeen.push({
      method: req.method ?? "",
      path: url.pathname,
      headers: req.headers,
      outcome: "served",
      at: Date.now(),
    });
    const repo = url.searchParams.get("repo") ?? "";
    const digest = url.pathname.replace(/^\/blobs\//, "");
    const headers: http.IncomingHttpHeaders = upstreamAuthorization
      ? { authorization: upstreamAuthorization }
      : {};
    forward(
      "GET",
      `/v2/${repo}/blobs/${digest}`,
      headers,
      (up) => {
        res.writeHead(up.statusCode ?? 502, {
          "content-type": "application/octet-stream",
          ...(up.headers["content-length"] ? { "content-length": up.headers["content-length"] } : {}),
        });
        up.pipe(res);
      },
      () => res.writeHead(502).end(),
    );
  });

  const proxy = http.createServer((req, res) => {
    const method = req.method ?? "GET";
    const path = (req.url ?? "/").split("?")[0]!;
    const record: SeenRequest = { method, path, headers: req.headers, outcome: "forwarded", at: Date.now() };
    state.seen.push(record);
    const rule = state.rules.find((r) => r.times > 0 && r.match(method, path));
    if (rule) {
      rule.times--;
      const action = rule.action;
      switch (action.kind) {
        case "status":
          record.outcome = String(action.status);
          res
            .writeHead(action.status, {
              "content-type": "application/json",
              ...(action.retryAfter !== undefined ? { "retry-after": action.retryAfter } : {}),
            })
            .end(
              JSON.stringify({
                errors: [
                  { code: action.status === 429 ? "TOOMANYREQUESTS" : "UNAVAILABLE", message: "injected" },
                ],
              }),
            );
          return;
        case "reset":
          record.outcome = "reset";
          req.socket.destroy();
          return;
        case "hang":
          record.outcome = "hang";
          return; // never answer; stop() cuts the socket
        case "respond":
          record.outcome = `respond ${action.status}`;
          res.writeHead(action.status, action.headers).end(action.body);
          return;
      }
    }
    const blob = BLOB_PATH.exec(path);
    forward(
      method,
      req.url ?? "/",
      req.headers,
      (up) => {
        if (blob && state.redirectBlobs && method === "GET" && up.statusCode === 200) {
          // The registry accepted the request (auth included); send the client to storage instead.
          up.destroy();
          record.outcome = "redirected";
          const location = `http://${storageHost}/blobs/${blob[2]}?repo=${encodeURIComponent(blob[1]!)}&signature=s3cr3t-presigned`;
          res.writeHead(307, { location, "content-length": "0" }).end();
          return;
        }
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
      () => {
        record.outcome = "upstream-error";
        res.writeHead(502).end();
      },
    );
  });

  for (const server of [proxy, storage]) {
    server.on("connection", (socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    });
  }
  await new Promise<void>((resolve) => storage.listen(0, "127.0.0.1", resolve));
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const storageHost = `127.0.0.1:${(storage.address() as AddressInfo).port}`;
  const result = state as FaultProxy;
  result.host = `127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  result.storageHost = storageHost;
  result.stop = async () => {
    for (const socket of sockets) socket.destroy();
    await Promise.all([proxy, storage].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  };
  return result;
}
