/**
 * `.hadolint.yaml` reading, with hadolint's own ConfigfileSpec cases (hadolint/hadolint
 * test/Hadolint/Config/ConfigfileSpec.hs @ 6b30d652) as data: each YAML document and the setting it
 * must produce. One deliberate difference: hadolint rejects an empty file ("empty YAML stream");
 * shipshape reads it as "no settings", which is what an empty .hadolint.yaml means to its author.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  failsThreshold,
  lintConfigCandidates,
  type ResolvedLintConfig,
  readLintConfigFile,
  resolveLintConfig,
} from "../../src/dockerfile/config.js";
import { isShipshapeError } from "../../src/errors.js";

const dir = mkdtempSync(join(tmpdir(), "shipshape-lint-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

async function read(lines: readonly string[]): Promise<ResolvedLintConfig> {
  const path = join(dir, `c${n++}.yaml`);
  writeFileSync(path, `${lines.join("\n")}\n`);
  return resolveLintConfig(await readLintConfigFile(path));
}

const THREE = ["DL3020", "DL3040", "SC1020"];

const CASES: [string, string[], (c: ResolvedLintConfig) => void][] = [
  ["no-fail: true", ["no-fail: true"], (c) => expect(c.noFail).toBe(true)],
  ["no-fail: false", ["no-fail: false"], (c) => expect(c.noFail).toBe(false)],
  ["no-color: true (accepted)", ["no-color: true"], (c) => expect(c.ignored.size).toBe(0)],
  ["verbose: true (accepted)", ["verbose: true"], (c) => expect(c.ignored.size).toBe(0)],
  [
    "format: json (accepted; the CLI's --format rules)",
    ["format: json"],
    (c) => expect(c.override.size).toBe(0),
  ],
  [
    "override error rules",
    ["override:", "  error:", "    - DL3020", "    - DL3040", "    - SC1020"],
    (c) => expect(THREE.map((r) => c.override.get(r))).toEqual(["error", "error", "error"]),
  ],
  [
    "override warning rules",
    ["override:", "  warning:", "    - DL3020", "    - DL3040", "    - SC1020"],
    (c) => expect(THREE.map((r) => c.override.get(r))).toEqual(["warning", "warning", "warning"]),
  ],
  [
    "override info rules",
    ["override:", "  info:", "    - DL3020", "    - DL3040", "    - SC1020"],
    (c) => expect(THREE.map((r) => c.override.get(r))).toEqual(["info", "info", "info"]),
  ],
  [
    "override style rules",
    ["override:", "  style:", "    - DL3020", "    - DL3040", "    - SC1020"],
    (c) => expect(THREE.map((r) => c.override.get(r))).toEqual(["style", "style", "style"]),
  ],
  [
    "ignored rules",
    ["ignored:", "  - DL3020", "  - DL3040", "  - SC1020"],
    (c) => expect([...c.ignored]).toEqual(THREE),
  ],
  [
    "trusted registries",
    ["trustedRegistries:", "  - foobar.com", "  - barfoo.com"],
    (c) => expect(c.trustedRegistries).toEqual(["foobar.com", "barfoo.com"]),
  ],
  [
    "label schema",
    ["label-schema:", "  foo: email", "  bar: text"],
    (c) =>
      expect([...c.labelSchema]).toEqual([
        ["foo", "email"],
        ["bar", "text"],
      ]),
  ],
  ["strict-labels: true", ["strict-labels: true"], (c) => expect(c.strictLabels).toBe(true)],
  ["strict-labels: false", ["strict-labels: false"], (c) => expect(c.strictLabels).toBe(false)],
  [
    "disable-ignore-pragma: true",
    ["disable-ignore-pragma: true"],
    (c) => expect(c.disableIgnorePragma).toBe(true),
  ],
  [
    "disable-ignore-pragma: false",
    ["disable-ignore-pragma: false"],
    (c) => expect(c.disableIgnorePragma).toBe(false),
  ],
  [
    "failure-threshold: warning",
    ["failure-threshold: warning"],
    (c) => expect(c.failureThreshold).toBe("warning"),
  ],
  ["failure-threshold: style", ["failure-threshold: style"], (c) => expect(c.failureThreshold).toBe("style")],
  // shipshape's own codes are rule codes too.
  [
    "SS codes in ignored and override",
    ["ignored: [SS2003]", "override: {error: [SS2004]}"],
    (c) => {
      expect(c.ignored.has("SS2003")).toBe(true);
      expect(c.override.get("SS2004")).toBe("error");
    },
  ],
];

describe(".hadolint.yaml (hadolint's ConfigfileSpec)", () => {
  it.each(CASES)("%s", async (_name, lines, check) => {
    check(await read(lines));
  });

  it("an empty file is no settings (hadolint: an error)", async () => {
    const c = await read([]);
    expect(c.failureThreshold).toBe("info");
    expect(c.ignored.size).toBe(0);
  });

  it("a code listed at two levels keeps the more severe (error over warning)", async () => {
    const c = await read(["override:", "  warning: [DL3008]", "  error: [DL3008]"]);
    expect(c.override.get("DL3008")).toBe("error");
  });

  it.each([
    ["unknown key", ["ignore: [DL3008]"]],
    ["not a rule code", ["ignored: [DL30]"]],
    ["unknown label type", ["label-schema:", "  foo: colour"]],
    ["wrong threshold", ["failure-threshold: loud"]],
    ["malformed YAML", ["ignored: [DL3008", "x: {"]],
  ])("%s is a one-line ShipshapeError naming the file", async (_name, lines) => {
    const err = await read(lines).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isShipshapeError(err)).toBe(true);
    const message = (err as Error).message;
    expect(message).not.toContain("\n");
    expect(message).toMatch(/c\d+\.yaml/);
  });

  it("a configuration over 1 MiB is refused", async () => {
    const path = join(dir, "big.yaml");
    writeFileSync(path, `ignored: []\n${"#".repeat(1024 * 1024 + 1)}\n`);
    await expect(readLintConfigFile(path)).rejects.toSatisfy(isShipshapeError);
  });
});

describe("discovery order and thresholds", () => {
  it("lists hadolint's places in order, .yaml before .yml, XDG only when set", () => {
    const env = { HOME: "/h", XDG_CONFIG_HOME: "/x" };
    expect(lintConfigCandidates("/w", env)).toEqual([
      "/w/.hadolint.yaml",
      "/w/.hadolint.yml",
      "/x/hadolint.yaml",
      "/x/hadolint.yml",
      "/h/.config/hadolint.yaml",
      "/h/.config/hadolint.yml",
      "/h/.hadolint/hadolint.yaml",
      "/h/.hadolint/hadolint.yml",
      "/h/hadolint/config.yaml",
      "/h/hadolint/config.yml",
      "/h/.hadolint.yaml",
      "/h/.hadolint.yml",
    ]);
    expect(lintConfigCandidates("/w", { HOME: "/h" })).not.toContain("/x/hadolint.yaml");
  });

  it("fails at or above the threshold; ignore and none fail on anything", () => {
    expect(failsThreshold("warning", "warning")).toBe(true);
    expect(failsThreshold("info", "warning")).toBe(false);
    expect(failsThreshold("error", "error")).toBe(true);
    expect(failsThreshold("style", "info")).toBe(false);
    expect(failsThreshold("style", "ignore")).toBe(true);
    expect(failsThreshold("style", "none")).toBe(true);
  });
});
