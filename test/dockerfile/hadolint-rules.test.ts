/** hadolint's own rule tests (ruleCatches / ruleCatchesNot / onBuild… / failsWith) for DL1001–DL4006. */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Dockerfile text, not templates
import { readFileSync } from "node:fs";
import fc from "fast-check";
import semver from "semver";
import spdxParse from "spdx-expression-parse";
import { describe, expect, it } from "vitest";
import { analyzeDockerfile, lintDockerfile } from "../../src/dockerfile/lint.js";
import {
  isEmail,
  isGitHash,
  isRfc3339,
  isSemver,
  isSpdxId,
  isUri,
} from "../../src/dockerfile/rules/label-formats.js";
import { nameValuePairs } from "../../src/dockerfile/words.js";
import { fixturePath } from "../helpers/shared.js";
import { HADOLINT_DL1001_DL3030 } from "./cases/hadolint-dl1001-dl3030.js";
import {
  HADOLINT_DL3031_DL4006,
  HADOLINT_EXACT_COUNTS,
  SHIPSHAPE_EXTRA_CASES,
} from "./cases/hadolint-dl3031-dl4006.js";
import { describeRuleSpecs, dockerfileText } from "./rule-cases.js";

describeRuleSpecs(HADOLINT_DL1001_DL3030);
describeRuleSpecs(HADOLINT_DL3031_DL4006);
describeRuleSpecs(SHIPSHAPE_EXTRA_CASES);

for (const spec of HADOLINT_EXACT_COUNTS) {
  describe(`${spec.code} finding counts (${spec.source})`, () => {
    it.each(spec.cases.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
      const text = dockerfileText(c.dockerfile);
      const found = (await analyzeDockerfile(text, c.config)).filter((f) => f.rule === spec.code);
      expect(found.length, `${spec.code} findings in:\n${text}`).toBe(c.count);
      for (const f of found) expect(f.line).toBeGreaterThan(0);
    });
  });
}

/** Line of the first line of `text` that is exactly `line` (found in the fixture, not by the linter). */
function lineOf(text: string, line: string): number {
  const n = text.split("\n").indexOf(line);
  if (n < 0) throw new Error(`fixture line not found: ${line}`);
  return n + 1;
}

const LABEL_RULES = new Set([
  "DL3048",
  "DL3049",
  "DL3050",
  "DL3051",
  "DL3052",
  "DL3053",
  "DL3054",
  "DL3055",
  "DL3056",
  "DL3058",
]);

describe("DL3032–DL4006 on the fixtures' own Containerfile (build/debian12-app)", () => {
  const path = fixturePath("build", "debian12-app", "Containerfile");
  const text = readFileSync(path, "utf8");
  const newRules = (f: { rule: string }) => f.rule >= "DL3032" && f.rule.startsWith("DL");

  it("finds what the file shows: the secret-named ENV, the three one-command RUNs in a row, no HEALTHCHECK", async () => {
    const found = (await analyzeDockerfile(text)).filter(newRules).map((f) => `${f.rule}@${f.line}`);
    // Read off the file: ENV DB_PASSWORD (DL3064); `RUN cp …`, `RUN rm /usr/bin/wget`, `RUN rm
    // /root/.env.backup` follow each other with only comments between (DL3059 on the 2nd and 3rd);
    // the one stage has no HEALTHCHECK (DL3057, off by default). Its apt-get RUNs have no pipes,
    // `wget`/`curl` are package names there, every COPY has an absolute destination.
    const expected = [
      `DL3064@${lineOf(text, "ENV DB_PASSWORD=hunter2")}`,
      `DL3059@${lineOf(text, "RUN rm /usr/bin/wget")}`,
      `DL3059@${lineOf(text, "RUN rm /root/.env.backup")}`,
      `DL3057@${lineOf(text, "FROM ${BASE}")}`,
    ];
    expect(found.sort()).toEqual(expected.sort());
  });

  it("checks its labels against a label-schema (strict): the missing license, the extra description", async () => {
    const config = {
      "label-schema": {
        "org.opencontainers.image.title": "text",
        "org.opencontainers.image.licenses": "spdx",
      },
      "strict-labels": true,
    } as const;
    const found = (await analyzeDockerfile(text, config)).filter((f) => LABEL_RULES.has(f.rule));
    expect(found.map((f) => [f.rule, f.line, f.message])).toEqual([
      ["DL3049", lineOf(text, "FROM ${BASE}"), "Label `org.opencontainers.image.licenses` is missing."],
      [
        "DL3050",
        lineOf(text, 'LABEL org.opencontainers.image.title="debian12-app" \\'),
        "Superfluous label(s) present.",
      ],
    ]);
  });

  it("reports them through lintDockerfile at hadolint's severities (DL3057 stays off)", async () => {
    const found = (await lintDockerfile(text, {}, { shellcheck: false })).filter(newRules);
    expect(found.map((f) => [f.rule, f.severity])).toEqual([
      ["DL3064", "warning"],
      ["DL3059", "info"],
      ["DL3059", "info"],
    ]);
  });
});

