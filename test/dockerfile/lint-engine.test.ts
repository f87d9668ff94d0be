/**
 * The engine's own behaviour around the rules: findings sorted by line with hadolint's rules before
 * shipshape's on one line, ShellCheck's missing-binary callback, LintOptions.target/policy, and an
 * invalid configuration as a ShipshapeError.
 */
import { describe, expect, it } from "vitest";
import { lintDockerfile } from "../../src/dockerfile/lint.js";
import { isShipshapeError } from "../../src/errors.js";
import { parsePolicyFile } from "../../src/policy/policy-file.js";

const TEXT = "FROM debian:12\nRUN apt-get install -y curl\nUSER root\n";

describe("lintDockerfile", () => {
  it("sorts by line; on one line DL findings come before SS findings", async () => {
    const found = await lintDockerfile(TEXT, {}, { shellcheck: false });
    const lines = found.map((f) => f.line);
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
    const line2 = found.filter((f) => f.line === 2).map((f) => f.rule);
    expect(line2.indexOf("DL3008")).toBeLessThan(line2.indexOf("SS2002"));
    expect(found.every((f) => f.column === 1)).toBe(true);
  });

  it("DL3002 reports the root USER; SS2006 does not repeat it", async () => {
    const found = await lintDockerfile(TEXT, {}, { shellcheck: false });
    const line3 = found.filter((f) => f.line === 3).map((f) => f.rule);
    expect(line3).toContain("DL3002");
    expect(found.some((f) => f.rule === "SS2006")).toBe(false);
  });

  it("tells the caller once when ShellCheck is wanted but missing, never when it is off", async () => {
    let told = 0;
    const path = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      await lintDockerfile(TEXT, {}, { onShellcheckMissing: () => told++ });
      await lintDockerfile(TEXT, {}, { shellcheck: false, onShellcheckMissing: () => told++ });
    } finally {
      process.env.PATH = path;
    }
    expect(told).toBe(1);
  });

  it("takes a policy and a target", async () => {
    const policy = parsePolicyFile("image:\n  digestRequired: true\n", "p.yaml");
    const text = "FROM alpine:3.20 AS small\nUSER 1\nFROM debian:12 AS big\nUSER 1\n";
    const found = await lintDockerfile(text, {}, { shellcheck: false, policy, target: "small" });
    expect(found.filter((f) => f.rule === "SS2009").map((f) => f.line)).toEqual([1, 3]);
    expect(found.some((f) => f.rule === "SS2001")).toBe(false); // alpine is the final stage
    const last = await lintDockerfile(text, {}, { shellcheck: false });
    expect(last.filter((f) => f.rule === "SS2001").map((f) => f.line)).toEqual([3]);
  });

  it("a --target no stage is named is an error, as in docker build", async () => {
    const err = await lintDockerfile(
      "FROM alpine:3.20 AS a\n",
      {},
      { shellcheck: false, target: "b", file: "D" },
    ).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isShipshapeError(err)).toBe(true);
    expect((err as Error).message).toBe("D: no build stage named b for --target (its stages are a)");
  });

  it("an invalid configuration is a one-line ShipshapeError", async () => {
    const err = await lintDockerfile(TEXT, { ignored: ["nope"] } as never).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isShipshapeError(err)).toBe(true);
    expect((err as Error).message).not.toContain("\n");
  });
});
