/**
 * Reading policy files (src/policy/policy-file.ts): a full file into the model with the line of each
 * rule; every kind of malformed file into ONE line naming file:line:col, the key and what it must be
 * (the expected messages below are the contract users read); reading from disk (missing, a folder,
 * too big, built-ins); and fast-check over hostile documents: a policy or a ShipshapeError, nothing else.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { ShipshapeError } from "../../src/errors.js";
import { MAX_POLICY_FILE_BYTES, parsePolicyFile, readPolicyFile } from "../../src/policy/policy-file.js";

const FULL = `version: 1
name: production
image:
  allowedRegistries: [registry.example.com/team, docker.io/library, "localhost:5000"]
  disallowedTags: [latest, "*-rc?"]
  digestRequired: true
  maxAgeDays: 90
  requiredLabels:
    - org.opencontainers.image.source
    - { name: org.opencontainers.image.licenses, value: "Apache-2.0|MIT" }
vulnerabilities:
  forbidden: [CVE-2021-44228]
  kevForbidden: true
  maxSeverity: CRITICAL
  maxFixableSeverity: medium
  maxCvss: 9.9
  maxFixableCvss: 6.9
minimumGrade: c
forbidden:
  packages: [apk-tools, "python3*"]
  tools: [curl, wget, nc]
  rules: [CIS-DI-0001, DL3007]
hygiene:
  maxSeverity: high
lint:
  failureThreshold: Warning
inform:
  image: { maxAgeDays: 30 }
exceptions:
  - vulnerability: CVE-2019-14697
    package: musl
    rule: vulnerabilities.maxFixableSeverity
    image: docker.io/library/alpine
    reason: not reachable; upgrade scheduled
    expires: 2026-12-31
`;

describe("a valid policy file", () => {
  it("becomes the model, with the line of every rule", () => {
    const p = parsePolicyFile(FULL, "prod.yaml");
    expect(p.name).toBe("production");
    expect(p.kind).toBe("file");
    expect(p.image.allowedRegistries?.map((r) => `${r.host}|${r.path}`)).toEqual([
      "registry.example.com|team",
      "docker.io|library",
      "localhost:5000|",
    ]);
    expect(p.image.disallowedTags).toEqual(["latest", "*-rc?"]);
    expect(p.image.digestRequired).toBe(true);
    expect(p.image.maxAgeDays).toBe(90);
    expect(p.image.requiredLabels?.map((l) => [l.name, l.valueText])).toEqual([
      ["org.opencontainers.image.source", undefined],
      ["org.opencontainers.image.licenses", "Apache-2.0|MIT"],
    ]);
    // Anchored: a value containing MIT is not MIT.
    expect(p.image.requiredLabels?.[1]?.value?.test("MIT")).toBe(true);
    expect(p.image.requiredLabels?.[1]?.value?.test("MIT-0")).toBe(false);
    expect(p.vulnerabilities).toEqual({
      forbidden: ["CVE-2021-44228"],
      kevForbidden: true,
      maxSeverity: "critical",
      maxFixableSeverity: "medium",
      maxCvss: 9.9,
      maxFixableCvss: 6.9,
    });
    expect(p.minimumGrade).toBe("C");
    expect(p.forbidden).toEqual({
      packages: ["apk-tools", "python3*"],
      tools: ["curl", "wget", "nc"],
      rules: ["CIS-DI-0001", "DL3007"],
    });
    expect(p.hygiene.maxSeverity).toBe("high");
    expect(p.lint.failureThreshold).toBe("warning");
    expect(p.inform?.image.maxAgeDays).toBe(30);
    expect(p.inform?.informOnly).toBe(true);
    expect(p.exceptions).toHaveLength(1);
    expect(p.exceptions[0]).toMatchObject({
      vulnerability: "CVE-2019-14697",
      package: "musl",
      rule: "vulnerabilities.maxFixableSeverity",
      reason: "not reachable; upgrade scheduled",
      expires: "2026-12-31",
      line: 30,
    });
    expect(p.lines).toEqual({
      "image.allowedRegistries": 4,
      "image.disallowedTags": 5,
      "image.digestRequired": 6,
      "image.maxAgeDays": 7,
      "image.requiredLabels": 8,
      "vulnerabilities.forbidden": 12,
      "vulnerabilities.kevForbidden": 13,
      "vulnerabilities.maxSeverity": 14,
      "vulnerabilities.maxFixableSeverity": 15,
      "vulnerabilities.maxCvss": 16,
      "vulnerabilities.maxFixableCvss": 17,
      minimumGrade: 18,
      "forbidden.packages": 20,
      "forbidden.tools": 21,
      "forbidden.rules": 22,
      "hygiene.maxSeverity": 24,
      "lint.failureThreshold": 26,
    });
    expect(p.inform?.lines).toEqual({ "image.maxAgeDays": 28 });
  });

  it("an empty file, or sections with every rule commented out, is an empty policy", () => {
    for (const text of ["", "# nothing yet\n", "image:\nvulnerabilities:\nexceptions:\n"]) {
      const p = parsePolicyFile(text, "e.yaml");
      expect(p.image).toEqual({});
      expect(p.vulnerabilities).toEqual({});
      expect(p.exceptions).toEqual([]);
    }
  });
});

// [file text, the one-line error] — the whole message, as users see it.
const MALFORMED: [string, string][] = [
  ["image:\n  digestRequired: yes\n", "p.yaml:2:3: image.digestRequired must be true or false"],
  ["image:\n  digestRequired:\n", "p.yaml:2:3: image.digestRequired must be true or false"],
  [
    "image:\n  digestRequierd: true\n",
    'p.yaml:2:3: unknown key "digestRequierd" in image (allowed: allowedRegistries, disallowedTags, digestRequired, maxAgeDays, requiredLabels)',
  ],
  [
    "imag:\n  digestRequired: true\n",
    'p.yaml:1:1: unknown key "imag" (allowed: version, name, description, image, vulnerabilities, minimumGrade, forbidden, hygiene, lint, inform, exceptions)',
  ],
  ["image: [a]\n", "p.yaml:1:1: image must be a mapping (key: value lines), not a list"],
  ["- a\n- b\n", "p.yaml:1:1: expected a mapping of policy rules (image, vulnerabilities, …)"],
  ["just text\n", "p.yaml:1:1: expected a mapping of policy rules (image, vulnerabilities, …)"],
  ["image:\n  allowedRegistries: docker.io\n", "p.yaml:2:3: image.allowedRegistries must be a list"],
  [
    "image:\n  allowedRegistries:\n    - https://docker.io\n",
    'p.yaml:3:7: image.allowedRegistries[0] "https://docker.io" must be a registry host and path, without a URL scheme',
  ],
  [
    "image:\n  allowedRegistries:\n    - ubuntu\n",
    `p.yaml:3:7: image.allowedRegistries[0] "ubuntu" does not start with a registry host (write e.g. docker.io/library/ubuntu for Docker Hub's official image, or a host with a dot or port)`,
  ],
  [
    "image:\n  allowedRegistries:\n    - docker.io/Library\n",
    'p.yaml:3:7: image.allowedRegistries[0] "Library" is not a repository path (lower-case components separated by "/", no tag)',
  ],
  [
    "image:\n  allowedRegistries:\n    - docker.io/*/x\n",
    'p.yaml:3:7: image.allowedRegistries[0] "docker.io/*/x" may use a wildcard only as a final "/*"',
  ],
  [
    "image:\n  allowedRegistries:\n    - quay.io@sha256:abc\n",
    'p.yaml:3:7: image.allowedRegistries[0] "quay.io@sha256:abc" names a digest; an entry is a registry host and optional path',
  ],
  ["image:\n  maxAgeDays: -1\n", "p.yaml:2:3: image.maxAgeDays must not be negative"],
  ["image:\n  maxAgeDays: 1.5\n", "p.yaml:2:3: image.maxAgeDays must be a whole number of days"],
  ['image:\n  maxAgeDays: "90"\n', "p.yaml:2:3: image.maxAgeDays must be a whole number of days"],
  [
    "vulnerabilities:\n  maxSeverity: huge\n",
    "p.yaml:2:3: vulnerabilities.maxSeverity must be one of critical, high, medium, low, negligible, unknown, none",
  ],
  ["vulnerabilities:\n  maxCvss: 11\n", "p.yaml:2:3: vulnerabilities.maxCvss must be a number from 0 to 10"],
  [
    "vulnerabilities:\n  maxFixableCvss: .nan\n",
    "p.yaml:2:3: vulnerabilities.maxFixableCvss must be a number from 0 to 10",
  ],
  ["vulnerabilities:\n  kevForbidden: 1\n", "p.yaml:2:3: vulnerabilities.kevForbidden must be true or false"],
  ["minimumGrade: G\n", "p.yaml:1:1: minimumGrade must be one of A, B, C, D, E, F"],
  ["minimumGrade: 3\n", "p.yaml:1:1: minimumGrade must be a grade letter"],
  [
    "exceptions:\n  - reason: x\n    expires: 2026-01-01\n",
    "p.yaml:2:5: exceptions[0] must name what it waives: at least one of rule, vulnerability, package, image, path, check",
  ],
  [
    "exceptions:\n  - vulnerability: CVE-2024-1\n    expires: 2026-01-01\n",
    "p.yaml:2:5: exceptions[0].reason is missing",
  ],
  [
    "exceptions:\n  - vulnerability: CVE-2024-1\n    reason: r\n",
    "p.yaml:2:5: exceptions[0].expires is missing",
  ],
  [
    "exceptions:\n  - vulnerability: CVE-2024-1\n    reason: r\n    expires: 2026-02-30\n",
    "p.yaml:4:5: exceptions[0].expires is not a valid date (YYYY-MM-DD)",
  ],
  [
    "exceptions:\n  - vulnerability: CVE-2024-1\n    reason: r\n    expires: soon\n",
    "p.yaml:4:5: exceptions[0].expires is not a valid date (YYYY-MM-DD)",
  ],
  [
    "exceptions:\n  - vulnerability: CVE-2024-1\n    reason: r\n    expires: 2026-01-01\n    colour: red\n",
    'p.yaml:5:5: unknown key "colour" in exceptions[0] (allowed: rule, vulnerability, package, image, path, check, reason, expires)',
  ],
  [
    'image:\n  requiredLabels:\n    - name: a\n      value: "("\n',
    "p.yaml:4:7: image.requiredLabels[0].value is not a regular expression (Invalid regular expression: /(/u: Unterminated group)",
  ],
  [
    "image:\n  requiredLabels:\n    - {}\n",
    "p.yaml:3:7: image.requiredLabels[0] must be a label name, or a mapping with name and optionally value",
  ],
  ["version: 2\n", "p.yaml:1:1: version must be 1 (the only policy file version)"],
  [
    "image:\n  digestRequired: true\n  digestRequired: false\n",
    "p.yaml:3:3: not valid YAML: Map keys must be unique",
  ],
  [
    "image:\n  digestRequired: true\n bad: [\n",
    "p.yaml:3:1: not valid YAML: All mapping items must start at the same column",
  ],
  [
    "hygiene:\n  maxSeverity: negligible\n",
    "p.yaml:2:3: hygiene.maxSeverity must be one of critical, high, medium, low, info, none",
  ],
  [
    "lint:\n  failureThreshold: fatal\n",
    "p.yaml:2:3: lint.failureThreshold must be one of error, warning, info, style",
  ],
  ["forbidden:\n  tools: curl\n", "p.yaml:2:3: forbidden.tools must be a list"],
  ['forbidden:\n  tools: [""]\n', "p.yaml:2:11: forbidden.tools[0] must not be empty"],
  ["image:\n  disallowedTags: [latest, 3]\n", "p.yaml:2:28: image.disallowedTags[1] must be a string"],
  [
    "inform:\n  exceptions: []\n",
    'p.yaml:2:3: unknown key "exceptions" in inform (allowed: image, vulnerabilities, minimumGrade, forbidden, hygiene, lint)',
  ],
];

