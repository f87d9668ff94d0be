/**
 * HttpTransport on its own, against small loopback servers (HTTP and HTTPS with a throwaway CA):
 * redirect rules (no HTTPS→HTTP downgrade, no Authorization to other origins, bounded hops),
 * retry accounting, and the pure Retry-After / backoff helpers.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ShipshapeError } from "../../../src/errors.js";
import {
  backoffDelay,
  HttpTransport,
  parseRetryAfter,
  readBody,
} from "../../../src/image/registry/transport.js";
import { makeServerCertificate } from "../../helpers/registry.js";

let dir: string;
let caFile: string;
let secure: https.Server;
let plain: http.Server;
let secureHost: string;
let plainHost: string;
const plainSeen: http.IncomingHttpHeaders[] = [];
let resets = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "shipshape-transport-"));
  const tls = await makeServerCertificate(dir);
  caFile = tls.caFile;
  plain = http.createServer((req, res) => {
    if (req.url === "/reset") {
      resets++;
      req.socket.destroy();
      return;
    }
    if (req.url === "/loop") {
      res.writeHead(302, { location: "/loop" }).end();
      return;
    }
    plainSeen.push(req.headers);
    res.writeHead(200, { "content-type": "text/plain" }).end("plain");
  });
  await new Promise<void>((r) => plain.listen(0, "127.0.0.1", r));
  plainHost = `127.0.0.1:${(plain.address() as AddressInfo).port}`;
  secure = https.createServer(
    { cert: await readFile(tls.certFile), key: await readFile(tls.keyFile) },
    (req, res) => {
      if (req.url === "/to-http")
        res.writeHead(307, { location: `http://${plainHost}/storage?sig=abc` }).end();
      else res.writeHead(200).end("secure");
    },
  );
  await new Promise<void>((r) => secure.listen(0, "127.0.0.1", r));
  secureHost = `127.0.0.1:${(secure.address() as AddressInfo).port}`;
});

afterAll(async () => {
  secure?.closeAllConnections();
  plain?.closeAllConnections();
  await Promise.all([secure, plain].map((s) => new Promise<void>((r) => (s ? s.close(() => r()) : r()))));
  await rm(dir, { recursive: true, force: true });
});

async function body(transport: HttpTransport, url: string, headers: Record<string, string> = {}) {
  const res = await transport.send({ method: "GET", url: new URL(url), headers, what: "test document" });
  const bytes = await readBody(res.body, 1024, () => new ShipshapeError("limit", "too big"), res.url.host);
  return { status: res.status, text: bytes.toString("utf8"), url: res.url.href };
}

describe("HttpTransport redirects", () => {
  it("refuses an HTTPS → plain HTTP redirect unless the target is insecure-listed", async () => {
    const strict = await HttpTransport.create({ caFiles: [caFile] });
    const err = await strict
      .send({ method: "GET", url: new URL(`https://${secureHost}/to-http`), what: "blob x" })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ShipshapeError);
    expect(err.message).toBe(
      `blob x: ${secureHost} redirected to plain HTTP at ${plainHost}; refusing (add that host to --insecure to allow it)`,
    );
    expect(err.message).not.toContain("sig=abc");
    strict.close();

    const allowed = await HttpTransport.create({ caFiles: [caFile], insecure: [plainHost] });
    plainSeen.length = 0;
    const res = await body(allowed, `https://${secureHost}/to-http`, {
      authorization: "Bearer t0ken-for-registry-only",
    });
    expect(res).toMatchObject({ status: 200, text: "plain" });
    expect(plainSeen).toHaveLength(1);
    expect(plainSeen[0]?.authorization).toBeUndefined();
    allowed.close();
  });

  it("stops after ten redirects", async () => {
    const transport = await HttpTransport.create();
    const err = await transport
      .send({ method: "GET", url: new URL(`http://${plainHost}/loop`), what: "loop" })
      .catch((e) => e);
    expect(err.message).toBe(`loop: more than 10 redirects starting at ${plainHost}`);
    transport.close();
  });

  it("matches insecure entries by host:port, bare host name or pasted URL", async () => {
    const transport = await HttpTransport.create({
      insecure: ["Registry.Example.com:5000", "10.0.0.1", "http://h.example:81/"],
    });
    expect(transport.isInsecure("registry.example.com:5000")).toBe(true);
    expect(transport.isInsecure("registry.example.com:5001")).toBe(false);
    expect(transport.isInsecure("10.0.0.1:443")).toBe(true);
    expect(transport.isInsecure("h.example:81")).toBe(true);
    expect(transport.isInsecure("127.0.0.1:5000")).toBe(false);
    expect(transport.isInsecure("localhost:5000")).toBe(false);
    transport.close();
  });

  it("keeps the Authorization header on the same origin", async () => {
    const transport = await HttpTransport.create();
    plainSeen.length = 0;
    await body(transport, `http://${plainHost}/x`, { authorization: "Basic abc" });
    expect(plainSeen[0]?.authorization).toBe("Basic abc");
    transport.close();
  });
});

describe("HttpTransport retries", () => {
  it("retries resets a bounded number of times and says how many", async () => {
    const transport = await HttpTransport.create({ retries: 2, retryBaseDelayMs: 1 });
    resets = 0;
    const err = await transport
      .send({ method: "GET", url: new URL(`http://${plainHost}/reset`), what: "reset" })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ShipshapeError);
    expect(err.kind).toBe("network");
    expect(err.message).toBe(`connection to ${plainHost} failed: ECONNRESET (after 3 attempts)`);
    expect(resets).toBe(3);
    transport.close();
  });

  it("a closed transport refuses new requests", async () => {
    const transport = await HttpTransport.create();
    transport.close();
    await expect(
      transport.send({ method: "GET", url: new URL(`http://${plainHost}/x`), what: "late" }),
    ).rejects.toThrow("late: the registry session is closed");
  });
});

describe("Retry-After and backoff", () => {
  it("reads delta-seconds and HTTP dates", () => {
    expect(parseRetryAfter("3")).toBe(3000);
    expect(parseRetryAfter(["0"])).toBe(0);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:05 GMT", now)).toBe(5000);
    expect(parseRetryAfter("Wed, 31 Dec 2025 00:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter("-1")).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });

  it("grows exponentially with jitter inside [ceiling/2, ceiling], capped at 30 s", () => {
    for (let attempt = 0; attempt < 12; attempt++) {
      const ceiling = Math.min(30_000, 100 * 2 ** attempt);
      expect(backoffDelay(attempt, 100, () => 0)).toBe(Math.round(ceiling / 2));
      expect(backoffDelay(attempt, 100, () => 1)).toBe(ceiling);
    }
  });
});
