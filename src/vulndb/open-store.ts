/**
 * Which vulnerability database a command uses (DESIGN.md, "Where state lives"): `--db PATH|postgres://…`,
 * else env SHIPSHAPE_DB, else `$XDG_CACHE_HOME/shipshape/db.sqlite` (`~/.cache/…`). SQLite users never
 * load the PostgreSQL code or pg; a postgres URL's credentials never reach `location` or a message.
 */
import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { ShipshapeError } from "../errors.js";
import { isPostgresUrl } from "../postgres/url.js";
import { SqliteStore } from "./sqlite-store.js";
import type { VulnStore } from "./store.js";

export type StoreChoice =
  | { kind: "sqlite"; path: string; from: "--db" | "SHIPSHAPE_DB" | "default" }
  | { kind: "postgres"; url: string; from: "--db" | "SHIPSHAPE_DB" };

/** `$XDG_CACHE_HOME/shipshape/db.sqlite`, or `~/.cache/shipshape/db.sqlite` (a relative XDG path is ignored, per the spec). */
export function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), ".cache");
  return join(base, "shipshape", "db.sqlite");
}

/** Decide without opening anything (also what `db status` can print before connecting). */
export function chooseStore(dbOption?: string, env: NodeJS.ProcessEnv = process.env): StoreChoice {
  if (dbOption !== undefined && dbOption.trim() === "") {
    throw new ShipshapeError("usage", "--db needs a file path or a postgres:// URL");
  }
  const from = dbOption !== undefined ? "--db" : env.SHIPSHAPE_DB ? "SHIPSHAPE_DB" : "default";
  const value = dbOption ?? (env.SHIPSHAPE_DB || undefined);
  if (from === "default" || value === undefined)
    return { kind: "sqlite", path: defaultDbPath(env), from: "default" };
  if (isPostgresUrl(value)) return { kind: "postgres", url: value, from };
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value);
  if (scheme) {
    throw new ShipshapeError(
      "usage",
      `${from} names a ${scheme[1]}:// database; shipshape uses a SQLite file path or a postgres:// URL`,
    );
  }
  const expanded =
    value === "~" || value.startsWith("~/") ? join(env.HOME || homedir(), value.slice(1)) : value;
  return { kind: "sqlite", path: resolve(expanded), from };
}

export interface OpenStoreOptions {
  /**
   * For `db update` / `db import`: a database of another schema version reads as empty instead of
   * being refused, so a build can replace it (and carries nothing over from it).
   */
  forBuild?: boolean;
}

export async function openStore(
  dbOption?: string,
  env: NodeJS.ProcessEnv = process.env,
  options: OpenStoreOptions = {},
): Promise<VulnStore> {
  const choice = chooseStore(dbOption, env);
  const forBuild = options.forBuild === true;
  if (choice.kind === "sqlite") return SqliteStore.open(choice.path, { forBuild });
  const { PostgresStore } = await import("./postgres-store.js");
  return PostgresStore.open(choice.url, { env, forBuild });
}
