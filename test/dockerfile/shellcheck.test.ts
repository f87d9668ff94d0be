/**
 * ShellCheck's findings through the engine, with Debian's real `shellcheck` binary (CI installs it;
 * a missing binary fails here loudly instead of skipping). What hadolint does (HADOLINT-RULES.md,
 * "ShellCheck integration") is the expectation: SC codes at the RUN's first line, the shell from
 * SHELL or `# hadolint shell=`, reset at FROM and inherited by `FROM <stage>`, ARG/ENV names exported,
 * exec form and non-POSIX shells skipped, pragmas and `ignored` applied.
 *
 * The two ShellCheck facts the cases rely on (shellcheck's wiki): SC3003 — `$'..'` is undefined in
 * POSIX sh (not reported for bash); SC2154 — a lowercase variable referenced but never assigned.
 */
import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { beforeAll, describe, expect, it } from "vitest";
import type { LintConfig } from "../../src/dockerfile/config.js";
import { lintDockerfile } from "../../src/dockerfile/lint.js";
import { findShellcheck } from "../../src/dockerfile/shellcheck.js";

let binary: string;
beforeAll(() => {
  const found = findShellcheck();
  if (found === null)
    throw new Error("shellcheck is not on PATH: apt-get install shellcheck (Debian's package)");
  binary = found;
});

async function sc(lines: readonly string[], config: LintConfig = {}): Promise<[number, string][]> {
  const found = await lintDockerfile(`${lines.join("\n")}\n`, config, { shellcheck: binary });
  return found.filter((f) => f.rule.startsWith("SC")).map((f) => [f.line, f.rule]);
}

describe("ShellCheck on RUN", () => {
  it("reports at the first line of a multi-line RUN", async () => {
    expect(
      await sc([
        "FROM alpine:3.20",
        "",
        "RUN set -e; \\",
        "    apk add --no-cache curl; \\",
        "    echo $'done'",
      ]),
    ).toEqual([[3, "SC3003"]]);
  });

  it("reports each RUN at its own line", async () => {
    expect(await sc(["FROM alpine:3.20", "RUN echo $'a'", "RUN true", "RUN echo $'b'"])).toEqual([
      [2, "SC3003"],
      [4, "SC3003"],
    ]);
  });

  it("a heredoc RUN is checked as its body, at the RUN's line", async () => {
    expect(await sc(["FROM alpine:3.20", "RUN <<EOF", "echo $'x'", "EOF"])).toEqual([[2, "SC3003"]]);
  });

  it("`# hadolint shell=bash` makes ShellCheck read bash", async () => {
    expect(await sc(["FROM alpine:3.20", "# hadolint shell=bash", "RUN echo $'x'"])).toEqual([]);
  });

  it("SHELL sets the shell until the next FROM; FROM <stage> inherits it", async () => {
    expect(
      await sc([
        "FROM debian:12 AS base",
        'SHELL ["/bin/bash", "-o", "pipefail", "-c"]',
        "RUN echo $'bash'",
        "FROM debian:12",
        "RUN echo $'sh again'",
        "FROM base",
        "RUN echo $'inherited bash'",
      ]),
    ).toEqual([[5, "SC3003"]]);
  });

  it("non-POSIX shells and exec form are not checked", async () => {
    expect(await sc(["FROM mcr.microsoft.com/powershell", 'SHELL ["pwsh", "-c"]', "RUN echo $'x'"])).toEqual(
      [],
    );
    expect(await sc(["FROM alpine:3.20", 'RUN ["sh", "-c", "echo $\'x\'"]'])).toEqual([]);
  });

  it("ARG and ENV names of the stage are known to ShellCheck", async () => {
    expect(await sc(["FROM alpine:3.20", 'RUN echo "$version"'])).toEqual([[2, "SC2154"]]);
    expect(await sc(["FROM alpine:3.20", "ARG version", 'RUN echo "$version"'])).toEqual([]);
    expect(await sc(["FROM alpine:3.20", "ENV version=1", 'RUN echo "$version"'])).toEqual([]);
    // A new stage forgets them.
    expect(await sc(["FROM alpine:3.20", "ARG version", "FROM alpine:3.20", 'RUN echo "$version"'])).toEqual([
      [4, "SC2154"],
    ]);
  });

  it("ONBUILD RUN is checked too", async () => {
    expect(await sc(["FROM alpine:3.20", "ONBUILD RUN echo $'x'"])).toEqual([[2, "SC3003"]]);
  });

  it("inline pragmas and the configuration's ignored list apply to SC codes", async () => {
    const text = ["FROM alpine:3.20", "# hadolint ignore=SC3003", "RUN echo $'a'", "RUN echo $'b'"];
    expect(await sc(text)).toEqual([[4, "SC3003"]]);
    expect(await sc(text, { ignored: ["SC3003"] })).toEqual([]);
    const over = await lintDockerfile(
      `${text.join("\n")}\n`,
      { override: { error: ["SC3003"] } },
      { shellcheck: binary },
    );
    expect(over.filter((f) => f.rule === "SC3003").map((f) => f.severity)).toEqual(["error"]);
  });

  it("ShellCheck's own severity is kept (SC3003 is a warning, SC2086 info)", async () => {
    // SC2086 on the unquoted `$1` (an ARG would be exported with a constant value ShellCheck trusts).
    const found = await lintDockerfile("FROM alpine:3.20\nRUN echo $'a' $1\n", {}, { shellcheck: binary });
    const sev = Object.fromEntries(
      found.filter((f) => f.rule.startsWith("SC")).map((f) => [f.rule, f.severity]),
    );
    expect(sev).toEqual({ SC3003: "warning", SC2086: "info" });
  });

  it("a missing or failing binary gives no SC findings and no error", async () => {
    const text = "FROM alpine:3.20\nRUN echo $'x'\n";
    for (const bad of ["/nonexistent/shellcheck", "/bin/false"]) {
      const found = await lintDockerfile(text, {}, { shellcheck: bad });
      expect(found.some((f) => f.rule.startsWith("SC"))).toBe(false);
    }
  });

  it("leaves no temporary files behind", async () => {
    const ours = () => readdirSync(tmpdir()).filter((n) => n.startsWith("shipshape-shellcheck-")).length;
    const before = ours();
    await sc(["FROM alpine:3.20", "RUN echo $'x'", "RUN echo $'y'"]);
    expect(ours()).toBe(before);
  });
});
