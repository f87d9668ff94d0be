/**
 * The Dockerfile parser and the whole lint engine (hadolint's rules, shipshape's SS rules, the policy
 * rules, pragmas, configuration) on random and hostile text: it returns findings or throws a
 * ShipshapeError, never anything else, and it finishes quickly — random instruction sequences,
 * hostile heredocs (unterminated, nested, quoted, with `-`), continuation storms, `# escape=`
 * directives, exec-form JSON fragments, and very long lines.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { lintDockerfile } from "../../src/dockerfile/lint.js";
import { isShipshapeError } from "../../src/errors.js";
import { parsePolicyFile } from "../../src/policy/policy-file.js";

const POLICY = parsePolicyFile(
  [
    "image:",
    "  digestRequired: true",
    "  allowedRegistries: [quay.io]",
    "  disallowedTags: [latest]",
    "forbidden:",
    "  tools: [curl, nc]",
    "  packages: ['py3-*']",
    "",
  ].join("\n"),
  "fuzz-policy.yaml",
);

const KEYWORDS = [
  "FROM",
  "RUN",
  "COPY",
  "ADD",
  "ENV",
  "ARG",
  "USER",
  "WORKDIR",
  "CMD",
  "ENTRYPOINT",
  "SHELL",
  "ONBUILD",
  "LABEL",
  "EXPOSE",
  "HEALTHCHECK",
  "STOPSIGNAL",
  "VOLUME",
  "MAINTAINER",
  "from",
  "run",
  "BOGUS",
];

const FRAGMENTS = [
  "debian:12",
  "alpine:latest",
  `\${BASE}`,
  "$X",
  "@sha256:",
  "AS build",
  "--from=build",
  "--from=0",
  "--mount=type=cache,target=/root/.cache",
  "--chmod=600",
  "--checksum=sha256:00",
  "https://example.com/x",
  "apt-get install -y curl",
  "apk add --no-cache nc",
  "dnf install -y strace",
  "&&",
  "||",
  ";",
  "|",
  "$(",
  "`",
  ")",
  "<<EOF",
  "<<-'EOT'",
  '<< "X"',
  "EOF",
  "[",
  "]",
  '["a", "b"]',
  '["unterminated',
  "\\",
  '"',
  "'",
  "#",
  "# hadolint ignore=DL3008,SS2004",
  "# hadolint shell=bash",
  "# escape=`",
  "=",
  "PASSWORD=hunter2",
  "id_rsa",
  ".env",
  "/usr/bin/*",
  "/",
  "root",
  "0:0",
  "\t",
  "é",
  "\u0000",
  "\uFEFF",
  "\r",
];

const word = fc.oneof(
  fc.constantFrom(...FRAGMENTS),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: "binary", maxLength: 6 }),
);
const args = fc.array(word, { maxLength: 8 }).map((w) => w.join(" "));
const instruction = fc
  .tuple(fc.constantFrom(...KEYWORDS), args, fc.constantFrom("", " \\", "\n", "\\\n"))
  .map(([k, a, tail]) => `${k} ${a}${tail}`);
const heredoc = fc
  .tuple(
    fc.constantFrom("RUN", "COPY", "ADD"),
    fc.constantFrom("<<EOF", "<<-EOF", "<< 'EOF'", '<<"EOF"', "<<EOF <<EOT", "<<EOF cat"),
    fc.array(fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom("EOF", "\tEOF", "EOT", "RUN x")), {
      maxLength: 6,
    }),
    fc.boolean(),
  )
  .map(([k, marker, body, closed]) => `${k} ${marker}\n${body.join("\n")}${closed ? "\nEOF" : ""}`);
const dockerfileText = fc
  .array(fc.oneof({ weight: 4, arbitrary: instruction }, { weight: 1, arbitrary: heredoc }), {
    maxLength: 14,
  })
  .map((lines) => lines.join("\n"));

/** Lint, and fail the property on anything but findings or a ShipshapeError. */
async function lintsOrFailsCleanly(
  text: string,
  withPolicy: boolean,
  target?: string,
  budgetMs = 5_000,
): Promise<void> {
  const started = performance.now();
  try {
    const findings = await lintDockerfile(
      text,
      {},
      { shellcheck: false, ...(withPolicy ? { policy: POLICY } : {}), ...(target ? { target } : {}) },
    );
    for (const f of findings) {
      expect(f.rule).toMatch(/^(DL|SS|SC)\d{4}$/);
      expect(Number.isInteger(f.line) && f.line >= 1).toBe(true);
      expect(["error", "warning", "info", "style"]).toContain(f.severity);
    }
  } catch (err) {
    if (!isShipshapeError(err)) throw err;
    expect(err.message).not.toContain("\n");
  }
  expect(performance.now() - started).toBeLessThan(budgetMs);
}

describe("lint engine fuzzing", () => {
  it("random instruction sequences and heredocs", async () => {
    await fc.assert(
      fc.asyncProperty(
        dockerfileText,
        fc.boolean(),
        fc.option(fc.constantFrom("build", "x", "0")),
        (text, p, t) => lintsOrFailsCleanly(text, p, t ?? undefined),
      ),
      { numRuns: 300 },
    );
  }, 120_000);

  it("arbitrary text, including binary noise", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "binary", maxLength: 400 }), (text) =>
        lintsOrFailsCleanly(text, true),
      ),
      { numRuns: 200 },
    );
  }, 120_000);

  it("very long lines, deep nesting and continuation storms stay fast", async () => {
    const hostile = [
      `FROM alpine:3.20\nRUN ${"echo x && ".repeat(20_000)}true`,
      `FROM alpine:3.20\nRUN ${"$(".repeat(5_000)}x${")".repeat(5_000)}`,
      `FROM alpine:3.20\nRUN ${"(".repeat(5_000)}`,
      `FROM alpine:3.20\n${"RUN a \\\n".repeat(20_000)}`,
      // DL3044 was quadratic in an ENV's pairs (50,000 took 200 s); it is one pass now.
      `FROM alpine:3.20\nENV ${"A=b ".repeat(50_000)}`,
      `FROM alpine:3.20\nENV ${Array.from({ length: 50_000 }, (_, i) => `V${i}=\${V${i + 1}}`).join(" ")}`,
      `FROM ${"a".repeat(300_000)}`,
      `FROM alpine:3.20\nCOPY ${"x ".repeat(100_000)}/dst`,
      `FROM alpine:3.20\nRUN <<EOF\n${"line\n".repeat(100_000)}`,
      `${"FROM alpine:3.20 AS s\n".repeat(2_000)}COPY --from=s / /`,
      `FROM alpine:3.20\nLABEL ${'"'.repeat(100_000)}`,
      `# escape=\`\nFROM alpine:3.20\nRUN echo \`\n  ${"`".repeat(10_000)}`,
    ];
    // Each of these is far beyond a real Dockerfile; 15 s each leaves room for a slow CI machine.
    for (const text of hostile) await lintsOrFailsCleanly(text, true, undefined, 15_000);
  }, 120_000);

  it("more than the size limit is a ShipshapeError, not a crash", async () => {
    const huge = `FROM alpine\n${"#".repeat(9 * 1024 * 1024)}`;
    await expect(lintDockerfile(huge, {}, { shellcheck: false })).rejects.toSatisfy(isShipshapeError);
  });
});