describe("a malformed policy file", () => {
  it.each(MALFORMED)("%j → %s", (text, message) => {
    let error: unknown;
    try {
      parsePolicyFile(text, "p.yaml");
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ShipshapeError);
    expect((error as ShipshapeError).message).toBe(`policy file ${message}`);
    expect((error as ShipshapeError).kind).toBe("input");
  });

  it("an alias bomb is refused, not expanded", () => {
    const lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 12; i++)
      lines.push(
        `a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(", ")}]`,
      );
    expect(() => parsePolicyFile(`${lines.join("\n")}\n`, "bomb.yaml")).toThrow(
      /^policy file bomb\.yaml: .*[Aa]lias/,
    );
  });

  it("very long lists are refused with the limit", () => {
    const text = stringify({ forbidden: { packages: Array.from({ length: 1001 }, (_, i) => `p${i}`) } });
    expect(() => parsePolicyFile(text, "long.yaml")).toThrow(
      "policy file long.yaml:2:3: forbidden.packages must have at most 1000 entries",
    );
  });
});

describe("reading from disk", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "shipshape-policy-file-"));
    mkdirSync(join(dir, "folder"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads a file and names it in the model and the rule lines", async () => {
    const path = join(dir, "ok.yaml");
    writeFileSync(path, "image:\n  digestRequired: true\n");
    const p = await readPolicyFile(path);
    expect(p.origin).toBe(path);
    expect(p.lines["image.digestRequired"]).toBe(2);
  });

  it("a missing file, a folder, an oversized file, an unknown built-in: one line each", async () => {
    await expect(readPolicyFile(join(dir, "nope.yaml"))).rejects.toThrow(
      new RegExp(`^policy file ${dir}/nope\\.yaml cannot be read \\(.*ENOENT.*\\)$`),
    );
    await expect(readPolicyFile(join(dir, "folder"))).rejects.toThrow(/is not a regular file$/);
    const big = join(dir, "big.yaml");
    writeFileSync(big, `# ${"x".repeat(MAX_POLICY_FILE_BYTES)}\n`);
    await expect(readPolicyFile(big)).rejects.toThrow(/more than the 1048576 a policy file may have$/);
    await expect(readPolicyFile("builtin:strictest")).rejects.toThrow(
      "policy builtin:strictest: no such built-in policy (available: builtin:default)",
    );
  });
});

