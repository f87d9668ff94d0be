/**
 * The `shipshape` command: commander wiring only. Every command's action either returns normally
 * (exit 0 unless it set process.exitCode) or throws; a ShipshapeError becomes one line on stderr and
 * its exit code, anything else an "internal error" with exit 2 — never a stack trace for bad input.
 */
import { Command, CommanderError } from "commander";
import { EXIT_ERROR, isShipshapeError } from "../errors.js";
import { VERSION } from "../version.js";
import { auditCommand } from "./commands/audit.js";
import { checkCommand } from "./commands/check.js";
import { dbCommand } from "./commands/db.js";
import { inspectCommand } from "./commands/inspect.js";
import { lintCommand } from "./commands/lint.js";
import { sbomCommand } from "./commands/sbom.js";
import { scanCommand } from "./commands/scan.js";

export function buildProgram(): Command {
  const program = new Command("shipshape")
    .description(
      "Keep Kubernetes and OpenShift clusters' container images secure: read any image and inspect it; " +
        "lint, scan, grade and govern images as the project grows.",
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
  program.addCommand(inspectCommand().exitOverride());
  program.addCommand(sbomCommand().exitOverride());
  program.addCommand(scanCommand().exitOverride());
  program.addCommand(checkCommand().exitOverride());
  program.addCommand(lintCommand().exitOverride());
  program.addCommand(dbCommand().exitOverride());
  program.addCommand(auditCommand().exitOverride());
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
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
