/**
 * Both gzip inflaters through the real CLI: ISA-L (the addon, when built) and node:zlib
 * (SHIPSHAPE_INFLATE=zlib, what runs where ISA-L is not installed) give the same SBOM of the same
 * image, byte for byte, and the same one-line error for a truncated layer and a decompression bomb.
 */
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { fixturePath } from "../helpers/shared.js";

const zlib = { SHIPSHAPE_INFLATE: "zlib" };

describe("ISA-L and node:zlib inflate images alike", () => {
  it.each(["alpine-apk", "centos-bdb", "debian12-app"])("sbom of %s is the same", (name) => {
    const ref = `oci-archive:${fixturePath("images", `${name}.oci.tar`)}`;
    const args = ["sbom", "--no-cache", "--quiet", "--format", "json", ref];
    const [fast, reference] = [runCli(args), runCli(args, { env: zlib })];
    expect(fast.code, fast.stderr).toBe(0);
    expect(reference.code, reference.stderr).toBe(0);
    expect(fast.stdout.length).toBeGreaterThan(1000);
    expect(fast.stdout).toBe(reference.stdout);
  });

  it.each([
    ["truncated-gzip.oci.tar", /layer 1 .*unexpected end of gzip stream \(the layer is truncated\)/],
    ["gzip-bomb.oci.tar", /layer 1 .*per-file limit/],
  ])("%s gets the same one-line error", (file, pattern) => {
    const ref = `oci-archive:${fixturePath("hostile", "corrupt", file)}`;
    const args = ["inspect", "--no-cache", "--format", "json", ref];
    const [fast, reference] = [runCli(args), runCli(args, { env: zlib })];
    expect(fast.code).toBe(2);
    expect(fast.stderr).toMatch(pattern);
    expect(fast.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(reference.code).toBe(2);
    expect(fast.stderr).toBe(reference.stderr);
  });
});
