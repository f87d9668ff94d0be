/**
 * Hostile and corrupt images through the real CLI: a one-line error naming the input, exit code 2,
 * no stack trace, bounded memory, nothing left in the temp dir. Escape fixtures read normally and
 * never reach outside the image root.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { fixturePath } from "../helpers/shared.js";

const tmp = mkdtempSync(join(tmpdir(), "shipshape-hostile-"));
const spool = join(tmp, "spool");
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function refFor(path: string): string {
  if (path.endsWith(".docker.tar")) return `docker-archive:${path}`;
  if (path.endsWith(".oci")) return `oci:${path}`;
  if (path.endsWith(".oci.tar")) return `oci-archive:${path}`;
  return `docker-archive:${path}`;
}

function inspect(ref: string, extra: string[] = [], measureMemory = false) {
  rmSync(spool, { recursive: true, force: true });
  readdirSync(tmp); // the spool dir is recreated by the CLI if needed
  const r = runCli(["inspect", "--no-cache", "--tmp-dir", tmp, "--format", "json", ...extra, ref], {
    measureMemory,
  });
  return r;
}

function expectOneLineError(r: ReturnType<typeof runCli>, file: string, pattern?: RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe("");
  const lines = r.stderr.trimEnd().split("\n");
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^shipshape: /);
  expect(lines[0]).not.toMatch(/internal error|\bat .*\.js:\d+/);
  expect(lines[0]).toContain(basename(file));
  if (pattern) expect(lines[0]).toMatch(pattern);
  // Nothing left behind in the temp area.
  expect(readdirSync(tmp)).toEqual([]);
}

const corruptNotes: Record<string, RegExp> = {
  "truncated-gzip.oci.tar": /layer 1 .*unexpected end of gzip stream/,
  "digest-mismatch.oci.tar":
    /layer 1 .*digest mismatch: expected sha256:6fdb0fc5fef103ae69bde11ac37ba7d652fda164400509d4e0a6341e31353d4e, got sha256:57edfc848cb7abe0c28e883a9ab6228d7db47fdf9635b1573b303ca6f6b8f439/,
  "diffid-mismatch.oci.tar":
    /layer 1 .*diff_id: expected sha256:a3e234231d4e3dbc179de74515d4bb3905e427bfe2587cab0be47dd85cb67f4e, got sha256:d42c1731d5c46b02a4a21e3e7d83bf739698a74488f53b5211e337f6ba121572/,
  "gzip-bomb.oci.tar": /layer 1 .*(per-file limit|decompression bomb)/,
  "invalid-index-json.oci.tar": /index\.json is not valid JSON/,
  "invalid-manifest-json.oci.tar": /manifest .*is not valid JSON/,
  "invalid-manifest-json.docker.tar": /manifest\.json is not valid JSON/,
  "missing-layer.docker.tar":
    /0ccc494e864a502338494ee18f96d98d59a7737a7d4a53a567110bf2871f2346\.tar.*not .*in the archive|not found/,
  "huge-declared-size.oci.tar": /layer 1 .*(huge\.bin|unexpected end of tar)/,
};

describe("hostile/corrupt (made for shipshape)", () => {
  const dir = fixturePath("hostile", "corrupt");
  it.each(readdirSync(dir))("%s is refused with a clear one-line error", (file) => {
    const path = join(dir, file);
    const r = inspect(refFor(path), [], file === "gzip-bomb.oci.tar");
    expectOneLineError(r, path, corruptNotes[file]);
    if (r.maxRssKiB !== undefined) expect(r.maxRssKiB).toBeLessThan(200 * 1024);
  });
});

describe("the decompression bomb past the per-file limit", () => {
  it("is stopped by the compression-ratio limit, in bounded memory", () => {
    const path = fixturePath("hostile", "corrupt", "gzip-bomb.oci.tar");
    const r = inspect(`oci-archive:${path}`, ["--max-file-size", "16GiB"], true);
    expectOneLineError(
      r,
      path,
      /layer 1 .*decompression bomb: .* \(ratio above 200; raise --max-compression-ratio/,
    );
    expect(r.maxRssKiB).toBeLessThan(200 * 1024);
  });

  it("is stopped by the per-layer limit when that is lower", () => {
    const path = fixturePath("hostile", "corrupt", "gzip-bomb.oci.tar");
    const r = inspect(`oci-archive:${path}`, ["--max-file-size", "16GiB", "--max-layer-size", "64MiB"]);
    expectOneLineError(r, path, /layer 1 .*expands past 64 MiB uncompressed, the per-layer limit/);
  });
});

describe("hostile-real/corrupt (from other tools' suites)", () => {
  const dir = fixturePath("hostile-real", "corrupt");
  it.each(readdirSync(dir))("%s is refused with a clear one-line error", (file) => {
    const path = join(dir, file);
    expectOneLineError(inspect(refFor(path)), path);
  });
});

/**
 * What each escape case becomes. path-traversal: ../../etc/evil is clamped to /etc/evil (said so).
 * absolute-path: /etc/evil2 is /etc/evil2 in the image, as Docker and containerd read it (not an
 * escape, so no warning). Layer 1 of path-traversal also adds etc/app.conf. symlink-escape: /tmp/pwned and /tmp/pwned2 land in the image's /tmp, as
 * containerd resolves them. hardlink-escape: links to /etc/shadow, which the image lacks, are skipped.
 */
const escapeOutcomes: Record<string, { files: number; warnings: RegExp[] }> = {
  "path-traversal.oci.tar": {
    files: 5,
    warnings: [/"\.\.\/\.\.\/etc\/evil" climbs above the root; read as \/etc\/evil/],
  },
  "absolute-path.oci.tar": { files: 4, warnings: [] },
  "symlink-escape.oci.tar": { files: 5, warnings: [] },
  "hardlink-escape.oci.tar": {
    files: 3,
    warnings: [
      /shadow-link -> \/etc\/shadow: the target is not in the image; skipped/,
      /shadow-link2 .*skipped/,
    ],
  },
};

describe("hostile/escape: read normally, nothing resolves outside the root", () => {
  const dir = fixturePath("hostile", "escape");
  const index = JSON.parse(readFileSync(fixturePath("hostile", "index.json"), "utf8")) as unknown;
  it("index.json lists the escape cases", () => {
    expect(JSON.stringify(index)).toContain("symlink-escape.oci.tar");
  });

  it.each(readdirSync(dir))("%s keeps layer 0 readable and reports what it clamped", (file) => {
    const r = inspect(`oci-archive:${join(dir, file)}`);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as {
      filesystem: { regularFiles: number };
      warnings: string[];
      layers: unknown[];
    };
    expect(report.layers).toHaveLength(2);
    // Layer 0 holds etc/os-release, etc/passwd and etc/debian_version; what layer 1 adds lands inside the root.
    const outcome = escapeOutcomes[file]!;
    expect(report.filesystem.regularFiles).toBe(outcome.files);
    if (outcome.warnings.length === 0) expect(report.warnings).toEqual([]);
    for (const w of outcome.warnings) expect(report.warnings.join("\n")).toMatch(w);
  });
});
