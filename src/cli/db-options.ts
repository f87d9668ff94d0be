/**
 * The flags every command that reads the vulnerability database shares (`db …`, `scan`): where it is
 * (`--db`) and how old it may be (`--max-db-age`, `--ci`, `--skip-db-age-check`).
 */
import { homedir } from "node:os";
import { join } from "node:path";
import { type Command, Option } from "commander";
import { ShipshapeError } from "../errors.js";
import { type AgeCheckOptions, ciFromEnv, parseDuration } from "../vulndb/freshness.js";
import { SqliteStore } from "../vulndb/sqlite-store.js";
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

/** `--db`, else $SHIPSHAPE_DB, else $XDG_CACHE_HOME/shipshape/db.sqlite. */
export function dbLocation(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag !== undefined && flag !== "") return flag;
  if (env.SHIPSHAPE_DB) return env.SHIPSHAPE_DB;
  const base = env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "shipshape", "db.sqlite");
}

export async function openDb(flags: DbFlags): Promise<VulnStore> {
  const location = dbLocation(flags.db);
  if (/^postgres(ql)?:\/\//i.test(location)) {
    throw new ShipshapeError("usage", "--db postgres://… is not available in this build yet");
  }
  return SqliteStore.open(location);
}

export function maxAgeFrom(flags: DbAgeFlags, env: NodeJS.ProcessEnv = process.env): number | undefined {
  if (flags.maxDbAge !== undefined) return parseDuration(flags.maxDbAge, "--max-db-age");
  if (env.SHIPSHAPE_DB_MAX_AGE) return parseDuration(env.SHIPSHAPE_DB_MAX_AGE, "SHIPSHAPE_DB_MAX_AGE");
  return undefined;
}

export function ageCheckFrom(flags: DbAgeFlags, env: NodeJS.ProcessEnv = process.env): AgeCheckOptions {
  return { ci: flags.ci === true || ciFromEnv(env), skipAgeCheck: flags.skipDbAgeCheck === true };
}
