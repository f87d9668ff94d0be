/**
 * Programs are looked up in the standard bin directories and on the config's PATH: a pip in a
 * virtualenv (`ENV PATH=/opt/venv/bin:$PATH`, the common Python image pattern) or a curl in
 * /opt/tools/bin is found when the PATH names its directory, and not when it does not. The images
 * are real OCI layouts built with umoci; the second tag is `umoci config` on the SAME layers with
 * another PATH, so the cached filesystem findings of one must not be reused for the other.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkImage } from "../../src/checks/run.js";
import { searchPathOf } from "../../src/checks/search-path.js";
import { LayerCache } from "../../src/image/layer-cache.js";
import type { ImageConfig } from "../../src/image/oci.js";
import { buildImage } from "./built-image.js";

let work: string;
let withPath: string;
let withoutPath: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "shipshape-search-path-"));
  withPath = buildImage(work, "venv", "on-path", {
    layers: [
      {
        files: {
          "/opt/venv/bin/pip": { content: "#!/opt/venv/bin/python\n", mode: 0o755 },
          "/opt/tools/bin/curl": { content: "\u007fELF stand-in\n", mode: 0o755 },
          "/opt/other/bin/wget": { content: "\u007fELF stand-in\n", mode: 0o755 },
        },
      },
    ],
    config: [
      "--config.env",
      "PATH=/opt/venv/bin:relative/bin::/opt/tools/bin/:/usr/local/bin:/usr/bin:/bin",
      "--config.user",
      "1000:1000",
    ],
  });
  // The same layers under a config whose PATH does not name /opt/*.
  const layout = join(work, "venv");
  execFileSync(
    "umoci",
    [
      "config",
      "--image",
      `${layout}:on-path`,
      "--tag",
      "off-path",
      "--no-history",
      "--config.env",
      "PATH=/usr/local/bin:/usr/bin:/bin",
    ],
    { stdio: "pipe" },
  );
  withoutPath = `oci:${layout}:off-path`;
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("the search path", () => {
  it("is the standard bin directories, then the config's absolute PATH entries, each once", () => {
    const config = {
      config: { Env: ["PATH=/ignored", "PATH=/opt/venv/bin:./bin::/usr/bin:/opt/x//bin/"] },
    } as unknown as ImageConfig;
    expect(searchPathOf(config)).toEqual([
      "/usr/local/sbin",
      "/usr/local/bin",
      "/usr/sbin",
      "/usr/bin",
      "/sbin",
      "/bin",
      "/opt/venv/bin",
      "/opt/x/bin",
    ]);
    expect(searchPathOf(undefined)).toHaveLength(6);
  });

  it("finds a virtualenv's pip and a curl on the config's PATH, not a wget off it", async () => {
    const r = await checkImage(withPath, { cache: null });
    const found = r.findings.filter((f) => ["SS1001", "SS1003"].includes(f.rule)).map((f) => f.path);
    expect(found.sort()).toEqual(["/opt/tools/bin/curl", "/opt/venv/bin/pip"]);
  });

  it("the same layers under a PATH without them: none of those, also from a warm cache", async () => {
    const dir = mkdtempSync(join(tmpdir(), "shipshape-search-path-cache-"));
    try {
      const cache = new LayerCache(dir);
      const first = await checkImage(withPath, { cache });
      expect(first.cached).toBe(false);
      const other = await checkImage(withoutPath, { cache });
      // Another config, so another analysis key: the layers were read again, nothing found on /opt.
      expect(other.cached).toBe(false);
      expect(other.findings.filter((f) => f.path?.startsWith("/opt/"))).toEqual([]);
      const again = await checkImage(withPath, { cache });
      expect(again.cached).toBe(true);
      expect(again.findings.filter((f) => f.path?.startsWith("/opt/")).map((f) => f.path)).toEqual(
        first.findings.filter((f) => f.path?.startsWith("/opt/")).map((f) => f.path),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
