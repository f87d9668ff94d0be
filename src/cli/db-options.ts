/**
 * The flags every command that reads the vulnerability database shares (`db …`, `scan`): where it is
 * (`--db`) and how old it may be (`--max-db-age`, `--ci`, `--skip-db-age-check`).
 */
import { type Command, Option } from "commander";
import { type AgeCheckOptions, ciFromEnv, parseDuration } from "../vulndb/freshness.js";
import { openStore } from "../vulndb/open-store.js";
import type { VulnStore } from "../vulndb/store.js";

export interface DbFlags {
  db?: string;
}

export interface DbAgeFlags {
  maxDbAge?: string;
  ci?: boolean;
  skipDbAgeCheck?: boolean;
}

export function addDbOption(cmd: Command): Command {
  return cmd.option(
    "--db <path|postgres://…>",
    "vulnerability database (default: $SHIPSHAPE_DB, else ~/.cache/shipshape/db.sqlite)",
  );
}

export function addDbAgeOptions(cmd: Command): Command {
  return cmd
    .option(
      "--max-db-age <duration>",
      "warn when the database is older than this (e.g. 12h, 3d; default 24h, 7d for a db import database; env SHIPSHAPE_DB_MAX_AGE)",
    )
    .option("--ci", "CI mode: a database over its maximum age is an error (also when env CI=true)")
    .addOption(new Option("--skip-db-age-check", "accept a database over its maximum age, even in CI mode"));
}

/**
 * Open the database `--db` names (else $SHIPSHAPE_DB, else ~/.cache/shipshape/db.sqlite; see
 * vulndb/open-store.ts). `forBuild`: for db update/import, a database of another schema version
 * reads as empty so the build can replace it.
 */
export async function openDb(flags: DbFlags, options: { forBuild?: boolean } = {}): Promise<VulnStore> {
  return openStore(flags.db, process.env, { forBuild: options.forBuild === true });
}

export function maxAgeFrom(flags: DbAgeFlags, env: NodeJS.ProcessEnv = process.env): number | undefined {
  if (flags.maxDbAge !== undefined) return parseDuration(flags.maxDbAge, "--max-db-age");
  if (env.SHIPSHAPE_DB_MAX_AGE) return parseDuration(env.SHIPSHAPE_DB_MAX_AGE, "SHIPSHAPE_DB_MAX_AGE");
  return undefined;
}

export function ageCheckFrom(flags: DbAgeFlags, env: NodeJS.ProcessEnv = process.env): AgeCheckOptions {
  return { ci: flags.ci === true || ciFromEnv(env), skipAgeCheck: flags.skipDbAgeCheck === true };
}