describe("DL3032–DL4006 on hostile input", () => {
  const dockerfileLine = fc.oneof(
    fc.constantFrom(
      "FROM a AS b",
      "FROM b",
      "ONBUILD ONBUILD RUN x",
      "ENV A=$A B=${A}",
      "LABEL =x",
      'LABEL a="',
      "ARG",
      "SHELL []",
      'SHELL ["/bin/bash", "-o"]',
      "COPY --from= / /",
      "USER :",
      "RUN --mount=type=cache, yarn install",
      "RUN dnf install -y -",
      "RUN go run",
      "HEALTHCHECK",
    ),
    fc.string({ maxLength: 60 }),
    fc
      .tuple(
        fc.constantFrom("RUN ", "ENV ", "LABEL ", "COPY ", "USER ", "ARG ", "FROM "),
        fc.string({ maxLength: 40 }),
      )
      .map(([k, v]) => k + v),
  );

  it("never throws and reports only lines of the file", async () => {
    const config = {
      "label-schema": { a: "url", b: "rfc3339", c: "semver", d: "email", e: "hash", f: "spdx" },
      "strict-labels": true,
    } as const;
    await fc.assert(
      fc.asyncProperty(fc.array(dockerfileLine, { maxLength: 12 }), async (lines) => {
        const text = `${lines.join("\n")}\n`;
        const lineCount = text.split("\n").length;
        for (const f of await analyzeDockerfile(text, config)) {
          expect(f.line).toBeGreaterThan(0);
          expect(f.line).toBeLessThanOrEqual(lineCount);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('reads ENV/LABEL pairs back as written (name="value" with quotes and escapes)', () => {
    const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,10}$/);
    const value = fc.string({ maxLength: 20 }).filter((v) => !v.includes("\n"));
    fc.assert(
      fc.property(fc.array(fc.tuple(name, value), { minLength: 1, maxLength: 5 }), (pairs) => {
        const quoted = (v: string) => `"${v.replace(/["\\$]/g, (c) => `\\${c}`)}"`;
        const text = pairs.map(([n, v]) => `${n}=${quoted(v)}`).join(" ");
        expect(nameValuePairs(text)).toEqual(pairs.map(([n, v]) => ({ name: n, value: v })));
      }),
      { numRuns: 300 },
    );
  });
});

describe("label value formats against independent implementations", () => {
  it("semantic versions: as the semver package's strict parser (no v/= prefix)", () => {
    const part = fc.stringMatching(/^[0-9A-Za-z.+-]{1,15}$/).filter((s) => !/^[v=]/.test(s));
    fc.assert(
      fc.property(part, (s) => {
        expect(isSemver(s), s).toBe(semver.valid(s) !== null);
      }),
      { numRuns: 500 },
    );
    for (const v of ["1.0.0", "2.0.1-rc1", "1.2.3-alpha.1+build.5", "0.0.0"]) expect(isSemver(v)).toBe(true);
    for (const v of ["1.0", "01.0.0", "1.0.0-", "v1.0.0", "1.0.0+"]) expect(isSemver(v)).toBe(false);
  });

  it("SPDX identifiers: the spdx-expression-parse grammar's single license ids", () => {
    for (const id of ["MIT", "Apache-2.0", "BSD-3-Clause", "GPL-2.0-only", "GPL-2.0"]) {
      expect(isSpdxId(id), id).toBe(true);
      expect(spdxParse(id)).toEqual({ license: id });
    }
    for (const id of ["not-spdx", "MIT OR Apache-2.0", "mit-license", ""])
      expect(isSpdxId(id), id).toBe(false);
  });

  it("URLs, RFC 3339 times, git hashes and e-mail addresses", () => {
    expect(["http://example.com", "https://x.org/a?b=c#d", "urn:isbn:0451450523"].every(isUri)).toBe(true);
    expect(["not-url", "http://exa mple.com", "://x", ""].some(isUri)).toBe(false);
    expect(["2021-03-10T10:26:33.564595127+01:00", "2024-02-29T00:00:00Z"].every(isRfc3339)).toBe(true);
    expect(
      ["not-date", "2023-02-29T00:00:00Z", "2021-03-10 10:26:33Z", "2021-03-10T25:00:00Z"].some(isRfc3339),
    ).toBe(false);
    expect(isGitHash("2dbfae9") && isGitHash("43c572f1272b6b3171dd1db9e41b7027128ce080")).toBe(true);
    expect(["2DBFAE9", "2dbfae", "not-git-hash"].some(isGitHash)).toBe(false);
    expect(["abcd@google.com", '"a b"@example.com', "x.y+z@[127.0.0.1]"].every(isEmail)).toBe(true);
    expect(["not-email", "a@@b", "a..b@c", "@b.c", "a@"].some(isEmail)).toBe(false);
  });
});

describe("hadolint's RegressionSpec (test/RegressionSpec.hs, stored-file id 60970455299)", () => {
  const dlFindings = async (text: string) =>
    (await analyzeDockerfile(text)).filter((f) => f.rule.startsWith("DL") && f.severity !== "ignore");

  it("Comments with backslashes at the end are just comments", async () => {
    const text = dockerfileText([
      "FROM alpine:3.6",
      "# The following comment makes hadolint still complain about DL4006",
      "# \\",
      "# should solve DL4006",
      'SHELL ["/bin/sh", "-o", "pipefail", "-c"]',
      "# RUN with pipe. causes DL4006, but should be fixed by above SHELL",
      "RUN echo \"kaka\" | sed 's/a/o/g' >> /root/afile",
    ]);
    expect((await analyzeDockerfile(text)).filter((f) => f.rule === "DL4006").map((f) => f.line)).toEqual([
      7,
    ]);
  });

  it("`ARG` can correctly unset variables", async () => {
    const text = dockerfileText([
      "FROM alpine:3",
      "ARG A_WITHOUT_EQ",
      "ARG A_WITH_EQ=",
      "HEALTHCHECK NONE",
      "RUN echo bla",
    ]);
    // hadolint's rules only (shipshape's SS rules judge this file too).
    expect((await analyzeDockerfile(text)).filter((f) => f.rule.startsWith("DL"))).toEqual([]);
  });

  it("`ARG` or `ENV` does not reset shell name given by SHELL instruction or shell pragma", async () => {
    const text = dockerfileText([
      "# escape=`",
      "# hadolint shell=powershell",
      "",
      "ARG WINDOWS_VERSION=ltsc2022",
      'FROM mcr.microsoft.com/windows/servercore:"${WINDOWS_VERSION}" AS jre-and-war',
      "# $ProgressPreference: https://github.com/PowerShell/PowerShell/issues/2138#issuecomment-251261324",
      'SHELL ["powershell", "-Command", "$ErrorActionPreference = \'Stop\'; $ProgressPreference = \'SilentlyContinue\';"]',
      "",
      'ARG JAVA_ZIP_URL="Provided by docker-bake.hcl"',
      "ARG jdkTemp='C:\\jdktemp'",
      'ARG localArchive="${jdkTemp}\\jdk.zip"',
      "RUN New-Item -ItemType Directory -Path $env:jdkTemp | Out-Null ; `",
      "    Invoke-WebRequest $env:JAVA_ZIP_URL -OutFile $env:localArchive",
    ]);
    expect(await dlFindings(text)).toEqual([]);
  });
});
