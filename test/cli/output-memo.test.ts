/**
 * The output memo through the real CLI (src/cli/output-memo.ts): a rescan of an unchanged archive
 * with the same command line replays the output byte for byte without reading the cache's catalog
 * document; anything that could change the output — the archive touched or rewritten, other
 * arguments, a damaged memo — is a miss and a full run, and `--no-cache` writes no memo.
 */
import {
  copyFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { fixturePath } from "../helpers/shared.js";

let work: string;
let archive: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "shipshape-memo-"));
  archive = join(work, "alpine.oci.tar");
  copyFileSync(fixturePath("images", "alpine-apk.oci.tar"), archive);
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

function freshCache(): string {
  return mkdtempSync(join(work, "cache-"));
}

function sbom(cache: string, ...extra: string[]) {
  return runCli(["sbom", "--cache-dir", cache, "--quiet", ...extra, `oci-archive:${archive}`]);
}

function files(cache: string, pattern: RegExp): string[] {
  return readdirSync(cache).filter((f) => pattern.test(f));
}

const mtime = (path: string) => statSync(path).mtimeMs;

describe("sbom's output memo", () => {
  it("replays the same output without reading the catalog document", () => {
    const cache = freshCache();
    const cold = sbom(cache, "--format", "json");
    expect(cold.code, cold.stderr).toBe(0);
    const [memo] = files(cache, /^memo-.*\.out$/);
    const [doc] = files(cache, /^doc-.*\.json$/);
    expect(memo).toBeDefined();
    expect(doc).toBeDefined();
    const past = new Date(Date.now() - 60_000);
    utimesSync(join(cache, memo!), past, past);
    utimesSync(join(cache, doc!), past, past);

    const warm = sbom(cache, "--format", "json");
    expect(warm).toEqual({ code: 0, stdout: cold.stdout, stderr: "" });
    // The memo was used (a hit refreshes it); the catalog document was not read.
    expect(mtime(join(cache, memo!))).toBeGreaterThan(past.getTime() + 30_000);
    expect(Math.abs(mtime(join(cache, doc!)) - past.getTime())).toBeLessThan(1000);
  });

  it("misses when the archive is touched, and then remembers the new state", () => {
    const cache = freshCache();
    const first = sbom(cache, "--format", "json");
    const [doc] = files(cache, /^doc-.*\.json$/);
    const past = new Date(Date.now() - 60_000);
    utimesSync(join(cache, doc!), past, past);
    // Same bytes, new modification (and status-change) time: the memo cannot vouch for it.
    const later = new Date(Date.now() + 1000);
    utimesSync(archive, later, later);
    const second = sbom(cache, "--format", "json");
    expect(second.stdout).toBe(first.stdout);
    // A full run: it read the catalog document (unchanged diffIDs), which a hit touches.
    expect(mtime(join(cache, doc!))).toBeGreaterThan(past.getTime() + 30_000);
    const memo = readFileSync(join(cache, files(cache, /^memo-/)[0]!), "utf8");
    expect(memo.split("\n")[1]).toContain(String(statSync(archive, { bigint: true }).mtimeNs));
  });

  it("keeps one memo per command line, each the output of a full run", () => {
    const cache = freshCache();
    const json = sbom(cache, "--format", "json");
    const table = sbom(cache, "--format", "table");
    expect(files(cache, /^memo-/)).toHaveLength(2);
    expect(sbom(cache, "--format", "table").stdout).toBe(table.stdout);
    expect(sbom(cache, "--format", "json").stdout).toBe(json.stdout);
    expect(table.stdout).not.toBe(json.stdout);
  });

  it("writes none with --no-cache, and none for formats that carry a creation time", () => {
    const cache = freshCache();
    expect(sbom(cache, "--no-cache", "--format", "json").code).toBe(0);
    expect(sbom(cache, "--format", "cyclonedx-json").code).toBe(0);
    expect(files(cache, /^memo-/)).toEqual([]);
  });

  it("treats a damaged memo as a miss", () => {
    const cache = freshCache();
    const good = sbom(cache, "--format", "json");
    const [memo] = files(cache, /^memo-/);
    const path = join(cache, memo!);
    const text = readFileSync(path, "utf8");
    const [key, inputs] = text.split("\n");
    for (const damaged of [
      "",
      "garbage",
      `${key}\n[not json\n{}`,
      `${key}\n[]\nforged output`,
      `${key}\n${inputs!.replace(/"size":"\d+"/, '"size":"1"')}\nforged output`,
    ]) {
      writeFileSync(path, damaged);
      const r = sbom(cache, "--format", "json");
      expect(r).toEqual({ code: 0, stdout: good.stdout, stderr: "" });
    }
  });
});