describe("hostile documents (fast-check)", () => {
  const keys = fc.constantFrom(
    "image",
    "vulnerabilities",
    "forbidden",
    "exceptions",
    "inform",
    "digestRequired",
    "maxAgeDays",
    "allowedRegistries",
    "minimumGrade",
    "reason",
    "expires",
    "x",
  );
  const value = fc.letrec((tie) => ({
    v: fc.oneof(
      { depthSize: "small" },
      fc.string({ maxLength: 12 }),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie("v"), { maxLength: 4 }),
      fc.dictionary(keys, tie("v"), { maxKeys: 4 }),
    ),
  })).v;

  it("any YAML document is a policy or ONE line naming the file", () => {
    fc.assert(
      fc.property(fc.dictionary(keys, value, { maxKeys: 5 }), (doc) => {
        try {
          parsePolicyFile(stringify(doc), "f.yaml");
        } catch (err) {
          expect(err).toBeInstanceOf(ShipshapeError);
          expect((err as Error).message).toMatch(/^policy file f\.yaml(:\d+:\d+)?: [^\n]+$/);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("any text is a policy or ONE line naming the file", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        try {
          parsePolicyFile(text, "f.yaml");
        } catch (err) {
          expect(err).toBeInstanceOf(ShipshapeError);
          expect((err as Error).message).toMatch(/^policy file f\.yaml(:\d+:\d+)?: [^\n]+$/);
        }
      }),
      { numRuns: 300 },
    );
  });
});
