/**
 * Request matching: the shortcuts compileRequests takes (a glob's literal directory checked first,
 * only the parts a request has) must answer exactly what picomatch and the request's own test do.
 */
import { createRequire } from "node:module";
import fc from "fast-check";
import type picomatchType from "picomatch";
import { describe, expect, it } from "vitest";
import { compileRequests, type FileRequest } from "../../src/image/file-request.js";

const picomatch = createRequire(import.meta.url)("picomatch") as typeof picomatchType;

const GLOBS = [
  "/var/lib/dpkg/status.d/*",
  "/var/lib/dpkg/info/*.list",
  "/usr/share/doc/*/copyright",
  "/**/node_modules/*/package.json",
  "/usr/lib/{a,b}/x",
  "/etc/os-release",
  "/a/**",
];

describe("compileRequests", () => {
  it("matches globs exactly as picomatch does (paths without the leading slash, dot files included)", () => {
    const segment = fc.constantFrom(
      "var",
      "lib",
      "dpkg",
      "info",
      "status.d",
      "x.list",
      ".list",
      "usr",
      "share",
      "doc",
      "copyright",
      "node_modules",
      "package.json",
      "a",
      "b",
      "x",
      "etc",
      "os-release",
      ".hidden",
    );
    const path = fc.array(segment, { minLength: 1, maxLength: 6 }).map((parts) => `/${parts.join("/")}`);
    const requests: FileRequest[] = GLOBS.map((g, i) => ({ id: `r${i}`, version: "1", globs: [g] }));
    const compiled = compileRequests(requests, 1024);
    const reference = GLOBS.map((g) => picomatch(g.replace(/^\/+/, ""), { dot: true }));
    fc.assert(
      fc.property(path, (p) => {
        const got = compiled.matching(p, 0o644, 1).map((r) => r.id);
        const want = requests.filter((_, i) => reference[i]!(p.slice(1))).map((r) => r.id);
        expect(got).toEqual(want);
      }),
      { numRuns: 5000 },
    );
    // And the cases the prefix test exists for.
    expect(compiled.matching("/var/lib/dpkg/info/libc6.list", 0o644, 1).map((r) => r.id)).toEqual(["r1"]);
    expect(compiled.matching("/var/lib/dpkg/infox/libc6.list", 0o644, 1)).toEqual([]);
    expect(compiled.matching("/usr/share/doc/bash/copyright", 0o644, 1).map((r) => r.id)).toEqual(["r2"]);
  });

  it("combines exact paths, globs and a predicate; the plan keeps or analyzes by request", () => {
    const analyze = () => null;
    const requests: FileRequest[] = [
      { id: "exact", version: "1", paths: ["/etc/passwd"] },
      { id: "glob", version: "1", globs: ["/etc/*.conf"] },
      {
        id: "pred",
        version: "1",
        match: (_path, { mode }) => (mode & 0o111) !== 0,
        analyze,
        maxFileBytes: 10,
      },
      { id: "all", version: "1", paths: ["/bin/sh"], globs: ["/opt/**"], match: (p) => p.endsWith(".so") },
    ];
    const c = compileRequests(requests, 100);
    const ids = (p: string, mode = 0o644) => c.matching(p, mode, 1).map((r) => r.id);
    expect(ids("/etc/passwd")).toEqual(["exact"]);
    expect(ids("/etc/x.conf")).toEqual(["glob"]);
    expect(ids("/bin/sh", 0o755)).toEqual(["pred", "all"]);
    expect(ids("/opt/a/b")).toEqual(["all"]);
    expect(ids("/usr/lib/libc.so")).toEqual(["all"]);
    expect(ids("/usr/lib/libc.txt")).toEqual([]);
    expect(c.plan("/bin/sh", 0o755, 1)).toEqual({ cap: 100, keep: true, analyzers: [requests[2]] });
    expect(c.planOf(c.matching("/bin/sh", 0o755, 1))).toEqual(c.plan("/bin/sh", 0o755, 1));
    expect(c.plan("/usr/lib/libc.txt", 0o644, 1)).toBeNull();
  });
});
