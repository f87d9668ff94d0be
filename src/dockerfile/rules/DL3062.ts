/**
 * DL3062 (hadolint): `go install`/`go get`/`go run` of a module without a version (`pkg@v1.2.3`;
 * `@latest` and `@none` are no versions). Local paths (`.`, `./x`, `/x`) are not judged; for
 * `go run` only the package is (what follows it is the program's arguments).
 */
import { runRule } from "../rule.js";
import { argsNoFlags, cmdsHaveArgs, type ParsedShell } from "../shell.js";

function packages(shell: ParsedShell): string[] {
  const run: string[] = [];
  const get: string[] = [];
  for (const cmd of shell.commands) {
    if (cmdsHaveArgs(cmd, ["go"], ["run"])) {
      argsNoFlags(cmd).forEach((a, n) => {
        if (a !== "run" && n <= 1) run.push(a);
      });
    }
    if (cmdsHaveArgs(cmd, ["go"], ["install", "get"])) {
      for (const a of argsNoFlags(cmd)) if (!["install", "get", "tool"].includes(a)) get.push(a);
    }
  }
  return run.length > 0 ? run : get;
}

const local = (p: string) => p.startsWith("/") || p.startsWith(".");
const versioned = (p: string) => p.includes("@") && !p.endsWith("@latest") && !p.endsWith("@none");

export const DL3062 = runRule({
  code: "DL3062",
  severity: "warning",
  message: "Pin versions in go. Instead of `go install <package>` use `go install <package>@<version>`",
  test: (shell) => !packages(shell).every((p) => local(p) || versioned(p)),
});
