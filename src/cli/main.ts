/**
 * The `shipshape` command: commander wiring only. Every command's action either returns normally
 * (exit 0 unless it set process.exitCode) or throws; a ShipshapeError becomes one line on stderr and
 * its exit code, anything else an "internal error" with exit 2 — never a stack trace for bad input.
 */
import { Command, CommanderError } from "commander";
import { EXIT_ERROR, isShipshapeError } from "../errors.js";
import { VERSION } from "../version.js";
import { recordCommandLine } from "./output-memo.js";

/**
 * Each command's module, loaded only when needed: a run of `shipshape inspect` loads inspect's
 * module and not scan's, audit's or db's (with their YAML, purl and SQLite imports — about 40 ms of
 * module loading on a one-second command). Help without a command loads them all. In help order.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  inspect: async () => (await import("./commands/inspect.js")).inspectCommand(),
  sbom: async () => (await import("./commands/sbom.js")).sbomCommand(),
  scan: async () => (await import("./commands/scan.js")).scanCommand(),
  check: async () => (await import("./commands/check.js")).checkCommand(),
  lint: async () => (await import("./commands/lint.js")).lintCommand(),
  db: async () => (await import("./commands/db.js")).dbCommand(),
  audit: async () => (await import("./commands/audit.js")).auditCommand(),
};

/** The program with every command, or only `only` when the command line names one. */
export async function buildProgram(only?: string): Promise<Command> {
  const program = new Command("shipshape")
    .description(
      "Keep Kubernetes and OpenShift clusters' container images secure: read any image, list its packages, " +
        "scan them for vulnerabilities, check its hygiene, grade it A–F and judge it by a policy; lint " +
        "Containerfiles; detect security events in Kubernetes and auditd audit logs.",
    )
    .version(VERSION, "-V, --version")
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .exitOverride()
    .addHelpText(
      "after",
      `
Exit codes:
  0  success (or policy passed)
  1  policy failed / findings at or over the threshold
  2  usage error, or an input that could not be read completely

Environment:
  SHIPSHAPE_CACHE_DIR         layer cache (default $XDG_CACHE_HOME/shipshape/layers)
  SHIPSHAPE_DB                vulnerability database: a path or postgres://… (default
                              $XDG_CACHE_HOME/shipshape/db.sqlite)
  SHIPSHAPE_DB_MIRROR, SHIPSHAPE_DB_MIRROR_CONFIG   where db update downloads feeds from
  SHIPSHAPE_DB_MAX_AGE        how old the database may be before a warning (CI: an error)
  CI=true                     CI mode: a stale database or a coverage gap is an error
  REGISTRY_AUTH_FILE, DOCKER_CONFIG   where registry credentials are read from`,
    );
  const names =
    only === "--version" || only === "-V"
      ? [] // the version alone needs no command
      : only !== undefined && Object.hasOwn(COMMANDS, only)
        ? [only]
        : Object.keys(COMMANDS);
  const commands = await Promise.all(names.map((name) => COMMANDS[name]!()));
  for (const command of commands) program.addCommand(command.exitOverride());
  return program;
}

export async function main(argv: string[]): Promise<number> {
  // argv[2] is the command (shipshape has no options before it but --help and --version).
  recordCommandLine(argv.slice(2));
  const program = await buildProgram(argv[2]);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with code 0; usage errors were already printed by commander.
      return err.exitCode === 0 ? 0 : EXIT_ERROR;
    }
    if (isShipshapeError(err)) {
      process.stderr.write(`shipshape: ${err.message}\n`);
      return err.exitCode;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`shipshape: internal error: ${message.split("\n")[0]}\n`);
    if (process.env.SHIPSHAPE_DEBUG) process.stderr.write(`${err instanceof Error ? err.stack : ""}\n`);
    return EXIT_ERROR;
  }
}
