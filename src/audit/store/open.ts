/**
 * Which audit store a command uses: `--store PATH|sqlite:PATH|postgres://…`, else env SHIPSHAPE_AUDIT_STORE,
 * else `$XDG_CACHE_HOME/shipshape/audit.sqlite` (`~/.cache/…`). SQLite users never load pg.
 */
import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { ShipshapeError } from "../../errors.js";
import type { AuditStore } from "./records.js";
import { SqliteAuditStore } from "./sqlite.js";

export function defaultAuditStorePath(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), ".cache");
  return join(base, "shipshape", "audit.sqlite");
}

export async function openAuditStore(
  storeOption?: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<AuditStore> {
  if (storeOption !== undefined && storeOption.trim() === "") {
    throw new ShipshapeError("usage", "--store needs a file path or a postgres:// URL");
  }
  const value = storeOption ?? (env.SHIPSHAPE_AUDIT_STORE || undefined);
  if (value === undefined) return SqliteAuditStore.open(defaultAuditStorePath(env));
  if (/^postgres(ql)?:\/\//i.test(value)) {
    const { PostgresAuditStore } = await import("./postgres.js");
    return PostgresAuditStore.open(value, env);
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value);
  if (scheme) {
    throw new ShipshapeError(
      "usage",
      `--store names a ${scheme[1]}:// store; shipshape keeps audit data in a SQLite file path or a postgres:// URL`,
    );
  }
  // `sqlite:PATH` is how the store names itself in ingest's output: accept it back as that file.
  const path = /^sqlite:/i.test(value) ? value.slice("sqlite:".length) : value;
  if (path === "") throw new ShipshapeError("usage", "--store sqlite: needs a file path after the colon");
  const expanded = path === "~" || path.startsWith("~/") ? join(env.HOME || homedir(), path.slice(1)) : path;
  return SqliteAuditStore.open(resolve(expanded));
}
