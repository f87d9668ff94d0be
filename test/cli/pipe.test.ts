/**
 * Output into a pipe whose reader goes away early (`shipshape … | head -1`): the CLI ends quietly
 * with 141 (128 + SIGPIPE, as git and cat do), never with a stack trace. The real `head` reads one
 * line and exits; bash's PIPESTATUS gives the CLI's own exit code.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { repoPath } from "../helpers/shared.js";

function throughHead(args: string): { code: number; firstLine: string; stderr: string } {
  const bin = repoPath("bin", "shipshape.js");
  // Long help text, written in one go after head has already exited on its first line.
  const script = `"${process.execPath}" "${bin}" ${args} | (head -1; sleep 0.2); echo "cli=\${PIPESTATUS[0]}" >&2`;
  const r = spawnSync("bash", ["-c", script], { encoding: "utf8", timeout: 60_000 });
  const code = /cli=(\d+)/.exec(r.stderr)?.[1];
  return {
    code: Number(code ?? -1),
    firstLine: r.stdout.split("\n")[0] ?? "",
    stderr: r.stderr.replace(/cli=\d+\n?$/, ""),
  };
}

describe("a closed output pipe", () => {
  it("ends the CLI with 141 and no stack trace", () => {
    const r = spawnSync(
      "bash",
      [
        "-c",
        `"${process.execPath}" "${repoPath("bin", "shipshape.js")}" lint --no-shellcheck --format json - | head -c 1 >/dev/null; echo "cli=\${PIPESTATUS[0]}" >&2`,
      ],
      {
        encoding: "utf8",
        input: `FROM debian\n${"RUN apt-get install curl\n".repeat(2_000)}`,
        timeout: 60_000,
      },
    );
    const code = Number(/cli=(\d+)/.exec(r.stderr)?.[1] ?? -1);
    expect(r.stderr).not.toMatch(/EPIPE|Unhandled|at .*\.js:\d+/);
    // About 1 MB of JSON against a 64 KiB pipe: the write outlives head, always.
    expect(code).toBe(141);
  });

  it("--help into head -1: the first line, then 141, nothing on stderr", () => {
    const r = throughHead("lint --help");
    expect(r.firstLine).toMatch(/^Usage: shipshape lint/);
    expect(r.stderr).toBe("");
    expect([0, 141]).toContain(r.code);
  });
});

describe("commands load lazily", () => {
  it("top-level help still lists every command; a command's own help works alone", () => {
    const bin = repoPath("bin", "shipshape.js");
    const help = spawnSync(process.execPath, [bin, "--help"], { encoding: "utf8" });
    expect(help.status).toBe(0);
    const listed = [...help.stdout.matchAll(/^ {2}([a-z]+) /gm)].map((m) => m[1]);
    expect(listed).toEqual(["inspect", "sbom", "scan", "check", "lint", "db", "audit", "help"]);
    // --version builds no command at all, and still prints package.json's version.
    const version = JSON.parse(readFileSync(repoPath("package.json"), "utf8")).version as string;
    for (const flag of ["--version", "-V"]) {
      const v = spawnSync(process.execPath, [bin, flag], { encoding: "utf8" });
      expect(v.status).toBe(0);
      expect(v.stdout.trim()).toBe(version);
    }
    for (const name of ["inspect", "audit"]) {
      const own = spawnSync(process.execPath, [bin, name, "--help"], { encoding: "utf8" });
      expect(own.status).toBe(0);
      expect(own.stdout).toMatch(new RegExp(`^Usage: shipshape ${name} `));
    }
  });
});
