/**
 * The pieces under `db update`: one download against a real loopback server serving a real feed file
 * (conditional requests, 304, retries after 500s and broken connections, truncation caught by
 * Content-Length, idle timeouts, byte limits), mirror URL rewriting and the FeedState validators.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { HttpTransport } from "../../src/image/registry/transport.js";
import { downloadFile } from "../../src/vulndb/download.js";
import { baseFor, loadMirrorConfig, parseMirrorBase, rewriteUrl } from "../../src/vulndb/mirror.js";
import { decodeValidators, encodeValidators, originOf } from "../../src/vulndb/update.js";
import { dataPath } from "../helpers/shared.js";
import { FeedServer, filePayload } from "./feed-server.js";

const KEV = dataPath("vuln", "feeds", "cisa-kev", "known_exploited_vulnerabilities.json");
const KEV_PATH = "/sites/default/files/feeds/known_exploited_vulnerabilities.json";
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

const tmp = mkdtempSync(join(tmpdir(), "shipshape-download-"));
const server = new FeedServer().route(KEV_PATH, filePayload(KEV));
let transport: HttpTransport;

beforeAll(async () => {
  await server.start();
  transport = await HttpTransport.create({ retries: 2, retryBaseDelayMs: 5, timeoutMs: 2000 });
});
afterAll(async () => {
  transport.close();
  await server.stop();
  rmSync(tmp, { recursive: true, force: true });
});
beforeEach(() => {
  server.clearFaults();
  server.requests.length = 0;
});

const url = () => new URL(`${server.base}${KEV_PATH}`);
const dest = join(tmp, "kev.json");

describe("downloadFile", () => {
  it("fetches the file byte for byte and returns the server's validators", async () => {
    const r = await downloadFile(transport, { url: url(), dest, maxBytes: 1e9 });
    expect(r.status).toBe("downloaded");
    if (r.status !== "downloaded") return;
    expect(sha(readFileSync(dest))).toBe(sha(readFileSync(KEV)));
    expect(r.bytes).toBe(readFileSync(KEV).length);
    expect(r.validators.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(Date.parse(r.validators.lastModified ?? "")).not.toBeNaN();

    // The same validators make the next request conditional: 304, nothing written.
    rmSync(dest);
    const again = await downloadFile(transport, {
      url: url(),
      dest,
      maxBytes: 1e9,
      validators: r.validators,
    });
    expect(again.status).toBe("not-modified");
    expect(existsSync(dest)).toBe(false);
    expect(server.requests.at(-1)).toEqual({ path: KEV_PATH, status: 304, conditional: true });
  });

  it("honours If-Modified-Since alone when the server sends no ETag", async () => {
    server.validators.etag = false;
    try {
      const r = await downloadFile(transport, { url: url(), dest, maxBytes: 1e9 });
      expect(r.status === "downloaded" && r.validators.etag).toBe(null);
      const v = r.status === "downloaded" ? r.validators : null;
      expect((await downloadFile(transport, { url: url(), dest, maxBytes: 1e9, validators: v })).status).toBe(
        "not-modified",
      );
    } finally {
      server.validators.etag = true;
    }
  });

  it("retries a 500 and a connection cut mid-body, then succeeds", async () => {
    server.fault(KEV_PATH, { kind: "status", status: 500, times: 1 });
    const a = await downloadFile(transport, { url: url(), dest, maxBytes: 1e9 });
    expect(a.status).toBe("downloaded");
    expect(a.attempts).toBe(2);
    server.fault(KEV_PATH, { kind: "cut", times: 1 });
    const b = await downloadFile(transport, { url: url(), dest, maxBytes: 1e9 });
    expect(b.status).toBe("downloaded");
    expect(server.count(KEV_PATH, 200)).toBe(3);
    expect(sha(readFileSync(dest))).toBe(sha(readFileSync(KEV)));
  });

  it("gives up with one line naming the URL; no partial file is left", async () => {
    server.fault(KEV_PATH, { kind: "status", status: 500 });
    await expect(downloadFile(transport, { url: url(), dest, maxBytes: 1e9 })).rejects.toThrow(
      new RegExp(`^${url().href.replace(/[.?]/g, "\\$&")}: HTTP 500 .*after 3 attempts`),
    );
    server.fault(KEV_PATH, { kind: "cut" });
    rmSync(dest, { force: true });
    const err = await downloadFile(transport, { url: url(), dest, maxBytes: 1e9 }).catch((e: Error) => e);
    expect(String(err)).toMatch(/connection broke after \d+ of \d+ bytes.*after 3 attempts/);
    expect(String(err)).toContain(url().href);
    expect(existsSync(dest)).toBe(false);
  });

  it("a 404 is not retried and says so", async () => {
    const missing = new URL(`${server.base}/nope.json`);
    await expect(downloadFile(transport, { url: missing, dest, maxBytes: 1e9 })).rejects.toThrow(
      /nope\.json: HTTP 404 .*mirror/,
    );
    expect(server.count("/nope.json")).toBe(1);
  });

  it("stops a body over the byte limit, declared or not", async () => {
    await expect(downloadFile(transport, { url: url(), dest, maxBytes: 1000 })).rejects.toThrow(
      /announces \d+ bytes, more than the 1000-byte limit/,
    );
    expect(existsSync(dest)).toBe(false);
  });

  it("times out a server that stops sending", async () => {
    const quick = await HttpTransport.create({ retries: 0, timeoutMs: 300 });
    try {
      server.fault(KEV_PATH, { kind: "stall" });
      await expect(downloadFile(quick, { url: url(), dest, maxBytes: 1e9 })).rejects.toThrow(
        /timed out after 300 ms/,
      );
    } finally {
      quick.close();
    }
  });
});

describe("mirror URLs", () => {
  it("replace scheme and host, keep path and query, and prefix the mirror's own path", () => {
    const base = parseMirrorBase("http://127.0.0.1:8080/mirror/", "--mirror");
    expect(rewriteUrl("https://secdb.alpinelinux.org/v3.19/main.json", base).href).toBe(
      "http://127.0.0.1:8080/mirror/v3.19/main.json",
    );
    expect(rewriteUrl("https://services.nvd.nist.gov/rest/json/cves/2.0?startIndex=0", base).href).toBe(
      "http://127.0.0.1:8080/mirror/rest/json/cves/2.0?startIndex=0",
    );
    expect(rewriteUrl("https://x.example/a/b", null).href).toBe("https://x.example/a/b");
  });

  it("per-feed bases win over the global mirror; bad bases are usage errors", () => {
    const settings = { base: "http://a.example", feeds: { kev: "http://b.example/k" } };
    expect(baseFor("kev", settings)?.href).toBe("http://b.example/k");
    expect(baseFor("osv-go", settings)?.href).toBe("http://a.example/");
    expect(baseFor("osv-go", undefined)).toBe(null);
    expect(() => parseMirrorBase("ftp://x", "--mirror")).toThrow(/must be an http/);
    expect(() => parseMirrorBase("http://u:p@x", "--mirror")).toThrow(/credentials/);
    expect(() => parseMirrorBase("not a url", "--mirror")).toThrow(/is not a URL/);
  });

  it("reads a mirror config file and refuses unknown keys", () => {
    const good = join(tmp, "mirror.json");
    writeFileSync(good, JSON.stringify({ mirror: "http://m.example", feeds: { kev: "http://k.example" } }));
    expect(loadMirrorConfig(good)).toEqual({ base: "http://m.example", feeds: { kev: "http://k.example" } });
    const bad = join(tmp, "bad.json");
    writeFileSync(bad, JSON.stringify({ mirrors: "http://m.example" }));
    expect(() => loadMirrorConfig(bad)).toThrow(/mirror config .*bad\.json is malformed/);
    writeFileSync(bad, "{");
    expect(() => loadMirrorConfig(bad)).toThrow(/not valid JSON/);
  });

  it("rewriting keeps the path of any URL (property)", () => {
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true }), (u) => {
        const base = parseMirrorBase("http://127.0.0.1:1/m", "--mirror");
        const original = new URL(u);
        const out = rewriteUrl(u, base);
        expect(out.origin).toBe("http://127.0.0.1:1");
        expect(out.pathname).toBe(`/m${original.pathname}`);
        expect(out.search).toBe(original.search);
      }),
      { numRuns: 300 },
    );
  });
});

describe("FeedState validators", () => {
  const state = (origin: string, etag: string | null, lastModified: string | null) => ({
    feed: "f",
    origin,
    importedAt: "2024-01-01T00:00:00Z",
    dataDate: null,
    etag,
    lastModified,
    records: 1,
  });

  it("one download: stored as sent, reused only for the same URL", () => {
    const u = [new URL("http://a.example/x.json")];
    const enc = encodeValidators(u, [{ etag: '"e1"', lastModified: "Mon, 01 Jan 2024 00:00:00 GMT" }]);
    expect(enc).toEqual({ etag: '"e1"', lastModified: "Mon, 01 Jan 2024 00:00:00 GMT" });
    expect(decodeValidators(state(originOf(u), enc.etag, enc.lastModified), u)).toEqual([
      { etag: '"e1"', lastModified: "Mon, 01 Jan 2024 00:00:00 GMT" },
    ]);
    expect(decodeValidators(state("http://mirror.example/x.json", enc.etag, null), u)).toEqual([null]);
    expect(decodeValidators(null, u)).toEqual([null]);
  });

  it("several downloads: a JSON map by URL round-trips; garbage decodes to none", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.webUrl(), { minLength: 2, maxLength: 5, selector: (s) => new URL(s).href }),
        fc.array(fc.option(fc.string({ minLength: 1 }), { nil: null }), { minLength: 5, maxLength: 5 }),
        (urls, tags) => {
          const us = urls.map((x) => new URL(x));
          const vs = us.map((_, i) => ({ etag: tags[i] ?? null, lastModified: null }));
          const enc = encodeValidators(us, vs);
          const dec = decodeValidators(state(originOf(us), enc.etag, enc.lastModified), us);
          expect(dec).toEqual(vs.map((v) => (v.etag ? v : null)));
        },
      ),
      { numRuns: 200 },
    );
    const us = [new URL("http://a/1"), new URL("http://a/2")];
    expect(decodeValidators(state("x", "not json", "[1]"), us)).toEqual([null, null]);
  });
});
