/**
 * ShellCheck's findings on RUN instructions, as hadolint reports them (HADOLINT-RULES.md "ShellCheck
 * integration", src/Hadolint/Shell.hs): when a `shellcheck` binary is on PATH (Debian's package),
 * every shell-form RUN (and ONBUILD RUN) is checked as the script
 *     #!<shell>                       the SHELL's program (default /bin/sh) or `# hadolint shell=`
 *     export NAME=1                   each ARG/ENV seen so far in the stage, plus the proxy variables
 *     <the RUN's script>
 * skipping non-POSIX shells (pwsh, powershell, cmd) and scripts whose own shebang names another
 * interpreter, with SC2187, SC1090 and SC1091 excluded. A FROM resets shell and variables (a FROM of
 * an earlier stage starts from that stage's). Each finding is `SCxxxx` at the RUN's first line with
 * ShellCheck's severity. All scripts of a file go to ONE shellcheck process (files in a private temp
 * folder, removed afterwards). No binary, or a binary that fails: no SC findings, no error.
 */
import { execFile } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import type { Instruction, ParsedDockerfile } from "./parse.js";
import type { Pragmas } from "./pragmas.js";
import type { ReportedSeverity } from "./rule.js";
import { isShellForm, runScript } from "./run-script.js";
import { splitWords } from "./words.js";

export interface ShellcheckFinding {
  readonly rule: string;
  readonly line: number;
  readonly severity: ReportedSeverity;
  readonly message: string;
}

const DEFAULT_SHELL = "/bin/sh -c";
const PROXY_VARIABLES = [
  "HTTP_PROXY",
  "http_proxy",
  "HTTPS_PROXY",
  "https_proxy",
  "FTP_PROXY",
  "ftp_proxy",
  "NO_PROXY",
  "no_proxy",
];
const EXCLUDED = ["SC2187", "SC1090", "SC1091"];
const NON_POSIX = ["pwsh", "powershell", "cmd"];
const POSIX_SHEBANG = /^#!\s*(?:\S*\/)?(?:env\s+)?(?:sh|bash|ksh|dash|ash|mksh)\b/;
const TIMEOUT_MS = 60_000;

/** The `shellcheck` executable on PATH, or null. */
export function findShellcheck(env: NodeJS.ProcessEnv = process.env): string | null {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, "shellcheck");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

interface ShellState {
  shell: string;
  vars: Set<string>;
}

interface Job {
  readonly line: number;
  readonly script: string;
}

/** ENV `a=b c=d` or `ENV a b`: the names it sets. */
function envNames(args: string): string[] {
  const words = splitWords(args);
  if (words.length > 0 && !words[0]!.includes("=")) return [words[0]!];
  return words.filter((w) => w.includes("=")).map((w) => w.slice(0, w.indexOf("=")));
}

/** The scripts ShellCheck should see, with the RUN line each belongs to. */
export function shellcheckJobs(file: ParsedDockerfile, pragmas: Pragmas): Job[] {
  const jobs: Job[] = [];
  const stageStates = new Map<string, ShellState>();
  let state: ShellState = { shell: DEFAULT_SHELL, vars: new Set(PROXY_VARIABLES) };
  let pragmaIndex = 0;
  const visit = (i: Instruction) => {
    switch (i.keyword) {
      case "ARG": {
        const name = splitWords(i.args)[0]?.split("=")[0];
        if (name) state.vars.add(name);
        return;
      }
      case "ENV":
        for (const n of envNames(i.args)) state.vars.add(n);
        return;
      case "SHELL":
        if (i.execForm !== null && i.execForm.length > 0) state.shell = i.execForm.join(" ");
        return;
      case "RUN": {
        if (!isShellForm(i)) return;
        const program = state.shell.trim().split(/\s+/)[0] ?? "";
        if (NON_POSIX.some((p) => program.toLowerCase().includes(p))) return;
        const body = runScript(i);
        if (body.startsWith("#!") && !POSIX_SHEBANG.test(body)) return;
        const exports = [...state.vars]
          .sort()
          .map((v) => `export ${v}=1\n`)
          .join("");
        // An absolute shebang: ShellCheck takes the dialect from its name, and a bare `#!bash` (from
        // `# hadolint shell=bash`) would be reported as SC2239, a problem of our script, not the RUN's.
        const shebang = program.includes("/") ? program : `/bin/${program}`;
        jobs.push({ line: i.line, script: `#!${shebang}\n${exports}${body}\n` });
        return;
      }
    }
  };
  for (const i of file.instructions) {
    while (pragmaIndex < pragmas.shells.length && pragmas.shells[pragmaIndex]!.line < i.line) {
      state.shell = pragmas.shells[pragmaIndex]!.shell;
      pragmaIndex++;
    }
    if (i.from !== null) {
      const base = stageStates.get(i.from.image.toLowerCase());
      state = base
        ? { shell: base.shell, vars: new Set(base.vars) }
        : { shell: DEFAULT_SHELL, vars: new Set(PROXY_VARIABLES) };
      if (i.from.alias !== null) stageStates.set(i.from.alias.toLowerCase(), state);
      continue;
    }
    visit(i);
    if (i.trigger !== null) visit(i.trigger);
  }
  return jobs;
}

interface Json1 {
  comments?: { file?: unknown; code?: unknown; level?: unknown; message?: unknown }[];
}

const LEVELS: Record<string, ReportedSeverity> = {
  error: "error",
  warning: "warning",
  info: "info",
  style: "style",
};

/** Run ShellCheck once over all RUN scripts of the file; [] without a usable binary. */
export async function runShellcheck(
  file: ParsedDockerfile,
  pragmas: Pragmas,
  binary: string | null = findShellcheck(),
): Promise<ShellcheckFinding[]> {
  if (binary === null) return [];
  const jobs = shellcheckJobs(file, pragmas);
  if (jobs.length === 0) return [];
  const dir = await mkdtemp(join(tmpdir(), "shipshape-shellcheck-"));
  try {
    const names = jobs.map((_, n) => join(dir, `run-${n}.sh`));
    await Promise.all(jobs.map((job, n) => writeFile(names[n]!, job.script)));
    const stdout = await new Promise<string>((resolve) => {
      execFile(
        binary,
        ["--format=json1", "--norc", `--exclude=${EXCLUDED.join(",")}`, ...names],
        { timeout: TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024, encoding: "utf8" },
        // Exit 1 means "found something"; any other failure leaves stdout empty or partial.
        (_err, out) => resolve(typeof out === "string" ? out : ""),
      );
    });
    let parsed: Json1;
    try {
      parsed = JSON.parse(stdout) as Json1;
    } catch {
      return [];
    }
    const lineOf = new Map(names.map((name, n) => [name, jobs[n]!.line]));
    const seen = new Set<string>();
    const findings: ShellcheckFinding[] = [];
    for (const c of parsed.comments ?? []) {
      const line = typeof c.file === "string" ? lineOf.get(c.file) : undefined;
      if (line === undefined || typeof c.code !== "number" || typeof c.message !== "string") continue;
      const severity = LEVELS[String(c.level)] ?? "error";
      const finding = { rule: `SC${c.code}`, line, severity, message: c.message };
      const key = `${finding.rule}\0${line}\0${severity}\0${finding.message}`;
      if (seen.has(key)) continue; // hadolint keeps a set per RUN
      seen.add(key);
      findings.push(finding);
    }
    return findings;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
